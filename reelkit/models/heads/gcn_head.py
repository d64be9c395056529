"""The head of the skeleton backbones (ST-GCN, ST-GCN++, AAGCN): pool frames and joints, average
the persons, classify."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn

from reelkit.registry import MODELS
from .base import BaseHead


@MODELS.register_module()
class GCNHead(BaseHead):
    """(N, M, C, T, V) features -> (N, num_classes) scores.

    Args:
        num_classes: number of classes.
        in_channels: channels C of the features.
        dropout: dropout probability before the classifier; 0 for none.
        average_clips: how the clips of a sample merge in testing (``'prob'``, as MMAction2's
            GCNHead; ``'score'`` or ``None``).
        init_cfg: MMEngine init config; the classifier starts normal (std 0.01) with zero bias.
        **kwargs: arguments of :class:`BaseHead` (``loss_cls``, ``topk``, ...).
    """

    def __init__(
            self,
            num_classes: int,
            in_channels: int,
            dropout: float = 0.,
            average_clips: Optional[str] = 'prob',
            init_cfg: Optional[Union[Dict, List[Dict]]] = None,
            **kwargs,
    ) -> None:
        super().__init__(num_classes, in_channels, average_clips=average_clips, init_cfg=init_cfg, **kwargs)
        self.dropout_ratio = dropout
        self.dropout = nn.Dropout(p=dropout) if dropout else nn.Identity()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(in_channels, num_classes)
        nn.init.normal_(self.fc.weight, std=0.01)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        n, m, c, t, v = x.shape
        if c != self.in_channels:
            raise ValueError(f'GCNHead(in_channels={self.in_channels}) got features with {c} channels')
        pooled = self.pool(x.reshape(n * m, c, t, v)).reshape(n, m, c).mean(dim=1)
        return self.fc(self.dropout(pooled))
