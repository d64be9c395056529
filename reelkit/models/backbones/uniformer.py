"""UniFormer (Li et al., *UniFormer: Unified Transformer for Efficient Spatiotemporal Representation
Learning*, ICLR 2022), MMAction2 layout.

Four stages, each opened by a patch embedding (a strided Conv3d + layer norm over channels): the first
divides T by 2 and H, W by 4, the others H, W by 2. Every block starts with a depthwise 3x3x3 conv as
relative position encoding. Stages 1-2 hold :class:`CBlock` (local aggregation: batch norm and a
depthwise 5x5x5 conv in place of attention), stages 3-4 :class:`SABlock` (global self-attention over
all T * H * W tokens). A final batch norm closes the network.
"""
from typing import Dict, Mapping, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from reelkit.registry import MODELS
from ..common import backbone_key_map, load_pretrained, resolve_pretrained
from ..common.transformer import DropPath, InitConfig, Mlp, drop_path_rates, init_cfg_dicts
from .vit_mae import VIT_INIT_CFG

# The ImageNet-1K (2D) UniFormer weights MMAction2 knows by name, for ``pretrained=``.
PRETRAINED_2D_URLS = {
    'uniformer_small_in1k': 'https://download.openmmlab.com/mmaction/v1.0/recognition/uniformerv1/'
                            'uniformer_small_in1k_20221219-fe0a7ae0.pth',
    'uniformer_base_in1k': 'https://download.openmmlab.com/mmaction/v1.0/recognition/uniformerv1/'
                           'uniformer_base_in1k_20221219-82c01015.pth',
}


def depthwise_conv3d(channels: int, kernel_size: int) -> nn.Conv3d:
    """A cubic depthwise conv that keeps the shape (padding ``kernel_size // 2``)."""
    return nn.Conv3d(channels, channels, kernel_size, padding=kernel_size // 2, groups=channels)


def pointwise_conv3d(in_channels: int, out_channels: int) -> nn.Conv3d:
    return nn.Conv3d(in_channels, out_channels, 1)


class CMlp(Mlp):
    """:class:`Mlp` with 1x1x1 convs: (N, in_features, T, H, W) -> (N, out_features, T, H, W).

    Args:
        in_features: input channels.
        hidden_features: channels between the two convs, ``None`` for ``in_features``.
        out_features: output channels, ``None`` for ``in_features``.
        drop: dropout probability after each conv.
    """

    def __init__(
            self,
            in_features: int,
            hidden_features: Optional[int] = None,
            out_features: Optional[int] = None,
            drop: float = 0.,
    ) -> None:
        super().__init__(in_features, hidden_features, out_features, drop=drop)
        self.fc1 = pointwise_conv3d(in_features, self.fc1.out_features)
        self.fc2 = pointwise_conv3d(self.fc1.out_channels, self.fc2.out_features)


class CBlock(nn.Module):
    """Local block: ``x + pos(x)``, ``x + conv2(attn(conv1(norm1(x))))``, ``x + mlp(norm2(x))``.

    x: (N, C, T, H, W) -> same shape. ``attn`` is a depthwise 5x5x5 conv, the norms batch norms.

    Args:
        dim: channels C.
        mlp_ratio: hidden channels of the MLP over C.
        drop: dropout in the MLP.
        drop_path: stochastic depth of the two residual branches.
    """

    def __init__(self, dim: int, mlp_ratio: float = 4., drop: float = 0., drop_path: float = 0.) -> None:
        super().__init__()
        self.pos_embed = depthwise_conv3d(dim, 3)
        self.norm1 = nn.BatchNorm3d(dim)
        self.conv1 = pointwise_conv3d(dim, dim)
        self.conv2 = pointwise_conv3d(dim, dim)
        self.attn = depthwise_conv3d(dim, 5)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.BatchNorm3d(dim)
        self.mlp = CMlp(dim, int(dim * mlp_ratio), drop=drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.pos_embed(x)
        x = x + self.drop_path(self.conv2(self.attn(self.conv1(self.norm1(x)))))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class Attention(nn.Module):
    """Multi-head self-attention with one ``qkv`` projection: (N, L, C) -> (N, L, C).

    Args:
        dim: channels C.
        num_heads: attention heads.
        qkv_bias: give the ``qkv`` projection a bias.
        qk_scale: scale of the attention logits, ``None`` for ``head_dim ** -0.5``.
        attn_drop: dropout on the attention weights.
        proj_drop: dropout on the output.
    """

    def __init__(
            self,
            dim: int,
            num_heads: int = 8,
            qkv_bias: bool = True,
            qk_scale: Optional[float] = None,
            attn_drop: float = 0.,
            proj_drop: float = 0.,
    ) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.scale = qk_scale or (dim // num_heads)**-0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.attn_drop = attn_drop
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        N, L, C = x.shape
        q, k, v = self.qkv(x).reshape(N, L, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        dropout = self.attn_drop if self.training else 0.
        x = nn.functional.scaled_dot_product_attention(q, k, v, dropout_p=dropout, scale=self.scale)
        return self.proj_drop(self.proj(x.transpose(1, 2).reshape(N, L, C)))


class SABlock(nn.Module):
    """Global block: ``x + pos(x)``, then pre-norm attention and MLP over the T * H * W tokens.

    x: (N, C, T, H, W) -> same shape.

    Args:
        dim: channels C.
        num_heads: attention heads.
        mlp_ratio: hidden channels of the MLP over C.
        qkv_bias: give the ``qkv`` projection a bias.
        qk_scale: scale of the attention logits, ``None`` for ``head_dim ** -0.5``.
        drop: dropout after the attention and in the MLP.
        attn_drop: dropout on the attention weights.
        drop_path: stochastic depth of the two residual branches.
    """

    def __init__(
            self,
            dim: int,
            num_heads: int,
            mlp_ratio: float = 4.,
            qkv_bias: bool = False,
            qk_scale: Optional[float] = None,
            drop: float = 0.,
            attn_drop: float = 0.,
            drop_path: float = 0.,
    ) -> None:
        super().__init__()
        self.pos_embed = depthwise_conv3d(dim, 3)
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, num_heads, qkv_bias, qk_scale, attn_drop, drop)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop=drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.pos_embed(x)
        shape = x.shape
        tokens = x.flatten(2).transpose(1, 2)  # (N, T * H * W, C)
        tokens = tokens + self.drop_path(self.attn(self.norm1(tokens)))
        tokens = tokens + self.drop_path(self.mlp(self.norm2(tokens)))
        return tokens.transpose(1, 2).reshape(shape)


class PatchEmbed(nn.Module):
    """Strided Conv3d, then a layer norm over channels: (N, C_in, T, H, W) -> (N, C, T / s_t, H / p, W / p).

    Args:
        patch_size: p, kernel and stride over H and W.
        in_chans: input channels.
        embed_dim: output channels C.
        temporal_downsample: kernel 3, stride 2, padding 1 over T (``s_t = 2``) instead of kernel 1.
    """

    def __init__(self, patch_size: int, in_chans: int, embed_dim: int, temporal_downsample: bool = False) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.norm = nn.LayerNorm(embed_dim)
        kernel_t, stride_t, pad_t = (3, 2, 1) if temporal_downsample else (1, 1, 0)
        self.proj = nn.Conv3d(in_chans, embed_dim, (kernel_t, patch_size, patch_size),
                              stride=(stride_t, patch_size, patch_size), padding=(pad_t, 0, 0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.proj(x)
        return self.norm(x.movedim(1, -1)).movedim(-1, 1).contiguous()


@MODELS.register_module()
class UniFormer(BaseModule):
    """UniFormer backbone: (N, in_chans, T, H, W) -> (N, embed_dim[3], T / 2, H / 32, W / 32).

    Args:
        depth: blocks per stage.
        img_size: accepted for MMAction2 configs; any H, W divisible by 32 works.
        in_chans: input channels.
        embed_dim: channels per stage.
        head_dim: channels per attention head (stages 3 and 4 have ``embed_dim // head_dim`` heads).
        mlp_ratio: hidden channels of the MLPs over the stage's channels.
        qkv_bias: give the attention projections a bias.
        qk_scale: scale of the attention logits, ``None`` for ``head_dim ** -0.5``.
        drop_rate: dropout after the first patch embedding, the attentions and in the MLPs.
        attn_drop_rate: dropout on the attention weights.
        drop_path_rate: stochastic depth, growing linearly from 0 to this over all blocks.
        pretrained2d: ``pretrained`` is a 2D (image) UniFormer: its 2D kernels are inflated to 3D,
            the weights in the middle time step, zeros elsewhere.
        pretrained: weights loaded by :meth:`init_weights`: a name in :data:`PRETRAINED_2D_URLS`,
            a local file or a URL found in the torch hub cache (never downloaded).
        init_cfg: MMEngine init applied by :meth:`init_weights` before ``pretrained``.
    """

    def __init__(
            self,
            depth: Sequence[int] = (5, 8, 20, 7),
            img_size: int = 224,
            in_chans: int = 3,
            embed_dim: Sequence[int] = (64, 128, 320, 512),
            head_dim: int = 64,
            mlp_ratio: float = 4.,
            qkv_bias: bool = True,
            qk_scale: Optional[float] = None,
            drop_rate: float = 0.,
            attn_drop_rate: float = 0.,
            drop_path_rate: float = 0.,
            pretrained2d: bool = True,
            pretrained: Optional[str] = None,
            init_cfg: InitConfig = VIT_INIT_CFG,
    ) -> None:
        super().__init__(init_cfg=init_cfg_dicts(init_cfg))
        if len(depth) != 4 or len(embed_dim) != 4:
            raise ValueError(f'depth={tuple(depth)} and embed_dim={tuple(embed_dim)} need one entry per stage (4)')
        if any(dim % head_dim for dim in embed_dim[2:]):
            raise ValueError(f'head_dim={head_dim} must divide the attention stages\' embed_dim={tuple(embed_dim[2:])}')
        self.pretrained = pretrained
        self.pretrained2d = pretrained2d
        in_channels = (in_chans, ) + tuple(embed_dim[:3])
        for i in range(4):
            # Stage 1: 4x4 patches and T halved; then 2x2 patches.
            self.add_module(f'patch_embed{i + 1}',
                            PatchEmbed(4 if i == 0 else 2, in_channels[i], embed_dim[i], temporal_downsample=i == 0))
        self.pos_drop = nn.Dropout(p=drop_rate)
        rates = drop_path_rates(drop_path_rate, sum(depth))
        starts = [sum(depth[:i]) for i in range(4)]
        for i, dim in enumerate(embed_dim):
            stage_rates = rates[starts[i]:starts[i] + depth[i]]
            if i < 2:
                blocks = [CBlock(dim, mlp_ratio, drop_rate, rate) for rate in stage_rates]
            else:
                blocks = [SABlock(dim, dim // head_dim, mlp_ratio, qkv_bias, qk_scale, drop_rate, attn_drop_rate, rate)
                          for rate in stage_rates]
            self.add_module(f'blocks{i + 1}', nn.ModuleList(blocks))
        self.norm = nn.BatchNorm3d(embed_dim[-1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i in range(1, 5):
            x = getattr(self, f'patch_embed{i}')(x)
            if i == 1:
                x = self.pos_drop(x)
            for block in getattr(self, f'blocks{i}'):
                x = block(x)
        return self.norm(x)

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then load ``pretrained`` if given (2D kernels inflated with ``pretrained2d``)."""
        super().init_weights()
        if self.pretrained is not None:
            name = PRETRAINED_2D_URLS.get(self.pretrained, self.pretrained)
            self.load_checkpoint(resolve_pretrained(name, 'model.backbone.pretrained'))

    def load_checkpoint(self, path: str) -> None:
        """Copy the weights of a local checkpoint in (2D kernels inflated with ``pretrained2d``),
        logging what did not fit."""
        load_pretrained(self, path, backbone_key_map, convert=inflate_2d_kernels if self.pretrained2d else None)


def inflate_2d_kernels(state: Mapping[str, torch.Tensor], own: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Turn every (O, I, kh, kw) kernel whose model key holds an (O, I, kt, kh, kw) one into that 3D
    kernel: the 2D weights at time step ``kt // 2``, zeros elsewhere (a 3D conv that starts as the 2D one
    applied to the middle frame). Other tensors pass unchanged."""
    inflated = dict(state)
    for key, weight in state.items():
        target = own[key]
        if weight.dim() == 4 and target.dim() == 5 and target.shape[:2] + target.shape[3:] == weight.shape:
            kernel = weight.new_zeros(target.shape)
            kernel[:, :, target.shape[2] // 2] = weight
            inflated[key] = kernel
    return inflated
