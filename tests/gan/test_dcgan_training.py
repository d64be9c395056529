"""DCGAN trained by MMEngine's Runner from the shipped SynthShapes config (shrunk to 16x16):
FID falls, checkpoints hold the EMA generator, grids are written, resuming is exact."""
import uuid

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import CheckpointLoader, Runner

import reelkit.engine  # noqa: F401
from reelkit.datasets.synth_shapes import generate_synth_shapes
from reelkit.apis import load_config

CONFIG = 'gan/dcgan/dcgan_1xb32-1500iters_synth-shapes-32x32.py'


@pytest.fixture(scope='module')
def shapes_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('synth_shapes_16')
    generate_synth_shapes(str(root), num_images=256, size=16)
    return str(root)


def load(path):
    """A checkpoint read the way the runner reads it."""
    return CheckpointLoader.load_checkpoint(str(path), map_location='cpu')


def shrink_run(cfg, shapes_root, work_dir, max_iters, batch_size=16, fake_nums=128, **overrides):
    """``cfg`` reading ``shapes_root``, validating and drawing grids once at ``max_iters``, quiet."""
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[name].batch_size = batch_size
        cfg[name].dataset.data_root = shapes_root
    for metric in cfg.val_evaluator.metrics + cfg.test_evaluator.metrics:
        metric.fake_nums = fake_nums
    cfg.train_cfg.update(max_iters=max_iters, val_interval=max_iters)
    cfg.default_hooks.logger.interval = 1000
    cfg.custom_hooks[0].interval = max_iters
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'gan-test-{uuid.uuid4().hex[:8]}'
    cfg.log_level = 'WARNING'
    cfg.merge_from_dict(overrides)
    return cfg


def tiny_config(shapes_root, work_dir, max_iters, **overrides):
    cfg = load_config(CONFIG)
    cfg.model.generator.update(output_scale=16, base_channels=32)
    cfg.model.discriminator.update(input_scale=16, base_channels=16)
    cfg.model.noise_size = 16
    return shrink_run(cfg, shapes_root, work_dir, max_iters, **overrides)


def test_dcgan_training_lowers_fid_and_saves_ema_and_grids(shapes_root, tmp_path, monkeypatch):
    monkeypatch.setenv('REELKIT_CACHE', str(tmp_path / 'cache'))
    cfg = tiny_config(shapes_root, tmp_path / 'work', max_iters=120)
    # evaluate at 20, 100 and 120 iterations; the tiny networks take a larger step
    cfg.train_cfg.update(val_interval=20, dynamic_intervals=[(22, 100)])
    for name in ('generator', 'discriminator'):
        cfg.optim_wrapper[name].optimizer.lr = 5e-4
    cfg.default_hooks.checkpoint.update(interval=120, save_best='FID-orig/fid',
                                        less_keys=['FID-orig/fid'])
    cfg.val_evaluator.metrics = cfg.val_evaluator.metrics[:1]  # FID of the generator itself
    runner = Runner.from_cfg(cfg)
    history = []
    runner.register_hook(_RecordMetrics(history), priority='LOWEST')
    runner.train()

    fids = [metrics['FID-orig/fid'] for metrics in history]
    assert len(fids) == 3
    print("FID-orig at 20, 100, 120 iterations:", fids)
    assert fids[-1] < 0.7 * fids[0], f"FID did not fall: {fids}"
    checkpoint = load(tmp_path / 'work' / 'iter_120.pth')
    ema_keys = [k for k in checkpoint['state_dict'] if k.startswith('generator_ema.module.')]
    assert len(ema_keys) == len([k for k in checkpoint['state_dict'] if k.startswith('generator.')])
    assert int(checkpoint['state_dict']['generator_ema.steps']) == 120
    assert set(checkpoint['optimizer']) == {'generator', 'discriminator'}
    grids = list((tmp_path / 'work').glob('*/vis_data/vis_image/fake_img_*_120.png'))
    assert sorted(g.name for g in grids) == ['fake_img_ema_fake_img_120.png',
                                             'fake_img_orig_fake_img_120.png']

    test_metrics = runner.test()  # GenTestLoop on the same fixed noise: the same FID
    assert test_metrics['FID-orig/fid'] == pytest.approx(fids[-1])
    assert len(list((tmp_path / 'work').glob('*/vis_data/vis_image/test_*.png'))) == 100


class _RecordMetrics(Hook):
    """Keeps the metrics of every validation."""

    def __init__(self, history):
        self.history = history

    def after_val_epoch(self, runner, metrics=None):
        self.history.append(dict(metrics))


def test_resumed_training_equals_uninterrupted_training(shapes_root, tmp_path):
    no_val = dict(val_cfg=None, val_dataloader=None, val_evaluator=None, randomness=dict(seed=3))
    full = tiny_config(shapes_root, tmp_path / 'full', max_iters=8, **no_val)
    full.default_hooks.checkpoint.interval = 4
    Runner.from_cfg(full).train()

    first = tiny_config(shapes_root, tmp_path / 'resumed', max_iters=4, **no_val)
    first.default_hooks.checkpoint.interval = 4
    Runner.from_cfg(first).train()
    second = tiny_config(shapes_root, tmp_path / 'resumed', max_iters=8, resume=True,
                         load_from=str(tmp_path / 'resumed' / 'iter_4.pth'), **no_val)
    second.default_hooks.checkpoint.interval = 4
    Runner.from_cfg(second).train()

    expected = load(tmp_path / 'full' / 'iter_8.pth')
    resumed = load(tmp_path / 'resumed' / 'iter_8.pth')
    assert resumed['meta']['iter'] == expected['meta']['iter'] == 8
    for key, value in expected['state_dict'].items():  # generator, discriminator, EMA, BN stats
        assert torch.equal(resumed['state_dict'][key], value), key
    for name in ('generator', 'discriminator'):
        for index, state in expected['optimizer'][name]['state'].items():
            for field, value in state.items():
                assert torch.equal(resumed['optimizer'][name]['state'][index][field], value), \
                    (name, index, field)
