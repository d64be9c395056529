"""Class-balanced binary logistic regression, the boundary loss of BSN and BMN."""
from typing import Tuple

import torch
import torch.nn as nn

from reelkit.registry import MODELS


def binary_logistic_regression_loss(reg_score: torch.Tensor, label: torch.Tensor, threshold: float = 0.5,
                                    ratio_range: Tuple[float, float] = (1.05, 21),
                                    eps: float = 1e-5) -> torch.Tensor:
    """Balanced binary cross-entropy of probabilities ``reg_score`` against soft ``label`` (same numel).

    Entries with ``label > threshold`` are positives. With ``r = entries / positives`` clipped to
    ``ratio_range``, positives weigh ``r / 2`` and negatives ``r / (2 (r - 1))``, so both classes
    contribute equally whatever their balance; the result is the negative mean.
    """
    label = label.reshape(-1).to(reg_score.device)
    reg_score = reg_score.reshape(-1)
    positive = (label > threshold).float()
    ratio = label.numel() / positive.sum().clamp(min=1)
    ratio = ratio.clamp(*ratio_range)
    coef_positive = 0.5 * ratio
    coef_negative = 0.5 * ratio / (ratio - 1)
    log_likelihood = (coef_positive * positive * torch.log(reg_score + eps)
                      + coef_negative * (1. - positive) * torch.log(1. - reg_score + eps))
    return -log_likelihood.mean()


@MODELS.register_module()
class BinaryLogisticRegressionLoss(nn.Module):
    """:func:`binary_logistic_regression_loss` as a module (MMAction2's name and arguments).

    ``forward(reg_score, label, threshold=0.5, ratio_range=(1.05, 21), eps=1e-5)``: scores are
    probabilities of any shape, labels soft targets in [0, 1] of the same number of entries.
    """

    def forward(self, reg_score: torch.Tensor, label: torch.Tensor, threshold: float = 0.5,
                ratio_range: Tuple[float, float] = (1.05, 21), eps: float = 1e-5) -> torch.Tensor:
        return binary_logistic_regression_loss(reg_score, label, threshold, ratio_range, eps)
