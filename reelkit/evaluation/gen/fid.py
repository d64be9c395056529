"""Fréchet Inception Distance (MMGeneration's ``FrechetInceptionDistance``, also ``FID``)."""
from typing import Optional

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from reelkit.registry import METRICS
from reelkit.utils.errors import ConfigError
from .base import FeatureNetMetric
from .feature_nets import build_feature_net
from .functional import feature_statistics, frechet_distance


def summarize_features(features: torch.Tensor) -> dict:
    """(N, D) features -> their mean and covariance, as FID compares them."""
    mean, cov = feature_statistics(features.numpy())
    return dict(mean=mean, cov=cov)


@METRICS.register_module('FID-Full')
@METRICS.register_module('FID')
@METRICS.register_module()
class FrechetInceptionDistance(FeatureNetMetric):
    """Fréchet distance between Inception features of real and generated images.

    Results: ``fid``, and its two terms ``mean`` (``|mu_r - mu_g|^2``) and ``cov``.

    Args:
        fake_nums (int): generated images.
        real_nums (int): real images for the statistics; -1 for the whole dataset. Defaults to -1.
        inception_style (str): ``'StyleGAN'``: StyleGAN2-ADA's TorchScript Inception file, read
            from ``inception_path`` or the cache folder. (``'PyTorch'``, torchvision's network, is
            not available: reelkit does not depend on torchvision.) Defaults to ``'StyleGAN'``.
        inception_path (str, optional): path of ``inception-2015-12-05.pt``.
        inception_pkl (str, optional): ``.npz`` file of the real statistics (``mean``, ``cov``);
            read if it exists, else computed and written. Default: a file in the cache folder.
        feature_net (dict, optional): a MODELS config of another feature network (for example
            ``dict(type='SeededFeatureNet')``), used instead of Inception.
        fake_key, real_key, sample_model, collect_device, prefix: see ``GenMetric``;
            ``sample_model`` defaults to ``'orig'``.
    """

    feature_dtype = torch.float64  # the covariance of 2048-d features needs the precision

    def __init__(self,
                 fake_nums: int,
                 real_nums: int = -1,
                 inception_style: str = 'StyleGAN',
                 inception_path: Optional[str] = None,
                 inception_pkl: Optional[str] = None,
                 feature_net: Optional[dict] = None,
                 fake_key: Optional[str] = None,
                 real_key: Optional[str] = 'img',
                 sample_model: str = 'orig',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(fake_nums, real_nums, fake_key, real_key, sample_model, collect_device,
                         prefix)
        if inception_style != 'StyleGAN' and feature_net is None:
            raise ConfigError(f"FrechetInceptionDistance: inception_style={inception_style!r} is not "
                              "available (it needs torchvision); use 'StyleGAN' with the TorchScript "
                              'file, or feature_net=...')
        self.inception_pkl = inception_pkl
        self.feature_net = build_feature_net('FrechetInceptionDistance', feature_net, 'Inception',
                                             'inception_path', inception_path)
        self.real_mean: Optional[np.ndarray] = None
        self.real_cov: Optional[np.ndarray] = None

    def prepare(self, module: nn.Module, dataloader: DataLoader) -> None:
        super().prepare(module, dataloader)
        stats = self.real_feature_arrays(dataloader, self.inception_pkl, 'fid', ('mean', 'cov'), summarize_features)
        self.real_mean, self.real_cov = stats['mean'], stats['cov']

    def compute_metrics(self, fake_features) -> dict:
        if self.real_mean is None:
            raise RuntimeError('FrechetInceptionDistance: prepare() was not called; evaluate '
                               'with GenValLoop/GenTestLoop')
        fake_mean, fake_cov = feature_statistics(fake_features.numpy())
        fid, mean_term, cov_term = frechet_distance(fake_mean, fake_cov, self.real_mean, self.real_cov)
        return dict(fid=fid, mean=mean_term, cov=cov_term)
