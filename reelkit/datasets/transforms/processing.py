"""Spatial and colour augmentation of decoded frames, and of the skeletons drawn on them.

Every transform applies one draw of its randomness to all frames of a sample (the same crop
box, the same flip, the same colour factors), so clips stay temporally consistent. The
array work lives in :mod:`.functional`; the classes read keys, call it, and write keys.

Skeletons (``keypoint``, ``(M, T, V, C)`` pixel coordinates) move with the frames, the way
MMAction2 moves them: crops subtract the box corner from every joint, resizes multiply by the
scale factor, and a horizontal flip mirrors the non-zero x coordinates (``w - x``) and swaps
the ``left_kp`` / ``right_kp`` joints (and their ``keypoint_score``). A sample may carry only
``keypoint`` and ``img_shape`` (the PoseC3D pipelines draw the heatmaps afterwards): the
geometry is then computed from ``img_shape`` and no frame is touched.

Boxes (``gt_bboxes``, ``proposals``: ``(n, 4)`` pixel ``x1, y1, x2, y2``, as the decoders
leave them) move as MMAction2 moves them: a crop subtracts its corner and clips them to
``[0, crop_w - 1] x [0, crop_h - 1]``, a resize scales them, a horizontal flip mirrors them
(``x1, x2 -> w - x2, w - x1``). ThreeCrop and TenCrop refuse boxes and keypoints (MMAction2
leaves them stale), and so does a vertical Flip of boxes.

Deferred ("lazy") geometry is not supported: ``lazy=True`` raises NotImplementedError at
construction, so there are no lazy operations for a ``Fuse`` step to apply.
"""
from numbers import Integral, Real
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from reelkit.registry import TRANSFORMS
from .base import (BaseTransform, check_choice, check_int, check_range, reject_keys,
                   to_size_pair)
from .functional import (FLIP_DIRECTIONS, INTERPOLATIONS, Box, center_crop_box, color_jitter,
                         crop, flip, global_rng, grid_crop_offsets, multi_scale_crop_box,
                         random_crop_box, random_resized_crop_box, randint, rescale_size,
                         resize, three_crop_offsets)

# Box annotations, moved with the pixels (a None proposals entry is left alone).
BOX_KEYS = ('gt_bboxes', 'proposals')


# ----------------------------------------------------------------------------- shared steps
def _image_keys(owner: str, keys) -> Optional[Tuple[str, ...]]:
    """MMGeneration's ``keys`` argument as a tuple (None: the transform works on ``imgs``)."""
    if keys is None:
        return None
    keys = (keys, ) if isinstance(keys, str) else keys
    if not (isinstance(keys, Sequence) and keys and all(isinstance(k, str) for k in keys)):
        raise ValueError(f'{owner}: keys={keys!r}; expected an image key or a list of them')
    return tuple(keys)


def _check_not_lazy(owner: str, lazy: bool) -> bool:
    if lazy:
        raise NotImplementedError(f'{owner}: lazy=True (deferring the operation to a Fuse step) '
                                  'is not supported; remove lazy from the config')
    return False


def _check_number_pair(owner: str, name: str, value, low: float, high: float,
                       low_inclusive: bool = False) -> Tuple[float, float]:
    """A pair ``(a, b)`` with ``low < a <= b <= high`` (``low <= a`` if ``low_inclusive``)."""
    ok = (isinstance(value, Sequence) and len(value) == 2
          and all(isinstance(v, Real) and not isinstance(v, bool) for v in value)
          and (low <= value[0] if low_inclusive else low < value[0])
          and value[0] <= value[1] <= high)
    if not ok:
        raise ValueError(f'{owner}: {name}={value!r}; expected (a, b) with '
                         f'{low} {"<=" if low_inclusive else "<"} a <= b <= {high}')
    return float(value[0]), float(value[1])


def image_hw(results: dict) -> Tuple[int, int]:
    """The current frame size: ``img_shape`` when present, else the first frame's."""
    if 'img_shape' in results:
        return tuple(results['img_shape'])
    if 'imgs' not in results:
        raise KeyError('the sample has neither img_shape nor imgs, so its frame size is unknown; '
                       'keypoint-only samples need img_shape')
    return results['imgs'][0].shape[:2]


def _check_fits(owner: str, img_hw: Tuple[int, int], crop_h: int, crop_w: int) -> None:
    if crop_h > img_hw[0] or crop_w > img_hw[1]:
        raise ValueError(f'{owner}: a {crop_h}x{crop_w} (h x w) crop does not fit in '
                         f'{img_hw[0]}x{img_hw[1]} frames; resize first or crop smaller')


# ----------------------------------------------------------------------------- boxes
def crop_boxes(boxes: np.ndarray, box: Box) -> np.ndarray:
    """``(n, 4)`` x1y1x2y2 boxes in the frame of the crop ``box``, clipped to
    ``[0, w - 1] x [0, h - 1]`` of the crop."""
    x1, y1, x2, y2 = box
    moved = boxes.copy()
    moved[..., 0::2] = np.clip(boxes[..., 0::2] - x1, 0, x2 - x1 - 1)
    moved[..., 1::2] = np.clip(boxes[..., 1::2] - y1, 0, y2 - y1 - 1)
    return moved


def flip_boxes(boxes: np.ndarray, img_w: int) -> np.ndarray:
    """``(n, 4)`` x1y1x2y2 boxes mirrored horizontally in a frame ``img_w`` wide."""
    flipped = boxes.copy()
    flipped[..., 0] = img_w - boxes[..., 2]
    flipped[..., 2] = img_w - boxes[..., 0]
    return flipped


def move_boxes(results: dict, move) -> None:
    """Replace each box key present (``gt_bboxes``, ``proposals``) by ``move(boxes)``."""
    for key in BOX_KEYS:
        if results.get(key) is not None:
            results[key] = move(results[key])


# ----------------------------------------------------------------------------- keypoints
def crop_keypoint(keypoint: np.ndarray, x1: int, y1: int) -> np.ndarray:
    """``(M, T, V, C)`` keypoints in the frame of a crop whose top-left corner is ``(x1, y1)``.

    Every joint moves, missing ``(0, 0)`` ones included, as in MMAction2; the int offset makes
    float32 coordinates float64 there too, which is kept so the heatmaps match it exactly.
    """
    offset = np.zeros(keypoint.shape[-1], dtype=np.int64)
    offset[:2] = (x1, y1)
    return keypoint - offset


def resize_keypoint(keypoint: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """``(M, T, V, C)`` keypoints with x, y scaled by ``factor = [fx, fy]`` (float32)."""
    scale = np.ones(keypoint.shape[-1], dtype=factor.dtype)
    scale[:2] = factor
    return keypoint * scale


def left_right_order(num: int, left: Sequence[int], right: Sequence[int]) -> np.ndarray:
    """``arange(num)`` with each ``left[i]`` and ``right[i]`` swapped: the order of joints (or
    heatmap channels) after a horizontal flip."""
    order = np.arange(num)
    for l_idx, r_idx in zip(left, right):
        order[l_idx], order[r_idx] = r_idx, l_idx
    return order


def flip_keypoint(keypoint: np.ndarray, img_w: int, order: np.ndarray) -> np.ndarray:
    """``(M, T, V, C)`` keypoints mirrored horizontally in a frame ``img_w`` wide.

    Non-zero x become ``img_w - x`` (missing joints stay at 0); joints are reordered by
    ``order`` (see :func:`left_right_order`).
    """
    keypoint = keypoint.copy()
    xs = keypoint[..., 0]
    present = xs != 0
    xs[present] = img_w - xs[present]
    return keypoint[:, :, order]


def apply_crop(results: dict, box: Box) -> dict:
    """Crop every frame, the keypoints and the boxes to ``box``; record ``crop_bbox``,
    ``crop_quadruple``, ``img_shape``.

    ``crop_quadruple`` is the crop as ``(x, y, w, h)`` fractions of the original frame,
    composed with any earlier crop.
    """
    img_h, img_w = image_hw(results)
    x1, y1, x2, y2 = box
    if 'imgs' in results:
        results['imgs'] = [crop(img, box) for img in results['imgs']]
    if 'keypoint' in results:
        results['keypoint'] = crop_keypoint(results['keypoint'], x1, y1)
    move_boxes(results, lambda boxes: crop_boxes(boxes, box))
    results['crop_bbox'] = np.array(box)
    results['img_shape'] = (y2 - y1, x2 - x1)
    old = results.get('crop_quadruple', np.array([0, 0, 1, 1], dtype=np.float32))
    results['crop_quadruple'] = np.array(
        [old[0] + x1 / img_w * old[2], old[1] + y1 / img_h * old[3],
         (x2 - x1) / img_w * old[2], (y2 - y1) / img_h * old[3]], dtype=np.float32)
    return results


def apply_resize(results: dict, new_w: int, new_h: int, keep_ratio: bool,
                 interpolation: str) -> dict:
    """Resize every frame to ``new_w x new_h`` and scale the keypoints and boxes; update ``img_shape``,
    ``keep_ratio`` and ``scale_factor`` (``[w, h]`` factors, multiplied into any earlier ones)."""
    img_h, img_w = image_hw(results)
    if 'imgs' in results and (new_h, new_w) != (img_h, img_w):
        results['imgs'] = [resize(img, (new_w, new_h), interpolation) for img in results['imgs']]
    factor = np.array([new_w / img_w, new_h / img_h], dtype=np.float32)
    if 'keypoint' in results:
        results['keypoint'] = resize_keypoint(results['keypoint'], factor)
    move_boxes(results, lambda boxes: boxes * np.tile(factor, 2))
    results['img_shape'] = (new_h, new_w)
    results['keep_ratio'] = keep_ratio
    results['scale_factor'] = results.get('scale_factor', np.ones(2, np.float32)) * factor
    return results


def _multi_crop(results: dict, offsets, crop_w: int, crop_h: int, with_flips: bool) -> dict:
    """Stack crops at ``offsets`` (and their horizontal flips) along the frame axis."""
    imgs = results['imgs']
    out, boxes = [], []
    for x1, y1 in offsets:
        box = (x1, y1, x1 + crop_w, y1 + crop_h)
        crops = [crop(img, box) for img in imgs]
        out.extend(crops)
        if with_flips:
            out.extend(flip(c, 'horizontal') for c in crops)
        boxes.extend([box] * len(crops) * (2 if with_flips else 1))
    results['imgs'] = out
    results['crop_bbox'] = np.array(boxes)
    results['img_shape'] = (crop_h, crop_w)
    return results


# ----------------------------------------------------------------------------- resizing
@TRANSFORMS.register_module()
class Resize(BaseTransform):
    """Resize every frame to a size or by a factor.

    With ``keys`` (MMGeneration's form, ``Resize(keys=['img'], scale=(64, 64))``) it resizes the
    single images ``results[key]`` of each key instead of ``imgs``, sets ``scale_factor`` and
    ``keep_ratio``, and ``keep_ratio`` defaults to False as in MMGeneration.

    Required Keys:
        - imgs (optional: absent in keypoint-only samples)
        - keypoint (optional: x and y scaled)
        - gt_bboxes (optional: scaled)
        - proposals (optional: scaled)
        - img_shape (optional: the first frame's shape when absent)
        - scale_factor (optional: multiplied, or created when absent)

    Modified Keys:
        - imgs
        - keypoint
        - gt_bboxes
        - proposals
        - img_shape
        - scale_factor

    Added Keys:
        - keep_ratio

    Args:
        scale (float | tuple[int, int]): A float is a factor. With ``keep_ratio`` a pair is
            the largest allowed ``(long, short)`` size in either order, and a side of -1
            leaves it free: ``(-1, 256)`` makes the short side 256. Without ``keep_ratio`` a
            pair is the exact output ``(w, h)``.
        keep_ratio (bool, optional): Keep the aspect ratio. Defaults to True (False with ``keys``).
        interpolation (str): ``'nearest'``, ``'bilinear'``, ``'bicubic'``, ``'area'`` or
            ``'lanczos'``. Defaults to ``'bilinear'``.
        lazy (bool): Not supported; must be False. Defaults to False.
        keys (str | list[str], optional): MMGeneration's form: the image keys to resize.
    """

    def __init__(self,
                 scale: Union[float, Tuple[int, int]],
                 keep_ratio: Optional[bool] = None,
                 interpolation: str = 'bilinear',
                 lazy: bool = False,
                 keys: Optional[Union[str, Sequence[str]]] = None) -> None:
        name = type(self).__name__
        self.keys = _image_keys(name, keys)
        keep_ratio = self.keys is None if keep_ratio is None else keep_ratio
        self.keep_ratio = bool(keep_ratio)
        if isinstance(scale, float):
            if scale <= 0 or not keep_ratio:
                raise ValueError(f'{name}: scale={scale!r}; a float scale is a positive factor '
                                 'and keeps the aspect ratio (keep_ratio=True)')
        elif (isinstance(scale, Sequence) and len(scale) == 2
              and all(isinstance(s, Integral) and (s > 0 or s == -1) for s in scale)
              and max(scale) > 0):
            if -1 in scale:
                if not keep_ratio:
                    raise ValueError(f'{name}: scale={scale!r} with -1 needs keep_ratio=True '
                                     '(-1 means "follow the aspect ratio")')
                scale = (np.inf, max(scale))
            scale = tuple(scale)
        else:
            raise TypeError(f'{name}: scale={scale!r}; expected a positive float factor or a '
                            '(w, h) pair of positive ints (one may be -1)')
        self.scale = scale
        self.interpolation = check_choice(name, 'interpolation', interpolation,
                                          tuple(INTERPOLATIONS))
        self.lazy = _check_not_lazy(name, lazy)

    def transform(self, results: dict) -> dict:
        if self.keys is not None:
            reject_keys(type(self).__name__, results, BOX_KEYS)
            return self._resize_keys(results)
        img_h, img_w = image_hw(results)
        new_w, new_h = self._new_size(img_w, img_h)
        return apply_resize(results, new_w, new_h, self.keep_ratio, self.interpolation)

    def _new_size(self, img_w: int, img_h: int) -> Tuple[int, int]:
        return rescale_size(img_w, img_h, self.scale) if self.keep_ratio else self.scale

    def _resize_keys(self, results: dict) -> dict:
        for key in self.keys:
            img_h, img_w = results[key].shape[:2]
            new_w, new_h = self._new_size(img_w, img_h)
            results[key] = resize(results[key], (new_w, new_h), self.interpolation)
            results['scale_factor'] = np.array([new_w / img_w, new_h / img_h], dtype=np.float32)
        results['keep_ratio'] = self.keep_ratio
        return results


@TRANSFORMS.register_module()
class RandomRescale(BaseTransform):
    """Resize so that the short side is a random length in ``scale_range`` (aspect kept).

    Required Keys:
        - imgs (optional: absent in keypoint-only samples)
        - keypoint (optional: x and y scaled)
        - gt_bboxes (optional: scaled)
        - proposals (optional: scaled)
        - img_shape (optional: the first frame's shape when absent)
        - scale_factor (optional: multiplied, or created when absent)

    Modified Keys:
        - imgs
        - keypoint
        - gt_bboxes
        - proposals
        - img_shape
        - scale_factor

    Added Keys:
        - keep_ratio
        - short_edge

    Args:
        scale_range (tuple[int, int]): Inclusive range of the short side, ``low < high``.
        interpolation (str): As in Resize. Defaults to ``'bilinear'``.
    """

    def __init__(self, scale_range: Tuple[int, int], interpolation: str = 'bilinear') -> None:
        name = type(self).__name__
        if (not isinstance(scale_range, Sequence) or len(scale_range) != 2
                or not all(isinstance(s, Integral) and s > 0 for s in scale_range)
                or scale_range[0] >= scale_range[1]):
            raise ValueError(f'{name}: scale_range={scale_range!r}; expected (low, high) '
                             'positive ints with low < high')
        self.scale_range = tuple(int(s) for s in scale_range)
        self.interpolation = check_choice(name, 'interpolation', interpolation,
                                          tuple(INTERPOLATIONS))

    def transform(self, results: dict) -> dict:
        short_edge = int(randint(global_rng(), self.scale_range[0], self.scale_range[1] + 1))
        img_h, img_w = image_hw(results)
        new_w, new_h = rescale_size(img_w, img_h, (np.inf, short_edge))
        apply_resize(results, new_w, new_h, True, self.interpolation)
        results['short_edge'] = short_edge
        return results


# ----------------------------------------------------------------------------- cropping
@TRANSFORMS.register_module()
class RandomCrop(BaseTransform):
    """Crop a ``size x size`` square at a random position (the same for every frame).

    Required Keys:
        - imgs (optional: absent in keypoint-only samples)
        - keypoint (optional: moved by the crop corner)
        - gt_bboxes (optional: moved by the crop corner and clipped to the crop)
        - proposals (optional: moved by the crop corner and clipped to the crop)
        - img_shape (optional: the first frame's shape when absent)
        - crop_quadruple (optional: composed with, or created when absent)

    Modified Keys:
        - imgs
        - keypoint
        - gt_bboxes
        - proposals
        - img_shape
        - crop_quadruple

    Added Keys:
        - crop_bbox

    Args:
        size (int): Side of the square crop.
        lazy (bool): Not supported; must be False. Defaults to False.
    """

    def __init__(self, size: int, lazy: bool = False) -> None:
        name = type(self).__name__
        if isinstance(size, bool) or not isinstance(size, Integral) or size <= 0:
            raise TypeError(f'{name}: size={size!r}; expected a positive int')
        self.size = int(size)
        self.lazy = _check_not_lazy(name, lazy)

    def transform(self, results: dict) -> dict:
        img_h, img_w = image_hw(results)
        _check_fits(type(self).__name__, (img_h, img_w), self.size, self.size)
        return apply_crop(results, random_crop_box(img_h, img_w, self.size, self.size,
                                                   global_rng()))


@TRANSFORMS.register_module()
class RandomResizedCrop(BaseTransform):
    """Crop a random region of random area and aspect ratio (the Inception crop).

    Follow it with ``Resize(scale=(w, h), keep_ratio=False)`` for a fixed output size.

    Required Keys:
        - imgs (optional: absent in keypoint-only samples)
        - keypoint (optional: moved by the crop corner)
        - gt_bboxes (optional: moved by the crop corner and clipped to the crop)
        - proposals (optional: moved by the crop corner and clipped to the crop)
        - img_shape (optional: the first frame's shape when absent)
        - crop_quadruple (optional: composed with, or created when absent)

    Modified Keys:
        - imgs
        - keypoint
        - gt_bboxes
        - proposals
        - img_shape
        - crop_quadruple

    Added Keys:
        - crop_bbox

    Args:
        area_range (tuple[float, float]): Range of the crop's area as a fraction of the
            frame. Defaults to (0.08, 1.0).
        aspect_ratio_range (tuple[float, float]): Range of ``w / h`` (drawn log-uniformly).
            Defaults to (3 / 4, 4 / 3).
        lazy (bool): Not supported; must be False. Defaults to False.
    """

    def __init__(self,
                 area_range: Tuple[float, float] = (0.08, 1.0),
                 aspect_ratio_range: Tuple[float, float] = (3 / 4, 4 / 3),
                 lazy: bool = False) -> None:
        name = type(self).__name__
        self.area_range = _check_number_pair(name, 'area_range', area_range, 0, 1)
        self.aspect_ratio_range = _check_number_pair(name, 'aspect_ratio_range',
                                                     aspect_ratio_range, 0, np.inf)
        self.lazy = _check_not_lazy(name, lazy)

    def transform(self, results: dict) -> dict:
        img_h, img_w = image_hw(results)
        return apply_crop(results, random_resized_crop_box(
            img_h, img_w, self.area_range, self.aspect_ratio_range, global_rng()))


@TRANSFORMS.register_module()
class MultiScaleCrop(BaseTransform):
    """Crop with a width and height drawn from a list of scales of the short side (TSN).

    Side lengths are ``int(short_side * s)`` for ``s`` in ``scales``; the width and height
    scale indices differ by at most ``max_wh_scale_gap``. The crop sits at a random position
    or at one of ``num_fixed_crops`` fixed positions (corners and centre; 13 adds edge
    centres and quarter points).

    Required Keys:
        - imgs (optional: absent in keypoint-only samples)
        - keypoint (optional: moved by the crop corner)
        - gt_bboxes (optional: moved by the crop corner and clipped to the crop)
        - proposals (optional: moved by the crop corner and clipped to the crop)
        - img_shape (optional: the first frame's shape when absent)
        - crop_quadruple (optional: composed with, or created when absent)

    Modified Keys:
        - imgs
        - keypoint
        - gt_bboxes
        - proposals
        - img_shape
        - crop_quadruple

    Added Keys:
        - crop_bbox
        - scales

    Args:
        input_size (int | tuple[int, int]): The network input ``(w, h)``; crop sides within
            2 pixels of it snap to it.
        scales (tuple[float]): Candidate scales of the short side. Defaults to (1, ).
        max_wh_scale_gap (int): Largest difference of the width and height scale indices.
            Defaults to 1.
        random_crop (bool): Place the crop anywhere instead of at fixed positions.
            Defaults to False.
        num_fixed_crops (int): 5 or 13 fixed positions. Defaults to 5.
        lazy (bool): Not supported; must be False. Defaults to False.
    """

    def __init__(self,
                 input_size: Union[int, Tuple[int, int]],
                 scales: Sequence[float] = (1, ),
                 max_wh_scale_gap: int = 1,
                 random_crop: bool = False,
                 num_fixed_crops: int = 5,
                 lazy: bool = False) -> None:
        name = type(self).__name__
        self.input_size = to_size_pair(name, 'input_size', input_size)
        if (not isinstance(scales, Sequence) or not scales
                or not all(isinstance(s, Real) and 0 < s <= 1 for s in scales)):
            raise ValueError(f'{name}: scales={scales!r}; expected a tuple of numbers in (0, 1]')
        self.scales = tuple(scales)
        self.max_wh_scale_gap = check_int(name, 'max_wh_scale_gap', max_wh_scale_gap, minimum=0)
        self.random_crop = bool(random_crop)
        self.num_fixed_crops = check_choice(name, 'num_fixed_crops', num_fixed_crops, (5, 13))
        self.lazy = _check_not_lazy(name, lazy)

    def transform(self, results: dict) -> dict:
        img_h, img_w = image_hw(results)
        box = multi_scale_crop_box(img_h, img_w, self.input_size, self.scales,
                                   self.max_wh_scale_gap, self.random_crop,
                                   self.num_fixed_crops, global_rng())
        apply_crop(results, box)
        results['scales'] = self.scales
        return results


@TRANSFORMS.register_module()
class CenterCrop(BaseTransform):
    """Crop the centre of every frame.

    Frames must be at least as large as the crop; keypoints alone may be cropped to a larger
    box (its corner is then negative), as in MMAction2.

    Required Keys:
        - imgs (optional: absent in keypoint-only samples)
        - keypoint (optional: moved by the crop corner)
        - gt_bboxes (optional: moved by the crop corner and clipped to the crop)
        - proposals (optional: moved by the crop corner and clipped to the crop)
        - img_shape (optional: the first frame's shape when absent)
        - crop_quadruple (optional: composed with, or created when absent)

    Modified Keys:
        - imgs
        - keypoint
        - gt_bboxes
        - proposals
        - img_shape
        - crop_quadruple

    Added Keys:
        - crop_bbox

    Args:
        crop_size (int | tuple[int, int]): Crop ``(w, h)``; an int is a square.
        lazy (bool): Not supported; must be False. Defaults to False.
    """

    def __init__(self, crop_size: Union[int, Tuple[int, int]], lazy: bool = False) -> None:
        name = type(self).__name__
        self.crop_size = to_size_pair(name, 'crop_size', crop_size)
        self.lazy = _check_not_lazy(name, lazy)

    def transform(self, results: dict) -> dict:
        img_h, img_w = image_hw(results)
        crop_w, crop_h = self.crop_size
        if 'imgs' in results:  # keypoints alone may be cropped to a box larger than the frame
            _check_fits(type(self).__name__, (img_h, img_w), crop_h, crop_w)
        return apply_crop(results, center_crop_box(img_h, img_w, crop_h, crop_w))


@TRANSFORMS.register_module()
class ThreeCrop(BaseTransform):
    """Take three crops along the long side (start, end, middle) of every frame (testing).

    One side of the crop must equal the frames'. ``imgs`` becomes the three crops of all
    frames, crop by crop, so a sample of ``N`` frames has ``3 * N``.

    Required Keys:
        - imgs

    Modified Keys:
        - imgs

    Added Keys:
        - crop_bbox
        - img_shape

    ``crop_bbox`` has one row per output frame.

    Args:
        crop_size (int | tuple[int, int]): Crop ``(w, h)``; an int is a square.
    """

    def __init__(self, crop_size: Union[int, Tuple[int, int]]) -> None:
        self.crop_size = to_size_pair(type(self).__name__, 'crop_size', crop_size)

    def transform(self, results: dict) -> dict:
        name = type(self).__name__
        reject_keys(name, results, BOX_KEYS + ('keypoint', ))
        img_h, img_w = results['imgs'][0].shape[:2]
        crop_w, crop_h = self.crop_size
        _check_fits(name, (img_h, img_w), crop_h, crop_w)
        if crop_h != img_h and crop_w != img_w:
            raise ValueError(f'{name}: crop_size=(w={crop_w}, h={crop_h}) must match the width '
                             f'or the height of the {img_h}x{img_w} frames; resize the short '
                             'side to the crop size first')
        offsets = three_crop_offsets(img_h, img_w, crop_h, crop_w)
        return _multi_crop(results, offsets, crop_w, crop_h, with_flips=False)


@TRANSFORMS.register_module()
class TenCrop(BaseTransform):
    """Take the four corner crops, the centre crop and their horizontal flips (testing).

    ``imgs`` becomes, for each of the five positions, the crops of all frames followed by
    their flips, so a sample of ``N`` frames has ``10 * N``.

    Required Keys:
        - imgs

    Modified Keys:
        - imgs

    Added Keys:
        - crop_bbox
        - img_shape

    ``crop_bbox`` has one row per output frame.

    Args:
        crop_size (int | tuple[int, int]): Crop ``(w, h)``; an int is a square.
    """

    def __init__(self, crop_size: Union[int, Tuple[int, int]]) -> None:
        self.crop_size = to_size_pair(type(self).__name__, 'crop_size', crop_size)

    def transform(self, results: dict) -> dict:
        name = type(self).__name__
        reject_keys(name, results, BOX_KEYS + ('keypoint', ))
        img_h, img_w = results['imgs'][0].shape[:2]
        crop_w, crop_h = self.crop_size
        _check_fits(name, (img_h, img_w), crop_h, crop_w)
        offsets = grid_crop_offsets(img_h, img_w, crop_h, crop_w, 5)
        return _multi_crop(results, offsets, crop_w, crop_h, with_flips=True)


# ----------------------------------------------------------------------------- flip and colour
@TRANSFORMS.register_module()
class Flip(BaseTransform):
    """Flip every frame (and the skeletons) with probability ``flip_ratio``.

    With ``keys`` (MMGeneration's form, ``Flip(keys=['img'], direction='horizontal')``) it flips
    the single images ``results[key]`` of each key (one draw for all) instead of ``imgs``.

    For optical flow (``modality='Flow'``, frames alternating x and y) a horizontal flip
    also inverts the x components (``255 - x``), since motion to the right becomes motion
    to the left. Keypoints flip horizontally only: non-zero x become ``w - x`` (``w`` the
    ``img_shape`` width) and the ``left_kp`` / ``right_kp`` joints swap, in ``keypoint`` and
    ``keypoint_score``.

    Required Keys:
        - imgs (optional: absent in keypoint-only samples)
        - keypoint (optional)
        - keypoint_score (optional: reordered with the keypoints)
        - gt_bboxes (optional: mirrored in a horizontal flip)
        - proposals (optional: mirrored in a horizontal flip)
        - img_shape (optional: read with keypoints; else the first frame's width)
        - modality (optional: ``'RGB'`` when absent)
        - label (optional: read with ``flip_label_map`` when flipped)

    Modified Keys:
        - imgs (when flipped)
        - keypoint (when flipped)
        - keypoint_score (when flipped)
        - gt_bboxes (when flipped)
        - proposals (when flipped)
        - label (when flipped and in ``flip_label_map``)

    Added Keys:
        - flip
        - flip_direction

    Args:
        flip_ratio (float): Probability of flipping. Defaults to 0.5.
        direction (str): ``'horizontal'`` or ``'vertical'``. Defaults to ``'horizontal'``.
        flip_label_map (dict[int, int] | None): New labels of flipped samples
            (``{left_swipe: right_swipe, ...}``). Defaults to None.
        left_kp (list[int] | None): Left joints, swapped with ``right_kp`` when flipped.
            None keeps the joint order. Defaults to None.
        right_kp (list[int] | None): Right joints, pairing with ``left_kp``. Defaults to None.
        lazy (bool): Not supported; must be False. Defaults to False.
        keys (str | list[str], optional): MMGeneration's form: the image keys to flip.
    """

    def __init__(self,
                 flip_ratio: float = 0.5,
                 direction: str = 'horizontal',
                 flip_label_map: Optional[dict] = None,
                 left_kp: Optional[Sequence[int]] = None,
                 right_kp: Optional[Sequence[int]] = None,
                 lazy: bool = False,
                 keys: Optional[Union[str, Sequence[str]]] = None) -> None:
        name = type(self).__name__
        self.keys = _image_keys(name, keys)
        self.flip_ratio = check_range(name, 'flip_ratio', flip_ratio, 0, 1)
        self.direction = check_choice(name, 'direction', direction, FLIP_DIRECTIONS)
        if flip_label_map is not None and not isinstance(flip_label_map, dict):
            raise TypeError(f'{name}: flip_label_map={flip_label_map!r}; expected a dict or None')
        if (left_kp is None) != (right_kp is None) or (
                left_kp is not None and len(left_kp) != len(right_kp)):
            raise ValueError(f'{name}: left_kp={left_kp!r} and right_kp={right_kp!r} must pair '
                             'up: both None, or two lists of the same length')
        self.flip_label_map = flip_label_map
        self.left_kp = left_kp
        self.right_kp = right_kp
        self.lazy = _check_not_lazy(name, lazy)

    def transform(self, results: dict) -> dict:
        name = type(self).__name__
        if self.direction != 'horizontal':
            reject_keys(f"{name}(direction='vertical')", results, BOX_KEYS)
        flow = results.get('modality', 'RGB') == 'Flow'
        if flow and self.direction != 'horizontal':
            raise ValueError(f"{name}: direction='vertical' is not defined for optical flow")
        with_keypoint = 'keypoint' in results
        if with_keypoint and self.direction != 'horizontal':
            raise ValueError(f"{name}: direction='vertical' is not supported for keypoints "
                             '(left and right joints only swap in a horizontal flip)')
        flipped = bool(global_rng().random() < self.flip_ratio)
        results['flip'] = flipped
        results['flip_direction'] = self.direction
        if not flipped:
            return results
        if self.keys is not None:
            for key in self.keys:
                results[key] = flip(results[key], self.direction)
            return results
        if with_keypoint:
            self._flip_keypoint(results)
        img_w = image_hw(results)[1]
        move_boxes(results, lambda boxes: flip_boxes(boxes, img_w))
        if 'imgs' in results:
            imgs = [flip(img, self.direction) for img in results['imgs']]
            if flow:
                imgs[0::2] = [255 - img for img in imgs[0::2]]
            results['imgs'] = imgs
        if self.flip_label_map is not None and results['label'] in self.flip_label_map:
            results['label'] = self.flip_label_map[results['label']]
        return results

    def _flip_keypoint(self, results: dict) -> None:
        keypoint = results['keypoint']
        order = left_right_order(keypoint.shape[2], self.left_kp or (), self.right_kp or ())
        results['keypoint'] = flip_keypoint(keypoint, image_hw(results)[1], order)
        if 'keypoint_score' in results:
            results['keypoint_score'] = results['keypoint_score'][:, :, order]


@TRANSFORMS.register_module()
class ColorJitter(BaseTransform):
    """Randomly change brightness, contrast, saturation and hue (same factors for all frames).

    Each call draws the four factors, then a random order to apply them in (MMAction2 draws
    the order once, when the transform is built).

    Required Keys:
        - imgs

    Modified Keys:
        - imgs

    Args:
        brightness (float | tuple[float, float]): Factor range; ``b`` means ``(1 - b, 1 + b)``
            with ``b <= 1``. Defaults to 0.5.
        contrast (float | tuple[float, float]): As ``brightness``. Defaults to 0.5.
        saturation (float | tuple[float, float]): As ``brightness``. Defaults to 0.5.
        hue (float | tuple[float, float]): Hue shift range in turns; ``h`` means ``(-h, h)``
            with ``h <= 0.5``. Defaults to 0.1.
    """

    def __init__(self,
                 brightness: Union[float, Tuple[float, float]] = 0.5,
                 contrast: Union[float, Tuple[float, float]] = 0.5,
                 saturation: Union[float, Tuple[float, float]] = 0.5,
                 hue: Union[float, Tuple[float, float]] = 0.1) -> None:
        self.brightness = self._factor_range('brightness', brightness, 1, 1)
        self.contrast = self._factor_range('contrast', contrast, 1, 1)
        self.saturation = self._factor_range('saturation', saturation, 1, 1)
        self.hue = self._factor_range('hue', hue, 0.5, 0)

    def _factor_range(self, name: str, value, max_delta: float, center: float):
        low, high = center - max_delta, center + max_delta
        if isinstance(value, Real) and not isinstance(value, bool):
            if not 0 <= value <= max_delta:
                raise ValueError(f'{type(self).__name__}: {name}={value!r}; expected a number '
                                 f'in [0, {max_delta}] or a (min, max) pair in [{low}, {high}]')
            return (center - float(value), center + float(value))
        return _check_number_pair(type(self).__name__, name, value, low, high, low_inclusive=True)

    def transform(self, results: dict) -> dict:
        imgs = results['imgs']
        if any(img.ndim != 3 or img.shape[2] != 3 for img in imgs):
            raise ValueError(f'{type(self).__name__} needs RGB frames (H x W x 3), got '
                             f'{imgs[0].shape}')
        rng = global_rng()
        factors = [rng.uniform(low, high)
                   for low, high in (self.brightness, self.contrast, self.saturation, self.hue)]
        order = rng.permutation(4)
        results['imgs'] = [color_jitter(img, *factors, order=order) for img in imgs]
        return results


@TRANSFORMS.register_module()
class RandomErasing(BaseTransform):
    """Random erasing (Zhong et al., AAAI 2020): fill one random box of every frame.

    With probability ``erase_prob`` a box of ``min_area_ratio`` to ``max_area_ratio`` of the
    frame, with an aspect ratio drawn log-uniformly from ``aspect_range``, is placed at the same
    spot in all frames and filled: with ``fill_color`` (``'const'``), or with random values
    (``'rand'``: uniform in [0, 255], or normal around ``fill_color`` with ``fill_std``),
    drawn anew for each frame.

    Required Keys:
        - imgs (uint8 H x W x 3 frames)

    Modified Keys:
        - imgs

    Args:
        erase_prob (float): Probability of erasing. Defaults to 0.5.
        min_area_ratio (float): Smallest box area over the frame area. Defaults to 0.02.
        max_area_ratio (float): Largest box area over the frame area. Defaults to 1/3.
        aspect_range (float | tuple[float, float]): Box aspect ratio (h / w) range; ``a`` means
            ``(min(a, 1/a), max(a, 1/a))``. Defaults to ``(3/10, 10/3)``.
        mode (str): ``'const'`` or ``'rand'``. Defaults to ``'const'``.
        fill_color (Number | sequence): The fill (``'const'``) or the normal mean (``'rand'``).
            Defaults to ``(128, 128, 128)``.
        fill_std (Number | sequence | None): The normal std for ``'rand'``; None draws
            uniformly. Defaults to None.
    """

    def __init__(self,
                 erase_prob: float = 0.5,
                 min_area_ratio: float = 0.02,
                 max_area_ratio: float = 1 / 3,
                 aspect_range: Union[float, Tuple[float, float]] = (3 / 10, 10 / 3),
                 mode: str = 'const',
                 fill_color: Union[Real, Sequence[Real]] = (128, 128, 128),
                 fill_std: Optional[Union[Real, Sequence[Real]]] = None) -> None:
        name = type(self).__name__
        self.erase_prob = check_range(name, 'erase_prob', erase_prob, 0, 1)
        self.min_area_ratio, self.max_area_ratio = _check_number_pair(
            name, '(min_area_ratio, max_area_ratio)', (min_area_ratio, max_area_ratio), 0, 1, low_inclusive=True)
        if isinstance(aspect_range, Real):
            aspect_range = (min(aspect_range, 1 / aspect_range), max(aspect_range, 1 / aspect_range))
        self.aspect_range = _check_number_pair(name, 'aspect_range', aspect_range, 0, np.inf)
        self.mode = check_choice(name, 'mode', mode, ('const', 'rand'))
        self.fill_color = self._per_channel('fill_color', fill_color)
        self.fill_std = None if fill_std is None else self._per_channel('fill_std', fill_std)

    def _per_channel(self, key: str, value) -> np.ndarray:
        """A number or three numbers (one per channel) as a (3,) array."""
        values = np.asarray(value, dtype=np.float64)
        if values.shape not in ((), (3, )) or not np.isfinite(values).all():
            raise ValueError(f'{type(self).__name__}: {key}={value!r}; expected a number or 3 numbers')
        return np.broadcast_to(values, (3, ))

    def random_box(self, img_h: int, img_w: int, rng: np.random.RandomState) -> Tuple[int, int, int, int]:
        """(top, left, h, w) of the box to erase."""
        aspect = np.exp(rng.uniform(*np.log(self.aspect_range)))
        area = img_h * img_w * rng.uniform(self.min_area_ratio, self.max_area_ratio)
        h = min(int(round(np.sqrt(area * aspect))), img_h)
        w = min(int(round(np.sqrt(area / aspect))), img_w)
        top = int(randint(rng, img_h - h)) if img_h > h else 0
        left = int(randint(rng, img_w - w)) if img_w > w else 0
        return top, left, h, w

    def fill(self, h: int, w: int, rng: np.random.RandomState) -> np.ndarray:
        """An (h, w, 3) uint8 patch."""
        if self.mode == 'const':
            return np.broadcast_to(self.fill_color.astype(np.uint8), (h, w, 3))
        if self.fill_std is None:
            return rng.uniform(0, 256, (h, w, 3)).astype(np.uint8)
        return np.clip(rng.normal(self.fill_color, self.fill_std, (h, w, 3)).astype(np.int32), 0, 255).astype(np.uint8)

    def transform(self, results: dict) -> dict:
        rng = global_rng()
        if rng.rand() >= self.erase_prob:
            return results
        img_h, img_w = results['imgs'][0].shape[:2]
        top, left, h, w = self.random_box(img_h, img_w, rng)
        erased = []
        for img in results['imgs']:
            img = img.copy()
            img[top:top + h, left:left + w] = self.fill(h, w, rng)
            erased.append(img)
        results['imgs'] = erased
        return results
