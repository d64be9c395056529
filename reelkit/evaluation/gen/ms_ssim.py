"""Multi-scale structural similarity of generated pairs (MMGeneration's
``MultiScaleStructureSimilarity``, also ``MS_SSIM``): a diversity measure, lower is more diverse."""
from typing import Optional, Sequence

import torch

from reelkit.registry import METRICS
from reelkit.utils.errors import ConfigError
from .base import GenerativeMetric, gather_rows
from .functional import ms_ssim


@METRICS.register_module('MS_SSIM')
@METRICS.register_module()
class MultiScaleStructureSimilarity(GenerativeMetric):
    """Mean MS-SSIM of ``fake_nums / 2`` pairs of generated images (consecutive images of a batch).

    Result: ``avg`` (rounded to 4 decimals, as MMGeneration).

    Args:
        fake_nums (int): generated images, even.
        fake_key, sample_model, collect_device, prefix: see ``GenMetric``.
    """

    def __init__(self,
                 fake_nums: int,
                 fake_key: Optional[str] = None,
                 sample_model: str = 'ema',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(fake_nums, 0, fake_key, None, sample_model, collect_device, prefix)
        if fake_nums % 2:
            raise ConfigError(f'MultiScaleStructureSimilarity: fake_nums={fake_nums} must be even '
                              '(images are compared in pairs)')
        self.num_pairs = fake_nums // 2

    @torch.no_grad()
    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        if self.num_processed() >= self.fake_nums_per_device // 2:
            return
        images = self.fake_images(data_samples)
        if images.shape[0] % 2:
            raise ConfigError('MultiScaleStructureSimilarity: the batch size of val_dataloader must '
                              f'be even (pairs of images), got {images.shape[0]}')
        pixels = ((images.float().cpu() + 1) / 2).clamp(0, 1).mul(255).to(torch.uint8).float()
        self.fake_results.append(ms_ssim(pixels[0::2], pixels[1::2]))

    def collect_fake(self):
        return gather_rows(self.fake_results, self.num_pairs)

    def compute_metrics(self, scores) -> dict:
        return dict(avg=round(float(scores.sum() / self.num_pairs), 4))
