"""TRN head (Zhou et al., *Temporal Relational Reasoning in Videos*, ECCV 2018): per-frame
embeddings, then MLPs over ordered tuples of frames (the temporal relations) give the scores.
"""
import itertools
from typing import Mapping, Optional, Union

import numpy as np
import torch
import torch.nn as nn

from reelkit.registry import MODELS
from ..common import frozen
from .base import BaseHead
from .tsn_head import SPATIAL_POOLS


def relation_mlp(in_features: int, bottleneck_dim: int, num_classes: int) -> nn.Sequential:
    """ReLU, Linear, ReLU, Linear (indices 1 and 3 hold the weights, as MMAction2's keys)."""
    return nn.Sequential(nn.ReLU(), nn.Linear(in_features, bottleneck_dim), nn.ReLU(),
                         nn.Linear(bottleneck_dim, num_classes))


class RelationModule(nn.Module):
    """One relation over all T frames in order: (N, T, hidden_dim) -> (N, num_classes).

    Args:
        hidden_dim: channels of a frame embedding.
        num_segments: T.
        num_classes: number of classes.
    """
    bottleneck_dim = 512

    def __init__(
            self,
            hidden_dim: int,
            num_segments: int,
            num_classes: int,
    ) -> None:
        super().__init__()
        self.hidden_dim = hidden_dim
        self.num_segments = num_segments
        self.num_classes = num_classes
        self.classifier = relation_mlp(num_segments * hidden_dim, self.bottleneck_dim, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(x.flatten(1))


class RelationModuleMultiScale(nn.Module):
    """Relations of every size k = T..2, summed: (N, T, hidden_dim) -> (N, num_classes).

    A k-frame relation is an ordered subset of k of the T frames; size T has one, the others
    ``max_subsample`` (or all, if fewer) drawn anew at every call, in training and testing alike
    (as MMAction2, with NumPy's global generator, so a seeded run draws the same subsets). Each
    size has its own MLP in ``fc_fusion_scales``.

    Args:
        hidden_dim: channels of a frame embedding.
        num_segments: T (at least 2).
        num_classes: number of classes.
    """
    bottleneck_dim = 256
    max_subsample = 3

    def __init__(
            self,
            hidden_dim: int,
            num_segments: int,
            num_classes: int,
    ) -> None:
        super().__init__()
        if num_segments < 2:
            raise ValueError(f'num_segments={num_segments}; multi-scale relations need at least 2 frames')
        self.hidden_dim = hidden_dim
        self.num_segments = num_segments
        self.num_classes = num_classes
        self.scales = tuple(range(num_segments, 1, -1))
        self.relations_scales = [list(itertools.combinations(range(num_segments), k)) for k in self.scales]
        self.subsample_scales = [min(self.max_subsample, len(relations)) for relations in self.relations_scales]
        self.fc_fusion_scales = nn.ModuleList(
            relation_mlp(k * hidden_dim, self.bottleneck_dim, num_classes) for k in self.scales)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scores = self.fc_fusion_scales[0](x.flatten(1))  # the one relation of all frames
        for relations, count, mlp in zip(self.relations_scales[1:], self.subsample_scales[1:],
                                         self.fc_fusion_scales[1:]):
            for index in np.random.choice(len(relations), count, replace=False):
                scores = scores + mlp(x[:, list(relations[index])].flatten(1))
        return scores


RELATION_TYPES = {'TRN': RelationModule, 'TRNMultiScale': RelationModuleMultiScale}


@MODELS.register_module()
class TRNHead(BaseHead):
    """Spatial pooling, dropout, a linear embedding per frame, then a relation module.

    Args:
        num_classes: number of classes.
        in_channels: channels of the input features.
        num_segments: T, the frames of one clip (the relation MLPs are sized for it).
        loss_cls: config (or module) of the classification loss.
        spatial_type: ``'avg'``, ``'max'`` or ``None`` (features already pooled).
        relation_type: ``'TRN'`` (one relation of all frames) or ``'TRNMultiScale'``.
        hidden_dim: channels of the frame embeddings (``fc_cls`` outputs).
        dropout_ratio: dropout probability before ``fc_cls``.
        init_std: std of the normal init of ``fc_cls``.
        **kwargs: arguments of :class:`BaseHead` (``average_clips``, ...).
    """

    def __init__(
            self,
            num_classes: int,
            in_channels: int,
            num_segments: int = 8,
            loss_cls: Union[Mapping, nn.Module] = frozen(type='CrossEntropyLoss'),
            spatial_type: Optional[str] = 'avg',
            relation_type: str = 'TRNMultiScale',
            hidden_dim: int = 256,
            dropout_ratio: float = 0.8,
            init_std: float = 0.001,
            **kwargs,
    ) -> None:
        super().__init__(num_classes, in_channels, loss_cls=loss_cls, **kwargs)
        if relation_type not in RELATION_TYPES:
            raise ValueError(f'relation_type={relation_type!r}; expected one of {sorted(RELATION_TYPES)}')
        if spatial_type not in SPATIAL_POOLS:
            raise ValueError(f"spatial_type={spatial_type!r}; expected 'avg', 'max' or None")
        self.num_segments = num_segments
        self.spatial_type = spatial_type
        self.relation_type = relation_type
        self.hidden_dim = hidden_dim
        self.dropout_ratio = dropout_ratio
        self.init_std = init_std
        self.pool = SPATIAL_POOLS[spatial_type]()
        self.dropout = nn.Dropout(p=dropout_ratio)
        # ``fc_cls`` (the frame embedding) and ``consensus`` (the relations): MMAction2's key names.
        self.fc_cls = nn.Linear(in_channels, hidden_dim)
        self.consensus = RELATION_TYPES[relation_type](hidden_dim, num_segments, num_classes)
        nn.init.normal_(self.fc_cls.weight, std=init_std)
        nn.init.zeros_(self.fc_cls.bias)

    def forward(self, x: torch.Tensor, num_segs: Optional[int] = None, **kwargs) -> torch.Tensor:
        """(N * num_clips * num_segments, in_channels, H, W) -> (N * num_clips, num_classes).

        ``num_segs`` (views per sample, from the recognizer) is not needed: clips have ``num_segments``.
        """
        x = self.dropout(self.pool(x).flatten(1))
        frames = self.fc_cls(x).view(-1, self.num_segments, self.hidden_dim)
        return self.consensus(frames)
