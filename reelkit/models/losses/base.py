"""The base of the classification losses: a loss times ``loss_weight``."""
from typing import Optional, Sequence

import torch
import torch.nn as nn


class BaseWeightedLoss(nn.Module):
    """``loss_weight * _forward(...)``, with an optional per-class weight kept as a buffer.

    Args:
        loss_weight: factor applied to the loss.
        class_weight: one weight per class, or ``None``. Stored as a non-persistent buffer: it
            follows the module across devices and stays out of checkpoints.
    """

    def __init__(
            self,
            loss_weight: float = 1.0,
            class_weight: Optional[Sequence[float]] = None,
    ) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        weight = None if class_weight is None else torch.as_tensor(class_weight, dtype=torch.float32)
        self.register_buffer('class_weight', weight, persistent=False)

    def _forward(self, cls_score: torch.Tensor, label: torch.Tensor, **kwargs) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, cls_score: torch.Tensor, label: torch.Tensor, **kwargs) -> torch.Tensor:
        """Scores (N, C) and labels (N,) or (N, C) -> the weighted scalar loss."""
        return self.loss_weight * self._forward(cls_score, label, **kwargs)
