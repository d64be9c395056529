"""Box helpers of the spatio-temporal detectors: boxes are ``(x1, y1, x2, y2)`` rows in pixels."""
from typing import Sequence, Tuple

import torch
import torch.nn.functional as F


def bbox2roi(bbox_list: Sequence[torch.Tensor]) -> torch.Tensor:
    """Per-image boxes (n_i, >=4) -> RoIs (sum n_i, 5) rows ``(image_index, x1, y1, x2, y2)``."""
    rois = [torch.cat([boxes.new_full((len(boxes), 1), index), boxes[:, :4]], dim=1)
            for index, boxes in enumerate(bbox_list)]
    return torch.cat(rois, 0)


def bbox_overlaps(boxes1: torch.Tensor, boxes2: torch.Tensor) -> torch.Tensor:
    """IoU of every pair: (k, 4), (n, 4) -> (k, n); areas are ``(x2 - x1) * (y2 - y1)``."""
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    top_left = torch.max(boxes1[:, None, :2], boxes2[None, :, :2])
    bottom_right = torch.min(boxes1[:, None, 2:4], boxes2[None, :, 2:4])
    overlap = (bottom_right - top_left).clamp(min=0).prod(-1)
    union = (area1[:, None] + area2[None, :] - overlap).clamp(min=torch.finfo(overlap.dtype).eps)
    return overlap / union


def bbox_target(pos_bboxes_list: Sequence[torch.Tensor], neg_bboxes_list: Sequence[torch.Tensor],
                gt_labels: Sequence[torch.Tensor], pos_weight: float = 1.0) -> Tuple[torch.Tensor, torch.Tensor]:
    """Classification targets of the sampled RoIs of a batch, positives first in each image.

    Args:
        pos_bboxes_list, neg_bboxes_list: per image, the positive (p_i, 4) and negative (q_i, 4) RoIs.
        gt_labels: per image, the multi-hot labels (p_i, num_classes) of the positives.
        pos_weight: weight of a positive (a value <= 0 means 1).

    Returns:
        labels (sum p_i + q_i, num_classes), negatives all-zero; label weights (sum p_i + q_i,).
    """
    pos_weight = 1.0 if pos_weight <= 0 else pos_weight
    labels, weights = [], []
    for pos, neg, label in zip(pos_bboxes_list, neg_bboxes_list, gt_labels):
        labels.append(F.pad(label, (0, 0, 0, len(neg))))
        weights.append(torch.cat([pos.new_full((len(pos), ), pos_weight), neg.new_ones(len(neg))]))
    return torch.cat(labels, 0), torch.cat(weights, 0)
