"""TSN head (Wang et al., *Temporal Segment Networks*, ECCV 2016): pool, average the segments, classify."""
from typing import Mapping, Optional, Union

import torch
import torch.nn as nn

from reelkit.registry import MODELS
from ..common import build_module, frozen
from .base import BaseHead

# spatial_type -> the pooling of the (H, W) feature map; None when the features are already pooled.
SPATIAL_POOLS = {
    'avg': lambda: nn.AdaptiveAvgPool2d(1),
    'max': lambda: nn.AdaptiveMaxPool2d(1),
    None: nn.Identity,
}


@MODELS.register_module()
class AvgConsensus(nn.Module):
    """Mean over one dimension, kept with size 1: (N, T, ...) -> (N, 1, ...) for ``dim=1``.

    Args:
        dim: the dimension averaged.
    """

    def __init__(
            self,
            dim: int = 1,
    ) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=self.dim, keepdim=True)


@MODELS.register_module()
class TSNHead(BaseHead):
    """Spatial pooling, consensus over the segments of a clip, dropout, linear classifier.

    Args:
        num_classes: number of classes.
        in_channels: channels of the input features.
        spatial_type: ``'avg'``, ``'max'`` or ``None`` (features already pooled).
        consensus: config (or module) merging the segments, default ``AvgConsensus(dim=1)``.
        dropout_ratio: dropout probability before the classifier.
        init_std: std of the normal init of ``fc_cls``.
        **kwargs: arguments of :class:`BaseHead` (``loss_cls``, ``average_clips``, ...).
    """

    def __init__(
            self,
            num_classes: int,
            in_channels: int,
            spatial_type: Optional[str] = 'avg',
            consensus: Union[Mapping, nn.Module] = frozen(type='AvgConsensus', dim=1),
            dropout_ratio: float = 0.4,
            init_std: float = 0.01,
            **kwargs,
    ) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        if spatial_type not in SPATIAL_POOLS:
            raise ValueError(f"spatial_type={spatial_type!r}; expected 'avg', 'max' or None")
        self.spatial_type = spatial_type
        self.dropout_ratio = dropout_ratio
        self.init_std = init_std
        self.pool = SPATIAL_POOLS[spatial_type]()
        self.consensus = build_module(consensus)
        self.dropout = nn.Dropout(p=dropout_ratio)
        # ``fc_cls`` as in MMAction2 checkpoints.
        self.fc_cls = nn.Linear(in_channels, num_classes)
        nn.init.normal_(self.fc_cls.weight, std=init_std)
        nn.init.zeros_(self.fc_cls.bias)

    def forward(self, x: torch.Tensor, num_segs: int) -> torch.Tensor:
        """(N * num_segs, in_channels, H, W) -> (N, num_classes)."""
        x = self.pool(x).flatten(1)  # (N * num_segs, C)
        x = x.view(-1, num_segs, x.shape[1])
        x = self.consensus(x).squeeze(1)  # (N, C)
        return self.fc_cls(self.dropout(x))
