"""I3D head (Carreira and Zisserman, *Quo Vadis, Action Recognition?*, CVPR 2017): pool the clip
features over time and space, dropout, linear classifier. Used by most 3D backbones."""
from typing import Optional

import torch
import torch.nn as nn

from reelkit.registry import MODELS
from .base import BaseHead

SPATIAL_TYPES = ('avg', None)


@MODELS.register_module()
class I3DHead(BaseHead):
    """(N * views, in_channels, T, H, W) -> (N * views, num_classes).

    Args:
        num_classes: number of classes.
        in_channels: channels of the input features.
        spatial_type: ``'avg'`` (average over T, H, W) or ``None`` (features already pooled,
            e.g. (N, C, 1, 1, 1)).
        dropout_ratio: dropout probability before the classifier; 0 for none.
        init_std: std of the normal init of ``fc_cls``.
        **kwargs: arguments of :class:`BaseHead` (``loss_cls``, ``average_clips``, ...).
    """

    def __init__(
            self,
            num_classes: int,
            in_channels: int,
            spatial_type: Optional[str] = 'avg',
            dropout_ratio: float = 0.5,
            init_std: float = 0.01,
            **kwargs,
    ) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        if spatial_type not in SPATIAL_TYPES:
            raise ValueError(f"spatial_type={spatial_type!r}; expected 'avg' or None")
        self.spatial_type = spatial_type
        self.dropout_ratio = dropout_ratio
        self.init_std = init_std
        self.avg_pool = nn.AdaptiveAvgPool3d(1) if spatial_type == 'avg' else nn.Identity()
        self.dropout = nn.Dropout(p=dropout_ratio) if dropout_ratio else nn.Identity()
        # ``fc_cls`` as in MMAction2 checkpoints.
        self.fc_cls = nn.Linear(in_channels, num_classes)
        nn.init.normal_(self.fc_cls.weight, std=init_std)
        nn.init.zeros_(self.fc_cls.bias)

    def forward(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        return self.classify(self.avg_pool(x))

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled features (N, C, ...) -> dropout, flatten, linear -> (N, num_classes)."""
        return self.fc_cls(self.dropout(x).flatten(1))
