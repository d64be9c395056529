"""The shipped ST-GCN SynthSkeleton config trains through ReelkitRunner, and quickstart runs it."""
import os.path as osp
from functools import partial

import cv2
import numpy as np
import pytest

from reelkit.apis import load_config
from reelkit.cli import main
from reelkit.cli import quickstart
from reelkit.datasets.synth_skeleton import ANN_FILE, generate_synth_skeleton
from reelkit.engine import ReelkitRunner

CONFIG = 'skeleton/stgcn/stgcn_1xb16-joint-u32-8e_synthskeleton-keypoint-2d.py'
# 48 samples: 32 to train, 8 to validate, 8 to test; no worker processes.
SMALL = dict(num_samples=48)
IN_PROCESS = {f'{split}_dataloader.{key}': value for split in ('train', 'val', 'test')
              for key, value in (('num_workers', 0), ('persistent_workers', False))}
SHORT_RUN = {'train_dataloader.batch_size': 8, 'default_hooks.logger.interval': 1, **IN_PROCESS}


pytestmark = pytest.mark.usefixtures('single_thread')


@pytest.fixture(scope='module')
def tiny_skeleton(tmp_path_factory):
    return generate_synth_skeleton(str(tmp_path_factory.mktemp('synth_skeleton')), **SMALL)


def test_shipped_config_trains_with_the_loss_going_down(tiny_skeleton, tmp_path):
    cfg = load_config(CONFIG, {**SHORT_RUN, 'train_cfg.max_epochs': 8, 'train_cfg.val_interval': 8})
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.ann_file = tiny_skeleton['ann_file']
    cfg.work_dir = str(tmp_path / 'work')
    runner = ReelkitRunner.from_cfg(cfg)
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    assert len(losses) == 32  # 8 epochs of 4 batches of 8
    # From about ln(8) = 2.08 (chance) to about 1.75 (seed 0) over 32 small, randomly sampled batches.
    assert np.mean(losses[-8:]) < 0.9 * np.mean(losses[:8])
    assert osp.isfile(tmp_path / 'work' / 'epoch_8.pth')


def test_quickstart_generates_synth_skeleton_for_a_pose_config(tmp_path, capsys, monkeypatch):
    small = quickstart.SYNTH_DATA['PoseDataset']._replace(
        generate=partial(generate_synth_skeleton, **SMALL))
    monkeypatch.setitem(quickstart.SYNTH_DATA, 'PoseDataset', small)
    data_root, work_dir = tmp_path / 'data', tmp_path / 'quickstart'
    options = ['train_cfg.max_epochs=1', 'train_dataloader.batch_size=8']
    options += [f'{key}={value}' for key, value in IN_PROCESS.items()]
    assert main(['quickstart', '--config', CONFIG, '--data-root', str(data_root), '--work-dir',
                 str(work_dir), '--debug', '--cfg-options', *options]) == 0
    out = capsys.readouterr().out
    assert f'Generating SynthSkeleton in {data_root}' in out and osp.isfile(data_root / ANN_FILE)
    top1 = float(out.split('SynthSkeleton test top-1 of best_acc_top1_epoch_1.pth: ')[1].split()[0])
    assert 0.0 <= top1 <= 1.0
    assert cv2.imread(str(work_dir / 'confusion_matrix.png')) is not None


def test_quickstart_aims_a_pose_config_at_the_pickle_and_its_splits(tmp_path):
    cfg = load_config(CONFIG)
    synth = quickstart.synth_data_of(cfg)
    quickstart.point_to_data_root(cfg, synth, str(tmp_path))
    assert synth.name == 'SynthSkeleton' and synth.default_root == 'data/synth_skeleton'
    for split in ('train', 'val', 'test'):
        dataset = cfg[f'{split}_dataloader'].dataset
        assert (dataset.ann_file, dataset.split) == (str(tmp_path / ANN_FILE), split)
