"""X3D head: pool the clip's feature map, then a 2048-wide hidden layer before the classifier."""
import torch
import torch.nn as nn

from reelkit.registry import MODELS
from .base import BaseHead

# spatial_type -> pooling of the whole (T, H, W) map.
POOLS_3D = {
    'avg': lambda: nn.AdaptiveAvgPool3d(1),
    'max': lambda: nn.AdaptiveMaxPool3d(1),
}


@MODELS.register_module()
class X3DHead(BaseHead):
    """(N, in_channels, T, H, W) -> pool -> fc1 (2048) -> ReLU -> dropout -> fc2 -> (N, num_classes).

    Args:
        num_classes: number of classes.
        in_channels: channels of the input features.
        spatial_type: ``'avg'`` or ``'max'`` pooling over (T, H, W).
        dropout_ratio: dropout probability before ``fc2``.
        init_std: std of the normal init of ``fc1`` and ``fc2``.
        fc1_bias: whether ``fc1`` has a bias (the X3D checkpoints have none).
        **kwargs: arguments of :class:`BaseHead` (``loss_cls``, ``average_clips``, ...).
    """

    mid_channels = 2048

    def __init__(
            self,
            num_classes: int,
            in_channels: int,
            spatial_type: str = 'avg',
            dropout_ratio: float = 0.5,
            init_std: float = 0.01,
            fc1_bias: bool = False,
            **kwargs,
    ) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        if spatial_type not in POOLS_3D:
            raise ValueError(f"spatial_type={spatial_type!r}; expected one of {sorted(POOLS_3D)}")
        self.spatial_type = spatial_type
        self.dropout_ratio = dropout_ratio
        self.init_std = init_std
        self.fc1_bias = fc1_bias
        self.pool = POOLS_3D[spatial_type]()
        self.fc1 = nn.Linear(in_channels, self.mid_channels, bias=fc1_bias)
        self.relu = nn.ReLU()
        self.dropout = nn.Dropout(p=dropout_ratio)
        self.fc2 = nn.Linear(self.mid_channels, num_classes)
        for fc in (self.fc1, self.fc2):
            nn.init.normal_(fc.weight, std=init_std)
            if fc.bias is not None:
                nn.init.zeros_(fc.bias)

    def forward(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        """(N, in_channels, T, H, W) -> (N, num_classes); ``kwargs`` (``fcn_test``) change nothing."""
        x = self.relu(self.fc1(self.pool(x).flatten(1)))
        return self.fc2(self.dropout(x))
