"""reelkit print-config: the printed config is the resolved one: --cfg-options applied, a 0.x
config migrated (and said so), and --save writes a config that loads the same."""
from reelkit.apis import load_config
from reelkit.cli import main

# A 0.x (MMAction2 0.x) config: data=dict(...), optimizer_config, lr_config, total_epochs.
LEGACY_CONFIG = '''
model = dict(type='Recognizer2D', backbone=dict(type='ResNetTSM', depth=18, num_segments=4),
             cls_head=dict(type='TSMHead', num_classes=8, in_channels=512, num_segments=4))
pipeline = [dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=4)]
data = dict(videos_per_gpu=4, workers_per_gpu=0,
            train=dict(type='VideoDataset', ann_file='train.txt', data_prefix='videos',
                       pipeline=pipeline))
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=dict(max_norm=20, norm_type=2))
lr_config = dict(policy='step', step=[3])
total_epochs = 7
'''


def test_cfg_options_show_in_the_printed_config(tiny_run, tmp_path, capsys):
    config, _ = tiny_run
    saved = tmp_path / 'resolved.py'
    assert main(['print-config', config, '--cfg-options', 'train_cfg.max_epochs=13',
                 'model.cls_head.num_classes=5', '--save', str(saved)]) == 0
    printed = capsys.readouterr().out
    assert 'max_epochs=13' in printed and 'num_classes=5' in printed
    assert 'max_epochs=1,' not in printed
    assert "type='DefaultSampler'" in printed  # the _base_ and config merged, not the file's text
    resolved = load_config(str(saved))
    assert resolved.train_cfg.max_epochs == 13 and resolved.model.cls_head.num_classes == 5


def test_a_legacy_config_prints_migrated(tmp_path, capsys):
    config = tmp_path / 'tsm_old.py'
    config.write_text(LEGACY_CONFIG)
    assert main(['print-config', str(config)]) == 0
    captured = capsys.readouterr()
    assert 'migrated a 0.x config to 1.x' in captured.err
    printed = captured.out
    assert 'optim_wrapper' in printed and 'clip_grad=dict(max_norm=20' in printed
    assert 'train_dataloader' in printed and 'batch_size=4' in printed
    assert 'max_epochs=7' in printed and 'milestones=[' in printed
    for old_key in ('optimizer_config', 'lr_config', 'total_epochs', 'videos_per_gpu'):
        assert old_key not in printed
