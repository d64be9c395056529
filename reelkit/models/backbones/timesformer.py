"""TimeSformer (Bertasius et al., *Is Space-Time Attention All You Need for Video Understanding?*,
ICML 2021), MMAction2 layout.

Every frame is cut into patches by one 2D conv and gets a class token and a spatial position
embedding; except with ``space_only``, every patch also gets a temporal embedding and the clip becomes
one sequence ``[cls, (p0, t0), (p0, t1), ..., (p1, t0), ...]`` (patch-major). The layers:

- ``divided_space_time``: attention over time (a patch with itself in the other frames), then over
  space (the patches of one frame, with the class token), then the MLP, each with its own norm and
  residual;
- ``joint_space_time``: one pre-norm attention over all T * P patches;
- ``space_only``: one pre-norm attention per frame; the frames are averaged at the end.

MMAction2 builds these from MMCV's ``TransformerLayerSequence`` / ``BaseTransformerLayer``; the modules
here keep those names, so keys read ``transformer_layers.layers.0.attentions.0.attn.in_proj_weight``,
``...ffns.0.layers.0.0.weight`` and ``...norms.0.weight``.
"""
import re
from typing import Collection, Dict, Iterable, Mapping, Optional

import torch
import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from torch.nn.modules.utils import _pair

from reelkit.registry import MODELS
from ..common import (backbone_key_map, build_activation_layer, build_conv_layer, build_norm_layer, frozen,
                      load_pretrained, resolve_pretrained)
from ..common.layers import LayerConfig
from ..common.transformer import DropPath, InitConfig, drop_path_rates, init_cfg_dicts

ATTENTION_TYPES = ('divided_space_time', 'space_only', 'joint_space_time')
# MMAction2 fixes the norms inside the layers to this; ``norm_cfg`` is only the final norm's.
LAYER_NORM_CFG = frozen(type='LN', eps=1e-6)


class FFN(nn.Module):
    """MMCV's feed-forward layout: ``layers`` = (Linear, act, Dropout) x (num_fcs - 1), Linear, Dropout.

    x: (..., embed_dims) -> (..., embed_dims). With ``add_identity`` the result is
    ``identity + drop_path(mlp(x))`` (``identity`` defaults to ``x``), else ``drop_path(mlp(x))``.

    Args:
        embed_dims: input and output channels.
        feedforward_channels: hidden channels.
        num_fcs: number of linear layers (at least 2).
        act_cfg: config of the activations.
        ffn_drop: dropout after each activation and after the last layer.
        drop_path_rate: stochastic depth of the branch.
        add_identity: add the residual.
    """

    def __init__(
            self,
            embed_dims: int = 256,
            feedforward_channels: int = 1024,
            num_fcs: int = 2,
            act_cfg: LayerConfig = frozen(type='ReLU', inplace=True),
            ffn_drop: float = 0.,
            drop_path_rate: float = 0.,
            add_identity: bool = True,
    ) -> None:
        super().__init__()
        if num_fcs < 2:
            raise ValueError(f'num_fcs={num_fcs}; expected at least 2')
        self.embed_dims = embed_dims
        hidden = []
        in_channels = embed_dims
        for _ in range(num_fcs - 1):
            hidden.append(nn.Sequential(nn.Linear(in_channels, feedforward_channels),
                                        build_activation_layer(act_cfg), nn.Dropout(ffn_drop)))
            in_channels = feedforward_channels
        self.layers = nn.Sequential(*hidden, nn.Linear(feedforward_channels, embed_dims), nn.Dropout(ffn_drop))
        # MMCV's name for the branch's stochastic depth.
        self.dropout_layer = DropPath(drop_path_rate)
        self.add_identity = add_identity

    def forward(self, x: torch.Tensor, identity: Optional[torch.Tensor] = None) -> torch.Tensor:
        out = self.dropout_layer(self.layers(x))
        if not self.add_identity:
            return out
        return (x if identity is None else identity) + out


class FFNWithNorm(FFN):
    """:class:`FFN` with its own pre-norm: ``x + drop_path(mlp(norm(x)))``; x: (N, L, C) -> (N, L, C).

    Args:
        norm_cfg: config of the norm.
        **kwargs: arguments of :class:`FFN`.
    """

    def __init__(self, norm_cfg: LayerConfig = frozen(type='LN'), **kwargs) -> None:
        super().__init__(**kwargs)
        self.norm = build_norm_layer(norm_cfg, self.embed_dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(self.norm(x), identity=x)


class MultiheadAttention(nn.Module):
    """Self-attention with a residual: ``identity + drop_path(attn(x))``; x: (N, L, C) -> (N, L, C).

    ``attn`` is a ``torch.nn.MultiheadAttention`` (keys ``attn.in_proj_weight``, ``attn.out_proj.*``).

    Args:
        embed_dims: channels C.
        num_heads: attention heads.
        attn_drop: dropout on the attention weights.
        proj_drop: dropout on the attention output.
        drop_path_rate: stochastic depth of the branch.
    """

    def __init__(
            self,
            embed_dims: int,
            num_heads: int,
            attn_drop: float = 0.,
            proj_drop: float = 0.,
            drop_path_rate: float = 0.,
    ) -> None:
        super().__init__()
        self.embed_dims = embed_dims
        self.attn = nn.MultiheadAttention(embed_dims, num_heads, dropout=attn_drop, batch_first=True)
        self.proj_drop = nn.Dropout(proj_drop)
        self.dropout_layer = DropPath(drop_path_rate)

    def attend(self, x: torch.Tensor) -> torch.Tensor:
        """The branch before the residual: (N, L, C) -> (N, L, C)."""
        return self.dropout_layer(self.proj_drop(self.attn(x, x, x, need_weights=False)[0]))

    def forward(self, x: torch.Tensor, identity: Optional[torch.Tensor] = None) -> torch.Tensor:
        return (x if identity is None else identity) + self.attend(x)


class DividedTemporalAttentionWithNorm(MultiheadAttention):
    """Each patch attends to itself in the other frames; the class token passes unchanged.

    x: (N, 1 + P * T, C) patch-major -> same shape. The branch is ``temporal_fc(drop_path(attn(norm)))``;
    ``temporal_fc`` starts at zero, so a layer initialised from an image model begins as its identity.

    Args:
        embed_dims: channels C.
        num_heads: attention heads.
        num_frames: T.
        attn_drop: dropout on the attention weights.
        proj_drop: dropout on the attention output.
        drop_path_rate: stochastic depth of the branch.
        norm_cfg: config of the pre-norm.
    """

    def __init__(
            self,
            embed_dims: int,
            num_heads: int,
            num_frames: int,
            attn_drop: float = 0.,
            proj_drop: float = 0.,
            drop_path_rate: float = 0.1,
            norm_cfg: LayerConfig = frozen(type='LN'),
    ) -> None:
        super().__init__(embed_dims, num_heads, attn_drop, proj_drop, drop_path_rate)
        self.num_frames = num_frames
        self.norm = build_norm_layer(norm_cfg, embed_dims)
        self.temporal_fc = nn.Linear(embed_dims, embed_dims)
        nn.init.zeros_(self.temporal_fc.weight)
        nn.init.zeros_(self.temporal_fc.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cls_token, patches = x[:, :1], x[:, 1:]
        N, PT, C = patches.shape
        tracks = patches.reshape(N * PT // self.num_frames, self.num_frames, C)  # one row per patch
        branch = self.temporal_fc(self.attend(self.norm(tracks)))
        return torch.cat((cls_token, patches + branch.reshape(N, PT, C)), dim=1)


class DividedSpatialAttentionWithNorm(MultiheadAttention):
    """The patches of each frame attend to each other and to the class token.

    x: (N, 1 + P * T, C) patch-major -> same shape. Every frame sees the clip's class token; the
    class token's update is the mean of the T frames' updates.

    Args:
        embed_dims: channels C.
        num_heads: attention heads.
        num_frames: T.
        attn_drop: dropout on the attention weights.
        proj_drop: dropout on the attention output.
        drop_path_rate: stochastic depth of the branch.
        norm_cfg: config of the pre-norm.
    """

    def __init__(
            self,
            embed_dims: int,
            num_heads: int,
            num_frames: int,
            attn_drop: float = 0.,
            proj_drop: float = 0.,
            drop_path_rate: float = 0.1,
            norm_cfg: LayerConfig = frozen(type='LN'),
    ) -> None:
        super().__init__(embed_dims, num_heads, attn_drop, proj_drop, drop_path_rate)
        self.num_frames = num_frames
        self.norm = build_norm_layer(norm_cfg, embed_dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cls_token, patches = x[:, :1], x[:, 1:]
        N, PT, C = patches.shape
        T = self.num_frames
        P = PT // T
        frames = patches.reshape(N, P, T, C).transpose(1, 2).reshape(N * T, P, C)
        frame_cls = cls_token.expand(N, T, C).reshape(N * T, 1, C)
        branch = self.attend(self.norm(torch.cat((frame_cls, frames), dim=1)))  # (N * T, 1 + P, C)
        branch_cls = branch[:, 0].reshape(N, T, C).mean(dim=1, keepdim=True)
        branch_patches = branch[:, 1:].reshape(N, T, P, C).transpose(1, 2).reshape(N, PT, C)
        return x + torch.cat((branch_cls, branch_patches), dim=1)


class DividedSpaceTimeLayer(nn.Module):
    """Temporal attention, spatial attention, MLP: x (N, 1 + P * T, C) -> same shape.

    Args:
        embed_dims: channels C.
        num_heads: attention heads.
        num_frames: T.
        drop_path_rate: stochastic depth of each branch.
    """

    def __init__(self, embed_dims: int, num_heads: int, num_frames: int, drop_path_rate: float) -> None:
        super().__init__()
        attn_kwargs = dict(embed_dims=embed_dims, num_heads=num_heads, num_frames=num_frames,
                           drop_path_rate=drop_path_rate, norm_cfg=LAYER_NORM_CFG)
        self.attentions = nn.ModuleList([DividedTemporalAttentionWithNorm(**attn_kwargs),
                                         DividedSpatialAttentionWithNorm(**attn_kwargs)])
        self.ffns = nn.ModuleList([FFNWithNorm(embed_dims=embed_dims, feedforward_channels=embed_dims * 4,
                                               act_cfg=dict(type='GELU'), drop_path_rate=drop_path_rate,
                                               norm_cfg=LAYER_NORM_CFG)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for attention in self.attentions:
            x = attention(x)
        return self.ffns[0](x)


class PreNormLayer(nn.Module):
    """``x + attn(norm(x))``, then ``x + mlp(norm(x))``: x (N, L, C) -> (N, L, C).

    Args:
        embed_dims: channels C.
        num_heads: attention heads.
        drop_path_rate: stochastic depth of each branch.
    """

    def __init__(self, embed_dims: int, num_heads: int, drop_path_rate: float) -> None:
        super().__init__()
        self.attentions = nn.ModuleList([MultiheadAttention(embed_dims, num_heads, drop_path_rate=drop_path_rate)])
        self.ffns = nn.ModuleList([FFN(embed_dims=embed_dims, feedforward_channels=embed_dims * 4,
                                       act_cfg=dict(type='GELU'), drop_path_rate=drop_path_rate)])
        self.norms = nn.ModuleList([build_norm_layer(LAYER_NORM_CFG, embed_dims) for _ in range(2)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.attentions[0](self.norms[0](x), identity=x)
        return self.ffns[0](self.norms[1](x), identity=x)


class TransformerLayerSequence(nn.Module):
    """The layers, one after the other (``layers.i``): (N, L, C) -> (N, L, C)."""

    def __init__(self, layers: Iterable[nn.Module]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x


class PatchEmbed(nn.Module):
    """Frames to patch tokens with one conv: (N, C, T, H, W) -> (N * T, H/p * W/p, embed_dims).

    Args:
        img_size: H and W (int or pair).
        patch_size: the patch side (int or pair); must divide ``img_size``.
        in_channels: input channels C.
        embed_dims: token channels.
        conv_cfg: config of the 2D conv.
    """

    def __init__(
            self,
            img_size,
            patch_size,
            in_channels: int = 3,
            embed_dims: int = 768,
            conv_cfg: LayerConfig = frozen(type='Conv2d'),
    ) -> None:
        super().__init__()
        self.img_size = _pair(img_size)
        self.patch_size = _pair(patch_size)
        if any(size % patch for size, patch in zip(self.img_size, self.patch_size)):
            raise ValueError(f'img_size={img_size} is not a whole number of patch_size={patch_size} patches')
        self.num_patches = (self.img_size[0] // self.patch_size[0]) * (self.img_size[1] // self.patch_size[1])
        self.projection = build_conv_layer(conv_cfg, in_channels, embed_dims, kernel_size=self.patch_size,
                                           stride=self.patch_size)
        # LeCun normal, as MMAction2 (ClassyVision's patch embedding init).
        nn.init.kaiming_normal_(self.projection.weight, mode='fan_in', nonlinearity='linear')
        nn.init.zeros_(self.projection.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        frames = x.transpose(1, 2).flatten(0, 1)  # (N * T, C, H, W), the frames of a clip consecutive
        return self.projection(frames).flatten(2).transpose(1, 2)


@MODELS.register_module()
class TimeSformer(BaseModule):
    """TimeSformer backbone: (N, in_channels, num_frames, img_size, img_size) -> (N, embed_dims).

    Returns the class token after the final norm (``space_only``: averaged over the frames first).

    Args:
        num_frames: T; the input must have exactly this many frames.
        img_size: H and W of the input.
        patch_size: side of the square patches.
        pretrained: weights loaded by :meth:`init_weights`: a local file or a URL found in the torch
            hub cache, in TimeSformer layout or (for ``divided_space_time``) a ``space_only`` /
            ViT checkpoint whose attention then initialises both the temporal and the spatial one.
        embed_dims: token channels.
        num_heads: attention heads.
        num_transformer_layers: number of layers.
        in_channels: input channels.
        dropout_ratio: dropout after the position and time embeddings.
        transformer_layers: accepted for MMAction2 configs; only ``None`` (the layers above) is supported.
        attention_type: ``divided_space_time``, ``space_only`` or ``joint_space_time``.
        norm_cfg: config of the final norm.
        init_cfg: extra MMEngine init applied by :meth:`init_weights`.
    """

    def __init__(
            self,
            num_frames: int,
            img_size: int,
            patch_size: int,
            pretrained: Optional[str] = None,
            embed_dims: int = 768,
            num_heads: int = 12,
            num_transformer_layers: int = 12,
            in_channels: int = 3,
            dropout_ratio: float = 0.,
            transformer_layers: Optional[Mapping] = None,
            attention_type: str = 'divided_space_time',
            norm_cfg: LayerConfig = frozen(type='LN', eps=1e-6),
            init_cfg: InitConfig = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg_dicts(init_cfg))
        if attention_type not in ATTENTION_TYPES:
            raise ValueError(f'attention_type={attention_type!r}; expected one of {ATTENTION_TYPES}')
        if transformer_layers is not None:
            raise ValueError('transformer_layers: custom MMCV layer configs are not supported; leave it None '
                             'and choose the layers with attention_type')
        self.num_frames = num_frames
        self.pretrained = pretrained
        self.embed_dims = embed_dims
        self.num_transformer_layers = num_transformer_layers
        self.attention_type = attention_type

        self.patch_embed = PatchEmbed(img_size, patch_size, in_channels, embed_dims)
        num_patches = self.patch_embed.num_patches
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_patches + 1, embed_dims))
        self.drop_after_pos = nn.Dropout(p=dropout_ratio)
        if attention_type != 'space_only':
            self.time_embed = nn.Parameter(torch.zeros(1, num_frames, embed_dims))
            self.drop_after_time = nn.Dropout(p=dropout_ratio)
        self.norm = build_norm_layer(norm_cfg, embed_dims)

        # Stochastic depth grows linearly from 0 to 0.1 over the layers, as MMAction2.
        rates = drop_path_rates(0.1, num_transformer_layers)
        if attention_type == 'divided_space_time':
            layers = [DividedSpaceTimeLayer(embed_dims, num_heads, num_frames, rate) for rate in rates]
        else:
            layers = [PreNormLayer(embed_dims, num_heads, rate) for rate in rates]
        self.transformer_layers = TransformerLayerSequence(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        N, _, T, H, W = x.shape
        if T != self.num_frames or (H, W) != self.patch_embed.img_size:
            raise ValueError(f'TimeSformer: input of {T} frames of {H}x{W}; built for num_frames={self.num_frames} '
                             f'of img_size={self.patch_embed.img_size}')
        x = self.patch_embed(x)  # (N * T, P, C)
        cls_tokens = self.cls_token.expand(x.shape[0], -1, -1)
        x = self.drop_after_pos(torch.cat((cls_tokens, x), dim=1) + self.pos_embed)
        if self.attention_type != 'space_only':
            x = self.clip_tokens(x, N)
        x = self.transformer_layers(x)
        if self.attention_type == 'space_only':
            x = x.reshape(N, T, *x.shape[1:]).mean(dim=1)
        return self.norm(x)[:, 0]

    def clip_tokens(self, x: torch.Tensor, num_clips: int) -> torch.Tensor:
        """(N * T, 1 + P, C) frame tokens -> (N, 1 + P * T, C) patch-major clip tokens with time embedding."""
        _, L, C = x.shape
        T = self.num_frames
        cls_token = x[::T, :1]  # every frame holds the same class token; keep the first frame's
        patches = x[:, 1:].reshape(num_clips, T, L - 1, C).transpose(1, 2)  # (N, P, T, C)
        patches = self.drop_after_time(patches + self.time_embed)
        return torch.cat((cls_token, patches.reshape(num_clips, -1, C)), dim=1)

    def init_weights(self, pretrained: Optional[str] = None) -> None:
        """Apply ``init_cfg``, truncated-normal embeddings, then load ``pretrained`` (or this argument)."""
        super().init_weights()
        nn.init.trunc_normal_(self.pos_embed, std=.02)
        nn.init.trunc_normal_(self.cls_token, std=.02)
        self.pretrained = pretrained or self.pretrained
        if self.pretrained is None:
            return
        path = resolve_pretrained(self.pretrained, 'model.backbone.pretrained')
        divided = self.attention_type == 'divided_space_time'
        placed = {}  # filled by key_map: whether the checkpoint has spatial attention shows there

        def key_map(source_keys: Iterable[str], own_keys: Collection[str]) -> Dict[str, str]:
            placed.update((divided_key_map if divided else backbone_key_map)(source_keys, own_keys))
            return placed

        load_pretrained(self, path, key_map)
        if divided and not any('.attentions.1.' in key for key in placed.values()):
            self.spatial_from_temporal()
            MMLogger.get_current_instance().info(
                f'{path}: no spatial attention in the checkpoint; copied the temporal one into it')

    @torch.no_grad()
    def spatial_from_temporal(self) -> None:
        """Start every spatial attention (and its norm) as a copy of the layer's temporal one."""
        for layer in self.transformer_layers.layers:
            temporal, spatial = layer.attentions
            spatial.attn.load_state_dict(temporal.attn.state_dict())
            spatial.norm.load_state_dict(temporal.norm.state_dict())


# A pre-norm (space-only / ViT) checkpoint's layer norms, placed in the divided layers as MMAction2 does:
# ``norms.0`` is the temporal attention's norm, ``norms.1`` the MLP's.
DIVIDED_RENAMES = (
    (re.compile(r'(layers\.\d+)\.norms\.0\.'), r'\1.attentions.0.norm.'),
    (re.compile(r'(layers\.\d+)\.norms\.1\.'), r'\1.ffns.0.norm.'),
)


def divided_key_map(source_keys: Iterable[str], own_keys: Collection[str]) -> Dict[str, str]:
    """:func:`backbone_key_map` for the divided layers, after :data:`DIVIDED_RENAMES`."""
    renamed = {}
    for key in source_keys:
        name = key
        for pattern, replacement in DIVIDED_RENAMES:
            name = pattern.sub(replacement, name)
        renamed[name] = key
    return {renamed[name]: target for name, target in backbone_key_map(renamed, own_keys).items()}
