"""Configs written the way MMAction2 1.2.0 ships them load and build through reelkit.

The tree generated here has the official shape: ``_base_/models`` and ``_base_/default_runtime.py``
with ``default_scope='mmaction'``, ``custom_imports`` of ``mmaction.models``, and DecordInit /
DecordDecode pipelines, run with decord hidden.
"""
import os
import os.path as osp
import pickle
import sys

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import get_torch_safe_globals

from reelkit.apis import load_config
from reelkit.cli import main
from reelkit.datasets.synth_motion import generate_synth_motion
from reelkit.registry import MODELS, TRANSFORMS
from reelkit.utils.config import alias_custom_imports, alias_module
from reelkit.utils.errors import ConfigError
from repo_scripts import load_script


MODEL_BASE = '''
model = dict(
    type='Recognizer3D',
    backbone=dict(type='ResNet3d', depth=18, base_channels=4, pretrained=None, pretrained2d=False,
                  conv1_kernel=(3, 7, 7), inflate=(1, 1, 1, 1), norm_eval=False),
    cls_head=dict(type='I3DHead', num_classes=8, in_channels=32, spatial_type='avg',
                  dropout_ratio=0.0, init_std=0.01, average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], format_shape='NCTHW'))
'''

RUNTIME_BASE = '''
default_scope = 'mmaction'
default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=1, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, save_best='auto'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'))
env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
               dist_cfg=dict(backend='nccl'))
log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
'''

# The generated tree's configs climb to its own _base_ (two folders up, as in MMAction2's tree);
# spelled with os.pardir so the guard against paths out of the checkout reads no '../' here.
UP_TWO = f'{os.pardir}/{os.pardir}'
RECOGNITION_CONFIG = '''
_base_ = ['{up}/_base_/models/r3d_r18_tiny.py', '{up}/_base_/default_runtime.py']
custom_imports = dict(imports=['mmaction.models'], allow_failed_imports=False)

dataset_type = 'VideoDataset'
data_root = '{data_root}'
file_client_args = dict(io_backend='disk')
train_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(type='SampleFrames', clip_len=4, frame_interval=1, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 24)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(16, 16), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(type='SampleFrames', clip_len=4, frame_interval=1, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 24)),
    dict(type='CenterCrop', crop_size=16),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=data_root + '/train.txt',
                 data_prefix=dict(video=data_root), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=data_root + '/val.txt',
                 data_prefix=dict(video=data_root), pipeline=test_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=data_root + '/test.txt',
                 data_prefix=dict(video=data_root), pipeline=test_pipeline, test_mode=True))
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [dict(type='MultiStepLR', begin=0, end=1, by_epoch=True, milestones=[1],
                        gamma=0.1)]
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001),
                     clip_grad=dict(max_norm=40, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=64)
'''

CONFIG_NAME = 'recognition/r3d/r3d_r18-tiny_1xb8-4x1x1-1e_synth-rgb.py'


@pytest.fixture(scope='module')
def synth_videos(tmp_path_factory):
    """24 SynthMotion clips of 24x24 pixels, the fewest it writes: one per class in each split."""
    root = tmp_path_factory.mktemp('synth')
    generate_synth_motion(str(root), num_videos=24, size=24, num_frames=8)
    return root


@pytest.fixture
def official_tree(tmp_path, synth_videos):
    """A config folder shaped like MMAction2's ``configs/``; returns its path."""
    root = tmp_path / 'configs'
    files = {'_base_/models/r3d_r18_tiny.py': MODEL_BASE,
             '_base_/default_runtime.py': RUNTIME_BASE,
             CONFIG_NAME: RECOGNITION_CONFIG.format(data_root=synth_videos, up=UP_TWO)}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture
def without_decord(monkeypatch):
    """``import decord`` fails, as where it is not installed."""
    monkeypatch.setitem(sys.modules, 'decord', None)


@pytest.fixture(autouse=True)
def fresh_loggers():
    """Drop the runners' loggers after each test: their handlers hold pytest's closed streams."""
    yield
    for logger in MMLogger._instance_dict.values():
        for handler in list(logger.handlers):
            handler.close()
            logger.removeHandler(handler)
    MMLogger._instance_dict.clear()


# ----------------------------------------------------------------------------- loading
def test_official_style_config_maps_scope_and_custom_imports_to_reelkit(official_tree):
    cfg = load_config(str(official_tree / CONFIG_NAME))
    assert cfg.default_scope == 'reelkit'
    assert cfg.custom_imports.imports == ['reelkit.models']
    assert cfg.model.backbone.type == 'ResNet3d'  # from _base_/models
    assert cfg.visualizer.type == 'ActionVisualizer'  # from _base_/default_runtime.py


def test_official_style_config_builds_model_and_pipelines_without_decord(official_tree, synth_videos,
                                                                         without_decord):
    cfg = load_config(str(official_tree / CONFIG_NAME))
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'Recognizer3D'
    assert model.cls_head.fc_cls.out_features == 8
    pipeline = [TRANSFORMS.build(step) for step in cfg.test_pipeline]
    results = dict(filename=str(synth_videos / 'videos' / '00000.mp4'), label=0, start_index=0,
                   modality='RGB')
    for transform in pipeline:
        results = transform(results)
    assert tuple(results['inputs'].shape) == (1, 3, 4, 16, 16)  # clips, C, T, H, W


def test_mmaction_module_maps_to_nearest_reelkit_package():
    assert alias_module('mmaction.models') == 'reelkit.models'
    assert alias_module('mmaction.datasets.transforms') == 'reelkit.datasets.transforms'
    assert alias_module('mmaction.models.backbones.no_such_file') == 'reelkit.models.backbones'
    assert alias_module('mmaction') == 'reelkit'
    assert alias_module('mmaction.registry.no_such_name') == 'reelkit.registry'
    assert alias_module('my_project.hooks') is None


def test_custom_imports_keep_their_shape_and_foreign_modules(tmp_path):
    path = tmp_path / 'a.py'
    path.write_text("custom_imports = dict(imports='mmaction.engine', allow_failed_imports=False)\n")
    cfg = load_config(str(path))
    assert cfg.custom_imports.imports == 'reelkit.engine'
    cfg.custom_imports.imports = ['mmaction.models', 'my_project.hooks']
    assert alias_custom_imports(cfg) == ['mmaction.models -> reelkit.models']
    assert cfg.custom_imports.imports == ['reelkit.models', 'my_project.hooks']


def test_missing_custom_import_names_the_file_and_module(tmp_path):
    path = tmp_path / 'ext.py'
    path.write_text("custom_imports = dict(imports=['no_such_module_here'], allow_failed_imports=False)\n")
    with pytest.raises(ConfigError, match=r"ext.py: custom_imports: Failed to import no_such_module_here "
                                          r"\(No module named 'no_such_module_here'\)"):
        load_config(str(path))


def test_trailing_comma_after_a_dataloader_dict_is_unwrapped(tmp_path):
    path = tmp_path / 'comma.py'
    path.write_text("train_dataloader = dict(batch_size=2),\nval_evaluator = [dict(type='AccMetric')]\n")
    cfg = load_config(str(path))
    assert cfg.train_dataloader.batch_size == 2
    assert isinstance(cfg.val_evaluator, list)  # list-valued keys are left alone


# ----------------------------------------------------------------------------- the CLI
def built_model(config_path):
    cfg = load_config(config_path)
    init_default_scope(cfg.default_scope)
    return MODELS.build(cfg.model)


def test_cli_test_runs_official_style_config_without_decord(official_tree, synth_videos, tmp_path,
                                                            without_decord):
    config, ckpt, dump = str(official_tree / CONFIG_NAME), tmp_path / 'init.pth', tmp_path / 'preds.pkl'
    torch.save({'state_dict': built_model(config).state_dict()}, ckpt)
    assert main(['test', config, str(ckpt), '--work-dir', str(tmp_path / 'test'),
                 '--dump', str(dump)]) == 0
    with open(dump, 'rb') as stream:
        predictions = pickle.load(stream)
    num_test_clips = len((synth_videos / 'test.txt').read_text().splitlines())
    assert len(predictions) == num_test_clips  # every clip decoded, by PyAV in decord's place
    assert all(p['pred_score'].shape == torch.Size([8]) for p in predictions)


def test_cli_train_runs_official_style_config_without_decord(official_tree, tmp_path, without_decord):
    config, work_dir = str(official_tree / CONFIG_NAME), tmp_path / 'work'
    assert main(['train', config, '--work-dir', str(work_dir)]) == 0
    with torch.serialization.safe_globals(get_torch_safe_globals()):
        saved = torch.load(work_dir / 'epoch_1.pth', map_location='cpu', weights_only=True)
    assert saved['state_dict'].keys() == built_model(config).state_dict().keys()


# ----------------------------------------------------------------------------- tools/check_configs.py
def test_check_configs_counts_built_configs_per_task_folder(official_tree, capsys):
    assert load_script('tools/check_configs.py').main([str(official_tree)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == 'recognition: 1/1 built'


def test_check_configs_names_config_stage_and_error_of_each_failure(official_tree, capsys):
    broken = official_tree / 'skeleton' / 'broken' / 'broken.py'
    broken.parent.mkdir(parents=True)
    runtime = osp.join(UP_TWO, '_base_', 'default_runtime.py')
    broken.write_text(f"_base_ = ['{runtime}']\n"
                      "model = dict(type='NoSuchRecognizer')\n"
                      "val_dataloader = dict(dataset=dict(type='VideoDataset', ann_file='x.txt', "
                      "pipeline=[dict(type='DecordInit'), dict(type='NoSuchTransform')]))\n"
                      "val_evaluator = dict(type='NoSuchMetric')\n")
    tool = load_script('tools/check_configs.py')
    assert tool.main([str(official_tree), '--no-progress']) == 1
    out = capsys.readouterr().out.splitlines()
    failures = [line for line in out if line.startswith('FAIL ')]
    assert [line.split(' ')[1:3] for line in failures] == [
        ['skeleton/broken/broken.py', '[model]'],
        ['skeleton/broken/broken.py', '[val_dataloader.dataset.pipeline[1]]'],
        ['skeleton/broken/broken.py', '[val_evaluator[0]]']]
    assert 'NoSuchTransform is not in the reelkit::transform registry' in failures[1]
    assert out[-2:] == ['recognition: 1/1 built', 'skeleton: 0/1 built']
    assert tool.main([str(official_tree), '--filter', 'recognition', '--no-progress']) == 0


def test_check_configs_builds_datasets_only_when_asked(official_tree, capsys):
    tool = load_script('tools/check_configs.py')
    assert tool.main([str(official_tree), '--build-data', '--no-progress']) == 0
    (official_tree / CONFIG_NAME).write_text(
        (official_tree / CONFIG_NAME).read_text().replace("'/test.txt'", "'/missing.txt'"))
    assert tool.main([str(official_tree), '--no-progress']) == 0  # the dataset is only looked up
    capsys.readouterr()
    assert tool.main([str(official_tree), '--build-data', '--no-progress']) == 1
    (failure, ) = [line for line in capsys.readouterr().out.splitlines() if line.startswith('FAIL ')]
    assert f'FAIL {CONFIG_NAME} [test_dataloader.dataset]' in failure
    assert 'missing.txt' in failure


def test_check_configs_looks_up_hooks_without_building_them(official_tree):
    tool = load_script('tools/check_configs.py')
    cfg = load_config(str(official_tree / CONFIG_NAME))
    cfg.custom_hooks = [dict(type='NoSuchHook'), dict(type='EMAHook')]
    init_default_scope('reelkit')
    failures = {}
    for stage, check in tool.hook_checks(cfg):
        try:
            check()
        except KeyError as error:
            failures[stage] = str(error)
    assert list(failures) == ['custom_hooks[0]']
    assert "'NoSuchHook' is not in the reelkit::hook registry" in failures['custom_hooks[0]']
