"""SlowFast head: pool each pathway's features, concatenate (fast first, as MMAction2), dropout, classify."""
from typing import Tuple

import torch

from reelkit.registry import MODELS
from .i3d_head import I3DHead


@MODELS.register_module()
class SlowFastHead(I3DHead):
    """(slow (N, C_slow, T1, H, W), fast (N, C_fast, T2, H, W)) -> (N, num_classes); in_channels = C_slow + C_fast.

    Args:
        num_classes: number of classes.
        in_channels: channels of both pathways together.
        spatial_type: ``'avg'`` (average over T, H, W) or ``None`` (already pooled).
        dropout_ratio: dropout probability before the classifier; 0 for none.
        init_std: std of the normal init of ``fc_cls``.
        **kwargs: arguments of :class:`BaseHead`.
    """

    def __init__(
            self,
            num_classes: int,
            in_channels: int,
            spatial_type: str = 'avg',
            dropout_ratio: float = 0.8,
            init_std: float = 0.01,
            **kwargs,
    ) -> None:
        super().__init__(num_classes, in_channels, spatial_type, dropout_ratio, init_std, **kwargs)

    def forward(self, x: Tuple[torch.Tensor, torch.Tensor], **kwargs) -> torch.Tensor:
        x_slow, x_fast = x
        return self.classify(torch.cat((self.avg_pool(x_fast), self.avg_pool(x_slow)), dim=1))
