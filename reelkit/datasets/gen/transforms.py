"""Transforms of MMGeneration 1.x image pipelines: load, crop the long edge, pack.

``Resize`` and ``Flip`` with ``keys=[...]`` are the shared transforms of
``reelkit.datasets.transforms``; only the GAN-specific ones live here.
"""
from typing import List, Optional, Sequence, Union

import cv2
import numpy as np
import torch

from reelkit.datasets.transforms.base import BaseTransform, check_choice
from reelkit.datasets.transforms.functional import global_rng
from reelkit.registry import TRANSFORMS
from reelkit.structures import GenDataSample
from reelkit.utils.errors import ConfigError

READ_FLAGS = dict(color=cv2.IMREAD_COLOR, grayscale=cv2.IMREAD_GRAYSCALE,
                  unchanged=cv2.IMREAD_UNCHANGED)


class ImageReadError(ConfigError):
    """An image file is missing or cannot be decoded; the message names the file."""


def _keys(owner: str, keys: Union[str, Sequence[str]]) -> List[str]:
    if isinstance(keys, str):
        return [keys]
    if isinstance(keys, Sequence) and keys and all(isinstance(k, str) for k in keys):
        return list(keys)
    raise ConfigError(f'{owner}: keys={keys!r}; expected a key or a list of keys such as ["img"]')


@TRANSFORMS.register_module()
class LoadImageFromFile(BaseTransform):
    """Read the image at ``results[f'{key}_path']``.

    Required Keys:
        - ``{key}_path``

    Added Keys:
        - ``{key}``: ``(H, W, 3)`` uint8 in ``channel_order`` (``(H, W)`` for grayscale)
        - ``{key}_ori_shape``
        - ``ori_{key}`` (with ``save_original_img``)

    Args:
        key (str): results key of the image. Defaults to ``'img'``.
        flag (str): ``'color'``, ``'grayscale'`` or ``'unchanged'``. Defaults to ``'color'``.
        channel_order (str): ``'bgr'`` (OpenCV's, MMGeneration's default) or ``'rgb'``.
        io_backend (str, optional): only local files are read: None or ``'disk'``.
        backend (str, optional): decoding backend; only OpenCV (None or ``'cv2'``).
        save_original_img (bool): keep a copy as ``ori_{key}``. Defaults to False.
    """

    def __init__(self,
                 key: str = 'img',
                 flag: str = 'color',
                 channel_order: str = 'bgr',
                 io_backend: Optional[str] = None,
                 backend: Optional[str] = None,
                 save_original_img: bool = False,
                 **kwargs) -> None:
        name = type(self).__name__
        self.key = key
        self.flag = check_choice(name, 'flag', flag, tuple(READ_FLAGS))
        self.channel_order = check_choice(name, 'channel_order', channel_order, ('bgr', 'rgb'))
        self.io_backend = check_choice(name, 'io_backend', io_backend, (None, 'disk'))
        self.backend = check_choice(name, 'backend', backend, (None, 'cv2'))
        self.save_original_img = save_original_img
        if kwargs:
            raise ConfigError(f'{name}: unknown arguments {sorted(kwargs)} (file-client options '
                              'are not supported; images are read from local disk)')

    def transform(self, results: dict) -> dict:
        path = str(results[f'{self.key}_path'])
        image = cv2.imread(path, READ_FLAGS[self.flag])
        if image is None:
            raise ImageReadError(f'{path}: cannot read the image (missing or not a valid image file)')
        if image.ndim == 3 and image.shape[2] == 3 and self.channel_order == 'rgb':
            image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        results[self.key] = image
        results[f'{self.key}_path'] = path
        results[f'{self.key}_ori_shape'] = image.shape
        if self.save_original_img:
            results[f'ori_{self.key}'] = image.copy()
        return results


def crop_long_edge(image: np.ndarray, top: int, left: int) -> np.ndarray:
    """The square of side ``min(H, W)`` with its top-left corner at ``(top, left)``."""
    side = min(image.shape[:2])
    return image[top:top + side, left:left + side]


@TRANSFORMS.register_module()
class CenterCropLongEdge(BaseTransform):
    """Crop the long edge to the short one around the centre (square output).

    Required Keys:
        - ``keys``
    Modified Keys:
        - ``keys``

    Args:
        keys (str | list[str]): the images to crop. Defaults to ``'img'``.
    """

    def __init__(self, keys: Union[str, Sequence[str]] = 'img') -> None:
        self.keys = _keys(type(self).__name__, keys)

    def transform(self, results: dict) -> dict:
        for key in self.keys:
            height, width = results[key].shape[:2]
            side = min(height, width)
            results[key] = crop_long_edge(results[key], (height - side) // 2, (width - side) // 2)
        return results


@TRANSFORMS.register_module()
class RandomCropLongEdge(BaseTransform):
    """Crop a random square of side ``min(H, W)`` (the same offset for every key).

    Required Keys:
        - ``keys``
    Modified Keys:
        - ``keys``

    Args:
        keys (str | list[str]): the images to crop. Defaults to ``'img'``.
    """

    def __init__(self, keys: Union[str, Sequence[str]] = 'img') -> None:
        self.keys = _keys(type(self).__name__, keys)

    def transform(self, results: dict) -> dict:
        height, width = results[self.keys[0]].shape[:2]
        side = min(height, width)
        top = int(global_rng().randint(0, height - side + 1))
        left = int(global_rng().randint(0, width - side + 1))
        for key in self.keys:
            results[key] = crop_long_edge(results[key], top, left)
        return results


@TRANSFORMS.register_module()
class PackGenInputs(BaseTransform):
    """Pack images into ``inputs`` and the rest into a :class:`GenDataSample`.

    Required Keys:
        - ``keys`` (images, ``(H, W[, C])``)
        - ``meta_keys``
        - ``gt_label`` (optional: becomes the sample's ``gt_label``)

    Added Keys:
        - ``inputs``: ``{key: (C, H, W) tensor}``
        - ``data_samples``: :class:`GenDataSample` with the meta keys as metainfo

    Args:
        keys (str | list[str]): images to pack. Defaults to ``'img'``.
        meta_keys (list[str], optional): keys stored as metainfo. Defaults to none.
        pack_all (bool): pack every array of ``results`` as an image. Defaults to False.
    """

    def __init__(self, keys: Union[str, Sequence[str]] = 'img',
                 meta_keys: Optional[Sequence[str]] = None, pack_all: bool = False) -> None:
        self.keys = _keys(type(self).__name__, keys)
        self.meta_keys = list(meta_keys or [])
        self.pack_all = pack_all

    def transform(self, results: dict) -> dict:
        keys = [k for k, v in results.items() if isinstance(v, np.ndarray)] if self.pack_all \
            else self.keys
        inputs = {}
        for key in keys:
            if key not in results:
                raise KeyError(f'PackGenInputs: results have no {key!r} (keys: {sorted(results)}); '
                               'load it first or change keys')
            image = results[key]
            if image.ndim == 2:
                image = image[..., None]
            inputs[key] = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))
        sample = GenDataSample()
        if 'gt_label' in results:
            sample.set_gt_label(results['gt_label'])
        missing = [k for k in self.meta_keys if k not in results]
        if missing:
            raise KeyError(f'PackGenInputs: meta_keys {missing} are not in the results '
                           f'(keys: {sorted(results)})')
        sample.set_metainfo({k: results[k] for k in self.meta_keys})
        return dict(inputs=inputs, data_samples=sample)
