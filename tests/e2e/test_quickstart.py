"""``reelkit quickstart`` end to end (shortened), and the shipped SynthMotion configs."""
import os.path as osp

import pytest

from reelkit.cli import main
from reelkit.cli.quickstart import QUICKSTART_CONFIG
from reelkit.utils.config import load_config

TSN_CONFIG = 'recognition/tsn/tsn_r18_1xb16-1x1x8-8e_synthmotion-rgb.py'


def test_quickstart_trains_then_tests_the_best_checkpoint(tiny_motion, tmp_path, capsys):
    work_dir = tmp_path / 'quickstart'
    assert main(['quickstart', '--data-root', str(tiny_motion), '--work-dir', str(work_dir),
                 '--cfg-options', 'train_cfg.max_epochs=1', 'train_dataloader.batch_size=8']) == 0
    best = 'best_acc_top1_epoch_1.pth'
    assert osp.isfile(work_dir / best)
    top1 = capsys.readouterr().out.split(f'SynthMotion test top-1 of {best}: ')[1].split()[0]
    assert 0.0 <= float(top1) <= 1.0


def test_tsn_control_shares_everything_with_tsm_but_the_model():
    tsm, tsn = load_config(QUICKSTART_CONFIG), load_config(TSN_CONFIG)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader', 'optim_wrapper',
                'param_scheduler', 'train_cfg', 'randomness'):
        assert tsn[key] == tsm[key], key
    assert (tsm.model.backbone.type, tsm.model.cls_head.type) == ('ResNetTSM', 'TSMHead')
    assert (tsn.model.backbone.type, tsn.model.cls_head.type) == ('ResNet', 'TSNHead')
    assert tsn.model.backbone.depth == tsm.model.backbone.depth == 18


@pytest.mark.parametrize('name', [QUICKSTART_CONFIG, TSN_CONFIG])
def test_shipped_synth_motion_configs_build(name):
    import reelkit.models  # noqa: F401  (registers the model types)
    from reelkit.registry import MODELS
    model = MODELS.build(load_config(name).model)
    assert model.cls_head.num_classes == 8
