"""Long-term feature banks (Wu et al., Long-Term Feature Banks for Detailed Video Understanding,
CVPR 2019): each RoI's short-term feature attends to the RoI features of the surrounding seconds.

A bank file ``lfb_<mode>.pkl`` (written by :class:`LFBInferHead`) maps a video id to
``{second: (num_boxes, channels) tensor or list of (channels,) tensors}``.
"""
import os.path as osp
from typing import Dict, List, Mapping, Sequence, Union

import torch
import torch.nn as nn

from reelkit.registry import MODELS
from reelkit.utils.errors import ConfigError
from ..common import ConvModule
from .bbox_head import make_pool


class LFB:
    """The banks of ``dataset_modes``, loaded at construction.

    ``lfb['<video_id>,<second>']`` samples the long-term features around that second:
    (window_size * max_num_sampled_feat, lfb_channels), at most ``max_num_sampled_feat`` random
    boxes per second, zeros where a second has fewer or none.

    Args:
        lfb_prefix_path: folder of the ``lfb_<mode>.pkl`` files.
        max_num_sampled_feat: boxes sampled per second.
        window_size: seconds around the key frame.
        lfb_channels: channels of the stored features.
        dataset_modes: which banks to load (``'train'``, ``'val'``, ``'test'``).
        device: ``'gpu'`` (CUDA when available, else CPU) or ``'cpu'``.
    """

    def __init__(self, lfb_prefix_path: str, max_num_sampled_feat: int = 5, window_size: int = 60,
                 lfb_channels: int = 2048, dataset_modes: Union[str, Sequence[str]] = ('train', 'val'),
                 device: str = 'gpu') -> None:
        if device not in ('gpu', 'cpu'):
            raise ConfigError(f"lfb_cfg.device={device!r}; expected 'gpu' or 'cpu' (lmdb banks are not supported)")
        self.max_num_sampled_feat = max_num_sampled_feat
        self.window_size = window_size
        self.lfb_channels = lfb_channels
        modes = (dataset_modes, ) if isinstance(dataset_modes, str) else tuple(dataset_modes)
        self.location = 'cuda' if device == 'gpu' and torch.cuda.is_available() else 'cpu'
        self.lfb: Dict[str, Dict[int, torch.Tensor]] = {}
        for mode in modes:
            self.lfb.update(load_bank(osp.join(lfb_prefix_path, f'lfb_{mode}.pkl'), self.location))

    def __len__(self) -> int:
        return len(self.lfb)

    def __getitem__(self, img_key: str) -> torch.Tensor:
        video_id, second = img_key.split(',')
        return self.sample(video_id, int(second))

    def sample(self, video_id: str, second: int) -> torch.Tensor:
        """(window_size * max_num_sampled_feat, lfb_channels) features around ``second``."""
        seconds = self.lfb.get(video_id, {})
        start, K = second - self.window_size // 2, self.max_num_sampled_feat
        feats = torch.zeros(self.window_size, K, self.lfb_channels, device=self.location)
        for offset in range(self.window_size):
            stored = seconds.get(start + offset)
            if stored is not None:
                picked = stored[torch.randperm(len(stored))[:K]]
                feats[offset, :len(picked)] = picked.float()
        return feats.flatten(0, 1)


def load_bank(path: str, location: str) -> Dict[str, Dict[int, torch.Tensor]]:
    """One bank file as ``{video_id: {second: (num_boxes, channels)}}``."""
    if not osp.isfile(path):
        raise ConfigError(f'model.roi_head.shared_head.lfb_cfg.lfb_prefix_path: {path} does not exist; '
                          'write it first by testing the matching lfb-infer config')
    bank = torch.load(path, map_location=location, weights_only=True)
    return {video: {int(second): torch.stack(list(feats)) if isinstance(feats, (list, tuple)) else feats
                    for second, feats in seconds.items()}
            for video, seconds in bank.items()}


class NonLocalLayer(nn.Module):
    """Attention of short-term (n, C, num_st, 1, 1) on long-term (n, C_lt, num_lt, 1, 1) features.

    ``st_feat_conv`` (query), ``lt_feat_conv`` (key), ``global_conv`` (value), softmax over the
    long-term features (scaled by ``1 / sqrt(latent_channels)``), then LayerNorm and ReLU
    (``pre_activate``) and ``out_conv``; or ``out_conv`` then LayerNorm. Returns
    (n, st_feat_channels, num_st, 1, 1), the residual left to the caller.
    """

    def __init__(self, st_feat_channels: int, lt_feat_channels: int, latent_channels: int,
                 num_st_feat: int, num_lt_feat: int, use_scale: bool = True, pre_activate: bool = True,
                 pre_activate_with_ln: bool = True, dropout_ratio: float = 0.2) -> None:
        super().__init__()
        conv = dict(kernel_size=1, conv_cfg=dict(type='Conv3d'), norm_cfg=None, act_cfg=None)
        self.latent_channels, self.num_st_feat, self.num_lt_feat = latent_channels, num_st_feat, num_lt_feat
        self.use_scale, self.pre_activate, self.pre_activate_with_ln = use_scale, pre_activate, pre_activate_with_ln
        self.st_feat_conv = ConvModule(st_feat_channels, latent_channels, **conv)
        self.lt_feat_conv = ConvModule(lt_feat_channels, latent_channels, **conv)
        self.global_conv = ConvModule(lt_feat_channels, latent_channels, **conv)
        self.ln = nn.LayerNorm([latent_channels if pre_activate else st_feat_channels, num_st_feat, 1, 1])
        self.relu = nn.ReLU()
        self.out_conv = ConvModule(latent_channels, st_feat_channels, **conv)
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio > 0 else nn.Identity()

    def forward(self, st_feat: torch.Tensor, lt_feat: torch.Tensor) -> torch.Tensor:
        n, c = st_feat.shape[0], self.latent_channels
        query = self.st_feat_conv(st_feat).view(n, c, self.num_st_feat)
        key = self.lt_feat_conv(lt_feat).view(n, c, self.num_lt_feat)
        value = self.global_conv(lt_feat).view(n, c, self.num_lt_feat)
        affinity = query.transpose(1, 2) @ key  # (n, num_st, num_lt)
        if self.use_scale:
            affinity = affinity / c ** 0.5
        out = (value @ affinity.softmax(dim=-1).transpose(1, 2)).view(n, c, self.num_st_feat, 1, 1)
        if self.pre_activate:
            out = self.relu(self.ln(out) if self.pre_activate_with_ln else out)
        out = self.out_conv(out)
        if not self.pre_activate:
            out = self.ln(out)
        return self.dropout(out)


class FBONonLocal(nn.Module):
    """Feature bank operator of stacked non-local layers: (n, C_st, 1, 1, 1) -> (n, latent, 1, 1, 1)."""

    def __init__(self, st_feat_channels: int, lt_feat_channels: int, latent_channels: int,
                 num_st_feat: int, num_lt_feat: int, num_non_local_layers: int = 2,
                 st_feat_dropout_ratio: float = 0.2, lt_feat_dropout_ratio: float = 0.2,
                 pre_activate: bool = True, zero_init_out_conv: bool = False) -> None:
        super().__init__()
        if num_non_local_layers < 1:
            raise ValueError(f'num_non_local_layers={num_non_local_layers}; expected at least 1')
        self.pre_activate = pre_activate
        self.st_feat_conv = nn.Conv3d(st_feat_channels, latent_channels, kernel_size=1)
        self.lt_feat_conv = nn.Conv3d(lt_feat_channels, latent_channels, kernel_size=1)
        self.st_feat_dropout = nn.Dropout(st_feat_dropout_ratio) if st_feat_dropout_ratio > 0 else nn.Identity()
        self.lt_feat_dropout = nn.Dropout(lt_feat_dropout_ratio) if lt_feat_dropout_ratio > 0 else nn.Identity()
        self.relu = nn.ReLU()
        # checkpoint keys: non_local_layer_1, non_local_layer_2, ...
        self.layer_names = [f'non_local_layer_{index + 1}' for index in range(num_non_local_layers)]
        for name in self.layer_names:
            layer = NonLocalLayer(latent_channels, latent_channels, latent_channels, num_st_feat, num_lt_feat,
                                  pre_activate=pre_activate)
            if zero_init_out_conv:
                nn.init.zeros_(layer.out_conv.conv.weight)
            self.add_module(name, layer)

    def forward(self, st_feat: torch.Tensor, lt_feat: torch.Tensor) -> torch.Tensor:
        st_feat = self.st_feat_dropout(self.st_feat_conv(st_feat))
        lt_feat = self.lt_feat_dropout(self.lt_feat_conv(lt_feat))
        for name in self.layer_names:
            st_feat = st_feat + getattr(self, name)(st_feat, lt_feat)
            if not self.pre_activate:
                st_feat = self.relu(st_feat)
        return st_feat


class FBOPool(nn.Module):
    """Feature bank operator ``avg`` or ``max``: pool the long-term features, (n, C_lt, 1, 1, 1)."""

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.pool = make_pool(mode, (1, None, None), 'fbo_cfg.type')

    def forward(self, st_feat: torch.Tensor, lt_feat: torch.Tensor) -> torch.Tensor:
        return self.pool(lt_feat)


@MODELS.register_module()
class FBOHead(nn.Module):
    """Pool each RoI's features and append what the feature bank operator returns for it.

    (R, C, T, H, W) RoI features -> (R, C + C_fbo, 1, 1, 1); the bank is read by each RoI's
    ``img_key`` (``'<video_id>,<second>'``) in the image metas.

    Args:
        lfb_cfg: arguments of :class:`LFB`.
        fbo_cfg: ``type`` (``'non_local'``, ``'avg'`` or ``'max'``) and, for ``non_local``, the
            arguments of :class:`FBONonLocal`.
        temporal_pool_type: ``'avg'`` or ``'max'``.
        spatial_pool_type: ``'avg'`` or ``'max'``.
    """

    def __init__(self, lfb_cfg: Mapping, fbo_cfg: Mapping, temporal_pool_type: str = 'avg',
                 spatial_pool_type: str = 'max') -> None:
        super().__init__()
        fbo_cfg = dict(fbo_cfg)
        fbo_type = fbo_cfg.pop('type', 'non_local')
        if fbo_type not in ('non_local', 'avg', 'max'):
            raise ConfigError(f"fbo_cfg.type={fbo_type!r}; expected 'non_local', 'avg' or 'max'")
        self.temporal_pool = make_pool(temporal_pool_type, (1, None, None), 'temporal_pool_type')
        self.spatial_pool = make_pool(spatial_pool_type, (None, 1, 1), 'spatial_pool_type')
        self.fbo = FBONonLocal(**fbo_cfg) if fbo_type == 'non_local' else FBOPool(fbo_type)
        self.lfb = LFB(**lfb_cfg)

    def sample_lfb(self, rois: torch.Tensor, img_metas: List[Dict]) -> torch.Tensor:
        """(R, lfb_channels, window_size * max_num_sampled_feat, 1, 1) long-term features."""
        feats = torch.stack([self.lfb[img_metas[index]['img_key']] for index in rois[:, 0].long().tolist()])
        return feats.transpose(1, 2)[..., None, None]

    def forward(self, x: torch.Tensor, rois: torch.Tensor, img_metas: List[Dict], **kwargs) -> torch.Tensor:
        st_feat = self.spatial_pool(self.temporal_pool(x))
        lt_feat = self.sample_lfb(rois, img_metas).to(st_feat)
        return torch.cat([st_feat, self.fbo(st_feat, lt_feat)], dim=1)
