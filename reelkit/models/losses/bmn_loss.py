"""The loss of the Boundary-Matching Network (BMN), and the IoU-balanced sampling of proposals
that BMN, BSN's PEM and TCANet share."""
from typing import Tuple

import torch
import torch.nn as nn

from reelkit.registry import MODELS
from .binary_logistic_regression_loss import binary_logistic_regression_loss


def iou_balanced_weights(high: torch.Tensor, medium: torch.Tensor, low: torch.Tensor,
                         medium_ratio: float = 1., low_ratio: float = 1.) -> torch.Tensor:
    """0/1 weights that keep every high-IoU entry and a random subset of the others.

    ``high``, ``medium``, ``low`` are disjoint float masks of one shape. Each medium entry is kept
    with probability ``min(1, medium_ratio * n_high / n_medium)``, each low one likewise, so the
    expected number of medium (low) entries is about ``medium_ratio`` (``low_ratio``) times the
    number of high ones: regression is not swamped by the many poor proposals.
    """
    n_high = high.sum()

    def keep(band: torch.Tensor, ratio: float) -> torch.Tensor:
        probability = (ratio * n_high / band.sum().clamp(min=1)).clamp(max=1)
        return band * (torch.rand_like(band) < probability).float()

    return high + keep(medium, medium_ratio) + keep(low, low_ratio)


def weighted_mean(values: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """``sum(weights * values) / sum(weights)``, 0 when no weight is set."""
    return (weights * values).sum() / weights.sum().clamp(min=1)


@MODELS.register_module()
class BMNLoss(nn.Module):
    """``weight_tem * tem + weight_pem_reg * pem_reg + weight_pem_cls * pem_cls`` (BMN, ICCV 2019).

    - ``tem``: :func:`binary_logistic_regression_loss` of the start and of the end scores.
    - ``pem_reg``: half the squared error of the regression map against the IoU map, over every
      proposal of IoU > 0.7 and IoU-balanced samples (:func:`iou_balanced_weights`) of those in
      (0.3, 0.7] and in (0, 0.3].
    - ``pem_cls``: balanced binary cross-entropy of the classification map, positives IoU > 0.9,
      over the valid entries of the boundary-matching map.

    ``forward`` returns ``(loss, tem, pem_reg, pem_cls)``, as MMAction2's does.
    """

    @staticmethod
    def tem_loss(pred_start: torch.Tensor, pred_end: torch.Tensor, gt_start: torch.Tensor,
                 gt_end: torch.Tensor) -> torch.Tensor:
        """Start and end probabilities (N, T) against their soft labels (N, T)."""
        return (binary_logistic_regression_loss(pred_start, gt_start)
                + binary_logistic_regression_loss(pred_end, gt_end))

    @staticmethod
    def pem_reg_loss(pred_score: torch.Tensor, gt_iou_map: torch.Tensor, mask: torch.Tensor,
                     high_temporal_iou_threshold: float = 0.7,
                     low_temporal_iou_threshold: float = 0.3) -> torch.Tensor:
        """Regression map (N, D, T) against the masked IoU map (N, D, T); ``mask`` (D, T)."""
        high = (gt_iou_map > high_temporal_iou_threshold).float()
        medium = ((gt_iou_map <= high_temporal_iou_threshold)
                  & (gt_iou_map > low_temporal_iou_threshold)).float()
        low = ((gt_iou_map <= low_temporal_iou_threshold) & (gt_iou_map > 0.)).float() * mask
        weights = iou_balanced_weights(high, medium, low)
        return 0.5 * weighted_mean((pred_score - gt_iou_map).square(), weights)

    @staticmethod
    def pem_cls_loss(pred_score: torch.Tensor, gt_iou_map: torch.Tensor, mask: torch.Tensor,
                     threshold: float = 0.9, ratio_range: Tuple[float, float] = (1.05, 21),
                     eps: float = 1e-5) -> torch.Tensor:
        """Classification map (N, D, T) against the masked IoU map (N, D, T); ``mask`` (D, T)."""
        positive = (gt_iou_map > threshold).float()
        negative = (gt_iou_map <= threshold).float() * mask
        num_positive = positive.sum().clamp(min=1)
        num_entries = num_positive + negative.sum()
        ratio = (num_entries / num_positive).clamp(*ratio_range)
        coef_positive = 0.5 * ratio
        coef_negative = 0.5 * ratio / (ratio - 1)
        log_likelihood = (coef_positive * positive * torch.log(pred_score + eps)
                          + coef_negative * negative * torch.log(1. - pred_score + eps))
        return -log_likelihood.sum() / num_entries

    def forward(self, pred_bm: torch.Tensor, pred_start: torch.Tensor, pred_end: torch.Tensor,
                gt_iou_map: torch.Tensor, gt_start: torch.Tensor, gt_end: torch.Tensor,
                bm_mask: torch.Tensor, weight_tem: float = 1.0, weight_pem_reg: float = 10.0,
                weight_pem_cls: float = 1.0) -> Tuple[torch.Tensor, ...]:
        """Losses of BMN's outputs.

        Args:
            pred_bm: (N, 2, D, T) regression and classification confidence maps.
            pred_start, pred_end: (N, T) boundary probabilities.
            gt_iou_map: (N, D, T) best IoU of each map entry with a ground-truth segment.
            gt_start, gt_end: (N, T) boundary labels.
            bm_mask: (D, T), 1 where the proposal ends inside the video.
            weight_tem, weight_pem_reg, weight_pem_cls: weights of the three terms.

        Returns:
            ``(loss, tem_loss, pem_reg_loss, pem_cls_loss)``.
        """
        gt_iou_map = gt_iou_map * bm_mask
        pem_reg = self.pem_reg_loss(pred_bm[:, 0], gt_iou_map, bm_mask)
        pem_cls = self.pem_cls_loss(pred_bm[:, 1], gt_iou_map, bm_mask)
        tem = self.tem_loss(pred_start, pred_end, gt_start, gt_end)
        loss = weight_tem * tem + weight_pem_reg * pem_reg + weight_pem_cls * pem_cls
        return loss, tem, pem_reg, pem_cls
