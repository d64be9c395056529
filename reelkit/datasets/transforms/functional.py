"""Pure array helpers behind the transforms: random numbers, resizing, crop boxes, flips, colour.

Nothing here reads or writes a ``results`` dict. Frames are ``H x W x C`` (or ``H x W`` for
optical-flow components) ``uint8`` arrays; boxes are ``(x1, y1, x2, y2)`` in pixels with
exclusive ends, so a box crops ``img[y1:y2, x1:x2]``.

Randomness is always an argument (``rng``): either a ``np.random.Generator`` or a legacy
``np.random.RandomState``. The transforms pass :func:`global_rng`, NumPy's global legacy
generator, because that is the state ``np.random.seed`` sets: ``mmengine.runner.set_random_seed``
and MMEngine's dataloader ``worker_init_fn`` both seed it, so a seeded run is reproducible, and
sampling draws the same numbers MMAction2 draws from the same seed.
"""
import math
from typing import List, Sequence, Tuple, Union

import cv2
import numpy as np

RNG = Union[np.random.Generator, np.random.RandomState]
Box = Tuple[int, int, int, int]

INTERPOLATIONS = {
    'nearest': cv2.INTER_NEAREST,
    'bilinear': cv2.INTER_LINEAR,
    'bicubic': cv2.INTER_CUBIC,
    'area': cv2.INTER_AREA,
    'lanczos': cv2.INTER_LANCZOS4,
}
FLIP_DIRECTIONS = ('horizontal', 'vertical')


# ----------------------------------------------------------------------------- random numbers
def global_rng() -> np.random.RandomState:
    """NumPy's global legacy generator: the one ``np.random.seed`` seeds."""
    return np.random.mtrand._rand


def randint(rng: RNG, low: int, high=None, size=None):
    """Integers in ``[low, high)``, or ``[0, low)`` when ``high`` is None, from either RNG kind."""
    if isinstance(rng, np.random.Generator):
        return rng.integers(low, high, size=size)
    return rng.randint(low, high, size=size)


# ----------------------------------------------------------------------------- geometry
def rescale_size(width: int, height: int,
                 scale: Union[float, Tuple[float, float]]) -> Tuple[int, int]:
    """``(new_w, new_h)`` of an image rescaled by ``scale``, keeping its aspect ratio.

    A number is a factor. A pair is a bounding size: the image becomes as large as possible
    with its long side ``<= max(scale)`` and its short side ``<= min(scale)``; ``(inf, 256)``
    therefore means "short side 256". Sizes round half up (MMCV's ``rescale_size``).
    """
    if isinstance(scale, (int, float)):
        factor = float(scale)
    else:
        factor = min(max(scale) / max(height, width), min(scale) / min(height, width))
    return int(width * factor + 0.5), int(height * factor + 0.5)


def resize(img: np.ndarray, size: Tuple[int, int], interpolation: str = 'bilinear') -> np.ndarray:
    """``img`` resized to ``size = (w, h)``; a trailing channel axis of 1 is kept."""
    out = cv2.resize(img, size, interpolation=INTERPOLATIONS[interpolation])
    return out[..., None] if img.ndim == 3 and out.ndim == 2 else out


def crop(img: np.ndarray, box: Box) -> np.ndarray:
    """The ``box`` region of ``img`` (a view, no copy)."""
    x1, y1, x2, y2 = box
    return img[y1:y2, x1:x2]


def flip(img: np.ndarray, direction: str) -> np.ndarray:
    """A flipped copy of ``img``; ``direction`` is ``'horizontal'`` or ``'vertical'``."""
    return cv2.flip(img, 1 if direction == 'horizontal' else 0)


def random_crop_box(img_h: int, img_w: int, crop_h: int, crop_w: int, rng: RNG) -> Box:
    """A ``crop_h x crop_w`` box at a uniformly random position inside the image.

    Every position is possible, the last row and column included (MMAction2's ``RandomCrop``
    never picks the last offset).
    """
    x1 = int(randint(rng, 0, img_w - crop_w + 1))
    y1 = int(randint(rng, 0, img_h - crop_h + 1))
    return x1, y1, x1 + crop_w, y1 + crop_h


def center_crop_box(img_h: int, img_w: int, crop_h: int, crop_w: int) -> Box:
    """The ``crop_h x crop_w`` box centred in the image (offsets round down)."""
    x1, y1 = (img_w - crop_w) // 2, (img_h - crop_h) // 2
    return x1, y1, x1 + crop_w, y1 + crop_h


def random_resized_crop_box(img_h: int, img_w: int, area_range: Tuple[float, float],
                            aspect_ratio_range: Tuple[float, float], rng: RNG,
                            max_attempts: int = 10) -> Box:
    """A box whose area fraction and ``w / h`` ratio are drawn from the given ranges.

    The ratio is drawn log-uniformly. Of ``max_attempts`` candidates the first that fits
    the image is placed uniformly at random; if none fits, the centred square of side
    ``min(img_h, img_w)`` is returned.
    """
    log_ratios = rng.uniform(math.log(aspect_ratio_range[0]), math.log(aspect_ratio_range[1]),
                             size=max_attempts)
    ratios = np.exp(log_ratios)
    areas = rng.uniform(area_range[0], area_range[1], size=max_attempts) * img_h * img_w
    widths = np.round(np.sqrt(areas * ratios)).astype(int)
    heights = np.round(np.sqrt(areas / ratios)).astype(int)
    for crop_w, crop_h in zip(widths, heights):
        if 0 < crop_h <= img_h and 0 < crop_w <= img_w:
            return random_crop_box(img_h, img_w, int(crop_h), int(crop_w), rng)
    side = min(img_h, img_w)
    return center_crop_box(img_h, img_w, side, side)


def grid_crop_offsets(img_h: int, img_w: int, crop_h: int, crop_w: int,
                      num_crops: int = 5) -> List[Tuple[int, int]]:
    """``(x, y)`` offsets of the fixed crops on a 4 x 4 grid of steps.

    5 crops: upper left, upper right, lower left, lower right, centre. 13 adds centre left,
    centre right, lower centre, upper centre and the four quarter points.
    """
    w_step, h_step = (img_w - crop_w) // 4, (img_h - crop_h) // 4
    grid = [(0, 0), (4, 0), (0, 4), (4, 4), (2, 2)]
    if num_crops == 13:
        grid += [(0, 2), (4, 2), (2, 4), (2, 0), (1, 1), (3, 1), (1, 3), (3, 3)]
    return [(i * w_step, j * h_step) for i, j in grid]


def multi_scale_crop_box(img_h: int, img_w: int, input_size: Tuple[int, int],
                         scales: Sequence[float], max_wh_scale_gap: int, random_crop: bool,
                         num_fixed_crops: int, rng: RNG) -> Box:
    """A TSN-style multi-scale crop box.

    Side lengths are ``int(min(img_h, img_w) * s)`` for ``s`` in ``scales``; a (w, h) pair is
    drawn among those whose scale indices differ by at most ``max_wh_scale_gap``, and a side
    within 2 pixels of ``input_size = (w, h)`` snaps to it (unless that would leave the image).
    The box is placed at random, or at one of the ``num_fixed_crops`` grid offsets (see
    :func:`grid_crop_offsets`).
    """
    base = min(img_h, img_w)
    sides = [int(base * s) for s in scales]
    candidates = [(w, h) for i, h in enumerate(sides) for j, w in enumerate(sides)
                  if abs(i - j) <= max_wh_scale_gap]
    crop_w, crop_h = candidates[int(randint(rng, len(candidates)))]
    if abs(crop_w - input_size[0]) < 3 and input_size[0] <= img_w:
        crop_w = input_size[0]
    if abs(crop_h - input_size[1]) < 3 and input_size[1] <= img_h:
        crop_h = input_size[1]
    if random_crop:
        return random_crop_box(img_h, img_w, crop_h, crop_w, rng)
    offsets = grid_crop_offsets(img_h, img_w, crop_h, crop_w, num_fixed_crops)
    x1, y1 = offsets[int(randint(rng, len(offsets)))]
    return x1, y1, x1 + crop_w, y1 + crop_h


def three_crop_offsets(img_h: int, img_w: int, crop_h: int, crop_w: int) -> List[Tuple[int, int]]:
    """``(x, y)`` offsets of three crops along the long side: start, end, middle.

    One side of the crop must equal the image's; the crops slide along the other.
    """
    if crop_h == img_h:
        step = (img_w - crop_w) // 2
        return [(0, 0), (2 * step, 0), (step, 0)]
    step = (img_h - crop_h) // 2
    return [(0, 0), (0, 2 * step), (0, step)]


# ----------------------------------------------------------------------------- colour
def rgb_to_gray(img: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma of an RGB image, as float32 ``H x W``."""
    return (0.2989 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2]).astype(np.float32)


def adjust_brightness(img: np.ndarray, factor: float) -> np.ndarray:
    """``img * factor`` (float32, unclipped)."""
    return img * np.float32(factor)


def adjust_contrast(img: np.ndarray, factor: float) -> np.ndarray:
    """Blend ``img`` with its mean grey level (float32, unclipped)."""
    mean = rgb_to_gray(img).mean()
    return factor * img + (1 - factor) * mean


def adjust_saturation(img: np.ndarray, factor: float) -> np.ndarray:
    """Blend ``img`` with its greyscale version (float32, unclipped)."""
    gray = rgb_to_gray(img)[..., None]
    return factor * img + (1 - factor) * gray


def adjust_hue(img: np.ndarray, factor: float) -> np.ndarray:
    """Rotate the hue by ``factor`` in ``[-0.5, 0.5]`` (float32 out).

    Like MMAction2, the shift is ``int(factor * 255)`` on OpenCV's 180-step hue circle.
    """
    hsv = cv2.cvtColor(np.clip(img, 0, 255).astype(np.uint8), cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0].astype(np.int32) + int(factor * 255)) % 180
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)


def color_jitter(img: np.ndarray, brightness: float, contrast: float, saturation: float,
                 hue: float, order: Sequence[int]) -> np.ndarray:
    """Apply the four adjustments in ``order`` (0 brightness, 1 contrast, 2 saturation, 3 hue).

    Factors of 1 (0 for hue) are skipped. Returns a uint8 image.
    """
    out = img.astype(np.float32)
    for op in order:
        if op == 0 and brightness != 1:
            out = adjust_brightness(out, brightness)
        elif op == 1 and contrast != 1:
            out = adjust_contrast(out, contrast)
        elif op == 2 and saturation != 1:
            out = adjust_saturation(out, saturation)
        elif op == 3 and hue != 0:
            out = adjust_hue(out, hue)
    return np.clip(out, 0, 255).astype(np.uint8)
