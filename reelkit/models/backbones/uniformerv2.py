"""UniFormerV2 (Li et al., *UniFormerV2: Spatiotemporal Learning by Arming Image ViTs with Video
UniFormer*, ICCV 2023), MMAction2 layout.

An image ViT in CLIP's layout (``conv1``, ``class_embedding``, ``positional_embedding``, ``ln_pre``,
``transformer.resblocks.N``; tokens sequence-first, as CLIP keeps them) runs on every frame, so CLIP's
image encoder loads into it as it is. Two additions make it a video model:

- local UniBlocks: before (``lmhra1``) and, with ``double_lmhra``, after (``lmhra2``) the attention of
  a block, a *local MHRA* mixes each patch with the same patch of the neighbouring frames;
- global UniBlocks: after each layer in ``return_list``, the frame tokens get a depthwise 3x3x3 conv
  as position encoding (``dpe``) and one learned video token (``temporal_cls_token``) attends to the
  tokens of all frames (``dec``).

The output blends the video token with the mean class token of the frames through a learned
per-channel gate (``balance``), then a layer norm.
"""
from collections import OrderedDict
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from reelkit.registry import MODELS
from reelkit.utils.errors import ConfigError
from ..common import backbone_key_map, load_pretrained, prefix_key_map, resolve_pretrained
from ..common.transformer import DropPath, InitConfig, drop_path_rates, init_cfg_dicts
from .uniformer import inflate_2d_kernels
from .vit_mae import VIT_INIT_CFG

# CLIP's image encoders in this layout, as MMAction2 names them for ``clip_pretrained``.
CLIP_URL_ROOT = 'https://download.openmmlab.com/mmaction/v1.0/recognition/uniformerv2/clipVisualEncoder/'
CLIP_URLS = {
    'ViT-B/16': CLIP_URL_ROOT + 'vit-base-p16-res224_clip-rgb_20221219-b8a5da86.pth',
    'ViT-L/14': CLIP_URL_ROOT + 'vit-large-p14-res224_clip-rgb_20221219-9de7543e.pth',
    'ViT-L/14_336': CLIP_URL_ROOT + 'vit-large-p14-res336_clip-rgb_20221219-d370f9e5.pth',
}


class QuickGELU(nn.Module):
    """CLIP's approximation of GELU, ``x * sigmoid(1.702 * x)``; any shape."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)


def clip_mlp(channels: int, hidden: int, dropout: float = 0.) -> nn.Sequential:
    """CLIP's MLP ``c_fc``, QuickGELU, dropout, ``c_proj``: (..., channels) -> (..., channels)."""
    return nn.Sequential(OrderedDict([
        ('c_fc', nn.Linear(channels, hidden)),
        ('gelu', QuickGELU()),
        ('dropout', nn.Dropout(dropout)),
        ('c_proj', nn.Linear(hidden, channels)),
    ]))


def tokens_to_video(tokens: torch.Tensor, num_clips: int, height: int, width: int) -> torch.Tensor:
    """Patch tokens (H * W, N * T, C), row-major patches and clip-major frames -> (N, C, T, H, W)."""
    _, NT, C = tokens.shape
    return tokens.view(height, width, num_clips, NT // num_clips, C).permute(2, 4, 3, 0, 1)


def video_to_tokens(video: torch.Tensor) -> torch.Tensor:
    """(N, C, T, H, W) -> patch tokens (H * W, N * T, C); the inverse of :func:`tokens_to_video`."""
    N, C, T, H, W = video.shape
    return video.permute(3, 4, 0, 2, 1).reshape(H * W, N * T, C)


class LocalMHRA(nn.Module):
    """Local multi-head relation aggregation: (N, C, T, H, W) -> (N, C, T, H, W).

    Batch norm, a 1x1x1 conv down to ``int(C // dw_reduction)`` channels, a depthwise temporal conv
    (``pos_kernel_size`` x 1 x 1), a 1x1x1 conv back (``pos_embed.0`` .. ``pos_embed.3``). The last conv
    starts at zero: added as a residual, the block starts as the identity, so the image ViT is intact.

    Args:
        channels: C.
        dw_reduction: channel reduction of the bottleneck.
        pos_kernel_size: frames the depthwise conv sees.
    """

    def __init__(
            self,
            channels: int,
            dw_reduction: float = 1.5,
            pos_kernel_size: int = 3,
    ) -> None:
        super().__init__()
        reduced = int(channels // dw_reduction)
        self.pos_embed = nn.Sequential(
            nn.BatchNorm3d(channels),
            nn.Conv3d(channels, reduced, 1),
            nn.Conv3d(reduced, reduced, (pos_kernel_size, 1, 1), padding=(pos_kernel_size // 2, 0, 0), groups=reduced),
            nn.Conv3d(reduced, channels, 1),
        )
        nn.init.zeros_(self.pos_embed[3].weight)
        nn.init.zeros_(self.pos_embed[3].bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pos_embed(x)


class CLIPBlock(nn.Module):
    """CLIP's pre-norm transformer block: ``attn`` after ``ln_1``, ``mlp`` after ``ln_2``, both residual
    branches with stochastic depth. Tokens are sequence-first, (L, B, C).

    Args:
        channels: C.
        num_heads: attention heads.
        mlp_hidden: hidden channels of the MLP.
        mlp_dropout: dropout inside the MLP.
        drop_path: stochastic depth of the branches.
    """

    def __init__(
            self,
            channels: int,
            num_heads: int,
            mlp_hidden: int,
            mlp_dropout: float = 0.,
            drop_path: float = 0.,
    ) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(channels, num_heads)
        self.ln_1 = nn.LayerNorm(channels)
        self.mlp = clip_mlp(channels, mlp_hidden, mlp_dropout)
        self.ln_2 = nn.LayerNorm(channels)
        self.drop_path = DropPath(drop_path)

    def attention_branch(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """x (Lq, B, C) plus its attention to ``context`` (Lk, B, C), both given already normed."""
        return self.drop_path(self.attn(x, context, context, need_weights=False)[0])

    def mlp_branch(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.drop_path(self.mlp(self.ln_2(x)))


class LocalUniBlock(CLIPBlock):
    """A CLIP block over the tokens of each frame, with local MHRA on its patch tokens.

    x: (1 + H * W, N * T, C), class token first -> same shape.

    Args:
        channels: C.
        num_heads: attention heads.
        drop_path: stochastic depth of every branch.
        dw_reduction: channel reduction of the local MHRA.
        no_lmhra: no local MHRA at all (a plain CLIP block).
        double_lmhra: a second local MHRA after the attention.
    """

    def __init__(
            self,
            channels: int,
            num_heads: int,
            drop_path: float = 0.,
            dw_reduction: float = 1.5,
            no_lmhra: bool = False,
            double_lmhra: bool = True,
    ) -> None:
        super().__init__(channels, num_heads, 4 * channels, drop_path=drop_path)
        self.lmhra1 = None if no_lmhra else LocalMHRA(channels, dw_reduction)
        self.lmhra2 = None if no_lmhra or not double_lmhra else LocalMHRA(channels, dw_reduction)

    def local_branch(self, x: torch.Tensor, lmhra: Optional[LocalMHRA], num_clips: int, height: int,
                     width: int) -> torch.Tensor:
        """Add ``lmhra`` of the patch tokens to them; the class tokens pass unchanged."""
        if lmhra is None:
            return x
        patches = tokens_to_video(x[1:], num_clips, height, width)
        patches = patches + self.drop_path(lmhra(patches))
        return torch.cat([x[:1], video_to_tokens(patches)])

    def forward(self, x: torch.Tensor, num_clips: int, height: int, width: int) -> torch.Tensor:
        x = self.local_branch(x, self.lmhra1, num_clips, height, width)
        normed = self.ln_1(x)
        x = x + self.attention_branch(normed, normed)
        x = self.local_branch(x, self.lmhra2, num_clips, height, width)
        return self.mlp_branch(x)


class GlobalUniBlock(CLIPBlock):
    """The video token attends to the tokens of all frames of its clip, then an MLP.

    query (1, N, C), context (T * (1 + H * W), N, C) -> (1, N, C). The context is normed by ``ln_3``.
    The attention output and the MLP's last layer start at zero, so the block starts as the identity.

    Args:
        channels: C.
        num_heads: attention heads.
        mlp_factor: hidden channels of the MLP over C.
        dropout: dropout inside the MLP.
        drop_path: stochastic depth of the branches.
    """

    def __init__(
            self,
            channels: int,
            num_heads: int,
            mlp_factor: float = 4.0,
            dropout: float = 0.,
            drop_path: float = 0.,
    ) -> None:
        super().__init__(channels, num_heads, round(mlp_factor * channels), dropout, drop_path)
        self.ln_3 = nn.LayerNorm(channels)
        nn.init.zeros_(self.attn.out_proj.weight)
        nn.init.zeros_(self.attn.out_proj.bias)
        nn.init.xavier_uniform_(self.mlp.c_fc.weight)
        nn.init.zeros_(self.mlp.c_proj.weight)
        nn.init.zeros_(self.mlp.c_proj.bias)

    def forward(self, query: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        x = query + self.attention_branch(self.ln_1(query), self.ln_3(context))
        return self.mlp_branch(x)


class UniFormerV2Transformer(nn.Module):
    """The local UniBlocks (``resblocks``) and the global ones (``dpe``, ``dec``) fed by the layers in
    ``return_list``: frame tokens (1 + H * W, N * T, C) -> clip features (N, C).

    Args: as :class:`UniFormerV2` (``n_layers`` is ``len(return_list)``).
    """

    def __init__(
            self,
            width: int,
            layers: int,
            heads: int,
            backbone_drop_path_rate: float = 0.,
            dw_reduction: float = 1.5,
            no_lmhra: bool = True,
            double_lmhra: bool = False,
            return_list: Sequence[int] = (8, 9, 10, 11),
            n_dim: int = 768,
            n_head: int = 12,
            mlp_factor: float = 4.0,
            drop_path_rate: float = 0.,
            mlp_dropout: Sequence[float] = (0.5, 0.5, 0.5, 0.5),
    ) -> None:
        super().__init__()
        self.resblocks = nn.ModuleList(
            LocalUniBlock(width, heads, rate, dw_reduction, no_lmhra, double_lmhra)
            for rate in drop_path_rates(backbone_drop_path_rate, layers))
        # The global blocks follow the tapped layers in depth order, whatever order return_list has.
        self.return_list = tuple(sorted(return_list))
        n_layers = len(self.return_list)
        self.temporal_cls_token = nn.Parameter(torch.zeros(1, 1, n_dim))
        self.dpe = nn.ModuleList(nn.Conv3d(n_dim, n_dim, 3, padding=1, groups=n_dim) for _ in range(n_layers))
        for conv in self.dpe:
            nn.init.zeros_(conv.bias)
        self.dec = nn.ModuleList(
            GlobalUniBlock(n_dim, n_head, mlp_factor, dropout, rate)
            for dropout, rate in zip(mlp_dropout, drop_path_rates(drop_path_rate, n_layers)))
        self.norm = nn.LayerNorm(n_dim)
        self.balance = nn.Parameter(torch.zeros(n_dim))

    def forward(self, x: torch.Tensor, num_clips: int, height: int, width: int) -> torch.Tensor:
        _, NT, C = x.shape
        video_token = self.temporal_cls_token.expand(1, num_clips, C)
        taps = dict(zip(self.return_list, zip(self.dpe, self.dec)))
        for i, block in enumerate(self.resblocks):
            x = block(x, num_clips, height, width)
            if i in taps:
                dpe, dec = taps[i]
                video_token = dec(video_token, self.clip_context(x, dpe, num_clips, height, width))
        frame_cls = x[0].view(num_clips, NT // num_clips, C).mean(dim=1)  # (N, C)
        gate = torch.sigmoid(self.balance)
        return self.norm((1 - gate) * video_token[0] + gate * frame_cls)

    @staticmethod
    def clip_context(x: torch.Tensor, dpe: nn.Conv3d, num_clips: int, height: int, width: int) -> torch.Tensor:
        """Frame tokens (L, N * T, C), ``dpe`` added to the patches -> the tokens of each clip (T * L, N, C),
        frame by frame."""
        patches = x[1:] + video_to_tokens(dpe(tokens_to_video(x[1:], num_clips, height, width)))
        x = torch.cat([x[:1], patches])
        L, NT, C = x.shape
        return x.view(L, num_clips, NT // num_clips, C).permute(2, 0, 1, 3).reshape(-1, num_clips, C)




@MODELS.register_module()
class UniFormerV2(BaseModule):
    """UniFormerV2 backbone: clips (N, 3, T, H, W) -> features (N, n_dim).

    H and W must be ``input_resolution`` (the positional embedding holds one entry per patch of that
    grid), T must be ``t_size``.

    Args:
        input_resolution: frame height and width.
        patch_size: side of the square patches (the stride of ``conv1``).
        width: channels of the local UniBlocks.
        layers: local UniBlocks.
        heads: attention heads of the local UniBlocks.
        backbone_drop_path_rate: stochastic depth of the local UniBlocks, rising linearly from 0.
        t_size: frames per clip.
        kernel_size: frames ``conv1`` sees with ``temporal_downsample`` (the local MHRA always sees 3).
        dw_reduction: channel reduction in the local MHRA.
        temporal_downsample: ``conv1`` halves the frames (stride 2 in time).
        no_lmhra: no local MHRA (plain CLIP blocks with the global UniBlocks on top).
        double_lmhra: a second local MHRA after each attention.
        return_list: the local UniBlocks (0-based) whose output feeds a global UniBlock.
        n_layers: global UniBlocks, ``len(return_list)``.
        n_dim: channels of the global UniBlocks; equal to ``width``.
        n_head: attention heads of the global UniBlocks.
        mlp_factor: hidden channels of the global UniBlocks' MLPs over ``n_dim``.
        drop_path_rate: stochastic depth of the global UniBlocks, rising linearly from 0.
        mlp_dropout: dropout in the MLP of each global UniBlock.
        clip_pretrained: :meth:`init_weights` loads CLIP's image encoder ``pretrained`` (its 2D patch
            kernel inflated to ``conv1``) and initialises nothing else, as MMAction2 does.
        pretrained: with ``clip_pretrained``, a name in :data:`CLIP_URLS`, a local file or a URL; else a
            checkpoint of this model that replaces ``init_cfg``. Files are found locally or in the
            torch hub cache, never downloaded; ``None`` (without ``clip_pretrained``) applies ``init_cfg``.
        init_cfg: MMEngine init applied by :meth:`init_weights` without ``clip_pretrained``; a
            ``Pretrained`` entry is read from a local file (or the torch hub cache), under its ``prefix``.
    """

    def __init__(
            self,
            input_resolution: int = 224,
            patch_size: int = 16,
            width: int = 768,
            layers: int = 12,
            heads: int = 12,
            backbone_drop_path_rate: float = 0.,
            t_size: int = 8,
            kernel_size: int = 3,
            dw_reduction: float = 1.5,
            temporal_downsample: bool = False,
            no_lmhra: bool = True,
            double_lmhra: bool = False,
            return_list: Sequence[int] = (8, 9, 10, 11),
            n_layers: int = 4,
            n_dim: int = 768,
            n_head: int = 12,
            mlp_factor: float = 4.0,
            drop_path_rate: float = 0.,
            mlp_dropout: Sequence[float] = (0.5, 0.5, 0.5, 0.5),
            clip_pretrained: bool = True,
            pretrained: Optional[str] = None,
            init_cfg: InitConfig = VIT_INIT_CFG,
    ) -> None:
        self._check_args(width, layers, heads, t_size, temporal_downsample, return_list, n_layers, n_dim, n_head,
                         mlp_dropout, pretrained)
        init_cfg = init_cfg_dicts(init_cfg)
        init_cfgs = [init_cfg] if isinstance(init_cfg, dict) else list(init_cfg or ())
        # MMEngine would download a Pretrained init's checkpoint: init_weights reads it locally instead.
        super().__init__(init_cfg=[cfg for cfg in init_cfgs if cfg.get('type') != 'Pretrained'] or None)
        self.init_checkpoints = [cfg for cfg in init_cfgs if cfg.get('type') == 'Pretrained']
        self.input_resolution = input_resolution
        self.clip_pretrained = clip_pretrained
        self.pretrained = pretrained
        self.patch_frames = t_size // 2 if temporal_downsample else t_size  # T after conv1
        if temporal_downsample:
            self.conv1 = nn.Conv3d(3, width, (kernel_size, patch_size, patch_size), (2, patch_size, patch_size),
                                   ((kernel_size - 1) // 2, 0, 0), bias=False)
        else:
            self.conv1 = nn.Conv3d(3, width, (1, patch_size, patch_size), (1, patch_size, patch_size), bias=False)
        self.grid = input_resolution // patch_size
        scale = width**-0.5
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn(self.grid**2 + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = UniFormerV2Transformer(width, layers, heads, backbone_drop_path_rate, dw_reduction,
                                                  no_lmhra, double_lmhra, return_list, n_dim, n_head, mlp_factor,
                                                  drop_path_rate, mlp_dropout)

    @staticmethod
    def _check_args(width, layers, heads, t_size, temporal_downsample, return_list, n_layers, n_dim, n_head,
                    mlp_dropout, pretrained):
        if width % heads or n_dim % n_head:
            raise ValueError(f'heads={heads} must divide width={width} and n_head={n_head} must divide n_dim={n_dim}')
        if n_dim != width:
            raise ValueError(f'n_dim={n_dim} must equal width={width}: the global UniBlocks read the tokens of the '
                             'local ones')
        if len(return_list) != n_layers or len(set(return_list)) != n_layers:
            raise ValueError(f'return_list={list(return_list)} must name n_layers={n_layers} different layers')
        if not all(0 <= i < layers for i in return_list):
            raise ValueError(f'return_list={list(return_list)}: layers are 0 .. {layers - 1} (layers={layers})')
        if len(mlp_dropout) < n_layers:
            raise ValueError(f'mlp_dropout={list(mlp_dropout)} needs a rate for each of the n_layers={n_layers} '
                             'global UniBlocks')
        if temporal_downsample and t_size % 2:
            raise ValueError(f't_size={t_size} must be even with temporal_downsample (conv1 halves the frames)')
        if pretrained is not None and not isinstance(pretrained, str):
            raise TypeError(f'pretrained must be a name, a path, a URL or None, got {type(pretrained).__name__}')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)
        N, C, T, H, W = x.shape
        if (H, W) != (self.grid, self.grid) or T != self.patch_frames:
            raise ValueError(f'conv1 cut the input into {(T, H, W)} (T, H, W) patches; the model is built for '
                             f'{(self.patch_frames, self.grid, self.grid)} (from t_size, input_resolution)')
        tokens = x.permute(0, 2, 3, 4, 1).reshape(N * T, H * W, C)
        cls_token = self.class_embedding.to(x.dtype).expand(N * T, 1, C)
        x = torch.cat([cls_token, tokens], dim=1) + self.positional_embedding.to(x.dtype)
        x = self.ln_pre(x).transpose(0, 1)  # (1 + H * W, N * T, C), sequence-first as CLIP
        return self.transformer(x, N, H, W)

    def init_weights(self) -> None:
        """Load CLIP with ``clip_pretrained``; else load ``pretrained``; else apply ``init_cfg``."""
        if self.clip_pretrained:
            self.load_clip()
        elif self.pretrained is not None:
            load_pretrained(self, resolve_pretrained(self.pretrained, 'model.backbone.pretrained'), backbone_key_map)
        else:
            super().init_weights()
            for cfg in self.init_checkpoints:
                path = resolve_pretrained(cfg['checkpoint'], 'model.backbone.init_cfg.checkpoint')
                prefix = cfg.get('prefix')
                load_pretrained(self, path, prefix_key_map(prefix) if prefix else backbone_key_map)

    def load_clip(self) -> None:
        """Load CLIP's image encoder ``pretrained``: same keys, the 2D patch kernel inflated to ``conv1``
        (the weights on the middle frame); tensors of another shape (e.g. the positional embedding of
        another resolution) keep their initial values."""
        if self.pretrained is None:
            raise ConfigError(f'model.backbone.pretrained=None: clip_pretrained=True loads CLIP\'s image '
                              f'encoder from pretrained; name one of {sorted(CLIP_URLS)} or a local file, or set '
                              f'model.backbone.clip_pretrained=False')
        try:
            path = resolve_pretrained(CLIP_URLS.get(self.pretrained, self.pretrained), 'model.backbone.pretrained')
        except ConfigError as error:
            raise ConfigError(f'model.backbone.pretrained={self.pretrained!r}: {error}') from error
        load_pretrained(self, path, backbone_key_map, convert=inflate_2d_kernels)
