"""Inception Score (MMGeneration's ``InceptionScore``, also ``IS``)."""
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import DataLoader

from reelkit.datasets.transforms.base import check_choice
from reelkit.registry import METRICS
from reelkit.utils.errors import ConfigError
from .base import GenerativeMetric
from .feature_nets import StyleGANInception, build_feature_net, to_uint8
from .functional import inception_score

PIL_METHODS = ('bicubic', 'bilinear', 'nearest', 'box')


@METRICS.register_module('IS')
@METRICS.register_module()
class InceptionScore(GenerativeMetric):
    """``exp(E KL(p(y|x) || p(y)))`` over ``splits`` groups of generated images.

    Results: ``is`` (mean over the groups) and ``is_std``.

    Args:
        fake_nums (int): generated images. Defaults to 50000.
        resize (bool): resize images to 299x299 before the Inception network. Defaults to True.
        splits (int): number of groups. Defaults to 10.
        inception_style (str): only ``'StyleGAN'`` (see ``FrechetInceptionDistance``).
        inception_path (str, optional): path of ``inception-2015-12-05.pt``.
        resize_method (str): ``'bicubic'``, ``'bilinear'``, ``'nearest'`` or ``'box'``.
        use_pillow_resize (bool): resize with Pillow (as MMGeneration recommends) rather than
            ``torch.nn.functional.interpolate``. Defaults to True.
        feature_net (dict, optional): a MODELS config of another network with ``probabilities``;
            no resizing is applied to its input.
        fake_key, sample_model, collect_device, prefix: see ``GenMetric``; ``sample_model``
            defaults to ``'orig'``.
    """

    def __init__(self,
                 fake_nums: int = 50000,
                 resize: bool = True,
                 splits: int = 10,
                 inception_style: str = 'StyleGAN',
                 inception_path: Optional[str] = None,
                 resize_method: str = 'bicubic',
                 use_pillow_resize: bool = True,
                 feature_net: Optional[dict] = None,
                 fake_key: Optional[str] = None,
                 sample_model: str = 'orig',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(int(fake_nums), 0, fake_key, None, sample_model, collect_device, prefix)
        if inception_style != 'StyleGAN' and feature_net is None:
            raise ConfigError(f"InceptionScore: inception_style={inception_style!r} is not available "
                              "(it needs torchvision); use 'StyleGAN' or feature_net=...")
        if not isinstance(splits, int) or not 1 <= splits <= max(1, self.fake_nums):
            raise ConfigError(f'InceptionScore: splits={splits!r}; expected an integer in '
                              f'[1, fake_nums={self.fake_nums}]')
        self.resize, self.splits, self.use_pillow_resize = resize, splits, use_pillow_resize
        self.resize_method = check_choice('InceptionScore', 'resize_method', resize_method, PIL_METHODS)
        self.feature_net = build_feature_net('InceptionScore', feature_net, 'Inception',
                                             'inception_path', inception_path)

    def prepare(self, module: nn.Module, dataloader: DataLoader) -> None:
        super().prepare(module, dataloader)
        self.feature_net.to(self.device)

    def _resize(self, images: Tensor) -> Tensor:
        if not self.resize or not isinstance(self.feature_net, StyleGANInception):
            return images
        if not self.use_pillow_resize:
            return F.interpolate(images, size=(299, 299), mode=self.resize_method)
        from PIL import Image
        method = getattr(Image.Resampling, self.resize_method.upper())
        pixels = to_uint8(images).permute(0, 2, 3, 1).cpu().numpy()
        resized = np.stack([np.asarray(Image.fromarray(p).resize((299, 299), resample=method))
                            for p in pixels])
        return torch.from_numpy(resized).permute(0, 3, 1, 2).float().div(127.5).sub(1).to(images)

    @torch.no_grad()
    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        if self.num_processed() >= self.fake_nums_per_device:
            return
        images = self._resize(self.to_rgb(self.fake_images(data_samples)))
        self.fake_results.append(self.feature_net.probabilities(images).double().cpu())

    def compute_metrics(self, probabilities) -> dict:
        mean, std = inception_score(probabilities.numpy(), self.splits)
        return {'is': mean, 'is_std': std}
