"""TSM head: classify every segment, then average the segment scores of each clip."""
from typing import Optional

import torch

from reelkit.registry import MODELS
from .tsn_head import TSNHead


@MODELS.register_module()
class TSMHead(TSNHead):
    """Spatial pooling, dropout and ``fc_cls`` per segment, then consensus over ``num_segments``.

    The clip length is the head's own ``num_segments`` (halved with temporal pooling), not the
    views per sample, so several test clips per sample give one score row per clip.

    Args:
        num_classes: number of classes.
        in_channels: channels of the input features.
        num_segments: segments per clip, as in the backbone.
        spatial_type: ``'avg'``, ``'max'`` or ``None`` (features already pooled).
        dropout_ratio: dropout probability before the classifier.
        init_std: std of the normal init of ``fc_cls``.
        is_shift: whether the backbone shifts (with ``temporal_pool`` it then halves the segments).
        temporal_pool: whether the backbone pools the segments by 2.
        **kwargs: arguments of :class:`TSNHead` and :class:`BaseHead` (``consensus``, ``loss_cls``, ...).
    """

    def __init__(
            self,
            num_classes: int,
            in_channels: int,
            num_segments: int = 8,
            spatial_type: Optional[str] = 'avg',
            dropout_ratio: float = 0.8,
            init_std: float = 0.001,
            is_shift: bool = True,
            temporal_pool: bool = False,
            **kwargs,
    ) -> None:
        super().__init__(num_classes, in_channels, spatial_type=spatial_type, dropout_ratio=dropout_ratio,
                         init_std=init_std, **kwargs)
        self.num_segments = num_segments
        self.is_shift = is_shift
        self.temporal_pool = temporal_pool
        # As MMAction2: the backbone halves the segments only when it both shifts and pools.
        self.clip_segments = num_segments // 2 if is_shift and temporal_pool else num_segments

    def forward(self, x: torch.Tensor, num_segs: Optional[int] = None) -> torch.Tensor:
        """(N * num_clips * clip_segments, in_channels, H, W) -> (N * num_clips, num_classes).

        ``num_segs`` (views per sample, from the recognizer) is not needed: clips have ``clip_segments``.
        """
        x = self.pool(x).flatten(1)
        scores = self.fc_cls(self.dropout(x))  # (N * num_clips * clip_segments, num_classes)
        scores = scores.view(-1, self.clip_segments, scores.shape[1])
        return self.consensus(scores).squeeze(1)
