"""Negative log-likelihood of scores that are already log-probabilities."""
import torch
import torch.nn.functional as F

from reelkit.registry import MODELS
from .base import BaseWeightedLoss


@MODELS.register_module()
class NLLLoss(BaseWeightedLoss):
    """``torch.nn.functional.nll_loss``: mean of ``-cls_score[i, label[i]]`` over the batch.

    ``cls_score`` holds log-probabilities (N, C), e.g. from a head that ends in ``log_softmax``;
    ``label`` holds class indices (N,). Extra keyword arguments go to ``nll_loss``. With
    ``class_weight`` the mean is weighted as in ``torch.nn.NLLLoss``.

    Args:
        loss_weight: factor applied to the loss.
        class_weight: one weight per class, or ``None``.
    """

    def _forward(self, cls_score: torch.Tensor, label: torch.Tensor, **kwargs) -> torch.Tensor:
        if self.class_weight is not None:
            if 'weight' in kwargs:
                raise ValueError('NLLLoss got both class_weight and a weight argument; give only one')
            kwargs['weight'] = self.class_weight
        return F.nll_loss(cls_score, label, **kwargs)
