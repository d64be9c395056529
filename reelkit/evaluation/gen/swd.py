"""Sliced Wasserstein distance of Laplacian-pyramid patches (MMGeneration's
``SlicedWassersteinDistance``, also ``SWD``; PGGAN's metric)."""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch

from reelkit.registry import METRICS
from reelkit.utils.errors import ConfigError
from .base import NOISE_SEED, GenMetric, gather_rows
from .functional import laplacian_pyramid, normalize_descriptors, sample_descriptors, sliced_wasserstein

PATCH_SIZE = 7
PATCHES_PER_IMAGE = 128
DIRECTION_REPEATS = 4
DIRECTIONS_PER_REPEAT = 128


@METRICS.register_module('SWD')
@METRICS.register_module()
class SlicedWassersteinDistance(GenMetric):
    """SWD between patches of real and generated images at up to 4 pyramid levels (side >= 16).

    Results (x 1e3, 4 decimals): one per level named by its resolution, and ``avg``.

    Args:
        fake_nums (int): generated images; as many real images are used.
        image_shape (tuple): ``(C, H, W)`` of the images.
        fake_key, real_key, sample_model, collect_device, prefix: see ``GenMetric``.
    """
    SAMPLER_MODE = 'normal'

    def __init__(self,
                 fake_nums: int,
                 image_shape: Tuple[int, int, int],
                 fake_key: Optional[str] = None,
                 real_key: Optional[str] = 'img',
                 sample_model: str = 'ema',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(fake_nums, fake_nums, fake_key, real_key, sample_model, collect_device,
                         prefix)
        if len(image_shape) != 3:
            raise ConfigError(f'SlicedWassersteinDistance: image_shape={image_shape!r}; expected (C, H, W)')
        self.image_shape = tuple(image_shape)
        self.resolutions: List[int] = []
        side = image_shape[1]
        while side >= 16 and len(self.resolutions) < 4:
            self.resolutions.append(side)
            side //= 2
        if not self.resolutions:
            raise ConfigError(f'SlicedWassersteinDistance: images of side {image_shape[1]} are too '
                              'small; SWD needs a side of at least 16')
        self._reset()

    def _reset(self) -> None:
        self.real_levels = [[] for _ in self.resolutions]
        self.fake_levels = [[] for _ in self.resolutions]
        self.fake_results = []
        self.processed = 0
        self.rng = np.random.default_rng(NOISE_SEED)

    def _descriptors(self, images: torch.Tensor, store: List[list]) -> None:
        if tuple(images.shape[1:]) != self.image_shape:
            raise ConfigError(f'SlicedWassersteinDistance: image_shape={self.image_shape} but the '
                              f'images are {tuple(images.shape[1:])}')
        pyramid = laplacian_pyramid(images.float().cpu(), len(self.resolutions) - 1)
        for level, band in enumerate(pyramid):
            store[level].append(sample_descriptors(band, PATCH_SIZE, PATCHES_PER_IMAGE, self.rng))

    @torch.no_grad()
    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        if self.num_processed() >= self.fake_nums_per_device:
            return
        real = torch.stack([sample['gt_img'] for sample in data_samples])
        fake = self.fake_images(data_samples)
        self._descriptors(real, self.real_levels)
        self._descriptors(fake, self.fake_levels)
        self.processed += len(fake)

    def num_processed(self) -> int:
        return self.processed

    def evaluate(self, size: Optional[int] = None) -> dict:
        try:
            return super().evaluate(size)
        finally:
            self._reset()

    def collect_fake(self):
        """Per level, the descriptors of all processes: ``[(real, fake), ...]``."""
        count = PATCHES_PER_IMAGE * self.fake_nums
        return [(gather_rows(real, count), gather_rows(fake, count))
                for real, fake in zip(self.real_levels, self.fake_levels)]

    def compute_metrics(self, levels) -> dict:
        generator = torch.Generator().manual_seed(NOISE_SEED)
        distances = [1e3 * sliced_wasserstein(normalize_descriptors(real), normalize_descriptors(fake),
                                              DIRECTION_REPEATS, DIRECTIONS_PER_REPEAT, generator)
                     for real, fake in levels]
        names = [str(r) for r in self.resolutions] + ['avg']
        values = distances + [float(np.mean(distances))]
        return {name: round(value, 4) for name, value in zip(names, values)}
