"""Image-classification transforms for the image source of OmniSource training.

MMAction2's OmniSource config reads ImageNet through mmcls: ``LoadRGBFromFile`` (MMAction2's own),
then ``mmcls.RandomResizedCrop``, ``mmcls.RandomFlip`` and ``mmcls.PackClsInputs``. Those mmcls
names map to the ``Cls*`` transforms here (see ``reelkit.utils.config.CLASSIFICATION_TYPES``):
they work on one ``(H, W, C)`` image in ``results['img']``, where the video transforms of the same
names work on frame lists.
"""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch

from reelkit.datasets.gen.transforms import ImageReadError, LoadImageFromFile
from reelkit.registry import TRANSFORMS
from reelkit.structures import ActionDataSample
from reelkit.utils.errors import ConfigError
from .base import BaseTransform, check_choice
from .functional import INTERPOLATIONS, global_rng, random_resized_crop_box, resize
from .processing import Flip


@TRANSFORMS.register_module()
class LoadRGBFromFile(LoadImageFromFile):
    """Read ``results['img_path']`` as an RGB image (MMAction2's arguments).

    Required Keys:
        - img_path

    Modified Keys:
        - img_path (as a str)

    Added Keys:
        - img ``(H, W, 3)`` uint8 RGB (float32 with ``to_float32``)
        - img_ori_shape
        - img_shape
        - ori_shape

    Args:
        to_float32 (bool): convert the image to float32. Defaults to False.
        color_type (str): ``'color'``, ``'grayscale'`` or ``'unchanged'``. Defaults to ``'color'``.
        imdecode_backend (str): only ``'cv2'``.
        io_backend (str): only ``'disk'``.
        ignore_empty (bool): return None for a missing or unreadable file instead of raising.
    """

    def __init__(self, to_float32: bool = False, color_type: str = 'color', imdecode_backend: str = 'cv2',
                 io_backend: str = 'disk', ignore_empty: bool = False) -> None:
        super().__init__(key='img', flag=color_type, channel_order='rgb', io_backend=io_backend,
                         backend=imdecode_backend)
        self.to_float32 = to_float32
        self.ignore_empty = ignore_empty

    def transform(self, results: dict) -> Optional[dict]:
        try:
            results = super().transform(results)
        except ImageReadError:
            if self.ignore_empty:
                return None
            raise
        if self.to_float32:
            results['img'] = results['img'].astype(np.float32)
        results['img_shape'] = results['ori_shape'] = results['img'].shape[:2]
        return results


def _size(owner: str, scale: Union[int, Sequence[int]]) -> Tuple[int, int]:
    """``(w, h)`` of ``scale`` (an int is a square)."""
    if isinstance(scale, int) and scale > 0:
        return scale, scale
    if isinstance(scale, Sequence) and len(scale) == 2 and all(isinstance(s, int) and s > 0 for s in scale):
        return int(scale[0]), int(scale[1])
    raise ConfigError(f'{owner}: scale={scale!r}; expected a positive int or (w, h)')


@TRANSFORMS.register_module()
class ClsRandomResizedCrop(BaseTransform):
    """mmcls's ``RandomResizedCrop``: a random area and aspect ratio of ``img``, resized to ``scale``.

    The box is the video ``RandomResizedCrop``'s (:func:`random_resized_crop_box`: up to
    ``max_attempts`` draws, else the centred square).

    Required Keys:
        - img ``(H, W, C)``

    Modified Keys:
        - img ``(scale[1], scale[0], C)``

    Added Keys:
        - img_shape

    Args:
        scale (int | tuple[int, int]): output size, ``(w, h)`` or a square side.
        crop_ratio_range (tuple[float, float]): area fraction range. Defaults to (0.08, 1.0).
        aspect_ratio_range (tuple[float, float]): width / height range. Defaults to (3/4, 4/3).
        max_attempts (int): random boxes tried before the centred square. Defaults to 10.
        interpolation (str): one of ``INTERPOLATIONS`` (``'bilinear'``, ``'bicubic'``, ...).
        backend (str): only ``'cv2'``.
    """

    def __init__(self, scale: Union[int, Sequence[int]], crop_ratio_range: Tuple[float, float] = (0.08, 1.0),
                 aspect_ratio_range: Tuple[float, float] = (3. / 4., 4. / 3.), max_attempts: int = 10,
                 interpolation: str = 'bilinear', backend: str = 'cv2') -> None:
        name = type(self).__name__
        self.scale = _size(name, scale)
        for key, (low, high) in (('crop_ratio_range', crop_ratio_range), ('aspect_ratio_range', aspect_ratio_range)):
            if not 0 < low <= high:
                raise ConfigError(f'{name}: {key}=({low}, {high}); expected 0 < low <= high')
        self.crop_ratio_range, self.aspect_ratio_range = tuple(crop_ratio_range), tuple(aspect_ratio_range)
        self.max_attempts = int(max_attempts)
        self.interpolation = check_choice(name, 'interpolation', interpolation, tuple(INTERPOLATIONS))
        check_choice(name, 'backend', backend, ('cv2',))

    def transform(self, results: dict) -> dict:
        img = results['img']
        x1, y1, x2, y2 = random_resized_crop_box(*img.shape[:2], self.crop_ratio_range, self.aspect_ratio_range,
                                                 global_rng(), self.max_attempts)
        results['img'] = resize(img[y1:y2, x1:x2], self.scale, self.interpolation)
        results['img_shape'] = results['img'].shape[:2]
        return results


@TRANSFORMS.register_module()
class ClsRandomFlip(Flip):
    """mmcls's ``RandomFlip(prob, direction)``: :class:`Flip` of ``img`` (its MMGeneration form).

    Required Keys:
        - img

    Modified Keys:
        - img (when flipped)

    Added Keys:
        - flip
        - flip_direction

    Args:
        prob (float): flip probability. Defaults to 0.5.
        direction (str): ``'horizontal'`` or ``'vertical'`` (mmcls's ``'diagonal'`` is not provided).
    """

    def __init__(self, prob: float = 0.5, direction: str = 'horizontal') -> None:
        super().__init__(flip_ratio=prob, direction=direction, keys='img')


@TRANSFORMS.register_module()
class PackClsInputs(BaseTransform):
    """mmcls's ``PackClsInputs``: ``img`` ``(H, W, C)`` -> ``inputs`` ``(C, H, W)`` and an
    ``ActionDataSample`` with ``gt_label``, as ``RecognizerOmni`` takes image batches. Returns a
    new dict; ``results`` is left as it was.

    Required Keys:
        - img ``(H, W, C)`` or ``(H, W)``
        - gt_label (optional)

    Args:
        meta_keys (Sequence[str]): results keys copied into the sample's metainfo when present
            (read only when there).
    """

    def __init__(self, meta_keys: Sequence[str] = ('sample_idx', 'img_path', 'ori_shape', 'img_shape',
                                                   'scale_factor', 'flip', 'flip_direction')) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        img = results['img']
        img = img[..., None] if img.ndim == 2 else img
        sample = ActionDataSample()
        if 'gt_label' in results:
            sample.set_gt_label(results['gt_label'])
        sample.set_metainfo({key: results[key] for key in self.meta_keys if key in results})
        return dict(inputs=torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))), data_samples=sample)
