"""Video Swin Transformer (Liu et al., *Video Swin Transformer*, CVPR 2022), MMAction2 layout.

The clip is cut into (2, 4, 4) patches; each stage runs self-attention inside 3D windows of
(8, 7, 7) patches, every second block on windows shifted by half a window, and all but the last
stage end with a patch merging that halves H and W and doubles the channels. Features are kept
channel-last, (B, D, H, W, C), between the layers. Keys follow MMAction2: ``patch_embed.proj``,
``patch_embed.norm``, ``layers.N.blocks.M.{norm1, attn, norm2, mlp}``,
``layers.N.downsample.{norm, reduction}`` and ``norm{i}`` for each output stage ``i``.
``pretrained2d`` inflates an image Swin checkpoint (``layers.N.blocks.M...`` in 2D) onto the 3D model.
"""
import re
from functools import lru_cache
from typing import Collection, Dict, Iterable, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch.utils import checkpoint as cp

from reelkit.registry import MODELS
from ..common import build_conv_layer, build_norm_layer, frozen, load_pretrained, resolve_pretrained
from ..common.layers import LayerConfig
from ..common.transformer import DropPath, InitConfig, Mlp, drop_path_rates, init_cfg_dicts

Size3d = Tuple[int, int, int]

# Attention logit added between tokens that a cyclic shift brought into one window from different
# parts of the clip: large enough to suppress them, finite like MMAction2's.
MASKED_LOGIT = -100.0


def window_partition(x: torch.Tensor, window: Size3d) -> torch.Tensor:
    """(B, D, H, W, C) -> (B * num_windows, wd * wh * ww, C); D, H, W are multiples of the window.

    Windows are ordered batch first, then along D, H and W.
    """
    B, D, H, W, C = x.shape
    wd, wh, ww = window
    x = x.view(B, D // wd, wd, H // wh, wh, W // ww, ww, C)
    return x.permute(0, 1, 3, 5, 2, 4, 6, 7).reshape(-1, wd * wh * ww, C)


def window_reverse(windows: torch.Tensor, window: Size3d, size: Sequence[int]) -> torch.Tensor:
    """The inverse of :func:`window_partition`: (B * num_windows, wd * wh * ww, C) -> (B, D, H, W, C).

    Args:
        windows: the windows, in :func:`window_partition`'s order.
        window: (wd, wh, ww).
        size: (B, D, H, W) of the result.
    """
    B, D, H, W = size
    wd, wh, ww = window
    x = windows.view(B, D // wd, H // wh, W // ww, wd, wh, ww, -1)
    return x.permute(0, 1, 4, 2, 5, 3, 6, 7).reshape(B, D, H, W, -1)


def fit_window(size: Sequence[int], window: Sequence[int], shift: Sequence[int]) -> Tuple[Size3d, Size3d]:
    """The window and shift used on a (D, H, W) feature map.

    Along an axis no longer than the window, the window covers the whole axis and does not shift.
    """
    fitted = [(s, 0) if s <= w else (w, sh) for s, w, sh in zip(size, window, shift)]
    return tuple(w for w, _ in fitted), tuple(sh for _, sh in fitted)


def relative_position_index(window: Size3d) -> torch.Tensor:
    """(N, N) with N = wd * wh * ww: the row of the bias table for each (query, key) pair of a window.

    The (d, h, w) offset of key from query, each shifted to start at 0, read as one number with
    digits of base (2 * wh - 1) * (2 * ww - 1), (2 * ww - 1) and 1.
    """
    coords = torch.stack(torch.meshgrid(*[torch.arange(w) for w in window], indexing='ij')).flatten(1)
    offsets = coords[:, :, None] - coords[:, None, :]  # (3, N, N): query coord minus key coord
    spans = [2 * w - 1 for w in window]
    digits = (spans[1] * spans[2], spans[2], 1)
    return sum((offsets[axis] + window[axis] - 1) * digits[axis] for axis in range(3))


@lru_cache(maxsize=16)
def shifted_window_mask(padded: Size3d, window: Size3d, shift: Size3d, device: torch.device) -> torch.Tensor:
    """(num_windows, N, N): 0 between tokens of the same region of the clip, :data:`MASKED_LOGIT` else.

    After a cyclic shift by ``shift``, the last window along each shifted axis joins tokens from up to
    three regions: the part before the last window, the last window minus the shift, and the shift
    that wrapped around. An axis that is not shifted is one region. Cached: every forward of a
    stage asks for the same mask.
    """
    labels = []
    for length, w, s in zip(padded, window, shift):
        label = torch.zeros(length, device=device)
        if s > 0:
            label[length - w:length - s] = 1
            label[length - s:] = 2
        labels.append(label)
    region = labels[0][:, None, None] * 9 + labels[1][None, :, None] * 3 + labels[2][None, None, :]
    region = window_partition(region[None, :, :, :, None], window).squeeze(-1)  # (num_windows, N)
    different = region[:, None, :] != region[:, :, None]
    return torch.zeros(different.shape, device=device).masked_fill(different, MASKED_LOGIT)


class WindowAttention3D(nn.Module):
    """Multi-head self-attention inside each window, with a learned relative position bias.

    x: (B * num_windows, N, C) -> (B * num_windows, N, C), N tokens of one window.

    Args:
        embed_dims: C.
        window_size: (wd, wh, ww), the largest window; the bias table covers its offsets.
        num_heads: attention heads.
        qkv_bias: whether the qkv projection has a bias.
        qk_scale: scale of the logits, ``None`` for ``head_dim ** -0.5``.
        attn_drop: dropout on the attention weights.
        proj_drop: dropout after the output projection.
    """

    def __init__(
            self,
            embed_dims: int,
            window_size: Sequence[int],
            num_heads: int,
            qkv_bias: bool = True,
            qk_scale: Optional[float] = None,
            attn_drop: float = 0.,
            proj_drop: float = 0.,
    ) -> None:
        super().__init__()
        self.embed_dims = embed_dims
        self.window_size = tuple(window_size)
        self.num_heads = num_heads
        self.scale = qk_scale or (embed_dims // num_heads)**-0.5
        num_offsets = (2 * window_size[0] - 1) * (2 * window_size[1] - 1) * (2 * window_size[2] - 1)
        self.relative_position_bias_table = nn.Parameter(torch.zeros(num_offsets, num_heads))
        nn.init.trunc_normal_(self.relative_position_bias_table, std=.02)
        # Saved in MMAction2 checkpoints, so a persistent buffer although it is recomputed here.
        self.register_buffer('relative_position_index', relative_position_index(self.window_size))
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=qkv_bias)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop)

    def position_bias(self, num_tokens: int) -> torch.Tensor:
        """(num_heads, N, N).

        A window fitted to a small feature map has fewer tokens than ``window_size``; MMAction2
        then reads the top-left N x N corner of the full index, and checkpoints expect that.
        """
        index = self.relative_position_index[:num_tokens, :num_tokens].reshape(-1)
        bias = self.relative_position_bias_table[index].view(num_tokens, num_tokens, -1)
        return bias.permute(2, 0, 1)

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """x: (B * num_windows, N, C); mask: (num_windows, N, N) additive, or ``None``."""
        B_, N, C = x.shape
        q, k, v = self.qkv(x).view(B_, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        attn = (q * self.scale) @ k.transpose(-2, -1) + self.position_bias(N)  # (B_, heads, N, N)
        if mask is not None:
            num_windows = mask.shape[0]
            attn = attn.view(B_ // num_windows, num_windows, self.num_heads, N, N) + mask[None, :, None]
            attn = attn.view(B_, self.num_heads, N, N)
        attn = self.attn_drop(attn.softmax(dim=-1))
        x = (attn @ v).transpose(1, 2).reshape(B_, N, C)
        return self.proj_drop(self.proj(x))


class SwinTransformerBlock3D(nn.Module):
    """(Shifted-)window attention and an MLP, each pre-normed and residual.

    x: (B, D, H, W, C) -> (B, D, H, W, C).

    Args:
        embed_dims: C.
        num_heads: attention heads.
        window_size: (wd, wh, ww).
        shift_size: the cyclic shift before partitioning, each in [0, window); zeros for plain windows.
        mlp_ratio: hidden channels of the MLP per input channel.
        qkv_bias: whether the qkv projection has a bias.
        qk_scale: scale of the logits, ``None`` for ``head_dim ** -0.5``.
        drop: dropout after the attention projection and in the MLP.
        attn_drop: dropout on the attention weights.
        drop_path: stochastic depth rate of both residual branches.
        act_cfg: config of the MLP activation.
        norm_cfg: config of the norms.
        with_cp: recompute the branches in the backward pass instead of storing activations.
    """

    def __init__(
            self,
            embed_dims: int,
            num_heads: int,
            window_size: Sequence[int] = (8, 7, 7),
            shift_size: Sequence[int] = (0, 0, 0),
            mlp_ratio: float = 4.,
            qkv_bias: bool = True,
            qk_scale: Optional[float] = None,
            drop: float = 0.,
            attn_drop: float = 0.,
            drop_path: float = 0.1,
            act_cfg: LayerConfig = frozen(type='GELU'),
            norm_cfg: LayerConfig = frozen(type='LN'),
            with_cp: bool = False,
    ) -> None:
        super().__init__()
        if not all(0 <= s < w for s, w in zip(shift_size, window_size)):
            raise ValueError(f'shift_size={tuple(shift_size)}; each must be in [0, window_size) '
                             f'for window_size={tuple(window_size)}')
        self.window_size = tuple(window_size)
        self.shift_size = tuple(shift_size)
        self.with_cp = with_cp
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)
        self.attn = WindowAttention3D(embed_dims, window_size, num_heads, qkv_bias=qkv_bias, qk_scale=qk_scale,
                                      attn_drop=attn_drop, proj_drop=drop)
        self.drop_path = DropPath(drop_path) if drop_path > 0. else nn.Identity()
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)
        self.mlp = Mlp(embed_dims, int(embed_dims * mlp_ratio), act_cfg=act_cfg, drop=drop)

    def attention(self, x: torch.Tensor, mask: Optional[torch.Tensor]) -> torch.Tensor:
        """The attention branch before stochastic depth: (B, D, H, W, C) -> (B, D, H, W, C)."""
        B, D, H, W, C = x.shape
        window, shift = fit_window((D, H, W), self.window_size, self.shift_size)
        x = self.norm1(x)
        # Zero-pad the normalized features at the end of each axis to whole windows.
        pad_d, pad_h, pad_w = ((-size) % w for size, w in zip((D, H, W), window))
        x = F.pad(x, (0, 0, 0, pad_w, 0, pad_h, 0, pad_d))
        shifted = any(shift)
        if shifted:
            x = torch.roll(x, shifts=tuple(-s for s in shift), dims=(1, 2, 3))
        windows = self.attn(window_partition(x, window), mask if shifted else None)
        x = window_reverse(windows, window, x.shape[:4])
        if shifted:
            x = torch.roll(x, shifts=shift, dims=(1, 2, 3))
        return x[:, :D, :H, :W]

    def feed_forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop_path(self.mlp(self.norm2(x)))

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """x: (B, D, H, W, C); mask: the stage's shifted-window mask (used by shifted blocks only)."""
        recompute = self.with_cp and x.requires_grad
        attended = cp.checkpoint(self.attention, x, mask, use_reentrant=False) if recompute \
            else self.attention(x, mask)
        x = x + self.drop_path(attended)
        return x + (cp.checkpoint(self.feed_forward, x, use_reentrant=False) if recompute else self.feed_forward(x))


class PatchMerging(nn.Module):
    """Concatenate each 2 x 2 spatial neighbourhood, normalize, project to 2 C.

    x: (B, D, H, W, C) -> (B, D, ceil(H / 2), ceil(W / 2), 2 C); odd H or W are zero-padded.

    Args:
        embed_dims: C.
        norm_cfg: config of the norm over the 4 C concatenated channels.
    """

    def __init__(
            self,
            embed_dims: int,
            norm_cfg: LayerConfig = frozen(type='LN'),
    ) -> None:
        super().__init__()
        self.out_embed_dims = 2 * embed_dims
        self.reduction = nn.Linear(4 * embed_dims, 2 * embed_dims, bias=False)
        self.norm = build_norm_layer(norm_cfg, 4 * embed_dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        H, W = x.shape[2:4]
        x = F.pad(x, (0, 0, 0, W % 2, 0, H % 2))
        # The order of the four neighbours is the one MMAction2's weights were trained with.
        x = torch.cat([x[:, :, 0::2, 0::2], x[:, :, 1::2, 0::2], x[:, :, 0::2, 1::2], x[:, :, 1::2, 1::2]], dim=-1)
        return self.reduction(self.norm(x))


class SwinStage(nn.Module):
    """``depth`` blocks alternating plain and half-window-shifted windows, then an optional merging.

    x: (B, D, H, W, C) -> (B, D, H, W, C), or (B, D, H/2, W/2, 2 C) after ``downsample``.

    Args:
        embed_dims: C.
        depth: number of blocks.
        num_heads: attention heads.
        window_size: (wd, wh, ww).
        drop_paths: the stochastic depth rate of each block.
        downsample: whether the stage ends with a :class:`PatchMerging` (else ``self.downsample`` is ``None``).
        norm_cfg: config of the norms.
        **block_kwargs: the other arguments of :class:`SwinTransformerBlock3D`.
    """

    def __init__(
            self,
            embed_dims: int,
            depth: int,
            num_heads: int,
            window_size: Sequence[int] = (8, 7, 7),
            drop_paths: Sequence[float] = (),
            downsample: bool = False,
            norm_cfg: LayerConfig = frozen(type='LN'),
            **block_kwargs,
    ) -> None:
        super().__init__()
        drop_paths = list(drop_paths) or [0.] * depth
        self.window_size = tuple(window_size)
        self.shift_size = tuple(w // 2 for w in window_size)
        self.blocks = nn.ModuleList(
            SwinTransformerBlock3D(embed_dims, num_heads, window_size,
                                   shift_size=self.shift_size if i % 2 else (0, 0, 0), drop_path=drop_paths[i],
                                   norm_cfg=norm_cfg, **block_kwargs) for i in range(depth))
        self.downsample = PatchMerging(embed_dims, norm_cfg) if downsample else None
        self.out_embed_dims = 2 * embed_dims if downsample else embed_dims

    def forward(self, x: torch.Tensor, do_downsample: bool = True) -> torch.Tensor:
        """Run the blocks, then the merging if there is one and ``do_downsample``."""
        window, shift = fit_window(x.shape[1:4], self.window_size, self.shift_size)
        mask = None
        if any(shift):
            padded = tuple(-(-size // w) * w for size, w in zip(x.shape[1:4], window))
            mask = shifted_window_mask(padded, window, shift, x.device)
        for block in self.blocks:
            x = block(x, mask)
        if self.downsample is not None and do_downsample:
            x = self.downsample(x)
        return x


class SwinPatchEmbed3D(nn.Module):
    """Non-overlapping 3D patches, linearly embedded: (B, C_in, D, H, W) -> (B, D', H', W', C).

    D, H and W are zero-padded at the end to whole patches.

    Args:
        patch_size: (pd, ph, pw).
        in_channels: C_in.
        embed_dims: C.
        norm_cfg: config of a norm over the channels, ``None`` for none.
        conv_cfg: config of the projection.
    """

    def __init__(
            self,
            patch_size: Sequence[int] = (2, 4, 4),
            in_channels: int = 3,
            embed_dims: int = 96,
            norm_cfg: LayerConfig = None,
            conv_cfg: LayerConfig = frozen(type='Conv3d'),
    ) -> None:
        super().__init__()
        self.patch_size = tuple(patch_size)
        self.proj = build_conv_layer(conv_cfg, in_channels, embed_dims, kernel_size=self.patch_size,
                                     stride=self.patch_size)
        self.norm = build_norm_layer(norm_cfg, embed_dims) if norm_cfg is not None else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pad_d, pad_h, pad_w = ((-size) % p for size, p in zip(x.shape[2:], self.patch_size))
        x = self.proj(F.pad(x, (0, pad_w, 0, pad_h, 0, pad_d))).permute(0, 2, 3, 4, 1)
        return x if self.norm is None else self.norm(x)


SWIN_INIT_CFG = (
    frozen(type='TruncNormal', layer='Linear', std=0.02, bias=0.),
    frozen(type='Constant', layer='LayerNorm', val=1., bias=0.),
)


@MODELS.register_module()
class SwinTransformer3D(BaseModule):
    """Video Swin Transformer backbone.

    (B, in_channels, T, H, W) -> (B, C_i, T / 2, H / 2^(i+2), W / 2^(i+2)) for each stage ``i`` of
    ``out_indices`` (one tensor for one stage, else a tuple), for the default (2, 4, 4) patches;
    C_i is ``embed_dims * 2^i`` (``2^(i+1)`` with ``out_after_downsample``).

    Args:
        arch: ``'tiny'``, ``'small'``, ``'base'``, ``'large'`` (or ``'t'``, ``'s'``, ``'b'``, ``'l'``), or
            a dict with exactly ``embed_dims``, ``depths`` and ``num_heads``.
        pretrained: weights loaded by :meth:`init_weights`: a local file or a URL found in the torch hub
            cache (never downloaded). ``None`` leaves the initialization of ``init_cfg``.
        pretrained2d: ``pretrained`` is an image Swin checkpoint (tensors under ``model``), inflated to
            3D: the patch kernel repeated over time and divided by its length, each bias table
            resized to the window's (2 wh - 1) x (2 ww - 1) offsets and repeated over the 2 wd - 1
            time offsets, the final ``norm`` put into the last stage's ``norm{i}``. Otherwise it is a
            checkpoint of this model (MMAction2 or reelkit; a recognizer's ``backbone.`` prefix is
            dropped).
        patch_size: (pd, ph, pw), or one int for all three.
        in_channels: input channels.
        window_size: (wd, wh, ww) of the attention windows.
        mlp_ratio: hidden channels of the MLPs per input channel.
        qkv_bias: whether the qkv projections have biases.
        qk_scale: scale of the attention logits, ``None`` for ``head_dim ** -0.5``.
        drop_rate: dropout after the patch embedding, the attention projections and in the MLPs.
        attn_drop_rate: dropout on the attention weights.
        drop_path_rate: stochastic depth rate of the last block, rising linearly from 0 at the first.
        act_cfg: config of the MLP activations.
        norm_cfg: config of the norms.
        patch_norm: whether the patch embedding is normalized.
        frozen_stages: stages kept in eval mode without gradients: 0 freezes the patch embedding,
            ``n`` also the first ``n`` stages; -1 freezes nothing.
        with_cp: recompute each block in the backward pass instead of storing activations.
        out_indices: the stages whose (normalized) outputs :meth:`forward` returns.
        out_after_downsample: take a stage's output after its patch merging instead of before.
        init_cfg: MMEngine init applied by :meth:`init_weights` before ``pretrained``.
    """

    arch_zoo = {
        **dict.fromkeys(['t', 'tiny'], {'embed_dims': 96, 'depths': [2, 2, 6, 2], 'num_heads': [3, 6, 12, 24]}),
        **dict.fromkeys(['s', 'small'], {'embed_dims': 96, 'depths': [2, 2, 18, 2], 'num_heads': [3, 6, 12, 24]}),
        **dict.fromkeys(['b', 'base'], {'embed_dims': 128, 'depths': [2, 2, 18, 2], 'num_heads': [4, 8, 16, 32]}),
        **dict.fromkeys(['l', 'large'], {'embed_dims': 192, 'depths': [2, 2, 18, 2], 'num_heads': [6, 12, 24, 48]}),
    }
    arch_keys = {'embed_dims', 'depths', 'num_heads'}

    def __init__(
            self,
            arch: Union[str, Mapping],
            pretrained: Optional[str] = None,
            pretrained2d: bool = True,
            patch_size: Union[int, Sequence[int]] = (2, 4, 4),
            in_channels: int = 3,
            window_size: Sequence[int] = (8, 7, 7),
            mlp_ratio: float = 4.,
            qkv_bias: bool = True,
            qk_scale: Optional[float] = None,
            drop_rate: float = 0.,
            attn_drop_rate: float = 0.,
            drop_path_rate: float = 0.1,
            act_cfg: LayerConfig = frozen(type='GELU'),
            norm_cfg: LayerConfig = frozen(type='LN'),
            patch_norm: bool = True,
            frozen_stages: int = -1,
            with_cp: bool = False,
            out_indices: Sequence[int] = (3, ),
            out_after_downsample: bool = False,
            init_cfg: InitConfig = SWIN_INIT_CFG,
    ) -> None:
        super().__init__(init_cfg=init_cfg_dicts(init_cfg))
        self.arch_settings = self._arch_settings(arch)
        self.embed_dims = self.arch_settings['embed_dims']
        self.depths = list(self.arch_settings['depths'])
        self.num_heads = list(self.arch_settings['num_heads'])
        self.num_layers = len(self.depths)
        self.pretrained = pretrained
        self.pretrained2d = pretrained2d
        self.patch_size = (patch_size, ) * 3 if isinstance(patch_size, int) else tuple(patch_size)
        self.window_size = tuple(window_size)
        self.out_indices = tuple(out_indices)
        self.out_after_downsample = out_after_downsample
        self.frozen_stages = frozen_stages
        self._check_args()

        self.patch_embed = SwinPatchEmbed3D(self.patch_size, in_channels, self.embed_dims,
                                            norm_cfg=norm_cfg if patch_norm else None)
        self.pos_drop = nn.Dropout(p=drop_rate)
        drop_paths = drop_path_rates(drop_path_rate, sum(self.depths))
        self.layers = nn.ModuleList()
        dims = [self.embed_dims]
        for i, (depth, num_heads) in enumerate(zip(self.depths, self.num_heads)):
            stage = SwinStage(dims[-1], depth, num_heads, self.window_size, drop_paths=drop_paths[:depth],
                              downsample=i < self.num_layers - 1, norm_cfg=norm_cfg, mlp_ratio=mlp_ratio,
                              qkv_bias=qkv_bias, qk_scale=qk_scale, drop=drop_rate, attn_drop=attn_drop_rate,
                              act_cfg=act_cfg, with_cp=with_cp)
            self.layers.append(stage)
            drop_paths = drop_paths[depth:]
            dims.append(stage.out_embed_dims)
        self.num_features = dims[1:] if out_after_downsample else dims[:-1]
        for i in self.out_indices:
            self.add_module(f'norm{i}', build_norm_layer(norm_cfg, self.num_features[i]))
        self._freeze_stages()

    @classmethod
    def _arch_settings(cls, arch: Union[str, Mapping]) -> Dict:
        if isinstance(arch, str):
            if arch.lower() not in cls.arch_zoo:
                raise ValueError(f'arch={arch!r}; expected one of {sorted(cls.arch_zoo)} or a dict')
            return dict(cls.arch_zoo[arch.lower()])
        if not isinstance(arch, Mapping) or set(arch) != cls.arch_keys:
            raise ValueError(f'arch={arch!r}; a custom arch is a dict with exactly the keys {sorted(cls.arch_keys)}')
        return dict(arch)

    def _check_args(self) -> None:
        if len(self.depths) != len(self.num_heads) or not 1 <= self.num_layers <= 4:
            raise ValueError(f'arch: depths={self.depths} and num_heads={self.num_heads} need the same '
                             f'length, 1 to 4 stages')
        if len(self.patch_size) != 3 or len(self.window_size) != 3:
            raise ValueError(f'patch_size={self.patch_size} and window_size={self.window_size} need 3 '
                             f'entries (time, height, width)')
        if not self.out_indices or not all(0 <= i < self.num_layers for i in self.out_indices):
            raise ValueError(f'out_indices={self.out_indices}; expected stage indices in [0, {self.num_layers})')
        if not -1 <= self.frozen_stages <= self.num_layers:
            raise ValueError(f'frozen_stages={self.frozen_stages}; expected -1 (none) to {self.num_layers}')
        if self.pretrained is not None and not isinstance(self.pretrained, str):
            raise TypeError(f'pretrained must be a path, a URL or None, got {type(self.pretrained).__name__}')

    def forward(self, x: torch.Tensor) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        """(B, in_channels, T, H, W) -> the normalized outputs of ``out_indices``, each (B, C, D, H', W')."""
        x = self.pos_drop(self.patch_embed(x))  # (B, D, H, W, C)
        outs = []
        for i, stage in enumerate(self.layers):
            x = stage(x, do_downsample=self.out_after_downsample)
            if i in self.out_indices:
                outs.append(getattr(self, f'norm{i}')(x).permute(0, 4, 1, 2, 3).contiguous())
            if stage.downsample is not None and not self.out_after_downsample:
                x = stage.downsample(x)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then load ``pretrained`` if given (inflated when ``pretrained2d``)."""
        super().init_weights()
        if self.pretrained is not None:
            path = resolve_pretrained(self.pretrained, 'model.backbone.pretrained')
            load_pretrained(self, path, self.key_map, convert=self.inflate_2d if self.pretrained2d else None)

    def key_map(self, source_keys: Iterable[str], own_keys: Collection[str]) -> Dict[str, str]:
        """Place checkpoint keys on this model: without a ``backbone.`` prefix, the image Swin's final
        ``norm`` as the last stage's ``norm{i}``; the index buffers and masks are recomputed, not loaded."""
        own = set(own_keys)
        last_norm = f'norm{self.num_layers - 1}.'
        placed = {}
        for key in source_keys:
            name = re.sub(r'^norm\.', last_norm, re.sub(r'^backbone\.', '', key))
            if name in own and not name.endswith(('relative_position_index', 'attn_mask')):
                placed[key] = name
        return placed

    def inflate_2d(self, state: Dict[str, torch.Tensor], own: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Image Swin tensors (by model key) -> this model's shapes; see ``pretrained2d``."""
        state = dict(state)
        kernel = state.get('patch_embed.proj.weight')
        if kernel is not None and kernel.dim() == 4:
            depth = self.patch_size[0]
            state['patch_embed.proj.weight'] = kernel.unsqueeze(2).repeat(1, 1, depth, 1, 1) / depth
        wd, wh, ww = self.window_size
        for key in [k for k in state if k.endswith('relative_position_bias_table')]:
            table = state[key]  # (L, heads) over the 2D offsets of the image model's window
            if table.shape[1] == own[key].shape[1] and table.shape[0] != (2 * wh - 1) * (2 * ww - 1):
                side = int(table.shape[0]**0.5)
                grid = table.t().reshape(1, -1, side, side)
                grid = F.interpolate(grid, size=(2 * wh - 1, 2 * ww - 1), mode='bicubic')
                table = grid.reshape(table.shape[1], -1).t()
            state[key] = table.repeat(2 * wd - 1, 1)
        return state

    def train(self, mode: bool = True) -> 'SwinTransformer3D':
        """Switch train/eval mode, keeping the frozen stages in eval mode."""
        super().train(mode)
        self._freeze_stages()
        return self

    def _freeze_stages(self) -> None:
        frozen_parts = [self.patch_embed] if self.frozen_stages >= 0 else []
        if self.frozen_stages >= 1:
            frozen_parts += [self.pos_drop, *self.layers[:self.frozen_stages]]
        for part in frozen_parts:
            part.eval()
            for param in part.parameters():
                param.requires_grad = False
