"""Migrated TSN/TSM (and DCGAN) configs build their model and datasets on generated data and train one
iteration.

The migrated file is loaded the way ``reelkit train`` loads configs (scope aliases included); only
what generated data needs changes: the annotation files and folders, frame sizes divided by 4,
a ResNet-18 without a
download instead of a pretrained ResNet-50, 8 classes, two samples in one batch, no workers, and
local visualization backends, and no checkpoint to load. Everything else (pipelines, optim wrapper, schedulers, loops, hooks)
is the migration's output. Skipped, with the reason, while reelkit lacks a type these need.
"""
import pytest

from mig_helpers import CORPUS

from reelkit.migration import migrate_file

NEEDED = {
    'MODELS': ('Recognizer2D', 'ResNet', 'ResNetTSM', 'TSNHead', 'TSMHead', 'ActionDataPreprocessor',
               'MixupBlending'),
    'DATASETS': ('VideoDataset', 'RawframeDataset'),
    'TRANSFORMS': ('SampleFrames', 'RawFrameDecode', 'PyAVInit', 'PyAVDecode', 'Resize', 'RandomResizedCrop',
                   'MultiScaleCrop', 'Flip', 'CenterCrop', 'FormatShape', 'PackActionInputs'),
    'METRICS': ('AccMetric', ),
    'VISUALIZERS': ('ActionVisualizer', ),
}

# corpus config -> (annotation list, frames or videos) of the generated data
CONFIGS = {
    'tsn_r50_1x1x3_100e_kinetics400_rgb.py': 'rawframes',
    'tsm_r50_video_1x1x8_50e_sthv2_rgb.py': 'videos',
    'tsm_r50_mixup_1x1x8_50e_sthv1_rgb.py': 'rawframes',
    'tsn_r50_iter_based_20k_ucf101_rgb.py': 'rawframes',
}
NUM_CLASSES = 8
# Frame sizes of the 0.x pipelines -> sizes that keep one CPU iteration short.
SMALLER = {256: 64, 224: 56}
SIZE_ARGS = ('scale', 'input_size', 'crop_size')


def _missing_types(needed: dict) -> list:
    try:
        import reelkit.datasets  # noqa: F401
        import reelkit.datasets.transforms  # noqa: F401
        import reelkit.evaluation  # noqa: F401
        import reelkit.models  # noqa: F401
        import reelkit.visualization  # noqa: F401
        from reelkit import registry
    except ImportError as error:
        return [f'import: {error}']
    return [f'{kind}.{name}' for kind, names in needed.items() for name in names
            if getattr(registry, kind).get(name) is None]


@pytest.fixture(scope='module')
def synth_data(tmp_path_factory):
    missing = _missing_types(NEEDED)
    if missing:
        pytest.skip(f'reelkit does not register these yet: {", ".join(missing)}')
    from reelkit.datasets.synth_motion import generate_synth_motion
    root = tmp_path_factory.mktemp('synth_motion')
    return generate_synth_motion(str(root), num_videos=16, seed=0, rawframes=True, size=32, num_frames=8)


def _adapt(cfg, paths: dict, kind: str, work_dir) -> None:
    """Point the migrated config at the generated data and make it small enough for a CPU test."""
    cfg.work_dir = str(work_dir)
    cfg.load_from = None  # a fine-tuning config loads a checkpoint from the network
    cfg.model.backbone.update(depth=18, pretrained=None)
    cfg.model.cls_head.update(in_channels=512, num_classes=NUM_CLASSES)
    blending = cfg.model.data_preprocessor.get('blending')
    if blending:
        blending.num_classes = NUM_CLASSES
    ann_file = paths['train_rawframes' if kind == 'rawframes' else 'train']
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if loader is None:
            continue
        loader.update(batch_size=2, num_workers=0, persistent_workers=False)
        dataset = loader.dataset
        prefix_key = next(iter(dataset.data_prefix))
        dataset.update(ann_file=ann_file, data_prefix={prefix_key: paths['root']}, indices=2)
        dataset.pop('filename_tmpl', None)  # the generated frames use the default names
        dataset.pipeline = [_smaller(transform) for transform in dataset.pipeline]
    cfg.train_cfg.update(val_begin=10**6)  # train only; the val dataset is built and read below
    cfg.default_hooks.checkpoint = None
    cfg.vis_backends = [dict(type='LocalVisBackend')]
    cfg.visualizer.vis_backends = cfg.vis_backends
    if cfg.train_cfg.get('type') == 'IterBasedTrainLoop':
        cfg.train_cfg.max_iters = 1
    else:
        cfg.train_cfg.max_epochs = 1


def _smaller(transform):
    for key in SIZE_ARGS:
        value = transform.get(key)
        if isinstance(value, int):
            transform[key] = SMALLER.get(value, value)
        elif isinstance(value, tuple):
            transform[key] = tuple(SMALLER.get(v, v) for v in value)
    return transform


@pytest.mark.parametrize('name', list(CONFIGS))
def test_migrated_config_builds_and_trains_one_iteration(name, synth_data, tmp_path):
    from mmengine.runner import Runner

    from reelkit.registry import DATASETS
    from reelkit.utils.config import load_config

    migrate_file(CORPUS / name, out=tmp_path / 'migrated.py')
    cfg = load_config(str(tmp_path / 'migrated.py'))
    _adapt(cfg, synth_data, CONFIGS[name], tmp_path / 'work_dir')
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 1
    val_dataset = DATASETS.build(cfg.val_dataloader.dataset)
    sample = val_dataset[0]
    assert sample['inputs'].ndim == 4 and 'data_samples' in sample


GAN_NEEDED = {
    'MODELS': ('DCGAN', 'DCGANGenerator', 'DCGANDiscriminator', 'GenDataPreprocessor'),
    'DATASETS': ('UnconditionalImageDataset', ),
    'TRANSFORMS': ('LoadImageFromFile', 'Resize', 'PackGenInputs'),
    'HOOKS': ('GenVisualizationHook', ),
    'VISUALIZERS': ('GenVisualizer', ),
    'LOOPS': ('GenValLoop', ),
    'OPTIM_WRAPPER_CONSTRUCTORS': ('GenOptimWrapperConstructor', ),
}


def test_migrated_dcgan_config_builds_and_trains_one_iteration(tmp_path):
    missing = _missing_types(GAN_NEEDED)
    if missing:
        pytest.skip(f'reelkit does not register these yet: {", ".join(missing)}')
    from mmengine.runner import Runner

    from reelkit.datasets.synth_shapes import generate_synth_shapes
    from reelkit.utils.config import load_config

    # the images are written at the generator's size: the pipeline's MMGeneration Resize(keys=...) is left out
    images = generate_synth_shapes(str(tmp_path / 'shapes'), num_images=4, size=64)['images']
    migrate_file(CORPUS / 'dcgan_celeba-cropped_64_b128x1_300k.py', out=tmp_path / 'migrated.py')
    cfg = load_config(str(tmp_path / 'migrated.py'))
    cfg.work_dir = str(tmp_path / 'work_dir')
    cfg.model.generator.base_channels = 32
    loader = cfg.train_dataloader
    loader.update(batch_size=2, num_workers=0, persistent_workers=False)
    dataset = loader.dataset.dataset  # inside RepeatDataset
    dataset.data_root = images
    dataset.pipeline = [t for t in dataset.pipeline if t.type != 'Resize']
    cfg.train_cfg.update(max_iters=1, val_begin=10**6)
    for part in ('val_dataloader', 'val_cfg', 'val_evaluator'):  # FID needs Inception weights from the network
        cfg[part] = None
    cfg.default_hooks.checkpoint = None
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 1
