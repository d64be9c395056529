"""``reelkit quickstart`` end to end (shortened), and the shipped SynthMotion configs."""
import os.path as osp

import cv2
import pytest

from reelkit.apis import load_config
from reelkit.cli import main
from reelkit.cli.quickstart import CONTROL_CONFIG, QUICKSTART_CONFIG
from reelkit.datasets.synth_motion import generate_synth_motion
from reelkit.utils.errors import ConfigError, ReelkitError

TSM_CONFIG = 'recognition/tsm/tsm_r18_1xb16-1x1x8-8e_synthmotion-rgb.py'
TSN_CONFIG = 'recognition/tsn/tsn_r18_1xb16-1x1x8-8e_synthmotion-rgb.py'


def reported_top1(out: str, checkpoint: str) -> float:
    return float(out.split(f'SynthMotion test top-1 of {checkpoint}: ')[1].split()[0])


def test_quickstart_tests_the_best_checkpoint_and_sums_up(tiny_motion, tmp_path, capsys):
    work_dir = tmp_path / 'quickstart'
    assert main(['quickstart', '--data-root', str(tiny_motion), '--work-dir', str(work_dir),
                 '--cfg-options', 'train_cfg.max_epochs=1', 'train_dataloader.batch_size=8']) == 0
    out = capsys.readouterr().out
    best = 'best_acc_top1_epoch_1.pth'
    assert osp.isfile(work_dir / best)
    assert 0.0 <= reported_top1(out, best) <= 1.0
    picture = cv2.imread(str(work_dir / 'confusion_matrix.png'))
    assert picture is not None and picture.shape[0] > 8 * 40
    assert f'reelkit test {QUICKSTART_CONFIG}' in out
    # The console shows the bar and the summary; the log file has the runner's whole story.
    assert 'Environment' not in out and 'Epoch(train)' not in out
    logs = ''.join(path.read_text() for path in work_dir.glob('*/*.log'))
    assert 'System environment' in logs and 'Epoch(train)' in logs


@pytest.mark.slow
def test_the_quickstart_learns_the_held_out_test_split(tmp_path, capsys):
    """The real quickstart, data generation included: the 3D model learns every pair of
    SynthMotion on clips that neither trained it nor chose its checkpoint. Measured 0.975 top-1
    from a clean clone on 2 idle cores (0.965 with other jobs running), 0.942 inside a loaded CI run (the
    seeded run is not bit-repeatable across machines and loads), so this asserts 0.93; the order-blind
    control stays at 0.37."""
    assert main(['quickstart', '--data-root', str(tmp_path / 'data'), '--work-dir', str(tmp_path / 'work')]) == 0
    out = capsys.readouterr().out
    assert reported_top1(out, out.split("SynthMotion test top-1 of ")[1].split(":")[0]) >= 0.93


def test_quickstart_says_when_it_tests_the_latest_checkpoint(tiny_motion, tmp_path, capsys):
    work_dir = tmp_path / 'noval'
    assert main(['quickstart', '--data-root', str(tiny_motion), '--work-dir', str(work_dir),
                 '--cfg-options', 'train_cfg.max_epochs=1', 'default_hooks.checkpoint.save_best=None']) == 0
    out = capsys.readouterr().out
    assert 'No best checkpoint was recorded' in out
    assert 0.0 <= reported_top1(out, 'epoch_1.pth') <= 1.0


def test_quickstart_without_any_checkpoint_stops_with_a_clear_error(tiny_motion, tmp_path):
    with pytest.raises(ReelkitError, match='training wrote no checkpoint'):
        main(['quickstart', '--data-root', str(tiny_motion), '--work-dir', str(tmp_path / 'nockpt'), '--debug',
              '--cfg-options', 'train_cfg.max_epochs=1', 'default_hooks.checkpoint.save_best=None',
              'default_hooks.checkpoint.interval=5', 'default_hooks.checkpoint.save_last=False'])


def test_quickstart_reads_rawframe_lists_for_a_rawframe_config(tmp_path, capsys):
    root = tmp_path / 'frames'
    generate_synth_motion(str(root), num_videos=24, size=24, num_frames=8, rawframes=True)
    frames_config = tmp_path / 'tsm_frames.py'
    frames_config.write_text(
        f"_base_ = ['{load_config(QUICKSTART_CONFIG).filename}']\n"
        "pipeline = [dict(type='SampleFrames', clip_len=8, frame_interval=1, num_clips=1, test_mode=True),\n"
        "            dict(type='RawFrameDecode'), dict(type='Resize', scale=(32, 32), keep_ratio=False),\n"
        "            dict(type='FormatShape', input_format='NCTHW'), dict(type='PackActionInputs')]\n"
        "train_dataloader = dict(batch_size=8, dataset=dict(type='RawframeDataset', pipeline=pipeline))\n"
        "val_dataloader = dict(dataset=dict(type='RawframeDataset', pipeline=pipeline))\n"
        "test_dataloader = val_dataloader\ntrain_cfg = dict(max_epochs=1)\n")
    assert main(['quickstart', '--config', str(frames_config), '--data-root', str(root),
                 '--work-dir', str(tmp_path / 'work')]) == 0
    assert 0.0 <= reported_top1(capsys.readouterr().out, 'best_acc_top1_epoch_1.pth') <= 1.0


def test_quickstart_refuses_a_dataset_synth_motion_has_no_lists_for(tmp_path):
    config = tmp_path / 'pose.py'
    config.write_text(f"_base_ = ['{load_config(QUICKSTART_CONFIG).filename}']\n"
                      "train_dataloader = dict(dataset=dict(type='PoseDataset'))\n")
    with pytest.raises(ConfigError, match="SynthMotion, which has lists for"):
        main(['quickstart', '--config', str(config), '--data-root', str(tmp_path / 'd'), '--debug'])


def test_control_is_the_quickstart_network_blind_to_frame_order():
    quick, control = load_config(QUICKSTART_CONFIG), load_config(CONTROL_CONFIG)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader', 'optim_wrapper',
                'param_scheduler', 'train_cfg', 'randomness'):
        assert control[key] == quick[key], key
    assert control.model.cls_head == quick.model.cls_head
    assert quick.model.backbone.pop('inflate') == (1, 1, 1, 1)
    assert control.model.backbone.pop('inflate') == (0, 0, 0, 0)
    assert control.model.backbone == quick.model.backbone
    assert quick.model.backbone.conv1_kernel[0] == quick.model.backbone.conv1_stride_t == 1


def test_tsn_control_shares_everything_with_tsm_but_the_model():
    tsm, tsn = load_config(TSM_CONFIG), load_config(TSN_CONFIG)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader', 'optim_wrapper',
                'param_scheduler', 'train_cfg', 'randomness'):
        assert tsn[key] == tsm[key], key
    assert (tsm.model.backbone.type, tsm.model.cls_head.type) == ('ResNetTSM', 'TSMHead')
    assert (tsn.model.backbone.type, tsn.model.cls_head.type) == ('ResNet', 'TSNHead')


@pytest.mark.parametrize('name', [QUICKSTART_CONFIG, CONTROL_CONFIG, TSM_CONFIG, TSN_CONFIG])
def test_shipped_synth_motion_configs_build(name):
    import reelkit.models  # noqa: F401  (registers the model types)
    from reelkit.registry import MODELS
    model = MODELS.build(load_config(name).model)
    assert model.cls_head.num_classes == 8
