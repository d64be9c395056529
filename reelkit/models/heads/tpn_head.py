"""TPN head: the TSN head on the (N, C, T, H, W) output of the :class:`TPN` neck."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from reelkit.registry import MODELS
from .tsn_head import TSNHead

# spatial_type -> the pooling of a whole (T, H, W) map; None when the features are already pooled.
SPATIOTEMPORAL_POOLS = {
    'avg': lambda: nn.AdaptiveAvgPool3d(1),
    'max': lambda: nn.AdaptiveMaxPool3d(1),
    None: nn.Identity,
}


@MODELS.register_module()
class TPNHead(TSNHead):
    """Pooling, dropout and ``fc_cls`` on clip feature maps.

    Three inputs, as MMAction2:

    - ``num_segs`` given (Recognizer2D, (N * num_segs, C, H, W)): the :class:`TSNHead` path.
    - ``num_segs=None`` (Recognizer3D, (N, C, T, H, W)): pooled over T, H and W at once.
    - ``fcn_test=True`` (full-convolution testing, (N, C, T, H, W)): pooled as above, then
      ``fc_cls`` applied as a 1x1x1 conv at every remaining position, scores flattened per clip.

    Args: as :class:`TSNHead` (``num_classes``, ``in_channels``, ``spatial_type``, ``consensus``,
    ``dropout_ratio``, ``init_std``, and :class:`BaseHead`'s).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pool3d = SPATIOTEMPORAL_POOLS[self.spatial_type]()

    def forward(self, x: torch.Tensor, num_segs: Optional[int] = None, fcn_test: bool = False,
                **kwargs) -> torch.Tensor:
        """-> (N, num_classes); (N, num_classes * positions) for ``fcn_test`` without pooling."""
        if fcn_test:
            # The linear classifier as a 1x1x1 conv; MMAction2 builds a Conv3d copy of fc_cls for this.
            weight = self.fc_cls.weight[..., None, None, None]
            return F.conv3d(self.pool3d(x), weight, self.fc_cls.bias).flatten(1)
        if num_segs is not None:
            return super().forward(x, num_segs)
        return self.fc_cls(self.dropout(self.pool3d(x).flatten(1)))
