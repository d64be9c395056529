"""Improved precision and recall (MMGeneration's ``PrecisionAndRecall``, also ``PR``)."""
from typing import Optional

import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from reelkit.registry import METRICS
from reelkit.utils.errors import ConfigError
from .base import FeatureNetMetric
from .feature_nets import build_feature_net
from .functional import precision_recall


@METRICS.register_module('PR')
@METRICS.register_module()
class PrecisionAndRecall(FeatureNetMetric):
    """Kynkäänniemi et al. 2019: the share of generated images inside the k-NN manifold of real
    VGG16 features (precision) and of real images inside the generated manifold (recall).

    Results: ``precision`` and ``recall``.

    Args:
        fake_nums (int): generated images.
        real_nums (int): real images (the first ones of the dataset); -1 for all. Defaults to -1.
        k (int): the neighbour that sets each ball's radius. Defaults to 3.
        vgg16_script (str, optional): path of StyleGAN2-ADA's TorchScript ``vgg16.pt``; default
            the cache folder.
        vgg16_pkl (str, optional): ``.npz`` file of the real features (``features``); read if it
            exists, else written when ``auto_save``. Default: a file in the cache folder.
        row_batch_size (int): rows per distance batch. Defaults to 10000.
        col_batch_size (int): accepted for MMGeneration configs; rows and columns share
            ``row_batch_size``.
        auto_save (bool): save the real features. Defaults to True.
        feature_net (dict, optional): a MODELS config of another feature network.
        fake_key, real_key, sample_model, collect_device, prefix: see ``GenMetric``.
    """

    def __init__(self,
                 fake_nums: int,
                 real_nums: int = -1,
                 k: int = 3,
                 fake_key: Optional[str] = None,
                 real_key: Optional[str] = 'img',
                 sample_model: str = 'ema',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 vgg16_script: Optional[str] = None,
                 vgg16_pkl: Optional[str] = None,
                 row_batch_size: int = 10000,
                 col_batch_size: int = 10000,
                 auto_save: bool = True,
                 feature_net: Optional[dict] = None):
        super().__init__(fake_nums, real_nums, fake_key, real_key, sample_model, collect_device,
                         prefix)
        if not isinstance(k, int) or k < 1:
            raise ConfigError(f'PrecisionAndRecall: k={k!r}; expected a positive integer')
        self.k, self.vgg16_pkl, self.auto_save = k, vgg16_pkl, auto_save
        self.row_batch_size = row_batch_size
        self.feature_net = build_feature_net('PrecisionAndRecall', feature_net, 'VGG16',
                                             'vgg16_script', vgg16_script)
        self.real_features: Optional[torch.Tensor] = None

    def prepare(self, module: nn.Module, dataloader: DataLoader) -> None:
        super().prepare(module, dataloader)
        arrays = self.real_feature_arrays(dataloader, self.vgg16_pkl, 'pr', ('features', ),
                                          lambda feats: dict(features=feats.float().numpy()), save=self.auto_save)
        self.real_features = torch.from_numpy(arrays['features'])

    def compute_metrics(self, fake_features) -> dict:
        precision, recall = precision_recall(self.real_features, fake_features.float(), self.k,
                                             self.row_batch_size)
        return dict(precision=precision, recall=recall)
