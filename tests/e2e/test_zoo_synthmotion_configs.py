"""The shipped 3D SynthMotion configs learn: each overfits one fixed batch of tiny generated clips
through ReelkitRunner (the full SlowOnly run is the slow quickstart test)."""
import numpy as np
import pytest

from reelkit.apis import load_config
from reelkit.datasets.synth_motion import generate_synth_motion
from reelkit.engine import ReelkitRunner

CONFIGS_3D = [
    'recognition/slowonly/slowonly_r18_1xb16-8x1x1-10e_synthmotion-rgb.py',
    'recognition/slowfast/slowfast_r18_1xb16-4x2x1-8e_synthmotion-rgb.py',
    'recognition/x3d/x3d_s_1xb16-8x1x1-12e_synthmotion-rgb.py',
    'recognition/timesformer/timesformer_divST_1xb16-8x1x1-12e_synthmotion-rgb.py',
]
IN_PROCESS = {f'{split}_dataloader.{key}': value for split in ('train', 'val', 'test')
              for key, value in (('num_workers', 0), ('persistent_workers', False))}
BATCH = 8  # one clip of each class
STEPS = 8


def aim_at(cfg, data_root) -> None:
    """Point every split of ``cfg`` at the SynthMotion lists in ``data_root``."""
    for split in ('train', 'val', 'test'):
        dataset = cfg[f'{split}_dataloader'].dataset
        dataset.ann_file = f'{data_root}/{split}.txt'
        dataset.data_prefix = dict(video=str(data_root))


@pytest.mark.parametrize('name', CONFIGS_3D)
def test_3d_config_overfits_a_fixed_batch(name, tiny_motion, tmp_path):
    """The shipped model, pipeline, optimizer and schedule, with every epoch cut to the same batch
    of 8 clips (one of each class): in 8 steps the loss falls to under 0.8 of where it started."""
    cfg = load_config(name, {**IN_PROCESS, 'train_dataloader.batch_size': BATCH,
                             'train_cfg.max_epochs': STEPS, 'default_hooks.logger.interval': 1})
    aim_at(cfg, tiny_motion)
    cfg.train_dataloader.dataset.indices = BATCH
    cfg.param_scheduler = None
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint = None
    cfg.work_dir = str(tmp_path / 'work')
    runner = ReelkitRunner.from_cfg(cfg)
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    print(name, np.round(losses, 3))
    assert len(losses) == STEPS
    assert np.mean(losses[-2:]) < 0.8 * np.mean(losses[:2])
