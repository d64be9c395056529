"""CIFAR-10 read from its Python pickles, for class-conditional GANs.

MMGeneration 1.x's CIFAR-10 configs read these files through MMClassification (``mmcls.CIFAR10``);
this is the same reader without that dependency. Put the extracted ``cifar-10-python.tar.gz``
under ``data_prefix``::

    data/cifar10/cifar-10-batches-py/data_batch_1 ... data_batch_5, test_batch

Samples are ``dict(img=(32, 32, 3) uint8 RGB, gt_label=int)``: no image file to load, so a
pipeline is typically just ``PackGenInputs`` (with ``rgb_to_bgr=True`` in the data preprocessor
for MMGeneration's BGR-trained models).
"""
import os.path as osp
import pickle
from typing import Callable, List, Sequence, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset

from reelkit.registry import DATASETS
from reelkit.utils.errors import ConfigError

BASE_FOLDER = 'cifar-10-batches-py'
TRAIN_FILES = tuple(f'data_batch_{i}' for i in range(1, 6))
TEST_FILES = ('test_batch', )
DOWNLOAD_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz'


def read_cifar_batch(path: str) -> Tuple[np.ndarray, List[int]]:
    """``(N, 32, 32, 3)`` uint8 RGB images and their labels from one CIFAR-10 pickle."""
    with open(path, 'rb') as f:
        entry = pickle.load(f, encoding='latin1')
    try:
        data, labels = entry['data'], entry['labels']
    except (TypeError, KeyError) as error:
        raise ConfigError(f'{path}: not a CIFAR-10 batch (expected "data" and "labels")') from error
    images = np.asarray(data, dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images, [int(label) for label in labels]


@DATASETS.register_module()
class CIFAR10(BaseDataset):
    """The 50,000 training images of CIFAR-10 (the 10,000 test images with ``test_mode=True``).

    Args:
        data_prefix (str): the folder holding ``cifar-10-batches-py``; relative to ``data_root``
            when that is set.
        test_mode (bool): read ``test_batch`` instead of the five training batches.
        data_root (str): root of ``data_prefix``. Defaults to ``''``.
        pipeline (list[dict | callable]): transforms, typically ``PackGenInputs``.
        **kwargs: other ``BaseDataset`` arguments (``indices``, ``lazy_init``, ...).
    """

    METAINFO = dict(classes=('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog',
                             'horse', 'ship', 'truck'))

    def __init__(self, data_prefix: str = '', test_mode: bool = False, data_root: str = '',
                 pipeline: Sequence[Union[dict, Callable]] = (), **kwargs) -> None:
        super().__init__(data_root=data_root, data_prefix=dict(root=data_prefix),
                         test_mode=test_mode, pipeline=pipeline, **kwargs)

    @property
    def folder(self) -> str:
        return osp.join(self.data_prefix['root'], BASE_FOLDER)

    def load_data_list(self) -> List[dict]:
        names = TEST_FILES if self.test_mode else TRAIN_FILES
        files = [osp.join(self.folder, name) for name in names]
        missing = [path for path in files if not osp.isfile(path)]
        if missing:
            raise ConfigError(f'CIFAR10: {", ".join(missing)} not found. Extract {DOWNLOAD_URL} '
                              f'so that {self.folder} holds its batches, or point data_prefix at '
                              f'the folder above {BASE_FOLDER}')
        data_list = []
        for path in files:
            images, labels = read_cifar_batch(path)
            data_list += [dict(img=image, gt_label=label) for image, label in zip(images, labels)]
        return data_list

    def get_cat_ids(self, idx: int) -> List[int]:
        """The class of sample ``idx`` (for MMEngine's ``ClassBalancedDataset``)."""
        return [int(self.get_data_info(idx)['gt_label'])]
