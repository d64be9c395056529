"""Cross-entropy for single-label (hard or soft labels), binary cross-entropy for multi-label, and
the class-balanced sigmoid focal loss for long-tailed labels."""
from typing import Sequence

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


def class_balanced_weights(samples_per_cls: Sequence[int], beta: float) -> torch.Tensor:
    """(C,) float32 weights ``(1 - beta) / (1 - beta ** n_c)``, scaled to sum to C.

    The "effective number of samples" weights of Cui et al., "Class-Balanced Loss Based on
    Effective Number of Samples", CVPR 2019; computed in float64 as MMAction2 does with numpy.
    """
    if len(samples_per_cls) == 0 or min(samples_per_cls) <= 0:
        raise ValueError(f'samples_per_cls={list(samples_per_cls)!r}; expected one positive count per class')
    if not 0 <= beta < 1:
        raise ValueError(f'beta={beta!r}; expected 0 <= beta < 1')
    counts = torch.as_tensor(samples_per_cls, dtype=torch.float64)
    weights = (1 - beta) / (1 - beta ** counts)
    return (weights / weights.sum() * len(weights)).float()


@MODELS.register_module()
class CBFocalLoss(BaseWeightedLoss):
    """Class-balanced sigmoid focal loss (the BABEL skeleton baseline's loss).

    Each class is a sigmoid against the one-hot label; sample i's summed focal terms are weighted by
    the class-balanced weight of its label (see :func:`class_balanced_weights`, kept in
    ``class_weight``) and the total is divided by N.

    Args:
        loss_weight: factor applied to the loss.
        samples_per_cls: the number of training samples of each class; C is its length.
        beta: how strongly rare classes are up-weighted (0: not at all).
        gamma: focusing exponent; 0 gives the weighted binary cross-entropy.
    """

    def __init__(
            self,
            loss_weight: float = 1.0,
            samples_per_cls: Sequence[int] = (),
            beta: float = 0.9999,
            gamma: float = 2.0,
    ) -> None:
        super().__init__(loss_weight, class_weight=class_balanced_weights(samples_per_cls, beta))
        self.num_classes = len(samples_per_cls)
        self.beta = beta
        self.gamma = gamma

    def _forward(self, cls_score: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        """Scores (N, C) and class indices (N,) -> scalar."""
        if cls_score.dim() != 2 or cls_score.shape[1] != self.num_classes:
            raise ValueError(f'CBFocalLoss: scores of shape {tuple(cls_score.shape)}, expected '
                             f'(N, {self.num_classes}) for {self.num_classes} samples_per_cls entries')
        one_hot = F.one_hot(label, self.num_classes).to(cls_score.dtype)
        bce = F.binary_cross_entropy_with_logits(cls_score, one_hot, reduction='none')
        # (1 - p) ** gamma for the label's class and p ** gamma for the others, p = sigmoid(score),
        # written with softplus so large scores do not overflow
        modulator = torch.exp(-self.gamma * (one_hot * cls_score + F.softplus(-cls_score)))
        sample_weight = self.class_weight[label].unsqueeze(1)
        return (sample_weight * modulator * bce).sum() / one_hot.sum()
