"""A tiny SynthMotion set and a tiny TSM config, shared by the end-to-end tests."""
import pytest
from mmengine.logging import MMLogger

from reelkit.datasets.synth_motion import generate_synth_motion
from reelkit.utils.config import SHIPPED_CONFIGS

TINY_CONFIG = '''
_base_ = ['{runtime}']
data_root = '{data_root}'
model = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNetTSM', depth=18, num_segments=4, shift_div=4, norm_eval=False),
    cls_head=dict(type='TSMHead', num_classes=8, in_channels=512, num_segments=4,
                  dropout_ratio=0.0, init_std=0.01, average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[127.5] * 3, std=[60.0] * 3,
                           format_shape='NCHW'))
pipeline = [
    dict(type='PyAVInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=4, test_mode=True),
    dict(type='PyAVDecode'),
    dict(type='Resize', scale=(24, 24), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
def loader(split, shuffle):
    return dict(batch_size=4, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=shuffle),
                dataset=dict(type='VideoDataset', ann_file=f'{{data_root}}/{{split}}.txt',
                             data_prefix=dict(video=data_root), pipeline=pipeline,
                             test_mode=split != 'train'))
train_dataloader = loader('train', True)
val_dataloader = loader('val', False)
test_dataloader = loader('test', False)
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs={max_epochs}, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='MultiStepLR', milestones=[1], gamma=0.5, by_epoch=True)]
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0)
'''


@pytest.fixture(scope='session')
def tiny_motion(tmp_path_factory):
    """32 SynthMotion clips of 24x24 pixels: 16 to train, 8 to validate, 8 to test."""
    root = tmp_path_factory.mktemp('synth_motion')
    generate_synth_motion(str(root), num_videos=32, size=24, num_frames=8)
    return root


@pytest.fixture
def tiny_config(tmp_path, tiny_motion):
    """Write the tiny TSM config (``max_epochs`` as asked) and return its path."""

    def write(max_epochs=2, name='tiny_tsm.py', extra=''):
        path = tmp_path / name
        path.write_text(TINY_CONFIG.format(
            runtime=SHIPPED_CONFIGS / '_base_' / 'default_runtime.py', data_root=tiny_motion,
            max_epochs=max_epochs) + extra)
        return str(path)

    return write


@pytest.fixture(autouse=True)
def fresh_loggers():
    """Drop the runners' loggers after each test: their console handlers hold the test's
    captured streams, which pytest closes."""
    yield
    for logger in MMLogger._instance_dict.values():
        for handler in list(logger.handlers):
            handler.close()
            logger.removeHandler(handler)
    MMLogger._instance_dict.clear()
