"""Assign each proposal a ground-truth box, or background, by IoU (MMDetection's MaxIoUAssigner,
with AVA's multi-hot labels)."""
from dataclasses import dataclass
from typing import Tuple, Union

import torch
from mmengine.structures import InstanceData

from reelkit.registry import TASK_UTILS
from reelkit.structures.bbox import bbox_overlaps


@dataclass
class AssignResult:
    """Which ground truth each of n proposals got.

    Fields: ``num_gts``; ``gt_inds`` (n,) int64: 0 background, -1 ignored, i > 0 the (1-based) gt;
    ``max_overlaps`` (n,) the best IoU; ``labels`` (n, num_classes) multi-hot, zero unless positive.
    """
    num_gts: int
    gt_inds: torch.Tensor
    max_overlaps: torch.Tensor
    labels: torch.Tensor

    def add_gt_(self, gt_labels: torch.Tensor) -> None:
        """Put the ground truths first, each assigned to itself (for ``add_gt_as_proposals``)."""
        own = torch.arange(1, len(gt_labels) + 1, dtype=torch.long, device=gt_labels.device)
        self.gt_inds = torch.cat([own, self.gt_inds])
        self.max_overlaps = torch.cat([self.max_overlaps.new_ones(len(gt_labels)), self.max_overlaps])
        self.labels = torch.cat([gt_labels.to(self.labels.dtype), self.labels])


@TASK_UTILS.register_module()
class MaxIoUAssignerAVA:
    """Positive if the best IoU with a gt reaches ``pos_iou_thr``, negative below ``neg_iou_thr``.

    Then, with ``match_low_quality``, each gt also takes the proposals of its own best IoU when that
    reaches ``min_pos_iou`` (all tied ones with ``gt_max_assign_all``, else the first). A positive
    carries its gt's multi-hot label row.

    Args:
        pos_iou_thr: IoU from which a proposal is positive.
        neg_iou_thr: IoU below which it is negative, or a ``(low, high)`` range of negatives.
        min_pos_iou: least IoU of a gt's best proposal for the low-quality match.
        gt_max_assign_all: give a gt every proposal tied at its best IoU.
        match_low_quality: do the low-quality match.
    """

    def __init__(self, pos_iou_thr: float, neg_iou_thr: Union[float, Tuple[float, float]],
                 min_pos_iou: float = 0.0, gt_max_assign_all: bool = True,
                 match_low_quality: bool = True) -> None:
        if not isinstance(neg_iou_thr, (int, float)) and len(neg_iou_thr) != 2:
            raise ValueError(f'neg_iou_thr={neg_iou_thr!r}; expected a float or a (low, high) pair')
        self.pos_iou_thr = pos_iou_thr
        self.neg_iou_thr = neg_iou_thr
        self.min_pos_iou = min_pos_iou
        self.gt_max_assign_all = gt_max_assign_all
        self.match_low_quality = match_low_quality

    def assign(self, pred_instances: InstanceData, gt_instances: InstanceData, *args) -> AssignResult:
        """``pred_instances.priors`` (n, 4) against ``gt_instances.bboxes`` (k, 4) with multi-hot
        ``gt_instances.labels`` (k, num_classes)."""
        overlaps = bbox_overlaps(gt_instances.bboxes, pred_instances.priors)
        return self.assign_wrt_overlaps(overlaps, gt_instances.labels)

    def assign_wrt_overlaps(self, overlaps: torch.Tensor, gt_labels: torch.Tensor) -> AssignResult:
        """The assignment from the IoU matrix (k gts, n proposals)."""
        num_gts, num_boxes = overlaps.shape
        labels = overlaps.new_zeros((num_boxes, gt_labels.shape[-1]))
        if num_gts == 0 or num_boxes == 0:
            gt_inds = overlaps.new_full((num_boxes, ), 0 if num_gts == 0 else -1, dtype=torch.long)
            return AssignResult(num_gts, gt_inds, overlaps.new_zeros(num_boxes), labels)
        max_overlaps, best_gt = overlaps.max(dim=0)
        gt_inds = overlaps.new_full((num_boxes, ), -1, dtype=torch.long)
        low, high = ((0.0, self.neg_iou_thr) if isinstance(self.neg_iou_thr, (int, float))
                     else self.neg_iou_thr)
        gt_inds[(max_overlaps >= low) & (max_overlaps < high)] = 0
        positive = max_overlaps >= self.pos_iou_thr
        gt_inds[positive] = best_gt[positive] + 1
        if self.match_low_quality:
            self.match_best_proposals(overlaps, gt_inds)
        positive = gt_inds > 0
        labels[positive] = gt_labels[gt_inds[positive] - 1].to(labels.dtype)
        return AssignResult(num_gts, gt_inds, max_overlaps, labels)

    def match_best_proposals(self, overlaps: torch.Tensor, gt_inds: torch.Tensor) -> None:
        """Give each gt (in order, later ones winning ties) its best proposal(s), in place."""
        best_iou, best_proposal = overlaps.max(dim=1)
        for gt in range(len(overlaps)):
            if best_iou[gt] < self.min_pos_iou:
                continue
            if self.gt_max_assign_all:
                gt_inds[overlaps[gt] == best_iou[gt]] = gt + 1
            else:
                gt_inds[best_proposal[gt]] = gt + 1
