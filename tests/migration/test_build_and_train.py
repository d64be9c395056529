"""Migrated corpus configs whose models reelkit has build their model and datasets on generated data
and train one iteration: TSN/TSM on SynthMotion clips, the GANs (DCGAN, GGAN, LSGAN, WGAN-GP,
StyleGAN2, PGGAN) on SynthShapes images.

The migrated file is loaded the way ``reelkit train`` loads configs (scope aliases included); only
what generated data and a quick CPU run need changes: the annotation files and folders, no workers,
two samples in a batch, local visualization backends, no checkpoint to load or save, and a smaller
network:

* TSN/TSM: frame sizes divided by 4, a ResNet-18 without a download instead of a pretrained
  ResNet-50, 8 classes.
* GANs: every image side (dataset ``Resize``, generator output, discriminator input) is 32, the
  networks are narrower (``GAN_WIDTHS``), no validation or test (their metrics need Inception
  weights from the network), and on a machine without CUDA a mixed-precision ``AmpOptimWrapper``
  becomes a plain ``OptimWrapper`` (MMEngine's AMP needs a GPU).

Everything else (pipelines, optim wrappers, schedulers, loops, hooks, EMA) is the migration's output.
Every type the adapted config names must be registered (an unregistered name fails the test, so a
misnamed type in the migration cannot hide behind a skip); a config is skipped only for the reason
in ``NOT_TRAINABLE``.
"""
import os.path as osp
import uuid
from typing import Dict, List, Set

import pytest
import torch

from mig_helpers import CORPUS, TRAINED_GANS, TRAINED_VIDEO

from reelkit.migration import migrate_file

NUM_CLASSES = 8
# Frame sizes of the 0.x pipelines -> sizes that keep one CPU iteration short.
SMALLER = {256: 64, 224: 56}
SIZE_ARGS = ('scale', 'input_size', 'crop_size')

# GANs: the image side everywhere, and the narrower networks, per generator/discriminator type.
GAN_SIZE = 32
GENERATOR_SIZE_ARGS = ('output_scale', 'out_scale', 'out_size')
DISCRIMINATOR_SIZE_ARGS = ('input_scale', 'in_scale', 'in_size')
GAN_WIDTHS = {
    'DCGANGenerator': dict(base_channels=32),
    'DCGANDiscriminator': dict(base_channels=16),
    'LSGANGenerator': dict(base_channels=32),
    'LSGANDiscriminator': dict(base_channels=16),
    'StyleGANv2Generator': dict(style_channels=32, channel_max=32),
    'StyleGAN2Discriminator': dict(channel_max=32),
    'PGGANGenerator': dict(noise_size=32, max_channels=32),
    'PGGANDiscriminator': dict(max_channels=32),
}
NOT_TRAINABLE = {
    'biggan_fp16_cifar10_32x32_b25x2_500k.py':
        'a class-conditional BigGAN over UnconditionalImageDataset, which has no labels to train on '
        '(the 0.x config could not train either)',
}


# ------------------------------------------------------------------------------ registered types
def _dataset_chain(loader) -> List[dict]:
    """The dataset of a dataloader and the ones it wraps (RepeatDataset...)."""
    chain, dataset = [], (loader or {}).get('dataset')
    while isinstance(dataset, dict):
        chain.append(dataset)
        dataset = dataset.get('dataset')
    return chain


def _named_types(cfg) -> Dict[str, Set[str]]:
    """Registry name -> the types the config builds from it."""
    names: Dict[str, Set[str]] = {}

    def add(kind, node):
        if isinstance(node, dict) and isinstance(node.get('type'), str):
            names.setdefault(kind, set()).add(node['type'])

    model = cfg.model
    for node in (model, model.get('data_preprocessor'), (model.get('data_preprocessor') or {}).get('blending'),
                 model.get('ema_config'), *(model.get(k) for k in ('backbone', 'cls_head', 'generator',
                                                                  'discriminator'))):
        add('MODELS', node)
    for split in ('train', 'val', 'test'):
        for dataset in _dataset_chain(cfg.get(f'{split}_dataloader')):
            add('DATASETS', dataset)
            for transform in dataset.get('pipeline', ()):
                add('TRANSFORMS', transform)
        evaluator = cfg.get(f'{split}_evaluator')
        for metric in (evaluator or {}).get('metrics', [evaluator]):
            add('METRICS', metric)
        add('LOOPS', cfg.get(f'{split}_cfg'))
    for hook in list(cfg.get('custom_hooks') or ()) + list((cfg.get('default_hooks') or {}).values()):
        add('HOOKS', hook)
    add('VISUALIZERS', cfg.visualizer)
    for backend in cfg.visualizer.get('vis_backends', ()):
        add('VISBACKENDS', backend)
    constructor = cfg.optim_wrapper.get('constructor')
    if constructor:
        names.setdefault('OPTIM_WRAPPER_CONSTRUCTORS', set()).add(constructor)
    add('LOG_PROCESSORS', cfg.get('log_processor'))
    return names


def _unregistered(cfg) -> List[str]:
    import reelkit.datasets  # noqa: F401
    import reelkit.datasets.transforms  # noqa: F401
    import reelkit.engine  # noqa: F401
    import reelkit.evaluation  # noqa: F401
    import reelkit.models  # noqa: F401
    import reelkit.visualization  # noqa: F401
    from reelkit import registry
    return sorted(f'{kind}.{name}' for kind, names in _named_types(cfg).items() for name in names
                  if getattr(registry, kind).get(name) is None)


def _check_types(cfg, name: str) -> None:
    missing = _unregistered(cfg)
    assert not missing, f'the migrated {name} names types reelkit does not register: {missing}'


def _train_one_iteration(cfg) -> None:
    from mmengine.runner import Runner
    cfg.experiment_name = f'migrated-{uuid.uuid4().hex[:8]}'  # runners built in the same second stay apart
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 1


def _load_migrated(name: str, tmp_path):
    from reelkit.apis import load_config
    migrate_file(CORPUS / name, out=tmp_path / 'migrated.py')
    cfg = load_config(str(tmp_path / 'migrated.py'))
    cfg.work_dir = str(tmp_path / 'work_dir')
    cfg.load_from = None  # a fine-tuning config loads a checkpoint from the network
    cfg.default_hooks.checkpoint = None
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if loader is not None:
            loader.update(batch_size=2, num_workers=0, persistent_workers=False)
    return cfg


# ------------------------------------------------------------------------------ TSN / TSM
@pytest.fixture(scope='module')
def synth_data(tmp_path_factory):
    from reelkit.datasets.synth_motion import generate_synth_motion
    root = tmp_path_factory.mktemp('synth_motion')
    return generate_synth_motion(str(root), num_videos=24, seed=0, rawframes=True, size=32, num_frames=8)


def _adapt(cfg, paths: dict, kind: str) -> None:
    """Point the migrated config at the generated data and make it small enough for a CPU test."""
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
        dataset = loader.dataset
        prefix_key = next(iter(dataset.data_prefix))
        dataset.update(ann_file=ann_file, data_prefix={prefix_key: paths['root']}, indices=2)
        dataset.pop('filename_tmpl', None)  # the generated frames use the default names
        dataset.pipeline = [_smaller(transform) for transform in dataset.pipeline]
    cfg.train_cfg.update(val_begin=10**6)  # train only; the val dataset is built and read below
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


@pytest.mark.parametrize('name', list(TRAINED_VIDEO))
def test_migrated_config_builds_and_trains_one_iteration(name, synth_data, tmp_path):
    from reelkit.registry import DATASETS

    cfg = _load_migrated(name, tmp_path)
    _adapt(cfg, synth_data, TRAINED_VIDEO[name])
    _check_types(cfg, name)
    _train_one_iteration(cfg)
    val_dataset = DATASETS.build(cfg.val_dataloader.dataset)
    sample = val_dataset[0]
    assert sample['inputs'].ndim == 4 and 'data_samples' in sample


# ------------------------------------------------------------------------------ GANs
@pytest.fixture(scope='module')
def shapes(tmp_path_factory):
    from reelkit.datasets.synth_shapes import generate_synth_shapes
    root = tmp_path_factory.mktemp('synth_shapes')
    return generate_synth_shapes(str(root), num_images=4, size=GAN_SIZE)['images']


def _adapt_gan(cfg, images: str) -> None:
    """Train on the generated images at GAN_SIZE with narrow networks; no validation or test."""
    for part, size_args in (('generator', GENERATOR_SIZE_ARGS), ('discriminator', DISCRIMINATOR_SIZE_ARGS)):
        network = cfg.model[part]
        network.update({arg: GAN_SIZE for arg in size_args if arg in network})
        network.update(GAN_WIDTHS.get(network.type, {}))
    for dataset in _dataset_chain(cfg.train_dataloader):
        if dataset.get('type', '').endswith('ImageNet'):  # labelled: SynthShapes' "path label" list
            dataset.update(data_root=osp.dirname(images), ann_file='labels.txt', data_prefix='')
        elif 'data_root' in dataset:
            dataset.data_root = images
        if 'data_roots' in dataset:  # progressive growing: one folder serves every scale up to GAN_SIZE
            dataset.data_roots = {str(GAN_SIZE): images}
            dataset.gpu_samples_per_scale = {k: 2 for k in dataset.get('gpu_samples_per_scale', {})}
            dataset.update(len_per_stage=4, gpu_samples_base=2)
        for transform in dataset.get('pipeline', ()):
            if transform.type == 'Resize' and 'keys' in transform:
                transform.scale = (GAN_SIZE, GAN_SIZE)
    if 'nkimgs_per_scale' in cfg.model:
        cfg.model.nkimgs_per_scale = {k: v for k, v in cfg.model.nkimgs_per_scale.items() if int(k) <= GAN_SIZE}
    for part in ('val_dataloader', 'val_cfg', 'val_evaluator', 'test_dataloader', 'test_cfg', 'test_evaluator'):
        cfg[part] = None
    cfg.train_cfg.update(max_iters=1, val_begin=10**6)
    cfg.vis_backends = [dict(type='GenVisBackend')]
    cfg.visualizer.vis_backends = cfg.vis_backends
    if not torch.cuda.is_available():
        for wrapper in [w for w in cfg.optim_wrapper.values() if isinstance(w, dict) and 'optimizer' in w]:
            if wrapper.get('type') == 'AmpOptimWrapper':
                wrapper.type = 'OptimWrapper'
                wrapper.pop('loss_scale', None)


@pytest.mark.parametrize('name', TRAINED_GANS)
def test_migrated_gan_config_builds_and_trains_one_iteration(name, shapes, tmp_path):
    if name in NOT_TRAINABLE:
        pytest.skip(NOT_TRAINABLE[name])
    cfg = _load_migrated(name, tmp_path)
    _adapt_gan(cfg, shapes)
    _check_types(cfg, name)
    _train_one_iteration(cfg)
