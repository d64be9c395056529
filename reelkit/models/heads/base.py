"""The base of the recognition heads: scores from features, loss and accuracy, clip averaging."""
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule

from reelkit.structures import ActionDataSample
from ..common import build_module, frozen

SampleList = List[ActionDataSample]


def keep_views(scores: torch.Tensor) -> torch.Tensor:
    """(N, V, C) -> (N, V, C): no averaging."""
    return scores


def mean_score(scores: torch.Tensor) -> torch.Tensor:
    """(N, V, C) -> (N, C): mean of the raw scores over the views."""
    return scores.mean(dim=1)


def mean_prob(scores: torch.Tensor) -> torch.Tensor:
    """(N, V, C) -> (N, C): mean of the softmax probabilities over the views."""
    return scores.softmax(dim=2).mean(dim=1)


CLIP_AVERAGERS: Dict[Optional[str], Callable[[torch.Tensor], torch.Tensor]] = {
    None: keep_views,
    'score': mean_score,
    'prob': mean_prob,
}


def stack_labels(data_samples: SampleList) -> torch.Tensor:
    """The batch's ``gt_label``: (N,) class indices, or (N, C) float targets (multi-label, mixup)."""
    labels = [sample.gt_label for sample in data_samples]
    if all(label.is_floating_point() for label in labels):
        return torch.stack(labels)
    if all(not label.is_floating_point() and label.numel() == 1 for label in labels):
        return torch.cat([label.reshape(1) for label in labels])
    raise ValueError('gt_label must be one class index per sample, or a float score vector per sample; '
                     f'got shapes {[tuple(label.shape) for label in labels]}')


def topk_accuracy(scores: torch.Tensor, labels: torch.Tensor, topk: Sequence[int]) -> Dict[str, torch.Tensor]:
    """``{'top{k}_acc': fraction of rows whose label is among the k best scores}``, on the device.

    Args:
        scores: (N, C).
        labels: (N,) class indices.
        topk: the k values; a k above C counts every row as a hit.
    """
    best = scores.topk(min(max(topk), scores.shape[1]), dim=1).indices  # (N, maxk)
    hits = best == labels.unsqueeze(1)
    return {f'top{k}_acc': hits[:, :k].any(dim=1).float().mean() for k in topk}


class BaseHead(BaseModule):
    """Scores for each clip; :meth:`loss` for training, :meth:`predict` for testing.

    Subclasses define ``forward(x, num_segs) -> (N * num_clips, num_classes)``.

    Args:
        num_classes: number of classes.
        in_channels: channels of the input features.
        loss_cls: config (or module) of the classification loss.
        multi_class: whether a sample may have several classes (kept for MMAction2 configs; the
            label format decides how the loss reads labels).
        label_smooth_eps: label smoothing: targets become ``(1 - eps) * one_hot + eps / num_classes``.
        topk: the k of the top-k accuracies logged with the loss.
        average_clips: how :meth:`predict` merges the scores of the views of one sample:
            ``'score'`` (mean score), ``'prob'`` (mean softmax) or ``None`` (no merging; one view only).
        init_cfg: MMEngine init config.
    """

    def __init__(
            self,
            num_classes: int,
            in_channels: int,
            loss_cls: Union[Mapping, torch.nn.Module] = frozen(type='CrossEntropyLoss', loss_weight=1.0),
            multi_class: bool = False,
            label_smooth_eps: float = 0.0,
            topk: Union[int, Tuple[int, ...]] = (1, 5),
            average_clips: Optional[str] = None,
            init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if average_clips not in CLIP_AVERAGERS:
            raise ValueError(f"average_clips={average_clips!r}; expected 'score', 'prob' or None")
        topk = (topk, ) if isinstance(topk, int) else tuple(topk)
        if not topk or not all(isinstance(k, int) and k > 0 for k in topk):
            raise ValueError(f'topk={topk}; expected positive integers')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.loss_cls = build_module(loss_cls)
        self.multi_class = multi_class
        self.label_smooth_eps = label_smooth_eps
        self.topk = topk
        self.average_clips = average_clips

    def loss(self, feats: torch.Tensor, data_samples: SampleList, **kwargs) -> Dict[str, torch.Tensor]:
        """Features -> ``{'loss_cls': ..., 'top1_acc': ..., ...}`` (accuracies only for class-index labels)."""
        return self.loss_by_feat(self(feats, **kwargs), data_samples)

    def loss_by_feat(self, cls_scores: torch.Tensor, data_samples: SampleList) -> Dict[str, torch.Tensor]:
        """Scores (N, num_classes), one row per sample -> losses and top-k accuracies."""
        if cls_scores.shape[0] != len(data_samples):
            raise ValueError(f'training expects one score row per sample: {cls_scores.shape[0]} rows '
                             f'for {len(data_samples)} samples')
        labels = stack_labels(data_samples).to(cls_scores.device, non_blocking=True)
        losses = topk_accuracy(cls_scores.detach(), labels, self.topk) if labels.dim() == 1 else {}
        if self.label_smooth_eps:
            num_classes = cls_scores.shape[1]  # OmniHead scores images and videos over different class sets
            if labels.dim() == 1:
                labels = F.one_hot(labels, num_classes).to(cls_scores.dtype)
            labels = (1 - self.label_smooth_eps) * labels + self.label_smooth_eps / num_classes
        losses['loss_cls'] = self.loss_cls(cls_scores, labels)
        return losses

    def predict(self, feats: torch.Tensor, data_samples: SampleList, **kwargs) -> SampleList:
        """Features -> ``data_samples`` with ``pred_score`` (num_classes,) and ``pred_label`` set."""
        return self.predict_by_feat(self(feats, **kwargs), data_samples)

    def predict_by_feat(self, cls_scores: torch.Tensor, data_samples: SampleList) -> SampleList:
        """Scores (N * num_views, num_classes) -> one prediction per sample.

        The views of a sample (clips, crops) are consecutive rows; their number comes from the batch.
        """
        num_views, rest = divmod(cls_scores.shape[0], len(data_samples))
        if rest:
            raise ValueError(f'{cls_scores.shape[0]} score rows do not split evenly over {len(data_samples)} samples')
        if self.average_clips is None and num_views > 1:
            raise ValueError(f"average_clips=None keeps the {num_views} views of each sample apart; set "
                             f"the head's average_clips to 'score' or 'prob' to test with several views")
        scores = self.average_clip(cls_scores, num_views).reshape(len(data_samples), -1).detach()
        labels = scores.argmax(dim=1, keepdim=True)
        for sample, score, label in zip(data_samples, scores, labels):
            sample.set_pred_score(score)
            sample.set_pred_label(label)
        return data_samples

    def average_clip(self, cls_scores: torch.Tensor, num_segs: int = 1) -> torch.Tensor:
        """(N * num_segs, C) -> (N, C) with ``'score'``/``'prob'``; (N, num_segs, C) with ``None``."""
        scores = cls_scores.view(cls_scores.shape[0] // num_segs, num_segs, *cls_scores.shape[1:])
        return CLIP_AVERAGERS[self.average_clips](scores)
