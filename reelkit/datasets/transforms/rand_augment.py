"""RandAugment for video (Cubuk et al., 2020), as pytorchvideo defines it, without pytorchvideo.

MMAction2's configs reach it through ``PytorchVideoWrapper(op='RandAugment', ...)``. Each call
draws ``num_layers`` distinct operations out of 14; each is applied with probability ``prob``
at a magnitude drawn around ``magnitude`` (0-10 scale), the same to every frame. Operations
follow torchvision's tensor functions on uint8 frames (blends truncate, resampling rounds).
Randomness comes from torch's global generator, as in pytorchvideo.
"""
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

from reelkit.registry import TRANSFORMS
from .base import BaseTransform, check_choice, check_int, check_range

MAX_LEVEL = 10
Frames = List[np.ndarray]


# ----------------------------------------------------------------------------- operations
def _gray(img: np.ndarray) -> np.ndarray:
    """uint8 luma, truncated as torchvision's ``rgb_to_grayscale``."""
    return (0.2989 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2]).astype(np.uint8)


def _blend(img: np.ndarray, other, factor: float) -> np.ndarray:
    return np.clip(factor * img.astype(np.float32) + (1 - factor) * np.asarray(other, np.float32),
                   0, 255).astype(np.uint8)


def brightness(img: np.ndarray, factor: float) -> np.ndarray:
    return _blend(img, 0, factor)


def contrast(img: np.ndarray, factor: float) -> np.ndarray:
    return _blend(img, _gray(img).mean(dtype=np.float32), factor)


def saturation(img: np.ndarray, factor: float) -> np.ndarray:
    return _blend(img, _gray(img)[..., None], factor)


def sharpness(img: np.ndarray, factor: float) -> np.ndarray:
    """Blend with a 3x3 smoothed copy (centre weight 5 of 13); the border is never smoothed."""
    if min(img.shape[:2]) <= 2:
        return img
    kernel = np.ones((3, 3), np.float32)
    kernel[1, 1] = 5
    smooth = cv2.filter2D(img.astype(np.float32), -1, kernel / 13, borderType=cv2.BORDER_CONSTANT)
    degenerate = img.copy()
    degenerate[1:-1, 1:-1] = np.round(smooth[1:-1, 1:-1]).astype(np.uint8)
    return _blend(img, degenerate, factor)


def autocontrast(img: np.ndarray) -> np.ndarray:
    """Stretch each channel to [0, 255]; a constant channel is left as it is."""
    low, high = img.min(axis=(0, 1)).astype(np.float32), img.max(axis=(0, 1)).astype(np.float32)
    flat = high == low
    scale = np.where(flat, 1, 255 / np.where(flat, 1, high - low))
    return np.clip((img - np.where(flat, 0, low)) * scale, 0, 255).astype(np.uint8)


def _equalize_channel(channel: np.ndarray) -> np.ndarray:
    hist = np.bincount(channel.reshape(-1), minlength=256)
    step = hist[hist != 0][:-1].sum() // 255
    if step == 0:
        return channel
    lut = (np.cumsum(hist) + step // 2) // step
    lut = np.clip(np.concatenate([[0], lut[:-1]]), 0, 255).astype(np.uint8)
    return lut[channel]


def equalize(img: np.ndarray) -> np.ndarray:
    """Histogram equalisation of each channel (PIL's algorithm)."""
    return np.stack([_equalize_channel(img[..., c]) for c in range(img.shape[2])], axis=2)


def invert(img: np.ndarray) -> np.ndarray:
    return 255 - img


def posterize(img: np.ndarray, bits: int) -> np.ndarray:
    """Keep the ``bits`` highest bits of each value."""
    return img if bits >= 8 else img & np.uint8((0xFF << (8 - bits)) & 0xFF)


def solarize(img: np.ndarray, threshold: float) -> np.ndarray:
    """Invert the values at or above ``threshold`` (a fraction of 255)."""
    return np.where(img >= int(threshold * 255), 255 - img, img)


def affine(img: np.ndarray, matrix: Sequence[float], fill: Sequence[float]) -> np.ndarray:
    """Bilinear resampling where output pixel ``p`` reads input ``A p + t`` in centred coordinates.

    ``matrix`` is ``[a, b, tx, c, d, ty]``; pixels outside the input take ``fill``.
    """
    h, w = img.shape[:2]
    linear, shift = np.array(matrix, np.float64).reshape(2, 3)[:, :2], np.array(matrix, np.float64)[[2, 5]]
    centre = np.array([w / 2 - 0.5, h / 2 - 0.5])
    to_input = np.hstack([linear, (shift + centre - linear @ centre)[:, None]])
    return cv2.warpAffine(img, to_input, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=tuple(float(v) for v in fill))


def rotate(img: np.ndarray, degrees: float, fill: Sequence[float]) -> np.ndarray:
    """Counter-clockwise rotation about the centre."""
    rad = np.radians(degrees)
    return affine(img, [np.cos(rad), -np.sin(rad), 0, np.sin(rad), np.cos(rad), 0], fill)


def shear_x(img: np.ndarray, factor: float, fill: Sequence[float]) -> np.ndarray:
    return affine(img, [1, factor, img.shape[0] * factor / 2, 0, 1, 0], fill)


def shear_y(img: np.ndarray, factor: float, fill: Sequence[float]) -> np.ndarray:
    return affine(img, [1, 0, 0, factor, 1, img.shape[1] * factor / 2], fill)


def translate_x(img: np.ndarray, fraction: float, fill: Sequence[float]) -> np.ndarray:
    return affine(img, [1, 0, fraction * img.shape[1], 0, 1, 0], fill)


def translate_y(img: np.ndarray, fraction: float, fill: Sequence[float]) -> np.ndarray:
    return affine(img, [1, 0, 0, 0, 1, fraction * img.shape[0]], fill)


# ----------------------------------------------------------------------------- magnitudes
def _signed(level: float, base: float, span: float) -> float:
    """``base + level / 10 * span``, the increase negated half of the time."""
    delta = level / MAX_LEVEL * span
    return base + (delta if torch.rand(1).item() > 0.5 else -delta)


# name -> (operation, level -> argument or None, uses fill); the (base, span) pairs are pytorchvideo's.
OPERATIONS: Dict[str, Tuple[Callable, Optional[Callable[[float], float]], bool]] = {
    'AdjustBrightness': (brightness, lambda level: _signed(level, 1, 0.9), False),
    'AdjustContrast': (contrast, lambda level: _signed(level, 1, 0.9), False),
    'AdjustSaturation': (saturation, lambda level: _signed(level, 1, 0.9), False),
    'AdjustSharpness': (sharpness, lambda level: _signed(level, 1, 0.9), False),
    'AutoContrast': (autocontrast, None, False),
    'Equalize': (equalize, None, False),
    'Invert': (invert, None, False),
    'Rotate': (rotate, lambda level: _signed(level, 0, 30), True),
    'Posterize': (posterize, lambda level: 4 - int(level / MAX_LEVEL * 4), False),
    'Solarize': (solarize, lambda level: 1 - level / MAX_LEVEL * 1, False),
    'ShearX': (shear_x, lambda level: _signed(level, 0, 0.3), True),
    'ShearY': (shear_y, lambda level: _signed(level, 0, 0.3), True),
    'TranslateX': (translate_x, lambda level: _signed(level, 0, 0.45), True),
    'TranslateY': (translate_y, lambda level: _signed(level, 0, 0.45), True),
}


class VideoRandAugment:
    """RandAugment on a list of uint8 ``H x W x 3`` frames; arguments as pytorchvideo's ``RandAugment``.

    Args:
        magnitude: the 0-10 strength.
        num_layers: operations drawn (without repetition) per call.
        prob: the chance that each drawn operation is applied.
        transform_hparas: ``dict(fill=(r, g, b))``, the value of pixels moved in from outside,
            in pixel units as pytorchvideo reads it for uint8 video (its default 0.5 is black).
        sampling_type: ``'gaussian'`` (magnitude + N(0, sampling_std), clipped to [0, 10]) or
            ``'uniform'`` (uniform between ``sampling_min`` and ``magnitude``).
        sampling_hparas: ``sampling_std`` (default 0.5); ``sampling_data_type`` (``'int'`` or
            ``'float'``) and ``sampling_min`` (default 0) for uniform sampling.
    """

    def __init__(self, magnitude: float = 9, num_layers: int = 2, prob: float = 0.5,
                 transform_hparas: Optional[Dict] = None, sampling_type: str = 'gaussian',
                 sampling_hparas: Optional[Dict] = None) -> None:
        name = 'RandAugment'
        self.magnitude = check_range(name, 'magnitude', magnitude, 0, MAX_LEVEL)
        self.num_layers = check_int(name, 'num_layers', num_layers)
        if self.num_layers > len(OPERATIONS):
            raise ValueError(f'{name}: num_layers={num_layers}; at most {len(OPERATIONS)} operations exist')
        self.prob = check_range(name, 'prob', prob, 0, 1)
        self.fill = tuple((transform_hparas or {}).get('fill', (0.5, 0.5, 0.5)))
        self.sampling_type = check_choice(name, 'sampling_type', sampling_type, ('gaussian', 'uniform'))
        hparas = {**dict(sampling_std=0.5, sampling_data_type='int', sampling_min=0), **(sampling_hparas or {})}
        self.sampling_std, self.sampling_min = float(hparas['sampling_std']), hparas['sampling_min']
        self.sampling_int = check_choice(name, 'sampling_data_type', hparas['sampling_data_type'],
                                         ('int', 'float')) == 'int'

    def level(self) -> float:
        if self.sampling_type == 'gaussian':
            return max(0.0, min(MAX_LEVEL, torch.normal(float(self.magnitude), self.sampling_std, (1, )).item()))
        if self.sampling_int:
            return float(torch.randint(int(self.sampling_min), int(self.magnitude) + 1, (1, )).item())
        return torch.rand(1).item() * (self.magnitude - self.sampling_min) + self.sampling_min

    def __call__(self, frames: Frames) -> Frames:
        names = list(OPERATIONS)
        for index in torch.multinomial(torch.ones(len(names)), self.num_layers, replacement=False).tolist():
            if torch.rand(1).item() > self.prob:
                continue
            operation, to_argument, uses_fill = OPERATIONS[names[index]]
            args = () if to_argument is None else (to_argument(self.level()), )
            kwargs = dict(fill=self.fill) if uses_fill else {}
            frames = [operation(img, *args, **kwargs) for img in frames]
        return frames


@TRANSFORMS.register_module()
class PytorchVideoWrapper(BaseTransform):
    """pytorchvideo's video augmentations by name, as in MMAction2 configs (``op='RandAugment'``).

    ``RandAugment`` is implemented here (:class:`VideoRandAugment`), so pytorchvideo need not be
    installed; the other names MMAction2 accepts (``AugMix``, ``RandomResizedCrop``,
    ``ShortSideScale``, ``RandomShortSideScale``) are refused with the reelkit transform to use.

    Required Keys:
        - imgs

    Modified Keys:
        - imgs

    Args:
        op (str): The pytorchvideo transform name.
        **kwargs: Its arguments (see :class:`VideoRandAugment`).
    """
    ALTERNATIVES = {'AugMix': 'RandAugment', 'RandomResizedCrop': 'RandomResizedCrop',
                    'ShortSideScale': "Resize(scale=(-1, N))", 'RandomShortSideScale': 'RandomRescale'}

    def __init__(self, op: str, **kwargs) -> None:
        if op in self.ALTERNATIVES:
            raise ValueError(f"PytorchVideoWrapper: op={op!r} is not implemented in reelkit; use "
                             f"{self.ALTERNATIVES[op]} instead")
        check_choice(type(self).__name__, 'op', op, ('RandAugment', ))
        self.op = op
        self.augment = VideoRandAugment(**kwargs)

    def transform(self, results: dict) -> dict:
        if 'gt_bboxes' in results or 'proposals' in results:
            raise ValueError(f'PytorchVideoWrapper({self.op}) does not move boxes; it cannot take a sample with boxes')
        results['imgs'] = self.augment(list(results['imgs']))
        return results
