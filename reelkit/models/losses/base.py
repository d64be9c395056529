"""The base of the classification losses: a loss times ``loss_weight``."""
from typing import Dict, Optional, Sequence, Union

import torch
import torch.nn as nn

LossOutput = Union[torch.Tensor, Dict[str, torch.Tensor]]


class BaseWeightedLoss(nn.Module):
    """``loss_weight * _forward(...)``, with an optional per-class weight kept as a buffer.

    ``_forward`` returns a scalar, or a dict of tensors of which only the entries whose name
    contains ``loss`` are weighted (the others are logged extras, as in MMAction2).

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

    def _forward(self, cls_score: torch.Tensor, label: torch.Tensor, *args, **kwargs) -> LossOutput:
        raise NotImplementedError

    def forward(self, cls_score: torch.Tensor, label: torch.Tensor, *args, **kwargs) -> LossOutput:
        """Scores (N, C) and labels (N,) or (N, C) -> the weighted scalar loss (or dict of them)."""
        loss = self._forward(cls_score, label, *args, **kwargs)
        if isinstance(loss, dict):
            return {k: v * self.loss_weight if 'loss' in k else v for k, v in loss.items()}
        return self.loss_weight * loss
