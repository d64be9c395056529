"""Progressive growing trained the MMGeneration 1.x way: ``GrowScaleImgDataset`` holds one image
folder per scale and ``PGGANFetchDataHook`` moves it (folder and batch size) with the model."""
import uuid

import cv2
import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import reelkit.datasets  # noqa: F401
import reelkit.engine  # noqa: F401
from reelkit.engine.gen import PGGANFetchDataHook
from reelkit.registry import DATASETS
from reelkit.apis import load_config
from reelkit.utils.errors import ConfigError

from test_dcgan_training import load  # the checkpoint as the runner reads it

# images per folder: different counts, so with len_per_stage=-1 the dataset length changes too
FOLDERS = {4: 6, 8: 5, 16: 3}
PIPELINE = [dict(type='LoadImageFromFile', key='img'),
            dict(type='PackGenInputs', keys=['img'], meta_keys=['img_path'])]
# 16 images at 4x4 (2 iterations of 8), 16 at 8x8 (4 iterations of 4), then 16x16 in batches of 2
NKIMGS = {'4': 0.016, '8': 0.016, '16': 1}
SAMPLES = {'4': 8, '8': 4}
ADAM = dict(type='Adam', lr=1e-3, betas=(0., 0.99))
EXPECTED = [(4, 8)] * 2 + [(8, 4)] * 4 + [(16, 2)] * 2  # (scale, batch size) of iterations 0-7


@pytest.fixture(scope='module')
def roots(tmp_path_factory):
    """``{'4': folder of 4x4 PNGs, '8': ..., '16': ...}``."""
    base = tmp_path_factory.mktemp('grow_scale')
    rng = np.random.default_rng(0)
    roots = {}
    for side, count in FOLDERS.items():
        folder = base / f'imgs_{side}'
        folder.mkdir()
        for index in range(count):
            image = rng.integers(0, 256, (side, side, 3), dtype=np.uint8)
            cv2.imwrite(str(folder / f'{index:02d}.png'), image)
        roots[str(side)] = str(folder)
    return roots


def grow_dataset(roots, **kwargs):
    init_default_scope('reelkit')
    return DATASETS.build(dict(type='GrowScaleImgDataset', data_roots=roots, pipeline=PIPELINE,
                               **kwargs))


# ----------------------------------------------------------------------------- the dataset
def test_dataset_reads_the_smallest_folder_at_least_as_large_as_the_scale(roots):
    dataset = grow_dataset({'8': roots['8'], '16': roots['16']}, gpu_samples_base=2,
                           gpu_samples_per_scale={'4': 8, '8': 4}, len_per_stage=-1)
    assert dataset.data_root == roots['8'] and dataset.samples_per_gpu == 4 and len(dataset) == 5
    assert dataset.update_annotations(4) is True  # same folder, but a new batch size
    assert dataset.data_root == roots['8'] and dataset.samples_per_gpu == 8
    assert dataset.update_annotations(torch.tensor(4, dtype=torch.int32)) is False
    assert dataset.update_annotations(16) is True
    assert (dataset.data_root, dataset.samples_per_gpu, len(dataset)) == (roots['16'], 2, 3)
    assert dataset[2]['inputs']['img'].shape == (3, 16, 16)
    with pytest.raises(ConfigError, match='no folder for scale 32'):
        dataset.update_annotations(32)


def test_len_per_stage_repeats_or_cuts_the_folder(roots):
    dataset = grow_dataset({'4': roots['4']}, len_per_stage=14)
    assert len(dataset) == 14
    assert [dataset[i]['data_samples'].img_path[-6:] for i in (0, 5, 6, 13)] == \
        ['00.png', '05.png', '00.png', '01.png']
    assert len(grow_dataset({'4': roots['4']}, len_per_stage=4)) == 4


def test_dataset_refuses_what_it_cannot_read(roots, tmp_path):
    with pytest.raises(ConfigError, match='local disk'):
        grow_dataset(roots, io_backend='petrel')
    grow_dataset(roots, io_backend='disk', file_client_args=dict(backend='disk'))  # tolerated
    with pytest.raises(ConfigError, match=r"data_roots\['4'\] .* is not a folder"):
        grow_dataset({'4': str(tmp_path / 'missing')})
    with pytest.raises(ConfigError, match='not a scale'):
        grow_dataset({'x4': roots['4']})
    with pytest.raises(ConfigError, match='interval'):
        PGGANFetchDataHook(interval=2)


# ----------------------------------------------------------------------------- training
def pggan_config(roots, work_dir, max_iters=8, **overrides):
    """A tiny PGGAN (4 -> 8 -> 16) on ``roots``, through the shipped GAN runtime."""
    cfg = load_config('gan/_base_/gen_default_runtime.py')
    cfg.merge_from_dict(dict(
        model=dict(type='ProgressiveGrowingGAN', noise_size=16,
                   data_preprocessor=dict(type='GANDataPreprocessor'),
                   nkimgs_per_scale=NKIMGS, transition_kimgs=0.008, ema_config=dict(interval=1),
                   generator=dict(type='PGGANGenerator', out_scale=16, noise_size=16,
                                  max_channels=16),
                   discriminator=dict(type='PGGANDiscriminator', in_scale=16, max_channels=16)),
        train_dataloader=dict(batch_size=64, num_workers=0,  # the hook sets the per-scale size
                              sampler=dict(type='InfiniteSampler', shuffle=True),
                              dataset=dict(type='GrowScaleImgDataset', data_roots=roots,
                                           pipeline=PIPELINE, gpu_samples_per_scale=SAMPLES,
                                           gpu_samples_base=2, len_per_stage=-1)),
        optim_wrapper=dict(constructor='PGGANOptimWrapperConstructor',
                           generator=dict(optimizer=ADAM), discriminator=dict(optimizer=ADAM)),
        model_wrapper_cfg=dict(find_unused_parameters=True),  # a stage leaves the other layers out
        custom_hooks=[dict(type='PGGANFetchDataHook', interval=1)],
        val_cfg=None, val_dataloader=None, val_evaluator=None,
        test_cfg=None, test_dataloader=None, test_evaluator=None,
        randomness=dict(seed=0), work_dir=str(work_dir), log_level='WARNING',
        experiment_name=f'pggan-test-{uuid.uuid4().hex[:8]}'))
    cfg.train_cfg.update(max_iters=max_iters, val_interval=10**6)
    cfg.default_hooks.logger.interval = 1000
    cfg.default_hooks.checkpoint.interval = 4
    cfg.merge_from_dict(overrides)
    return cfg


class _RecordGrowth(Hook):
    """Per iteration: the batch (size, image side), the dataset's folder, the model's scale and
    the side of the images the generator draws after the iteration."""
    priority = 'LOWEST'

    def __init__(self):
        self.rows = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        images = data_batch['inputs']['img']
        dataset = runner.train_loop.dataloader.dataset
        self.rows.append(dict(batch=len(images), side=images[0].shape[-1], root=dataset.data_root,
                              loader_batch=runner.train_loop.dataloader.batch_size))

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        model.eval()
        with torch.no_grad():
            drawn = model(dict(num_batches=1, sample_model='orig'))[0].fake_img.shape[-1]
        model.train()
        self.rows[-1].update(scale=int(outputs['curr_scale']), drawn=drawn)


def train(cfg):
    runner = Runner.from_cfg(cfg)
    recorder = _RecordGrowth()
    runner.register_hook(recorder)
    runner.train()
    return runner, recorder.rows


def check_growth(rows, roots, first_iter=0):
    expected = EXPECTED[first_iter:]
    assert [(row['scale'], row['batch']) for row in rows] == expected
    assert [row['side'] for row in rows] == [scale for scale, _ in expected]  # folder of each scale
    assert [row['root'] for row in rows] == [roots[str(scale)] for scale, _ in expected]
    assert [row['loader_batch'] for row in rows] == [batch for _, batch in expected]
    assert [row['drawn'] for row in rows] == [scale for scale, _ in expected]  # the generator grew


def test_pggan_grows_through_three_scales_with_the_dataset_following(roots, tmp_path):
    runner, rows = train(pggan_config(roots, tmp_path / 'work'))
    check_growth(rows, roots)
    model = runner.model
    assert float(model.shown_nkimg) == pytest.approx(0.036)
    assert int(model._curr_scale_int) == 16
    assert model(dict(num_batches=3))[0].fake_img.shape == (3, 16, 16)
    checkpoint = load(tmp_path / 'work' / 'iter_8.pth')
    assert int(checkpoint['state_dict']['_next_scale_int']) == 16


def test_resumed_growth_starts_at_the_checkpoints_scale(roots, tmp_path):
    train(pggan_config(roots, tmp_path / 'work', max_iters=4))  # stops at 8x8, two iterations in
    _, rows = train(pggan_config(roots, tmp_path / 'work', resume=True,
                                 load_from=str(tmp_path / 'work' / 'iter_4.pth')))
    check_growth(rows, roots, first_iter=4)


def test_distributed_wrapper_is_looked_through(roots, tmp_path, monkeypatch):
    import torch.distributed as dist
    monkeypatch.setenv('LOCAL_RANK', '0')
    dist.init_process_group('gloo', init_method=f'file://{tmp_path / "rendezvous"}', rank=0,
                            world_size=1)
    try:
        runner, rows = train(pggan_config(roots, tmp_path / 'work', launcher='pytorch'))
        assert is_model_wrapper(runner.model)
        check_growth(rows, roots)
    finally:
        dist.destroy_process_group()
