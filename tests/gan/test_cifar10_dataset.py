"""CIFAR10: CIFAR-10's Python batches as labelled RGB images (as MMClassification reads them)."""
import pickle

import numpy as np
import pytest
from mmengine.registry import init_default_scope

import reelkit.datasets  # noqa: F401
from reelkit.datasets.gen import CIFAR10
from reelkit.datasets.gen.cifar10 import BASE_FOLDER, TEST_FILES, TRAIN_FILES
from reelkit.utils.errors import ConfigError


def write_cifar_batches(folder, per_batch):
    """CIFAR-10's Python layout under ``folder`` with ``per_batch`` random images in each batch."""
    rng = np.random.RandomState(0)
    (folder / BASE_FOLDER).mkdir(parents=True)
    for name in TRAIN_FILES + TEST_FILES:
        entry = dict(data=rng.randint(0, 256, (per_batch, 3 * 32 * 32), dtype=np.uint8),
                     labels=[int(label) for label in rng.randint(0, 10, per_batch)])
        with open(folder / BASE_FOLDER / name, 'wb') as f:
            pickle.dump(entry, f)


def test_cifar10_reads_train_or_test_batches_as_rgb_images_with_labels(tmp_path):
    write_cifar_batches(tmp_path / 'cifar10', per_batch=3)
    train = CIFAR10(data_prefix='cifar10', data_root=str(tmp_path))
    test = CIFAR10(data_prefix='cifar10', data_root=str(tmp_path), test_mode=True)
    assert (len(train), len(test)) == (3 * len(TRAIN_FILES), 3)
    assert test.metainfo['classes'][0] == 'airplane' and len(test.metainfo['classes']) == 10
    sample = test.get_data_info(1)
    assert sample['img'].shape == (32, 32, 3) and sample['img'].dtype == np.uint8
    with open(tmp_path / 'cifar10' / BASE_FOLDER / TEST_FILES[0], 'rb') as f:
        entry = pickle.load(f)
    # rows are channel-first RGB planes
    assert np.array_equal(sample['img'].transpose(2, 0, 1).reshape(-1), entry['data'][1])
    assert sample['gt_label'] == entry['labels'][1] == test.get_cat_ids(1)[0]


def test_cifar10_packs_image_and_label(tmp_path):
    init_default_scope('reelkit')
    write_cifar_batches(tmp_path, per_batch=1)
    pipeline = [dict(type='PackGenInputs', keys=['img'])]
    dataset = CIFAR10(data_prefix=str(tmp_path), pipeline=pipeline)
    packed = dataset[0]
    assert tuple(packed['inputs']['img'].shape) == (3, 32, 32)
    assert int(packed['data_samples'].gt_label) == dataset.get_data_info(0)['gt_label']


def test_cifar10_names_the_missing_files_and_where_to_get_them(tmp_path):
    with pytest.raises(ConfigError, match='cifar-10-python.tar.gz'):
        CIFAR10(data_prefix=str(tmp_path / 'missing'))
