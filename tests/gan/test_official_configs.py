"""The MMGeneration 1.x configs shipped under their official names (``default_scope = 'mmgen'``):
each resolves to the reference's ``model`` dict, builds the reference's checkpoint layout, names
only registered types, and reads its official dataset's layout (a tiny folder of generated images,
or tiny CIFAR-10 pickles) into batches of the model's image size.

Every other shipped GAN config trains on SynthShapes (test_synth_shapes_configs.py)."""
import json

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from reelkit.datasets.gen.cifar10 import TRAIN_FILES
from reelkit.registry import MODELS
from reelkit.apis import load_config
from reelkit.utils.config import resolve_config_path
from test_architectures_layout import REFS
from test_cifar10_dataset import write_cifar_batches
from test_gan_configs import GAN_CONFIGS, unregistered_types

# config (relative to configs/gan/) -> the side of its square images
OFFICIAL_CONFIGS = {
    'dcgan/dcgan_1xb128-300kiters_celeba-cropped-64.py': 64,
    'lsgan/lsgan_dcgan-archi_lr1e-3-1xb128-12Mimgs_celeba-cropped-64x64.py': 64,
    'wgan-gp/wgangp_GN_1xb64-160kiters_celeba-cropped-128x128.py': 128,
    'sngan_proj/sngan-proj_wReLUinplace_lr2e-4-ndisc5-1xb64_cifar10-32x32.py': 32,
    'biggan/biggan_2xb25-500kiters_cifar10-32x32.py': 32,
    'styleganv2/stylegan2_c2_8xb4-800kiters_ffhq-256x256.py': 256,
}
NAMES = sorted(OFFICIAL_CONFIGS)
SHIPPED_NAMES = {name: f'gan/{name}' for name in NAMES}
SYNTH_SHAPES_ROOT = 'data/synth_shapes'

def plain(value):
    """Tuples as lists, ConfigDicts as dicts: the form of the reference's JSON."""
    return json.loads(json.dumps(value))


def test_every_shipped_gan_config_is_official_or_on_synth_shapes():
    assert {SHIPPED_NAMES[name] for name in NAMES} <= set(GAN_CONFIGS)
    others = sorted(set(GAN_CONFIGS) - set(SHIPPED_NAMES.values()))
    assert others
    for name in others:
        assert load_config(name).train_dataloader.dataset.data_root == SYNTH_SHAPES_ROOT, name


@pytest.mark.parametrize('name', NAMES)
def test_official_config_names_mmgen_scope_and_registered_types(name):
    source = resolve_config_path(SHIPPED_NAMES[name]).read_text()
    assert "\ndefault_scope = 'mmgen'\n" in source
    cfg = load_config(SHIPPED_NAMES[name])
    assert cfg.default_scope == 'reelkit'
    missing = unregistered_types(cfg)
    assert not missing, f'unregistered types: {missing}'


@pytest.mark.parametrize('name', NAMES)
def test_official_config_resolves_to_the_reference_model(name):
    assert plain(load_config(SHIPPED_NAMES[name]).model.to_dict()) == REFS[name]['model']


@pytest.mark.parametrize('name', NAMES)
def test_official_config_builds_the_reference_layout(name):
    reference = REFS[name]
    with torch.device('meta'):
        model = MODELS.build(load_config(SHIPPED_NAMES[name]).model)
    layout = {key: list(value.shape) for key, value in model.state_dict().items()}
    assert list(layout) == list(reference['state_dict'])
    assert layout == reference['state_dict']
    assert sum(p.numel() for p in model.parameters()) == reference['params']


def write_images(folder, count, height, width):
    rng = np.random.RandomState(0)
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        image = rng.randint(0, 256, (height, width, 3), dtype=np.uint8)
        assert cv2.imwrite(str(folder / f'{index:05d}.png'), image)


@pytest.mark.parametrize('name', NAMES)
def test_official_config_reads_its_dataset_layout(name, tmp_path):
    size = OFFICIAL_CONFIGS[name]
    cfg = load_config(SHIPPED_NAMES[name])
    loader_cfg = cfg.train_dataloader
    loader_cfg.update(batch_size=2, num_workers=0, persistent_workers=False)
    dataset_cfg = loader_cfg.dataset
    if dataset_cfg.type == 'CIFAR10':
        write_cifar_batches(tmp_path, per_batch=2)
        dataset_cfg.data_prefix = str(tmp_path)
        num_images = 2 * len(TRAIN_FILES)
    else:  # a folder of images; resized unless the config trains at their own size
        resized = any(step.type == 'Resize' for step in dataset_cfg.pipeline)
        write_images(tmp_path / 'images', 3, size + 11 if resized else size, size)
        dataset_cfg.data_root = str(tmp_path)
        num_images = 3
    with DefaultScope.overwrite_default_scope('reelkit'):
        loader = Runner.build_dataloader(loader_cfg.to_dict(), seed=0)
        batch = next(iter(loader))
    assert len(loader.dataset) == num_images
    images, samples = batch['inputs']['img'], batch['data_samples']
    assert [tuple(image.shape) for image in images] == [(3, size, size)] * 2
    assert all(image.dtype == torch.uint8 for image in images)
    if 'num_classes' in cfg.model:
        labels = [int(sample.gt_label) for sample in samples]
        assert all(0 <= label < cfg.model.num_classes for label in labels)

    preprocessor = MODELS.build(cfg.model.data_preprocessor)
    processed = preprocessor(batch, training=True)['inputs']['img']
    assert processed.shape == (2, 3, size, size)
    assert processed.min() >= -1 and processed.max() <= 1
