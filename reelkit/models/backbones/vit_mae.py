"""The video Vision Transformer of VideoMAE (Tong et al., *VideoMAE: Masked Autoencoders are Data-Efficient
Learners for Self-Supervised Video Pre-Training*, NeurIPS 2022) and VideoMAE V2, MMAction2 layout.

A Conv3d cuts the clip into ``tubelet_size x patch_size x patch_size`` tubelets, one token each, in
(t, h, w) order, without a class token. Position embeddings are a fixed sinusoid table (a buffer,
stored in checkpoints as ``pos_embed``) or learned. Pre-norm blocks; the output is the mean token
through ``fc_norm`` (``use_mean_pooling``), the first token, or the whole feature map.
"""
import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from reelkit.registry import MODELS
from ..common import backbone_key_map, build_norm_layer, frozen, load_pretrained, resolve_pretrained
from ..common.layers import LayerConfig
from ..common.transformer import DropPath, InitConfig, drop_path_rates, init_cfg_dicts
from .timesformer import FFN

# MMAction2's default init: truncated-normal linear layers, unit layer norms.
VIT_INIT_CFG = (
    frozen(type='TruncNormal', layer='Linear', std=0.02, bias=0.),
    frozen(type='Constant', layer='LayerNorm', val=1., bias=0.),
)


class Attention(nn.Module):
    """Multi-head self-attention: (N, L, C) -> (N, L, C).

    With ``qkv_bias`` the query and value projections have learned biases (``q_bias``, ``v_bias``)
    and the key projection none, as in VideoMAE checkpoints.

    Args:
        embed_dims: channels C.
        num_heads: attention heads.
        qkv_bias: learn the query and value biases.
        qk_scale: scale of the attention logits, ``None`` for ``head_dims ** -0.5``.
        attn_drop_rate: dropout on the attention weights.
        drop_rate: dropout on the output.
    """

    def __init__(
            self,
            embed_dims: int,
            num_heads: int = 8,
            qkv_bias: bool = True,
            qk_scale: Optional[float] = None,
            attn_drop_rate: float = 0.,
            drop_rate: float = 0.,
    ) -> None:
        super().__init__()
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.scale = qk_scale or (embed_dims // num_heads)**-0.5
        if qkv_bias:
            self.q_bias = nn.Parameter(torch.zeros(embed_dims))
            self.v_bias = nn.Parameter(torch.zeros(embed_dims))
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=False)
        self.attn_drop_rate = attn_drop_rate
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(drop_rate)

    def qkv_bias(self) -> Optional[torch.Tensor]:
        if not hasattr(self, 'q_bias'):
            return None
        return torch.cat((self.q_bias, torch.zeros_like(self.q_bias), self.v_bias))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        N, L, C = x.shape
        qkv = F.linear(x, self.qkv.weight, self.qkv_bias())
        q, k, v = qkv.reshape(N, L, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        dropout = self.attn_drop_rate if self.training else 0.
        x = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, scale=self.scale)
        return self.proj_drop(self.proj(x.transpose(1, 2).reshape(N, L, C)))


class Block(nn.Module):
    """Pre-norm transformer block: ``x + attn(norm1(x))``, then ``x + mlp(norm2(x))``; (N, L, C) -> same.

    With ``init_values > 0`` each branch is scaled by a learned per-channel ``gamma_1`` / ``gamma_2``.

    Args:
        embed_dims: channels C.
        num_heads: attention heads.
        mlp_ratio: hidden channels of the MLP over C.
        qkv_bias: learn the query and value biases.
        qk_scale: scale of the attention logits, ``None`` for ``head_dims ** -0.5``.
        drop_rate: dropout after the attention and in the MLP.
        attn_drop_rate: dropout on the attention weights.
        drop_path_rate: stochastic depth of both branches.
        init_values: initial value of the branch scales; 0 for none.
        act_cfg: config of the MLP activation.
        norm_cfg: config of the norms.
    """

    def __init__(
            self,
            embed_dims: int,
            num_heads: int,
            mlp_ratio: float = 4.,
            qkv_bias: bool = True,
            qk_scale: Optional[float] = None,
            drop_rate: float = 0.,
            attn_drop_rate: float = 0.,
            drop_path_rate: float = 0.,
            init_values: float = 0.,
            act_cfg: LayerConfig = frozen(type='GELU'),
            norm_cfg: LayerConfig = frozen(type='LN', eps=1e-6),
    ) -> None:
        super().__init__()
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)
        self.attn = Attention(embed_dims, num_heads, qkv_bias, qk_scale, attn_drop_rate, drop_rate)
        self.drop_path = DropPath(drop_path_rate)
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)
        self.mlp = FFN(embed_dims=embed_dims, feedforward_channels=int(embed_dims * mlp_ratio), act_cfg=act_cfg,
                       ffn_drop=drop_rate, add_identity=False)
        if init_values > 0:
            self.gamma_1 = nn.Parameter(torch.full((embed_dims, ), float(init_values)))
            self.gamma_2 = nn.Parameter(torch.full((embed_dims, ), float(init_values)))
        else:
            self.gamma_1 = self.gamma_2 = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path(scaled(self.gamma_1, self.attn(self.norm1(x))))
        return x + self.drop_path(scaled(self.gamma_2, self.mlp(self.norm2(x))))


def scaled(gamma: Optional[torch.Tensor], branch: torch.Tensor) -> torch.Tensor:
    return branch if gamma is None else gamma * branch


def sinusoid_position_table(num_positions: int, embed_dims: int) -> torch.Tensor:
    """The fixed position table of *Attention Is All You Need*: (1, num_positions, embed_dims).

    ``table[p, i] = sin(p * w_i)`` for even i and ``cos(p * w_i)`` for odd i, with
    ``w_i = 10000 ** (-2 * (i // 2) / embed_dims)``; computed in float64, returned in float32.
    """
    dims = torch.arange(embed_dims, dtype=torch.float64)
    frequencies = 10000.**(-2 * torch.div(dims, 2, rounding_mode='floor') / embed_dims)
    angles = torch.arange(num_positions, dtype=torch.float64)[:, None] * frequencies
    table = torch.where(dims.remainder(2) == 0, angles.sin(), angles.cos())
    return table.float().unsqueeze(0)


class TubeletEmbed(nn.Module):
    """Tubelets to tokens with one Conv3d: (N, C, T, H, W) -> (N, T/t * H/p * W/p, embed_dims).

    Args:
        in_channels: input channels C.
        embed_dims: token channels.
        tubelet_size: t, frames per token.
        patch_size: p, the square patch side.
    """

    def __init__(self, in_channels: int, embed_dims: int, tubelet_size: int, patch_size: int) -> None:
        super().__init__()
        kernel = (tubelet_size, patch_size, patch_size)
        self.projection = nn.Conv3d(in_channels, embed_dims, kernel_size=kernel, stride=kernel)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.projection(x).flatten(2).transpose(1, 2)


@MODELS.register_module()
class VisionTransformer(BaseModule):
    """VideoMAE ViT backbone: (N, in_channels, T, H, W) -> (N, embed_dims), or
    (N, embed_dims, T / tubelet_size, H / patch_size, W / patch_size) with ``return_feat_map``.

    Another H x W than ``img_size`` is accepted: the position table is resized bicubically per
    time step. T must be ``num_frames``.

    Args:
        img_size: H and W the position embedding is made for.
        patch_size: side of the square patches.
        in_channels: input channels.
        embed_dims: token channels.
        depth: number of blocks.
        num_heads: attention heads.
        mlp_ratio: hidden channels of the MLPs over ``embed_dims``.
        qkv_bias: learn the query and value biases.
        qk_scale: scale of the attention logits, ``None`` for ``head_dims ** -0.5``.
        drop_rate: dropout after the position embedding, the attentions and in the MLPs.
        attn_drop_rate: dropout on the attention weights.
        drop_path_rate: stochastic depth, growing linearly from 0 to this over the blocks.
        norm_cfg: config of the norms.
        init_values: initial value of the learned branch scales; 0 for none.
        use_learnable_pos_emb: learn the position embedding instead of the fixed sinusoid table.
        num_frames: T.
        tubelet_size: frames per token.
        use_mean_pooling: return ``fc_norm(mean of the tokens)``; otherwise ``norm`` runs on every
            token and the first one is returned.
        pretrained: weights loaded by :meth:`init_weights` (a local file, or a URL found in the
            torch hub cache), in this layout, optionally under ``backbone.``.
        return_feat_map: return the tokens as a feature map (after ``norm``).
        init_cfg: MMEngine init applied by :meth:`init_weights`.
    """

    def __init__(
            self,
            img_size: int = 224,
            patch_size: int = 16,
            in_channels: int = 3,
            embed_dims: int = 768,
            depth: int = 12,
            num_heads: int = 12,
            mlp_ratio: float = 4.,
            qkv_bias: bool = True,
            qk_scale: Optional[float] = None,
            drop_rate: float = 0.,
            attn_drop_rate: float = 0.,
            drop_path_rate: float = 0.,
            norm_cfg: LayerConfig = frozen(type='LN', eps=1e-6),
            init_values: float = 0.,
            use_learnable_pos_emb: bool = False,
            num_frames: int = 16,
            tubelet_size: int = 2,
            use_mean_pooling: bool = True,
            pretrained: Optional[str] = None,
            return_feat_map: bool = False,
            init_cfg: InitConfig = VIT_INIT_CFG,
    ) -> None:
        super().__init__(init_cfg=init_cfg_dicts(init_cfg))
        if img_size % patch_size:
            raise ValueError(f'img_size={img_size} is not a whole number of patch_size={patch_size} patches')
        if num_frames % tubelet_size:
            raise ValueError(f'num_frames={num_frames} is not a whole number of tubelet_size={tubelet_size} tubelets')
        self.embed_dims = embed_dims
        self.patch_size = patch_size
        self.pretrained = pretrained
        self.return_feat_map = return_feat_map
        self.patch_embed = TubeletEmbed(in_channels, embed_dims, tubelet_size, patch_size)
        self.grid_size = (img_size // patch_size, img_size // patch_size)
        num_patches = math.prod(self.grid_size) * (num_frames // tubelet_size)
        if use_learnable_pos_emb:
            self.pos_embed = nn.Parameter(torch.zeros(1, num_patches, embed_dims))
            nn.init.trunc_normal_(self.pos_embed, std=.02)
        else:
            self.register_buffer('pos_embed', sinusoid_position_table(num_patches, embed_dims))
        self.pos_drop = nn.Dropout(p=drop_rate)
        rates = drop_path_rates(drop_path_rate, depth)
        self.blocks = nn.ModuleList([
            Block(embed_dims, num_heads, mlp_ratio, qkv_bias, qk_scale, drop_rate, attn_drop_rate, rate,
                  init_values, norm_cfg=norm_cfg) for rate in rates
        ])
        # Mean pooling normalises the pooled token (``fc_norm``), not every token (``norm``).
        self.norm = nn.Identity() if use_mean_pooling else build_norm_layer(norm_cfg, embed_dims)
        self.fc_norm = build_norm_layer(norm_cfg, embed_dims) if use_mean_pooling else None

    def position_embedding(self, grid: tuple) -> torch.Tensor:
        """(1, T' * h * w, C): the table for an h x w grid, resized bicubically per time step if needed."""
        if grid == self.grid_size:
            return self.pos_embed
        table = self.pos_embed.reshape(-1, *self.grid_size, self.embed_dims).permute(0, 3, 1, 2)
        table = F.interpolate(table, size=grid, mode='bicubic', align_corners=False)
        return table.permute(0, 2, 3, 1).reshape(1, -1, self.embed_dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        N, _, T, H, W = x.shape
        grid = (H // self.patch_size, W // self.patch_size)
        x = self.patch_embed(x)
        pos_embed = self.position_embedding(grid)
        if x.shape[1] != pos_embed.shape[1]:
            raise ValueError(f'VisionTransformer: {T} frames give {x.shape[1]} tokens, the position embedding '
                             f'has {pos_embed.shape[1]}; the input needs the num_frames it was built for')
        x = self.pos_drop(x + pos_embed)
        for block in self.blocks:
            x = block(x)
        x = self.norm(x)
        if self.return_feat_map:
            return x.reshape(N, -1, *grid, self.embed_dims).permute(0, 4, 1, 2, 3)
        if self.fc_norm is not None:
            return self.fc_norm(x.mean(dim=1))
        return x[:, 0]

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then load ``pretrained`` if given."""
        super().init_weights()
        if self.pretrained is not None:
            load_pretrained(self, resolve_pretrained(self.pretrained, 'model.backbone.pretrained'),
                            backbone_key_map)
