"""RoI features of a clip's feature map: pool time, then RoIAlign (or RoIPool) frame by frame."""
from typing import Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from reelkit.registry import MODELS
from ..common.roi_ops import RoIAlign, RoIPool, SizeType

Features = Union[torch.Tensor, Sequence[torch.Tensor]]


@MODELS.register_module()
class SingleRoIExtractor3D(nn.Module):
    """(N, C, T, H, W) features and (R, 5) RoIs -> RoI features (R, C', T', out, out).

    Several feature maps (SlowFast's pathways) are resized to the longest one's T (nearest) and
    concatenated along C. With ``with_temporal_pool`` T' = 1.

    Args:
        roi_layer_type: ``'RoIAlign'`` or ``'RoIPool'``.
        featmap_stride: image pixels per feature-map pixel.
        output_size: RoI feature size, ``int`` or ``(h, w)``.
        sampling_ratio: RoIAlign samples per bin side (0: adaptive).
        pool_mode: RoIAlign's ``'avg'`` or ``'max'`` over a bin's samples.
        aligned: RoIAlign's half-pixel alignment.
        with_temporal_pool: pool T to 1 before the RoI op.
        temporal_pool_mode: ``'avg'`` or ``'max'``.
        with_global: append the clip's feature map, pooled to ``output_size``, to each RoI's (C' = 2C).
    """

    def __init__(
            self,
            roi_layer_type: str = 'RoIAlign',
            featmap_stride: int = 16,
            output_size: SizeType = 16,
            sampling_ratio: int = 0,
            pool_mode: str = 'avg',
            aligned: bool = True,
            with_temporal_pool: bool = True,
            temporal_pool_mode: str = 'avg',
            with_global: bool = False,
    ) -> None:
        super().__init__()
        if roi_layer_type not in ('RoIAlign', 'RoIPool'):
            raise ValueError(f"roi_layer_type={roi_layer_type!r}; expected 'RoIAlign' or 'RoIPool'")
        if temporal_pool_mode not in ('avg', 'max'):
            raise ValueError(f"temporal_pool_mode={temporal_pool_mode!r}; expected 'avg' or 'max'")
        self.roi_layer_type = roi_layer_type
        self.featmap_stride = featmap_stride
        self.spatial_scale = 1.0 / featmap_stride
        self.output_size = output_size
        self.with_temporal_pool = with_temporal_pool
        self.temporal_pool_mode = temporal_pool_mode
        self.with_global = with_global
        if roi_layer_type == 'RoIPool':
            self.roi_layer = RoIPool(output_size, self.spatial_scale)
        else:
            self.roi_layer = RoIAlign(output_size, self.spatial_scale, sampling_ratio=sampling_ratio,
                                      pool_mode=pool_mode, aligned=aligned)
        self.global_pool = nn.AdaptiveAvgPool2d(output_size)

    def merge(self, feats: Features) -> torch.Tensor:
        """One (N, sum C, T', H, W) map from one or several (N, C, T, H, W) ones."""
        feats = [feats] if isinstance(feats, torch.Tensor) else list(feats)
        if len(feats) > 1:
            size = (max(feat.shape[2] for feat in feats), ) + tuple(feats[0].shape[3:])
            feats = [F.interpolate(feat, size) for feat in feats]
        if self.with_temporal_pool:
            pool = ((lambda x: x.mean(2, keepdim=True)) if self.temporal_pool_mode == 'avg'
                    else (lambda x: x.amax(2, keepdim=True)))
            feats = [pool(feat) for feat in feats]
        return torch.cat(feats, dim=1)

    def forward(self, feats: Features, rois: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Returns the RoI features (R, C', T', out_h, out_w) and the merged clip map (N, C, T', H, W)."""
        feat = self.merge(feats)
        frames = []
        for t in range(feat.shape[2]):
            frame = feat[:, :, t]
            roi_feat = self.roi_layer(frame, rois)
            if self.with_global:
                roi_feat = torch.cat([roi_feat, self.global_pool(frame)[rois[:, 0].long()]], dim=1)
            frames.append(roi_feat)
        return torch.stack(frames, dim=2), feat
