"""The per-sample record that travels from the pipeline to the metric."""
from numbers import Number
from typing import Dict, Sequence, Union

import numpy as np
import torch
from mmengine.structures import BaseDataElement

LabelType = Union[torch.Tensor, np.ndarray, Sequence, Number]


def format_label(value: LabelType) -> torch.Tensor:
    """A class index, a list of indices or a score vector as a tensor.

    Ints and int sequences become an int64 tensor of indices; a float array keeps its dtype
    (multi-label targets and soft labels).
    """
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f'a label must be a number or a sequence, got {value!r}')
    if isinstance(value, Number):
        return torch.tensor([value]) if isinstance(value, int) else torch.tensor(value)
    if isinstance(value, Sequence) and not isinstance(value, str):
        return torch.tensor(value)
    raise TypeError(f'a label must be a tensor, an array, a number or a sequence, '
                    f'got {type(value).__name__}')


class ActionDataSample(BaseDataElement):
    """Ground truth and predictions of one clip.

    Fields: ``gt_label`` (int64 tensor of class indices, or a float vector for multi-label),
    ``pred_score`` (float tensor of shape ``(num_classes,)``, or a dict of them by modality),
    ``pred_label`` (int64 tensor).
    """

    def set_gt_label(self, value: LabelType) -> 'ActionDataSample':
        self.set_field(format_label(value), 'gt_label', dtype=torch.Tensor)
        return self

    def set_pred_label(self, value: LabelType) -> 'ActionDataSample':
        self.set_field(format_label(value), 'pred_label', dtype=torch.Tensor)
        return self

    def set_pred_score(self, value: Union[torch.Tensor, Dict[str, torch.Tensor]]) -> 'ActionDataSample':
        """Class scores: a 1-D tensor, or ``{modality: 1-D tensor}`` for multi-modal heads (RGBPoseHead)."""
        scores = value.values() if isinstance(value, dict) else [value]
        if not scores or not all(isinstance(score, torch.Tensor) and score.ndim == 1 for score in scores):
            raise ValueError('pred_score must be a 1-D tensor of class scores (or a dict of them), '
                             f'got {getattr(value, "shape", type(value))}')
        self.set_field(value, 'pred_score', dtype=(torch.Tensor, dict))
        return self
