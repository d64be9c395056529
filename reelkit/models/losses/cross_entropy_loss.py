"""Cross-entropy for single-label (hard or soft labels) and binary cross-entropy for multi-label."""
import torch
import torch.nn.functional as F

from reelkit.registry import MODELS
from .base import BaseWeightedLoss


@MODELS.register_module()
class CrossEntropyLoss(BaseWeightedLoss):
    """Softmax cross-entropy, mean over the batch.

    Labels are class indices of shape (N,) (hard), or probabilities of shape (N, C) (soft: label
    smoothing, mixup, cutmix). With ``class_weight`` the mean is weighted as in
    ``torch.nn.CrossEntropyLoss``: sum of weighted losses over sum of weights.

    Args:
        loss_weight: factor applied to the loss.
        class_weight: one weight per class, or ``None``.
    """

    def _forward(self, cls_score: torch.Tensor, label: torch.Tensor, **kwargs) -> torch.Tensor:
        if cls_score.shape != label.shape:
            return F.cross_entropy(cls_score, label, weight=self.class_weight, **kwargs)
        if cls_score.dim() != 2 or kwargs:
            raise ValueError(f'soft labels need (N, C) scores and no extra arguments, got scores '
                             f'{tuple(cls_score.shape)} and {sorted(kwargs)}')
        log_prob = F.log_softmax(cls_score, dim=1)
        if self.class_weight is None:
            return -(label * log_prob).sum(dim=1).mean()
        weighted = label * self.class_weight.unsqueeze(0)
        return -(weighted * log_prob).sum() / weighted.sum()


@MODELS.register_module()
class BCELossWithLogits(BaseWeightedLoss):
    """Sigmoid binary cross-entropy per class (multi-label), mean over batch and classes.

    Args:
        loss_weight: factor applied to the loss.
        class_weight: one weight per class, or ``None``.
    """

    def _forward(self, cls_score: torch.Tensor, label: torch.Tensor, **kwargs) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(cls_score, label, weight=self.class_weight, **kwargs)
