"""Feature extraction: a head that pools the backbone's features instead of classifying them."""
from typing import Callable, Dict, Optional, Tuple, Union

import torch

from reelkit.registry import MODELS
from .base import BaseHead, SampleList

Features = Union[torch.Tensor, Tuple[torch.Tensor, ...]]
# pooling type -> reduce(x, dims); None keeps the dimensions.
POOLS: Dict[Optional[str], Callable[[torch.Tensor, Tuple[int, ...]], torch.Tensor]] = {
    'avg': lambda x, dims: x.mean(dim=dims),
    'max': lambda x, dims: x.amax(dim=dims),
    None: lambda x, dims: x,
}
BACKBONE_NAMES = (None, 'tsm', 'slowfast', 'gcn')


@MODELS.register_module()
class FeatureHead(BaseHead):
    """Pooled features, one vector per view; :meth:`predict` stores the views' mean as ``feature``.

    Inputs by layout: (N * num_segs, C, H, W) from 2D backbones (frames pooled too),
    (N, C, T, H, W) from 3D backbones, a (slow, fast) pair from SlowFast (pooled and
    concatenated), (N, M, C, T, V) from GCN backbones (persons pooled as the time axis), or
    (N, C) features already pooled. Output: (N', C) with both pools set.

    Args:
        spatial_type: pooling over (H, W) (over (T, V) for GCNs): ``'avg'``, ``'max'`` or ``None``.
        temporal_type: pooling over time (over persons for GCNs): ``'avg'``, ``'max'`` or ``None``.
        backbone_name: ``'tsm'``, ``'slowfast'``, ``'gcn'`` or ``None``, for layouts that shapes
            alone do not tell apart.
        num_segments: segments per clip of a TSM backbone (``backbone_name='tsm'``).
        **kwargs: arguments of :class:`BaseHead` (``average_clips``, ...).
    """

    def __init__(
            self,
            spatial_type: Optional[str] = 'avg',
            temporal_type: Optional[str] = 'avg',
            backbone_name: Optional[str] = None,
            num_segments: Optional[int] = None,
            **kwargs,
    ) -> None:
        kwargs.setdefault('average_clips', 'score')
        super().__init__(num_classes=0, in_channels=0, **kwargs)
        for key, value in (('spatial_type', spatial_type), ('temporal_type', temporal_type)):
            if value not in POOLS:
                raise ValueError(f"{key}={value!r}; expected 'avg', 'max' or None")
        if backbone_name not in BACKBONE_NAMES:
            raise ValueError(f'backbone_name={backbone_name!r}; expected one of {BACKBONE_NAMES}')
        if backbone_name == 'tsm' and not num_segments:
            raise ValueError("backbone_name='tsm' needs num_segments")
        if backbone_name == 'slowfast' and temporal_type is None:
            raise ValueError("backbone_name='slowfast' needs a temporal_type: the two pathways differ in length")
        self.spatial_pool, self.temporal_pool = POOLS[spatial_type], POOLS[temporal_type]
        self.backbone_name = backbone_name
        self.num_segments = num_segments

    def pool(self, x: torch.Tensor, time_dim: int) -> torch.Tensor:
        return self.temporal_pool(self.spatial_pool(x, (-2, -1)), (time_dim, ))

    def forward(self, x: Features, num_segs: Optional[int] = None, **kwargs) -> torch.Tensor:
        """Features (layouts above) -> pooled features, (N', C) with both pools set."""
        if isinstance(x, tuple):
            return torch.cat([self.pool(pathway, 2) for pathway in x], dim=1)
        if x.ndim == 4:
            segs = self.num_segments if self.backbone_name == 'tsm' else num_segs
            if not segs:
                raise ValueError('2D features need num_segs (or backbone_name="tsm" with num_segments)')
            return self.pool(x.view((-1, segs) + x.shape[1:]), 1)
        if x.ndim == 5:
            return self.pool(x, 1 if self.backbone_name == 'gcn' else 2)
        if x.ndim == 2:
            return x
        raise ValueError(f'FeatureHead takes 2-, 4- or 5-dim features (or a SlowFast pair), got {tuple(x.shape)}')

    def loss(self, feats: Features, data_samples: SampleList, **kwargs) -> Dict[str, torch.Tensor]:
        raise RuntimeError('FeatureHead extracts features; it has no loss to train with')

    def predict_by_feat(self, feats: torch.Tensor, data_samples: SampleList) -> SampleList:
        """Pooled features (N * num_views, ...) -> ``data_samples`` with ``feature``, the views' mean."""
        num_views, rest = divmod(feats.shape[0], len(data_samples))
        if rest:
            raise ValueError(f'{feats.shape[0]} feature rows do not split evenly over {len(data_samples)} samples')
        features = feats.reshape((len(data_samples), num_views) + feats.shape[1:]).mean(dim=1).detach()
        for sample, feature in zip(data_samples, features):
            sample.set_field(feature, 'feature', dtype=torch.Tensor)
        return data_samples
