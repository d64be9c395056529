"""MViTv2 (Li et al., *MViTv2: Improved Multiscale Vision Transformers for Classification and
Detection*, CVPR 2022) for video, MMAction2 layout.

A strided 3D conv embeds the clip into tokens, a class token is prepended, and a stack of
multiscale blocks follows. Each block pools its queries, keys and values with depthwise 3D convs
before attending: at the ``downscale_indices`` the queries are pooled by (1, 2, 2), which halves
H and W of the token map, while channels and heads double. Attention logits get decomposed
relative position terms (one table each for time, height and width). Keys follow MMAction2:
``patch_embed.projection``, ``cls_token``, ``blocks.N.{norm1, attn, norm2, mlp, proj}`` with
``attn.{qkv, proj, pool_q/k/v, norm_q/k/v, rel_pos_t/h/w}``, and ``norm{i}`` per output scale.
"""
import math
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from reelkit.registry import MODELS
from ..common import backbone_key_map, build_norm_layer, frozen, load_pretrained, resolve_pretrained
from ..common.layers import LayerConfig
from ..common.transformer import DropPath, InitConfig, Mlp, drop_path_rates, init_cfg_dicts

Size3d = Tuple[int, int, int]
PRETRAINED_TYPES = (None, 'imagenet', 'maskfeat')


def to_3tuple(value: Union[int, Sequence[int]]) -> Size3d:
    return (value, ) * 3 if isinstance(value, int) else tuple(value)


def resize_pos_embed(pos_embed: torch.Tensor, src_shape: Size3d, dst_shape: Sequence[int],
                     mode: str = 'trilinear', num_extra_tokens: int = 1) -> torch.Tensor:
    """Interpolate an absolute position embedding to another token grid.

    Args:
        pos_embed: (1, num_extra_tokens + T * H * W, C) for ``src_shape`` (T, H, W).
        src_shape: the grid it was made for.
        dst_shape: the grid of the input.
        mode: ``F.interpolate`` mode for the grid part; the extra tokens are kept.
        num_extra_tokens: leading tokens without a position (the class token).

    Returns:
        (1, num_extra_tokens + T' * H' * W', C).
    """
    if tuple(src_shape) == tuple(dst_shape):
        return pos_embed
    C = pos_embed.shape[2]
    extra, grid = pos_embed[:, :num_extra_tokens], pos_embed[:, num_extra_tokens:]
    grid = grid.reshape(1, *src_shape, C).permute(0, 4, 1, 2, 3)
    grid = F.interpolate(grid, size=tuple(dst_shape), mode=mode, align_corners=False)
    return torch.cat((extra, grid.flatten(2).transpose(1, 2)), dim=1)


def decomposed_rel_pos(rel_pos: torch.Tensor, q_size: int, k_size: int) -> torch.Tensor:
    """The (q_size, k_size, C) relative position embeddings of one axis.

    The table is linearly resized to ``2 * max(q_size, k_size) - 1`` offsets if needed; the shorter of
    the two axes is stretched to the longer one's scale, so offsets count in the finer grid.

    Args:
        rel_pos: (L, C), the learned table.
        q_size: query positions along the axis.
        k_size: key positions along the axis.
    """
    num_offsets = 2 * max(q_size, k_size) - 1
    if rel_pos.shape[0] != num_offsets:
        rel_pos = F.interpolate(rel_pos.t().unsqueeze(0), size=num_offsets, mode='linear').squeeze(0).t()
    q_scale = max(k_size / q_size, 1.0)
    k_scale = max(q_size / k_size, 1.0)
    # Same float arithmetic as MMAction2, so the truncation to int picks the same rows.
    q_coords = torch.arange(q_size, device=rel_pos.device)[:, None] * q_scale
    k_coords = torch.arange(k_size, device=rel_pos.device)[None, :] * k_scale
    offsets = (q_coords - k_coords) + (k_size - 1) * k_scale
    return rel_pos[offsets.long()]


def add_decomposed_rel_pos(attn: torch.Tensor, q: torch.Tensor, q_shape: Sequence[int], k_shape: Sequence[int],
                           rel_pos_h: torch.Tensor, rel_pos_w: torch.Tensor, rel_pos_t: torch.Tensor,
                           with_cls_token: bool = False) -> torch.Tensor:
    """``attn`` plus q . R_t + q . R_h + q . R_w between the grid tokens; the class token gets nothing.

    Args:
        attn: (B, heads, Lq, Lk) logits, Lq = [1 +] q_t * q_h * q_w, Lk likewise.
        q: (B, heads, Lq, C) queries (unscaled).
        q_shape: (q_t, q_h, q_w).
        k_shape: (k_t, k_h, k_w).
        rel_pos_h: (L_h, C) table of the height offsets; ``rel_pos_w``, ``rel_pos_t`` likewise.
        with_cls_token: whether the first query and key are the class token.

    Returns:
        (B, heads, Lq, Lk).
    """
    first = int(with_cls_token)
    B, heads, _, C = q.shape
    q_t, q_h, q_w = q_shape
    k_t, k_h, k_w = k_shape
    r_q = q[:, :, first:].reshape(B, heads, q_t, q_h, q_w, C)
    rel_t = torch.einsum('bythwc,tkc->bythwk', r_q, decomposed_rel_pos(rel_pos_t, q_t, k_t))
    rel_h = torch.einsum('bythwc,hkc->bythwk', r_q, decomposed_rel_pos(rel_pos_h, q_h, k_h))
    rel_w = torch.einsum('bythwc,wkc->bythwk', r_q, decomposed_rel_pos(rel_pos_w, q_w, k_w))
    bias = rel_t[..., :, None, None] + rel_h[..., None, :, None] + rel_w[..., None, None, :]
    bias = bias.reshape(B, heads, q_t * q_h * q_w, k_t * k_h * k_w)
    return attn + F.pad(bias, (first, 0, first, 0))


def attention_pool(x: torch.Tensor, pool: nn.Module, in_size: Sequence[int], with_cls_token: bool = False,
                   norm: Optional[nn.Module] = None) -> Tuple[torch.Tensor, Size3d]:
    """Pool the grid tokens as a (T, H, W) map; the class token passes unchanged, then ``norm`` on all.

    Args:
        x: (B, heads, L, C) or (B, L, C), L = [1 +] T * H * W.
        pool: a module on (B * heads, C, T, H, W).
        in_size: (T, H, W).
        with_cls_token: whether the first token is the class token.
        norm: applied to the pooled tokens (with the class token), ``None`` for none.

    Returns:
        The pooled tokens, (B, heads, L', C) or (B, L', C), and their grid (T', H', W').
    """
    no_heads = x.dim() == 3
    if no_heads:
        x = x.unsqueeze(1)
    B, heads, L, C = x.shape
    T, H, W = in_size
    first = int(with_cls_token)
    if L != T * H * W + first:
        raise ValueError(f'{L} tokens do not fit a {T}x{H}x{W} grid' + (' plus a class token' if first else ''))
    cls_token, x = x[:, :, :first], x[:, :, first:]
    x = pool(x.reshape(B * heads, T, H, W, C).permute(0, 4, 1, 2, 3).contiguous())
    out_size = tuple(x.shape[2:])
    x = torch.cat((cls_token, x.reshape(B, heads, C, -1).transpose(2, 3)), dim=2)
    if norm is not None:
        x = norm(x)
    return (x.squeeze(1) if no_heads else x), out_size


class MultiScaleAttention(nn.Module):
    """Attention with pooled queries, keys and values and decomposed relative positions.

    x: (B, [1 +] T * H * W, in_dims) -> (B, [1 +] T' * H' * W', out_dims), with (T', H', W') the grid
    after pooling the queries by ``stride_q``.

    Args:
        in_dims: input channels.
        out_dims: output channels (split over the heads).
        num_heads: attention heads.
        qkv_bias: whether the qkv projection has a bias.
        norm_cfg: config of the norms after the poolings.
        pool_kernel: kernel of the depthwise pooling convs.
        stride_q: stride of the query pooling.
        stride_kv: stride of the key and value pooling.
        rel_pos_embed: whether to add the relative position terms.
        residual_pooling: whether to add the pooled queries to the attention output.
        input_size: the (T, H, W) grid the tables are sized for (H == W); needed with ``rel_pos_embed``.
        rel_pos_zero_init: keep the tables at zero in :meth:`reset_rel_pos`.
        with_cls_token: whether the first token is the class token.
    """

    def __init__(
            self,
            in_dims: int,
            out_dims: int,
            num_heads: int,
            qkv_bias: bool = True,
            norm_cfg: LayerConfig = frozen(type='LN'),
            pool_kernel: Sequence[int] = (3, 3, 3),
            stride_q: Sequence[int] = (1, 1, 1),
            stride_kv: Sequence[int] = (1, 1, 1),
            rel_pos_embed: bool = True,
            residual_pooling: bool = True,
            input_size: Optional[Sequence[int]] = None,
            rel_pos_zero_init: bool = False,
            with_cls_token: bool = True,
    ) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.out_dims = out_dims
        self.with_cls_token = with_cls_token
        self.residual_pooling = residual_pooling
        self.rel_pos_embed = rel_pos_embed
        self.rel_pos_zero_init = rel_pos_zero_init
        head_dim = out_dims // num_heads
        self.scale = head_dim**-0.5
        self.qkv = nn.Linear(in_dims, out_dims * 3, bias=qkv_bias)
        self.proj = nn.Linear(out_dims, out_dims)
        for name, stride in (('q', stride_q), ('k', stride_kv), ('v', stride_kv)):
            self.add_module(f'pool_{name}', nn.Conv3d(head_dim, head_dim, pool_kernel, stride=stride,
                                                      padding=[k // 2 for k in pool_kernel], groups=head_dim,
                                                      bias=False))
            self.add_module(f'norm_{name}', build_norm_layer(norm_cfg, head_dim))
        if rel_pos_embed:
            if input_size is None or input_size[1] != input_size[2]:
                raise ValueError(f'rel_pos_embed needs a square input grid, got input_size={input_size}')
            side = input_size[1]
            num_offsets = 2 * max(side // stride_q[1], side // stride_kv[1]) - 1
            self.rel_pos_h = nn.Parameter(torch.zeros(num_offsets, head_dim))
            self.rel_pos_w = nn.Parameter(torch.zeros(num_offsets, head_dim))
            self.rel_pos_t = nn.Parameter(torch.zeros(2 * input_size[0] - 1, head_dim))

    def reset_rel_pos(self) -> None:
        """Truncated-normal tables (std 0.02), unless ``rel_pos_zero_init``."""
        if self.rel_pos_embed and not self.rel_pos_zero_init:
            for table in (self.rel_pos_h, self.rel_pos_w, self.rel_pos_t):
                nn.init.trunc_normal_(table, std=0.02)

    def forward(self, x: torch.Tensor, in_size: Sequence[int]) -> Tuple[torch.Tensor, Size3d]:
        """x: (B, L, in_dims) on the ``in_size`` grid -> (B, L', out_dims) and the pooled grid."""
        B, N, _ = x.shape
        q, k, v = self.qkv(x).reshape(B, N, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4).unbind(0)
        q, q_shape = attention_pool(q, self.pool_q, in_size, self.with_cls_token, self.norm_q)
        k, k_shape = attention_pool(k, self.pool_k, in_size, self.with_cls_token, self.norm_k)
        v, _ = attention_pool(v, self.pool_v, in_size, self.with_cls_token, self.norm_v)
        attn = (q * self.scale) @ k.transpose(-2, -1)
        if self.rel_pos_embed:
            attn = add_decomposed_rel_pos(attn, q, q_shape, k_shape, self.rel_pos_h, self.rel_pos_w,
                                          self.rel_pos_t, self.with_cls_token)
        x = attn.softmax(dim=-1) @ v
        if self.residual_pooling:
            first = int(self.with_cls_token)
            x = x + F.pad(q[:, :, first:], (0, 0, first, 0))  # the class token gets no residual
        x = x.transpose(1, 2).reshape(B, -1, self.out_dims)
        return self.proj(x), q_shape


class MultiScaleBlock(nn.Module):
    """Pre-norm multiscale attention and MLP, both residual; channels change in one of them.

    x: (B, [1 +] T * H * W, in_dims) -> (B, [1 +] T' * H' * W', out_dims). The channels change in the
    attention (``dim_mul_in_attention``) or in the MLP; the shortcut then goes through ``proj``, and
    through a max-pool when the queries are pooled.

    Args:
        in_dims: input channels.
        out_dims: output channels.
        num_heads: attention heads.
        mlp_ratio: hidden channels of the MLP per MLP input channel.
        qkv_bias: whether the qkv projection has a bias.
        drop_path: stochastic depth rate of both branches.
        norm_cfg: config of the norms.
        act_cfg: config of the MLP activation.
        qkv_pool_kernel: kernel of the q/k/v pooling convs.
        stride_q: stride of the query pooling; above 1 the grid shrinks.
        stride_kv: stride of the key and value pooling.
        rel_pos_embed: whether the attention adds relative position terms.
        residual_pooling: whether the pooled queries are added to the attention output.
        with_cls_token: whether the first token is the class token.
        dim_mul_in_attention: change the channels in the attention (else in the MLP).
        input_size: the (T, H, W) grid expected at construction (sizes the position tables).
        rel_pos_zero_init: keep the position tables at zero.
    """

    def __init__(
            self,
            in_dims: int,
            out_dims: int,
            num_heads: int,
            mlp_ratio: float = 4.0,
            qkv_bias: bool = True,
            drop_path: float = 0.0,
            norm_cfg: LayerConfig = frozen(type='LN'),
            act_cfg: LayerConfig = frozen(type='GELU'),
            qkv_pool_kernel: Sequence[int] = (3, 3, 3),
            stride_q: Sequence[int] = (1, 1, 1),
            stride_kv: Sequence[int] = (1, 1, 1),
            rel_pos_embed: bool = True,
            residual_pooling: bool = True,
            with_cls_token: bool = True,
            dim_mul_in_attention: bool = True,
            input_size: Optional[Sequence[int]] = None,
            rel_pos_zero_init: bool = False,
    ) -> None:
        super().__init__()
        self.with_cls_token = with_cls_token
        self.dim_mul_in_attention = dim_mul_in_attention
        attn_dims = out_dims if dim_mul_in_attention else in_dims
        self.norm1 = build_norm_layer(norm_cfg, in_dims)
        self.attn = MultiScaleAttention(in_dims, attn_dims, num_heads, qkv_bias=qkv_bias, norm_cfg=norm_cfg,
                                        pool_kernel=qkv_pool_kernel, stride_q=stride_q, stride_kv=stride_kv,
                                        rel_pos_embed=rel_pos_embed, residual_pooling=residual_pooling,
                                        input_size=input_size, rel_pos_zero_init=rel_pos_zero_init,
                                        with_cls_token=with_cls_token)
        self.drop_path = DropPath(drop_path) if drop_path > 0.0 else nn.Identity()
        self.norm2 = build_norm_layer(norm_cfg, attn_dims)
        self.mlp = Mlp(attn_dims, int(attn_dims * mlp_ratio), out_dims, act_cfg=act_cfg)
        self.proj = nn.Linear(in_dims, out_dims) if in_dims != out_dims else None
        if math.prod(stride_q) > 1:
            kernel_skip = [s + 1 if s > 1 else s for s in stride_q]
            self.pool_skip = nn.MaxPool3d(kernel_skip, stride_q, [k // 2 for k in kernel_skip], ceil_mode=False)
            self.init_out_size = None if input_size is None else [n // s for n, s in zip(input_size, stride_q)]
        else:
            self.pool_skip = None
            self.init_out_size = input_size

    def forward(self, x: torch.Tensor, in_size: Sequence[int]) -> Tuple[torch.Tensor, Size3d]:
        """x: (B, L, in_dims) on the ``in_size`` grid -> (B, L', out_dims) and the new grid."""
        x_norm = self.norm1(x)
        x_attn, out_size = self.attn(x_norm, in_size)
        # The shortcut is projected from the normalized input, as in MMAction2.
        skip = self.proj(x_norm) if self.dim_mul_in_attention and self.proj is not None else x
        if self.pool_skip is not None:
            skip, _ = attention_pool(skip, self.pool_skip, in_size, self.with_cls_token)
        x = skip + self.drop_path(x_attn)
        x_norm = self.norm2(x)
        skip = self.proj(x_norm) if not self.dim_mul_in_attention and self.proj is not None else x
        return skip + self.drop_path(self.mlp(x_norm)), out_size


class MViTPatchEmbed3D(nn.Module):
    """A strided 3D conv: (B, C_in, T, H, W) -> (B, T' * H' * W', C) tokens and their grid (T', H', W').

    Args:
        in_channels: C_in.
        embed_dims: C.
        kernel_size: kernel of the conv.
        stride: stride of the conv, ``None`` for the kernel.
        padding: zero padding of the conv (a number or one per axis).
        dilation: dilation of the conv.
        bias: whether the conv has a bias.
        norm_cfg: config of a norm on the tokens, ``None`` for none.
        input_size: the (T, H, W) input expected at construction; sets :attr:`init_out_size`.
    """

    def __init__(
            self,
            in_channels: int = 3,
            embed_dims: int = 768,
            kernel_size: Union[int, Sequence[int]] = (2, 4, 4),
            stride: Optional[Union[int, Sequence[int]]] = (2, 4, 4),
            padding: Union[int, Sequence[int]] = 0,
            dilation: Union[int, Sequence[int]] = 1,
            bias: bool = True,
            norm_cfg: LayerConfig = None,
            input_size: Optional[Sequence[int]] = None,
    ) -> None:
        super().__init__()
        if isinstance(padding, str):
            raise ValueError(f"patch_cfg: padding={padding!r}; give the conv's zero padding as a number or "
                             f"one number per axis")
        kernel_size, padding, dilation = to_3tuple(kernel_size), to_3tuple(padding), to_3tuple(dilation)
        stride = kernel_size if stride is None else to_3tuple(stride)
        self.projection = nn.Conv3d(in_channels, embed_dims, kernel_size, stride=stride, padding=padding,
                                    dilation=dilation, bias=bias)
        self.norm = build_norm_layer(norm_cfg, embed_dims) if norm_cfg is not None else None
        self.init_out_size = None if input_size is None else tuple(
            (n + 2 * p - d * (k - 1) - 1) // s + 1
            for n, p, d, k, s in zip(input_size, padding, dilation, kernel_size, stride))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Size3d]:
        x = self.projection(x)
        out_size = tuple(x.shape[2:])
        x = x.flatten(2).transpose(1, 2)
        return (x if self.norm is None else self.norm(x)), out_size


MVIT_INIT_CFG = (
    frozen(type='TruncNormal', layer=['Conv2d', 'Conv3d'], std=0.02),
    frozen(type='TruncNormal', layer='Linear', std=0.02, bias=0.02),
    frozen(type='Constant', layer='LayerNorm', val=1., bias=0.02),
)


@MODELS.register_module()
class MViT(BaseModule):
    """Multiscale Vision Transformer v2 backbone.

    (B, in_channels, T, H, W) -> a tuple with one entry per ``out_scales`` scale ``s``:
    ``[patch tokens (B, C_s, T / 2, H / 2^(s+2), W / 2^(s+2)), class token (B, C_s)]`` with
    ``output_cls_token``, else the patch tokens alone; C_s is ``embed_dims * 2^s`` for the default
    patch embedding and ``dim_mul``.

    Args:
        arch: ``'tiny'``, ``'small'``, ``'base'``, ``'large'``, or a dict with ``embed_dims``,
            ``num_layers``, ``num_heads`` (of the first block), ``downscale_indices`` and optionally
            ``dim_mul_indices`` (default: the downscale indices).
        spatial_size: the expected input height and width; sizes the position tables.
        temporal_size: the expected input frames; sizes the position tables.
        in_channels: input channels.
        pretrained: weights loaded by :meth:`init_weights`: a local file or a URL found in the torch
            hub cache (never downloaded), in this model's layout (a recognizer's ``backbone.`` prefix
            is dropped). ``None`` leaves the initialization of ``init_cfg``.
        pretrained_type: ``'maskfeat'`` linearly resizes the relative position tables of the
            checkpoint (MaskFeat pre-training ran on another input size) to this model's; ``None``
            and ``'imagenet'`` load the tensors that fit as they are.
        out_scales: the scales (0 to 3; negative counts from the end) whose outputs are returned.
        drop_path_rate: stochastic depth rate of the last block, rising linearly from 0 at the first.
        use_abs_pos_embed: add a learned absolute position embedding to the tokens.
        interpolate_mode: how that embedding is resized to another input size.
        pool_kernel: kernel of the q/k/v pooling convs.
        dim_mul: channel multiplier at the ``dim_mul_indices``.
        head_mul: head multiplier at the downscale and ``dim_mul_indices``.
        adaptive_kv_stride: key/value pooling stride of the first block, halved at every downscale.
        rel_pos_embed: add decomposed relative position terms to the attention.
        residual_pooling: add the pooled queries to the attention output.
        dim_mul_in_attention: change channels in the attention of the ``dim_mul_indices`` blocks;
            else in the MLP of the block before each.
        with_cls_token: keep the class token in the transformer input.
        output_cls_token: return the class token with the patch tokens (needs ``with_cls_token``).
        rel_pos_zero_init: start the relative position tables at zero.
        mlp_ratio: hidden channels of the MLPs per input channel.
        qkv_bias: whether the qkv projections have biases.
        norm_cfg: config of the norms.
        patch_cfg: arguments of :class:`MViTPatchEmbed3D` (``kernel_size``, ``stride``, ``padding``, ...).
        init_cfg: MMEngine init applied by :meth:`init_weights` before ``pretrained``.
    """

    arch_zoo = {
        'tiny': {'embed_dims': 96, 'num_layers': 10, 'num_heads': 1, 'downscale_indices': [1, 3, 8]},
        'small': {'embed_dims': 96, 'num_layers': 16, 'num_heads': 1, 'downscale_indices': [1, 3, 14]},
        'base': {'embed_dims': 96, 'num_layers': 24, 'num_heads': 1, 'downscale_indices': [2, 5, 21]},
        'large': {'embed_dims': 144, 'num_layers': 48, 'num_heads': 2, 'downscale_indices': [2, 8, 44]},
    }
    arch_keys = {'embed_dims', 'num_layers', 'num_heads', 'downscale_indices'}
    num_extra_tokens = 1

    def __init__(
            self,
            arch: Union[str, Mapping] = 'base',
            spatial_size: int = 224,
            temporal_size: int = 16,
            in_channels: int = 3,
            pretrained: Optional[str] = None,
            pretrained_type: Optional[str] = None,
            out_scales: Union[int, Sequence[int]] = -1,
            drop_path_rate: float = 0.,
            use_abs_pos_embed: bool = False,
            interpolate_mode: str = 'trilinear',
            pool_kernel: Sequence[int] = (3, 3, 3),
            dim_mul: int = 2,
            head_mul: int = 2,
            adaptive_kv_stride: Sequence[int] = (1, 8, 8),
            rel_pos_embed: bool = True,
            residual_pooling: bool = True,
            dim_mul_in_attention: bool = True,
            with_cls_token: bool = True,
            output_cls_token: bool = True,
            rel_pos_zero_init: bool = False,
            mlp_ratio: float = 4.,
            qkv_bias: bool = True,
            norm_cfg: LayerConfig = frozen(type='LN', eps=1e-6),
            patch_cfg: Mapping = frozen(kernel_size=(3, 7, 7), stride=(2, 4, 4), padding=(1, 3, 3)),
            init_cfg: InitConfig = MVIT_INIT_CFG,
    ) -> None:
        super().__init__(init_cfg=init_cfg_dicts(init_cfg))
        self.arch_settings = self._arch_settings(arch)
        self.embed_dims = self.arch_settings['embed_dims']
        self.num_layers = self.arch_settings['num_layers']
        self.num_heads = self.arch_settings['num_heads']
        self.downscale_indices = list(self.arch_settings['downscale_indices'])
        self.dim_mul_indices = list(self.arch_settings.get('dim_mul_indices', self.downscale_indices))
        self.num_scales = len(self.downscale_indices) + 1
        # block index -> the scale it ends: the block before each downscale, and the last block.
        self.stage_indices = {index - 1: i for i, index in enumerate(self.downscale_indices)}
        self.stage_indices[self.num_layers - 1] = self.num_scales - 1
        self.out_scales = self._out_scales(out_scales)
        self._check_args(pretrained, pretrained_type, with_cls_token, output_cls_token)
        self.pretrained = pretrained
        self.pretrained_type = pretrained_type
        self.use_abs_pos_embed = use_abs_pos_embed
        self.interpolate_mode = interpolate_mode
        self.with_cls_token = with_cls_token
        self.output_cls_token = output_cls_token

        self.patch_embed = MViTPatchEmbed3D(in_channels=in_channels, embed_dims=self.embed_dims,
                                            input_size=(temporal_size, spatial_size, spatial_size), **patch_cfg)
        self.patch_resolution = self.patch_embed.init_out_size
        # Built even without with_cls_token: MMAction2 checkpoints always have it.
        self.cls_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))
        if use_abs_pos_embed:
            num_patches = math.prod(self.patch_resolution)
            self.pos_embed = nn.Parameter(torch.zeros(1, num_patches + self.num_extra_tokens, self.embed_dims))

        drop_paths = drop_path_rates(drop_path_rate, self.num_layers)
        self.blocks = nn.ModuleList()
        dims = self.embed_dims
        num_heads = self.num_heads
        stride_kv = list(adaptive_kv_stride)
        input_size = self.patch_resolution
        for i in range(self.num_layers):
            if i in self.downscale_indices or i in self.dim_mul_indices:
                num_heads *= head_mul
            stride_q = [1, 1, 1]
            if i in self.downscale_indices:
                stride_q = [1, 2, 2]
                stride_kv = [max(s // 2, 1) for s in stride_kv]
            multiplies = i in self.dim_mul_indices if dim_mul_in_attention else i + 1 in self.dim_mul_indices
            out_dims = dims * dim_mul if multiplies else dims
            block = MultiScaleBlock(dims, out_dims, num_heads, mlp_ratio=mlp_ratio, qkv_bias=qkv_bias,
                                    drop_path=drop_paths[i], norm_cfg=norm_cfg, qkv_pool_kernel=pool_kernel,
                                    stride_q=stride_q, stride_kv=stride_kv, rel_pos_embed=rel_pos_embed,
                                    residual_pooling=residual_pooling, with_cls_token=with_cls_token,
                                    dim_mul_in_attention=dim_mul_in_attention, input_size=input_size,
                                    rel_pos_zero_init=rel_pos_zero_init)
            self.blocks.append(block)
            input_size = block.init_out_size
            dims = out_dims
            if self.stage_indices.get(i) in self.out_scales:
                self.add_module(f'norm{self.stage_indices[i]}', build_norm_layer(norm_cfg, out_dims))

    @classmethod
    def _arch_settings(cls, arch: Union[str, Mapping]) -> Dict:
        if isinstance(arch, str):
            if arch.lower() not in cls.arch_zoo:
                raise ValueError(f'arch={arch!r}; expected one of {sorted(cls.arch_zoo)} or a dict')
            return dict(cls.arch_zoo[arch.lower()])
        if not isinstance(arch, Mapping) or not cls.arch_keys <= set(arch):
            raise ValueError(f'arch={arch!r}; a custom arch is a dict with the keys {sorted(cls.arch_keys)}')
        return dict(arch)

    def _out_scales(self, out_scales: Union[int, Sequence[int]]) -> List[int]:
        scales = [out_scales] if isinstance(out_scales, int) else list(out_scales)
        resolved = sorted(s + self.num_scales if s < 0 else s for s in scales)
        if not resolved or not all(0 <= s < self.num_scales for s in resolved):
            raise ValueError(f'out_scales={out_scales!r}; expected scales in [-{self.num_scales}, {self.num_scales})')
        return resolved

    @staticmethod
    def _check_args(pretrained, pretrained_type, with_cls_token, output_cls_token) -> None:
        if pretrained is not None and not isinstance(pretrained, str):
            raise TypeError(f'pretrained must be a path, a URL or None, got {type(pretrained).__name__}')
        if pretrained_type not in PRETRAINED_TYPES:
            raise ValueError(f'pretrained_type={pretrained_type!r}; expected one of {PRETRAINED_TYPES}')
        if output_cls_token and not with_cls_token:
            raise ValueError('output_cls_token=True needs with_cls_token=True')

    def forward(self, x: torch.Tensor) -> Tuple[Union[torch.Tensor, List[torch.Tensor]], ...]:
        """(B, in_channels, T, H, W) -> one output per ``out_scales`` (see the class docstring)."""
        B = x.shape[0]
        x, grid = self.patch_embed(x)
        x = torch.cat((self.cls_token.expand(B, -1, -1), x), dim=1)
        if self.use_abs_pos_embed:
            x = x + resize_pos_embed(self.pos_embed, self.patch_resolution, grid, mode=self.interpolate_mode,
                                     num_extra_tokens=self.num_extra_tokens)
        if not self.with_cls_token:
            x = x[:, 1:]
        outs = []
        for i, block in enumerate(self.blocks):
            x, grid = block(x, grid)
            scale = self.stage_indices.get(i)
            if scale in self.out_scales:
                # As MMAction2: the normalized tokens also go on into the next blocks.
                x = getattr(self, f'norm{scale}')(x)
                outs.append(self._scale_output(x, grid))
        return tuple(outs)

    def _scale_output(self, x: torch.Tensor, grid: Sequence[int]) -> Union[torch.Tensor, List[torch.Tensor]]:
        """(B, [1 +] T * H * W, C) tokens -> (B, C, T, H, W) patch tokens [and the (B, C) class token]."""
        B, _, C = x.shape
        tokens = x.transpose(1, 2)
        first = int(self.with_cls_token)
        patch_tokens = tokens[:, :, first:].reshape(B, C, *grid)
        return [patch_tokens, tokens[:, :, 0]] if self.output_cls_token else patch_tokens

    def init_weights(self) -> None:
        """Apply ``init_cfg`` and draw the position tables, then load ``pretrained`` if given."""
        super().init_weights()
        for module in self.modules():
            if isinstance(module, MultiScaleAttention):
                module.reset_rel_pos()
        if self.use_abs_pos_embed:
            nn.init.trunc_normal_(self.pos_embed, std=0.02)
        if self.pretrained is not None:
            path = resolve_pretrained(self.pretrained, 'model.backbone.pretrained')
            convert = resize_rel_pos_tables if self.pretrained_type == 'maskfeat' else None
            load_pretrained(self, path, backbone_key_map, convert=convert)




def resize_rel_pos_tables(state: Dict[str, torch.Tensor], own: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Linearly resize every ``attn.rel_pos_*`` table (by model key) to the model's number of offsets."""
    state = dict(state)
    for key, table in state.items():
        target = own[key]
        if '.attn.rel_pos_' in key and table.shape[1] == target.shape[1] and table.shape[0] != target.shape[0]:
            state[key] = F.interpolate(table.t().unsqueeze(0), size=target.shape[0], mode='linear')[0].t()
    return state
