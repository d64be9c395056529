"""The head of TimeSformer, VideoMAE and UniFormerV2: dropout and a linear classifier on clip features."""
from typing import Mapping, Union

import torch
import torch.nn as nn

from reelkit.registry import MODELS
from ..common import frozen
from .base import BaseHead


@MODELS.register_module()
class TimeSformerHead(BaseHead):
    """Dropout, then ``fc_cls``: (N, in_channels) -> (N, num_classes).

    Args:
        num_classes: number of classes.
        in_channels: channels of the input features.
        loss_cls: config (or module) of the classification loss.
        init_std: std of the truncated-normal init of ``fc_cls`` (cut at +-2; zero bias).
        dropout_ratio: dropout probability before the classifier.
        **kwargs: arguments of :class:`BaseHead` (``average_clips``, ``label_smooth_eps``, ...).
    """

    def __init__(
            self,
            num_classes: int,
            in_channels: int,
            loss_cls: Union[Mapping, nn.Module] = frozen(type='CrossEntropyLoss'),
            init_std: float = 0.02,
            dropout_ratio: float = 0.0,
            **kwargs,
    ) -> None:
        super().__init__(num_classes, in_channels, loss_cls, **kwargs)
        self.init_std = init_std
        self.dropout_ratio = dropout_ratio
        self.dropout = nn.Dropout(p=dropout_ratio)
        self.fc_cls = nn.Linear(in_channels, num_classes)
        nn.init.trunc_normal_(self.fc_cls.weight, std=init_std, a=-2., b=2.)
        nn.init.zeros_(self.fc_cls.bias)

    def forward(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        return self.fc_cls(self.dropout(x))
