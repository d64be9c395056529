"""The AVA box head: pool each RoI's features and score every action class (multi-label)."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.structures import InstanceData

from reelkit.registry import MODELS
from reelkit.structures.bbox import bbox_target


def make_pool(kind: str, keep: Tuple[Optional[int], ...], name: str) -> nn.Module:
    """An adaptive 3D average or max pool to size ``keep``."""
    if kind not in ('avg', 'max'):
        raise ValueError(f"{name}={kind!r}; expected 'avg' or 'max'")
    return nn.AdaptiveAvgPool3d(keep) if kind == 'avg' else nn.AdaptiveMaxPool3d(keep)


def topk_mask(scores: torch.Tensor, k: int) -> torch.Tensor:
    """(n, c) bool, True at each row's k highest scores."""
    mask = torch.zeros_like(scores, dtype=torch.bool)
    return mask.scatter_(1, scores.topk(k, dim=1).indices, True)


def recall_precision(pred: torch.Tensor, target: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Mean per-row recall and precision of bool (n, c) predictions against bool targets."""
    correct = (pred & target).sum(1).float()
    return (correct / target.sum(1).float()).mean(), (correct / (pred.sum(1) + 1e-6)).mean()


@MODELS.register_module()
class BBoxHeadAVA(nn.Module):
    """RoI features (R, C, T, H, W) -> class logits (R, num_classes).

    Dropout, temporal pool, spatial pool, then ``fc_cls`` (a linear layer, or with ``mlp_head``
    Linear-ReLU-Linear). The loss is binary cross-entropy per class (``multilabel``) or softmax
    cross-entropy, weighted as focal loss ``alpha * (1 - p_t) ** gamma``, over the positive RoIs;
    class 0 is left out with ``background_class``. Logged with it: recall and precision at score
    0.5 and of the top-k classes.

    Args:
        background_class: class 0 is "a person" (every positive has it), not an action.
        temporal_pool_type: ``'avg'`` or ``'max'``.
        spatial_pool_type: ``'avg'`` or ``'max'``.
        in_channels: channels of the RoI features.
        focal_gamma: focal loss gamma (0 with alpha 1: plain cross-entropy).
        focal_alpha: focal loss alpha.
        num_classes: classes, the background one included.
        dropout_ratio: dropout probability (0: none).
        dropout_before_pool: dropout on the RoI features rather than on the pooled vector.
        topk: the k of the logged top-k recall and precision (each below ``num_classes``).
        multilabel: sigmoid scores and BCE loss; else softmax and cross-entropy.
        mlp_head: a two-layer classifier.
    """

    def __init__(
            self,
            background_class: bool,
            temporal_pool_type: str = 'avg',
            spatial_pool_type: str = 'max',
            in_channels: int = 2048,
            focal_gamma: float = 0.0,
            focal_alpha: float = 1.0,
            num_classes: int = 81,
            dropout_ratio: float = 0.0,
            dropout_before_pool: bool = True,
            topk: Union[int, Sequence[int], None] = (3, 5),
            multilabel: bool = True,
            mlp_head: bool = False,
    ) -> None:
        super().__init__()
        self.topk = (topk, ) if isinstance(topk, int) else tuple(topk or ())
        if not all(isinstance(k, int) and 0 < k < num_classes for k in self.topk):
            raise ValueError(f'topk={topk!r}; expected ints in [1, num_classes={num_classes})')
        self.background_class = background_class
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.focal_gamma = focal_gamma
        self.focal_alpha = focal_alpha
        self.dropout_ratio = dropout_ratio
        self.dropout_before_pool = dropout_before_pool
        self.multilabel = multilabel
        self.temporal_pool = make_pool(temporal_pool_type, (1, None, None), 'temporal_pool_type')
        self.spatial_pool = make_pool(spatial_pool_type, (None, 1, 1), 'spatial_pool_type')
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio > 0 else nn.Identity()
        self.fc_cls = (nn.Sequential(nn.Linear(in_channels, in_channels), nn.ReLU(),
                                     nn.Linear(in_channels, num_classes))
                       if mlp_head else nn.Linear(in_channels, num_classes))

    def init_weights(self) -> None:
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.xavier_normal_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(R, C, T, H, W) -> (R, num_classes) logits."""
        if self.dropout_before_pool:
            x = self.dropout(x)
        x = self.spatial_pool(self.temporal_pool(x)).flatten(1)
        if not self.dropout_before_pool:
            x = self.dropout(x)
        return self.fc_cls(x)

    def probabilities(self, cls_score: torch.Tensor) -> torch.Tensor:
        return cls_score.sigmoid() if self.multilabel else cls_score.softmax(dim=-1)

    def accuracies(self, cls_score: torch.Tensor, labels: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Recall and precision at score 0.5 (top-1 when single-label) and of the top-k classes."""
        probs, target = self.probabilities(cls_score), labels > 0.5
        at_thr = probs > 0.5 if self.multilabel else topk_mask(probs, 1)
        recall, precision = recall_precision(at_thr, target)
        metrics = {'recall@thr=0.5': recall, 'prec@thr=0.5': precision}
        for k in self.topk:
            recall, precision = recall_precision(topk_mask(probs, k), target)
            metrics.update({f'recall@top{k}': recall, f'prec@top{k}': precision})
        return metrics

    def loss_and_target(self, cls_score: torch.Tensor, rois: torch.Tensor, sampling_results: List,
                        rcnn_train_cfg: Dict, **kwargs) -> Dict:
        """``{'loss_bbox': {'loss_action_cls', recall/precision...}, 'bbox_targets': (labels, weights)}``
        for logits (R, num_classes) of the sampled RoIs."""
        targets = bbox_target([res.pos_priors for res in sampling_results],
                              [res.neg_priors for res in sampling_results],
                              [res.pos_gt_labels for res in sampling_results],
                              rcnn_train_cfg.get('pos_weight', 1.0))
        labels = targets[0]
        if self.background_class:
            labels, cls_score = labels[:, 1:], cls_score[:, 1:]
        positive = labels.sum(-1) > 0
        labels, cls_score = labels[positive], cls_score[positive]
        losses = self.accuracies(cls_score, labels)
        if not self.multilabel and self.background_class:
            labels = labels / labels.sum(dim=1, keepdim=True)  # soft targets must sum to 1
        loss_func = F.binary_cross_entropy_with_logits if self.multilabel else F.cross_entropy
        loss = loss_func(cls_score, labels, reduction='none')
        focal = self.focal_alpha * (1 - torch.exp(-loss)) ** self.focal_gamma * loss
        # without positives the loss is 0, not the NaN of an empty mean
        losses['loss_action_cls'] = focal.mean() if len(focal) else cls_score.sum() * 0
        return dict(loss_bbox=losses, bbox_targets=targets)

    def predict_by_feat(self, rois: Sequence[torch.Tensor], cls_scores: Sequence[torch.Tensor],
                        batch_img_metas: List[Dict], **kwargs) -> List[InstanceData]:
        """Per image, ``InstanceData(bboxes=(n, 4) in [0, 1] of the uncropped frame, scores=(n, num_classes))``."""
        return [self.predict_single(roi, score, meta)
                for roi, score, meta in zip(rois, cls_scores, batch_img_metas)]

    def predict_single(self, roi: torch.Tensor, cls_score: torch.Tensor, img_meta: Dict) -> InstanceData:
        """Undo the flip, normalise by ``img_shape``, then undo the crop (``crop_quadruple``)."""
        img_h, img_w = img_meta['img_shape']
        bboxes = roi[:, 1:].clone()
        if img_meta.get('flip', False):
            bboxes[:, [0, 2]] = img_w - 1 - roi[:, [3, 1]]
        bboxes[:, 0::2] /= img_w
        bboxes[:, 1::2] /= img_h
        crop = img_meta.get('crop_quadruple')
        if crop is not None:
            x1, y1, crop_w, crop_h = (float(value) for value in crop)
            bboxes[:, 0::2] = bboxes[:, 0::2] * crop_w + x1
            bboxes[:, 1::2] = bboxes[:, 1::2] * crop_h + y1
        return InstanceData(bboxes=bboxes, scores=self.probabilities(cls_score))
