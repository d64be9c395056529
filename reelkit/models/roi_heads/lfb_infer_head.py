"""Write a long-term feature bank: the pooled RoI features of every key frame a test run sees."""
import os
import os.path as osp
import weakref
from typing import Dict, List

import torch
import torch.nn as nn
from mmengine.dist import get_dist_info

from reelkit.registry import MODELS
from reelkit.utils.errors import ConfigError
from .bbox_head import make_pool


class FeatureBank:
    """RoI features by ``img_key`` (``'<video_id>,<second>'``), saved as ``{video: {second: [feats]}}``."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.features: List[torch.Tensor] = []
        self.keys: List[str] = []
        self.num_saved = 0

    def add(self, features: torch.Tensor, keys: List[str]) -> None:
        self.features += list(features.detach().flatten(1).cpu())
        self.keys += keys

    def save(self) -> None:
        """Write the bank, unless no feature came since the last write."""
        if len(self.keys) == self.num_saved:
            return
        bank: Dict[str, Dict[int, List[torch.Tensor]]] = {}
        for key, feature in zip(self.keys, self.features):
            video_id, second = key.split(',')
            bank.setdefault(video_id, {}).setdefault(int(second), []).append(feature)
        os.makedirs(osp.dirname(self.path) or '.', exist_ok=True)
        torch.save(bank, self.path)
        self.num_saved = len(self.keys)


@MODELS.register_module()
class LFBInferHead(nn.Module):
    """Pass RoI features through unchanged, recording their pooled (C,) vectors.

    The bank goes to ``<lfb_prefix_path>/lfb_<dataset_mode>.pkl`` when the head is garbage
    collected or the process exits (the end of ``reelkit test``), or on :meth:`save`.

    Args:
        lfb_prefix_path: folder of the bank.
        dataset_mode: ``'train'``, ``'val'`` or ``'test'``: which split the run infers.
        use_half_precision: store float16 features.
        temporal_pool_type: ``'avg'`` or ``'max'``.
        spatial_pool_type: ``'avg'`` or ``'max'``.
    """

    def __init__(self, lfb_prefix_path: str, dataset_mode: str = 'train', use_half_precision: bool = True,
                 temporal_pool_type: str = 'avg', spatial_pool_type: str = 'max') -> None:
        super().__init__()
        if get_dist_info()[1] > 1:
            raise ConfigError('LFBInferHead: infer the feature bank in a single process (no --launcher)')
        self.use_half_precision = use_half_precision
        self.temporal_pool = make_pool(temporal_pool_type, (1, None, None), 'temporal_pool_type')
        self.spatial_pool = make_pool(spatial_pool_type, (None, 1, 1), 'spatial_pool_type')
        self.bank = FeatureBank(osp.join(lfb_prefix_path, f'lfb_{dataset_mode}.pkl'))
        weakref.finalize(self, self.bank.save)

    def save(self) -> None:
        self.bank.save()

    def forward(self, x: torch.Tensor, rois: torch.Tensor, img_metas: List[Dict], **kwargs) -> torch.Tensor:
        features = self.spatial_pool(self.temporal_pool(x))
        if self.use_half_precision:
            features = features.half()
        self.bank.add(features, [img_metas[index]['img_key'] for index in rois[:, 0].long().tolist()])
        return x
