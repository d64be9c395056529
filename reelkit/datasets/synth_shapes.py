"""SynthShapes: a small generated image set for training and testing GANs without downloads.

Each image is one shape (circle, square, triangle, diamond, ring or cross) in a random colour,
size and position, filled plainly or with stripes or a checkerboard, on a flat, gradient or
noise-textured background. Small enough to learn in minutes on a CPU, varied enough that
the Fréchet distance of a generator's samples tells progress.

Everything an image needs is drawn from ``np.random.default_rng([seed, index])``, so the same
seed writes the same pixels whatever the order of generation.

Written under ``out_dir``::

    images/00000.png ...   size x size RGB PNGs (read by ``UnconditionalImageDataset(data_root=out_dir)``)
    labels.txt             ``images/00000.png SHAPE_INDEX`` per line (for conditional models)
    classes.txt            the shape names, one per line, in label order
"""
import os
import os.path as osp
from typing import Dict, Iterable

import cv2
import numpy as np

from reelkit.utils.errors import ReelkitError

SYNTH_SHAPES_CLASSES = ('circle', 'square', 'triangle', 'diamond', 'ring', 'cross')


def _background(size: int, rng: np.random.Generator) -> np.ndarray:
    kind = rng.integers(3)
    base = rng.uniform(0, 255, 3)
    if kind == 0:  # flat
        return np.broadcast_to(base, (size, size, 3)).copy()
    if kind == 1:  # linear gradient to a second colour
        other = rng.uniform(0, 255, 3)
        ramp = np.linspace(0, 1, size)[:, None, None]
        image = base * (1 - ramp) + other * ramp
        image = np.broadcast_to(image, (size, size, 3))
        return np.ascontiguousarray(image if rng.random() < 0.5 else image.transpose(1, 0, 2))
    noise = cv2.GaussianBlur(rng.normal(0, 40, (size, size, 1)).astype(np.float32), (0, 0), 1.5)
    return base + noise.reshape(size, size, 1)  # blurred noise texture


def _shape_mask(label: int, size: int, rng: np.random.Generator) -> np.ndarray:
    mask = np.zeros((size, size), np.uint8)
    radius = rng.uniform(0.22, 0.38) * size
    cx, cy = rng.uniform(radius, size - radius, 2)
    name = SYNTH_SHAPES_CLASSES[label]
    if name in ('circle', 'ring'):
        cv2.circle(mask, (round(cx), round(cy)), round(radius), 1, -1, cv2.LINE_AA)
        if name == 'ring':
            cv2.circle(mask, (round(cx), round(cy)), round(radius * 0.55), 0, -1, cv2.LINE_AA)
        return mask
    if name == 'cross':
        half = radius * 0.35
        for w, h in ((radius, half), (half, radius)):
            cv2.rectangle(mask, (round(cx - w), round(cy - h)), (round(cx + w), round(cy + h)), 1, -1)
        return mask
    sides, phase = {'square': (4, np.pi / 4), 'triangle': (3, -np.pi / 2), 'diamond': (4, 0.0)}[name]
    angles = phase + 2 * np.pi * np.arange(sides) / sides
    points = np.stack([cx + radius * np.cos(angles), cy + radius * np.sin(angles)], axis=1)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1, cv2.LINE_AA)
    return mask


def _fill(size: int, rng: np.random.Generator) -> np.ndarray:
    colour = rng.uniform(0, 255, 3)
    kind = rng.integers(3)
    if kind == 0:  # plain
        return np.broadcast_to(colour, (size, size, 3))
    second = 255 - colour
    yy, xx = np.mgrid[0:size, 0:size]
    period = int(rng.integers(3, 7))
    pattern = ((xx + yy) // period % 2) if kind == 1 else ((xx // period + yy // period) % 2)
    return np.where(pattern[..., None] == 0, colour, second)


def render_shape_image(index: int, size: int = 32, seed: int = 0) -> tuple:
    """The ``index``-th image of the set: ``(HxWx3 uint8 RGB image, shape label)``."""
    rng = np.random.default_rng([seed, index])
    label = int(rng.integers(len(SYNTH_SHAPES_CLASSES)))
    image = _background(size, rng)
    mask = _shape_mask(label, size, rng)[..., None].astype(bool)
    image = np.where(mask, _fill(size, rng), image)
    return np.clip(np.round(image), 0, 255).astype(np.uint8), label


def _progress(items: range, enabled: bool) -> Iterable[int]:
    if not enabled:
        return items
    from rich.progress import track
    return track(items, description='SynthShapes')


def generate_synth_shapes(out_dir: str, num_images: int = 2000, size: int = 32, seed: int = 0,
                          progress: bool = False) -> Dict[str, str]:
    """Write SynthShapes under ``out_dir`` (see the module docstring); return the written paths.

    Args:
        out_dir: folder to write; created if needed.
        num_images: number of images, >= 1.
        size: side of the square images in pixels, >= 16.
        seed: the same seed writes the same pixels.
        progress: show a progress bar.
    """
    if not isinstance(num_images, int) or num_images < 1:
        raise ReelkitError(f'synth-shapes: num_images={num_images!r}; expected an integer >= 1')
    if not isinstance(size, int) or size < 16:
        raise ReelkitError(f'synth-shapes: size={size!r}; expected an integer >= 16 (pixels)')
    image_dir = osp.join(out_dir, 'images')
    os.makedirs(image_dir, exist_ok=True)
    lines = []
    for index in _progress(range(num_images), progress):
        image, label = render_shape_image(index, size, seed)
        name = f'images/{index:05d}.png'
        cv2.imwrite(osp.join(out_dir, name), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        lines.append(f'{name} {label}\n')
    paths = dict(images=image_dir, labels=osp.join(out_dir, 'labels.txt'),
                 classes=osp.join(out_dir, 'classes.txt'))
    with open(paths['labels'], 'w') as f:
        f.writelines(lines)
    with open(paths['classes'], 'w') as f:
        f.writelines(f'{name}\n' for name in SYNTH_SHAPES_CLASSES)
    return paths
