"""`reelkit train OLD.py` migrates a 0.x config in memory and keeps what it did."""
import os.path as osp

from reelkit.cli import main

LEGACY_CONFIG = '''
model = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNetTSM', depth=18, num_segments=4, shift_div=4, norm_eval=False),
    cls_head=dict(type='TSMHead', num_classes=8, in_channels=512, num_segments=4,
                  dropout_ratio=0.0, init_std=0.01),
    train_cfg=None,
    test_cfg=dict(average_clips='prob'))
img_norm_cfg = dict(mean=[127.5, 127.5, 127.5], std=[60.0, 60.0, 60.0], to_bgr=False)
pipeline = [
    dict(type='PyAVInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=4, test_mode=True),
    dict(type='PyAVDecode'),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs', 'label'])
]
data = dict(
    videos_per_gpu=4,
    workers_per_gpu=0,
    train=dict(type='VideoDataset', ann_file='{root}/train.txt', data_prefix='{root}',
               pipeline=pipeline),
    val=dict(type='VideoDataset', ann_file='{root}/val.txt', data_prefix='{root}',
             pipeline=pipeline),
    test=dict(type='VideoDataset', ann_file='{root}/test.txt', data_prefix='{root}',
              pipeline=pipeline))
evaluation = dict(interval=1, metrics=['top_k_accuracy', 'mean_class_accuracy'])
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=dict(max_norm=20, norm_type=2))
lr_config = dict(policy='step', step=[1])
total_epochs = 1
checkpoint_config = dict(interval=1)
log_config = dict(interval=1, hooks=[dict(type='TextLoggerHook')])
dist_params = dict(backend='nccl')
log_level = 'INFO'
load_from = None
resume_from = None
workflow = [('train', 1)]
'''


def test_train_migrates_a_legacy_config_and_saves_config_and_report(tiny_motion, tmp_path,
                                                                     capsys):
    config = tmp_path / 'tsm_old.py'
    config.write_text(LEGACY_CONFIG.replace('{root}', str(tiny_motion)))
    work_dir = tmp_path / 'run'
    assert main(['train', str(config), '--work-dir', str(work_dir)]) == 0

    assert 'migrated a 0.x config to 1.x' in capsys.readouterr().out
    assert osp.isfile(work_dir / 'epoch_1.pth')
    report = (work_dir / 'migration_report.md').read_text()
    assert 'workflow' in report and 'optimizer_config' in report
    migrated = str(work_dir / 'migrated_config.py')
    # the saved 1.x config runs as it is
    assert main(['test', migrated, str(work_dir / 'epoch_1.pth'),
                 '--work-dir', str(tmp_path / 'test')]) == 0
