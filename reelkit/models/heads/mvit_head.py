"""MViT head: classify the class token (or the mean patch token) of the backbone's last scale."""
from typing import Mapping, Sequence, Union

import torch
import torch.nn as nn

from reelkit.registry import MODELS
from ..common import frozen
from .base import BaseHead

ScaleOutput = Union[torch.Tensor, Sequence[torch.Tensor]]


@MODELS.register_module()
class MViTHead(BaseHead):
    """Dropout and ``fc_cls`` on the class token of the last :class:`MViT` output.

    Args:
        num_classes: number of classes.
        in_channels: channels of the last scale.
        loss_cls: config (or module) of the classification loss.
        dropout_ratio: dropout probability before the classifier; 0 for none.
        init_std: std of the truncated-normal init of ``fc_cls.weight``.
        init_scale: factor on the initial ``fc_cls`` weight and bias (bias starts at 0.02).
        with_cls_token: the backbone outputs ``[patch tokens, class token]`` per scale; else the
            patch tokens (B, C, T, H, W) alone, averaged here.
        **kwargs: arguments of :class:`BaseHead` (``label_smooth_eps``, ``average_clips``, ...).
    """

    def __init__(
            self,
            num_classes: int,
            in_channels: int,
            loss_cls: Union[Mapping, nn.Module] = frozen(type='CrossEntropyLoss'),
            dropout_ratio: float = 0.5,
            init_std: float = 0.02,
            init_scale: float = 1.0,
            with_cls_token: bool = True,
            **kwargs,
    ) -> None:
        super().__init__(num_classes, in_channels, loss_cls=loss_cls, **kwargs)
        self.dropout_ratio = dropout_ratio
        self.init_std = init_std
        self.init_scale = init_scale
        self.with_cls_token = with_cls_token
        self.dropout = nn.Dropout(p=dropout_ratio) if dropout_ratio != 0 else None
        self.fc_cls = nn.Linear(in_channels, num_classes)
        self.init_weights()

    def init_weights(self) -> None:
        """Truncated-normal weight (``init_std``) and 0.02 bias, both times ``init_scale``."""
        nn.init.trunc_normal_(self.fc_cls.weight, std=self.init_std)
        nn.init.constant_(self.fc_cls.bias, 0.02)
        with torch.no_grad():
            self.fc_cls.weight.mul_(self.init_scale)
            self.fc_cls.bias.mul_(self.init_scale)

    def pre_logits(self, feats: Sequence[ScaleOutput]) -> torch.Tensor:
        """The backbone's scale outputs -> (B, in_channels) features of the last one."""
        if self.with_cls_token:
            _, cls_token = feats[-1]
            return cls_token
        return feats[-1].mean(dim=(2, 3, 4))

    def forward(self, x: Sequence[ScaleOutput], **kwargs) -> torch.Tensor:
        """MViT outputs -> (B, num_classes)."""
        x = self.pre_logits(x)
        if self.dropout is not None:
            x = self.dropout(x)
        return self.fc_cls(x)
