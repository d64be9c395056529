"""PGGAN (progressive growing) generator and discriminator.

Karras et al., "Progressive Growing of GANs for Improved Quality, Stability, and Variation", ICLR 2018
(https://arxiv.org/abs/1710.10196). Both networks hold every resolution from 4x4 to the final one;
``curr_scale`` picks the active one and ``transition_weight`` fades the newest block in over the
upsampled (generator) or downsampled (discriminator) output of the previous one. All layers use the
equalized learning rate, pixel norm and leaky ReLU(0.2); upsampling is fused into a transposed conv
(``fused_nn``) and downsampling into the conv (``fused_pool``) by default. Sub-module names are
MMGeneration's (``noise2feat``, ``torgb_layers``, ``conv_blocks``, ``fromrgb_layers``, ``decision``).
"""
import copy
import math
from functools import partial
from typing import Mapping, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from reelkit.registry import MODELS
from ..common import build_activation, build_norm, build_upsample, frozen_cfg, module_device, sample_noise
from ..common.equalized_lr import EqualizedLRConvModule, EqualizedLRLinearModule
from ..common.layers import pixel_norm
from ..common.minibatch_std import MiniBatchStddevLayer
from ..common.sampling import NoiseInput

LEAKY = frozen_cfg(type='LeakyReLU', negative_slope=0.2)


def fused_upsample_hook(module: nn.Module, inputs) -> None:
    """Turn a 3x3 stride-2 transposed-conv weight into the 4x4 sum of its four shifts (nearest
    upsampling followed by the 3x3 conv, in one op)."""
    w = F.pad(module.weight, (1, 1, 1, 1))
    module.weight = w[..., 1:, 1:] + w[..., 1:, :-1] + w[..., :-1, 1:] + w[..., :-1, :-1]


def fused_avgpool_hook(module: nn.Module, inputs) -> None:
    """Turn a 3x3 stride-2 conv weight into the 4x4 mean of its four shifts (the 3x3 conv followed by
    2x2 average pooling, in one op)."""
    w = F.pad(module.weight, (1, 1, 1, 1))
    module.weight = (w[..., 1:, 1:] + w[..., 1:, :-1] + w[..., :-1, 1:] + w[..., :-1, :-1]) * 0.25


class EqualizedLRConvUpModule(EqualizedLRConvModule):
    """Upsampling then :class:`EqualizedLRConvModule`; ``upsample=dict(type='fused_nn')`` fuses the
    upsampling into a transposed conv (``conv_cfg=dict(type='deconv')``, stride 2). (N, C, H, W) -> (N, C', 2H, 2W).
    """

    def __init__(self, *args, upsample: Optional[Mapping] = frozen_cfg(type='nearest', scale_factor=2), **kwargs):
        super().__init__(*args, **kwargs)
        self.with_upsample = upsample is not None
        if self.with_upsample:
            if upsample.get('type') == 'fused_nn':
                if not isinstance(self.conv, nn.ConvTranspose2d):
                    raise ValueError("upsample type 'fused_nn' needs conv_cfg=dict(type='deconv')")
                self.conv.register_forward_pre_hook(fused_upsample_hook)
            else:
                self.upsample_layer = build_upsample(upsample)

    def forward(self, x: Tensor) -> Tensor:
        if hasattr(self, 'upsample_layer'):
            x = self.upsample_layer(x)
        return super().forward(x)


class EqualizedLRConvDownModule(EqualizedLRConvModule):
    """:class:`EqualizedLRConvModule` then downsampling: ``dict(type='fused_pool')`` fuses 2x2 average
    pooling into the (stride-2) conv, ``'avgpool'`` pools after it, a callable is applied after it.
    (N, C, H, W) -> (N, C', H/2, W/2).
    """

    def __init__(self, *args, downsample=frozen_cfg(type='fused_pool'), **kwargs):
        super().__init__(*args, **kwargs)
        self.with_downsample = downsample is not None
        if callable(downsample):
            self.downsample = downsample
        elif self.with_downsample:
            kind = downsample.get('type')
            if kind == 'avgpool':
                self.downsample = nn.AvgPool2d(2, 2)
            elif kind == 'fused_pool':
                self.conv.register_forward_pre_hook(fused_avgpool_hook)
            else:
                raise ValueError(f"downsample type {kind!r} is not supported; expected 'avgpool' or 'fused_pool'")

    def forward(self, x: Tensor) -> Tensor:
        x = super().forward(x)
        if hasattr(self, 'downsample'):
            x = self.downsample(x)
        return x


class PGGANNoiseTo2DFeat(nn.Module):
    """Noise (N, noise_size) -> (N, out_channels, 4, 4): [pixel norm], linear, bias, act, norm.

    The equalized-LR linear layer uses gain sqrt(2)/4 (a 4x4 "transposed conv" of the noise); its bias
    is added per channel after the reshape.
    """

    def __init__(self,
                 noise_size: int,
                 out_channels: int,
                 act_cfg: Optional[Mapping] = LEAKY,
                 norm_cfg: Optional[Mapping] = frozen_cfg(type='PixelNorm'),
                 normalize_latent: bool = True,
                 order=('linear', 'act', 'norm')):
        super().__init__()
        if sorted(order) != ['act', 'linear', 'norm']:
            raise ValueError(f"order={tuple(order)!r}; expected a permutation of ('linear', 'act', 'norm')")
        self.noise_size = noise_size
        self.out_channels = out_channels
        self.normalize_latent = normalize_latent
        self.order = tuple(order)
        self.linear = EqualizedLRLinearModule(noise_size, out_channels * 16, bias=False,
                                              equalized_lr_cfg=dict(gain=math.sqrt(2) / 4))
        self.activation = build_activation(act_cfg)
        self.bias = nn.Parameter(torch.zeros(1, out_channels, 1, 1))
        self.norm = build_norm(norm_cfg, out_channels)[1] if norm_cfg is not None else None

    def forward(self, x: Tensor) -> Tensor:
        """(N, noise_size) -> (N, out_channels, 4, 4)."""
        if self.normalize_latent:
            x = pixel_norm(x)
        for step in self.order:
            if step == 'linear':
                x = self.linear(x).reshape(-1, self.out_channels, 4, 4) + self.bias
            elif step == 'act' and self.activation is not None:
                x = self.activation(x)
            elif step == 'norm' and self.norm is not None:
                x = self.norm(x)
        return x


class PGGANDecisionHead(nn.Module):
    """(N, C, 4, 4) -> (N, out_channels): equalized-LR linear (gain sqrt 2), act, linear (gain 1)."""

    def __init__(self,
                 in_channels: int,
                 mid_channels: int,
                 out_channels: int,
                 bias: bool = True,
                 equalized_lr_cfg: Optional[Mapping] = frozen_cfg(gain=1),
                 act_cfg: Optional[Mapping] = LEAKY,
                 out_act: Optional[Mapping] = None):
        super().__init__()
        self.linear0 = EqualizedLRLinearModule(in_channels, mid_channels, bias=bias,
                                               equalized_lr_cfg=dict(gain=math.sqrt(2)) if equalized_lr_cfg else None)
        self.linear1 = EqualizedLRLinearModule(mid_channels, out_channels, bias=bias,
                                               equalized_lr_cfg=equalized_lr_cfg)
        self.activation = build_activation(act_cfg)
        self.out_activation = build_activation(out_act)

    def forward(self, x: Tensor) -> Tensor:
        x = self.linear0(x.flatten(1))
        if self.activation is not None:
            x = self.activation(x)
        x = self.linear1(x)
        return self.out_activation(x) if self.out_activation is not None else x


def channels_at(base_channels: int, channel_decay: float, max_channels: int, log_scale: int) -> int:
    """``min(base / 2^(log_scale * decay), max)``: the PGGAN width of a stage."""
    return min(int(base_channels / (2.0**(log_scale * channel_decay))), max_channels)


def log2_scale(scale: int, arg: str) -> int:
    log = int(math.log2(scale)) if scale > 0 else 0
    if scale < 4 or 2**log != scale:
        raise ValueError(f'{arg}={scale} must be a power of two >= 4')
    return log


def merged(defaults: Mapping, overrides: Optional[Mapping]) -> dict:
    cfg = copy.deepcopy(dict(defaults))
    cfg.update(overrides or {})
    return cfg


@MODELS.register_module()
class PGGANGenerator(nn.Module):
    """PGGAN generator: noise (N, noise_size) [+ label (N, label_size)] -> image (N, 3, S, S).

    Args:
        noise_size: Length of the noise vector.
        out_scale: Final side of the generated image (a power of two >= 4).
        label_size: Length of a conditioning vector concatenated to the noise.
        base_channels: Width unit: stage with log2-side s has ``base / 2^((s-1) * decay)`` channels.
        channel_decay: Decay exponent of the widths.
        max_channels: Cap of the widths.
        fused_upconv: Fuse upsampling and conv into a transposed conv.
        conv_module_cfg: Overrides for the 3x3 conv blocks.
        fused_upconv_cfg: Overrides for the fused upsampling blocks.
        upsample_cfg: Upsampling of non-fused blocks and of the fade-in path.
    """

    default_fused_upconv_cfg = frozen_cfg(conv_cfg=dict(type='deconv'), kernel_size=3, stride=2, padding=1,
                                          bias=True, act_cfg=dict(LEAKY), norm_cfg=dict(type='PixelNorm'),
                                          order=('conv', 'act', 'norm'))
    default_conv_module_cfg = frozen_cfg(conv_cfg=None, kernel_size=3, stride=1, padding=1, bias=True,
                                         act_cfg=dict(LEAKY), norm_cfg=dict(type='PixelNorm'),
                                         order=('conv', 'act', 'norm'))

    def __init__(self,
                 noise_size: Optional[int],
                 out_scale: int,
                 label_size: int = 0,
                 base_channels: int = 8192,
                 channel_decay: float = 1.,
                 max_channels: int = 512,
                 fused_upconv: bool = True,
                 conv_module_cfg: Optional[Mapping] = None,
                 fused_upconv_cfg: Optional[Mapping] = None,
                 upsample_cfg: Optional[Mapping] = None):
        super().__init__()
        self.noise_size = noise_size if noise_size else min(base_channels, max_channels)
        self.out_scale = out_scale
        self.out_log2_scale = log2_scale(out_scale, 'out_scale')
        self.label_size = label_size
        self.base_channels = base_channels
        self.channel_decay = channel_decay
        self.max_channels = max_channels
        self.fused_upconv = fused_upconv
        self.conv_module_cfg = merged(self.default_conv_module_cfg, conv_module_cfg)
        self.fused_upconv_cfg = merged(self.default_fused_upconv_cfg, fused_upconv_cfg)
        self.upsample_cfg = merged(dict(type='nearest', scale_factor=2), upsample_cfg)

        self.noise2feat = PGGANNoiseTo2DFeat(self.noise_size + label_size, self._channels(1))
        self.torgb_layers = nn.ModuleList()
        self.conv_blocks = nn.ModuleList()
        for s in range(2, self.out_log2_scale + 1):
            out_ch = self._channels(s - 1)
            self.torgb_layers.append(
                EqualizedLRConvModule(out_ch, 3, kernel_size=1, stride=1, equalized_lr_cfg=dict(gain=1), bias=True,
                                      norm_cfg=None, act_cfg=None))
            if s == 2:
                self.conv_blocks.append(EqualizedLRConvModule(out_ch, out_ch, **self.conv_module_cfg))
                continue
            in_ch = self._channels(s - 2)
            if fused_upconv:
                up_cfg = {'upsample': dict(type='fused_nn'), **self.fused_upconv_cfg}
            else:
                up_cfg = {'upsample': self.upsample_cfg, **self.conv_module_cfg}
            self.conv_blocks.append(EqualizedLRConvUpModule(in_ch, out_ch, **up_cfg))
            self.conv_blocks.append(EqualizedLRConvModule(out_ch, out_ch, **self.conv_module_cfg))
        self.upsample_layer = build_upsample(self.upsample_cfg)

    def _channels(self, log_scale: int) -> int:
        return channels_at(self.base_channels, self.channel_decay, self.max_channels, log_scale)

    def forward(self,
                noise: NoiseInput = None,
                label: Optional[Tensor] = None,
                num_batches: int = 0,
                return_noise: bool = False,
                transition_weight: float = 1.,
                curr_scale: int = -1) -> Union[Tensor, dict]:
        """Generate images at ``curr_scale`` (the final scale when < 0).

        Args:
            noise: (N, noise_size) tensor, a sampler called with the shape, or ``None``.
            label: (N, label_size) conditioning vector concatenated to the noise.
            num_batches: Batch size when ``noise`` is not a tensor.
            return_noise: Return ``dict(fake_img, noise_batch, label)`` instead of the images.
            transition_weight: Fade-in weight of the newest stage (1: fully in).
            curr_scale: Side of the active stage.

        Returns:
            Images (N, 3, curr_scale, curr_scale), or the dict above.
        """
        noise_batch = sample_noise(noise, num_batches, (self.noise_size, ), module_device(self))
        x = noise_batch if label is None else torch.cat([noise_batch, label.to(noise_batch)], dim=1)
        x = self.noise2feat(x)
        curr = self.out_log2_scale if curr_scale < 0 else log2_scale(curr_scale, 'curr_scale')
        if curr > self.out_log2_scale:
            raise ValueError(f'curr_scale={curr_scale} exceeds out_scale={self.out_scale}')

        x = self.conv_blocks[0](x)
        out_img = last_img = self.torgb_layers[0](x) if curr <= 3 else None
        for s in range(3, curr + 1):
            x = self.conv_blocks[2 * s - 4](self.conv_blocks[2 * s - 5](x))
            if s + 1 == curr:
                last_img = self.torgb_layers[s - 2](x)
            elif s == curr:
                residual = self.upsample_layer(last_img)
                out_img = residual + transition_weight * (self.torgb_layers[s - 2](x) - residual)

        if return_noise:
            return dict(fake_img=out_img, noise_batch=noise_batch, label=label)
        return out_img


@MODELS.register_module()
class PGGANDiscriminator(nn.Module):
    """PGGAN discriminator: image (N, C, S, S) -> score (N, 1) (plus label logits (N, label_size)).

    Args:
        in_scale: Final side of the input images (a power of two >= 4).
        label_size: Outputs of an auxiliary classifier head; with it, ``forward`` returns a pair.
        base_channels: Width unit, as in :class:`PGGANGenerator`.
        max_channels: Cap of the widths.
        in_channels: Channels of the input images.
        channel_decay: Decay exponent of the widths.
        mbstd_cfg: Arguments of the minibatch-stddev layer, ``None`` for none.
        fused_convdown: Fuse the conv and 2x2 average pooling.
        conv_module_cfg: Overrides for the 3x3 conv blocks.
        fused_convdown_cfg: Overrides for the fused downsampling blocks.
        fromrgb_layer_cfg: Overrides for the 1x1 ``fromrgb`` convs.
        downsample_cfg: Downsampling of non-fused blocks and of the fade-in path: ``None``/``avgpool``,
            ``nearest`` or ``bilinear``.
    """

    default_fromrgb_cfg = frozen_cfg(conv_cfg=None, kernel_size=1, stride=1, padding=0, bias=True,
                                     act_cfg=dict(LEAKY), norm_cfg=None, order=('conv', 'act', 'norm'))
    default_conv_module_cfg = frozen_cfg(kernel_size=3, padding=1, stride=1, norm_cfg=None, act_cfg=dict(LEAKY))
    default_convdown_cfg = frozen_cfg(kernel_size=3, padding=1, stride=2, norm_cfg=None, act_cfg=dict(LEAKY))

    def __init__(self,
                 in_scale: int,
                 label_size: int = 0,
                 base_channels: int = 8192,
                 max_channels: int = 512,
                 in_channels: int = 3,
                 channel_decay: float = 1.0,
                 mbstd_cfg: Optional[Mapping] = frozen_cfg(group_size=4),
                 fused_convdown: bool = True,
                 conv_module_cfg: Optional[Mapping] = None,
                 fused_convdown_cfg: Optional[Mapping] = None,
                 fromrgb_layer_cfg: Optional[Mapping] = None,
                 downsample_cfg: Optional[Mapping] = None):
        super().__init__()
        self.in_scale = in_scale
        self.in_log2_scale = log2_scale(in_scale, 'in_scale')
        self.label_size = label_size
        self.base_channels = base_channels
        self.max_channels = max_channels
        self.in_channels = in_channels
        self.channel_decay = channel_decay
        self.with_mbstd = mbstd_cfg is not None
        self.fused_convdown = fused_convdown
        self.conv_module_cfg = merged(self.default_conv_module_cfg, conv_module_cfg)
        self.fused_convdown_cfg = merged(self.default_convdown_cfg, fused_convdown_cfg)
        self.fromrgb_layer_cfg = merged(self.default_fromrgb_cfg, fromrgb_layer_cfg)
        self.downsample = self._build_downsample(downsample_cfg)

        self.conv_blocks = nn.ModuleList()
        self.fromrgb_layers = nn.ModuleList()
        for s in range(2, self.in_log2_scale + 1):
            out_ch = self._channels(s - 1)
            self.fromrgb_layers.append(EqualizedLRConvModule(in_channels, out_ch, **self.fromrgb_layer_cfg))
            self.conv_blocks.append(EqualizedLRConvModule(out_ch, out_ch, **self.conv_module_cfg))
            if s > 2:
                if fused_convdown:
                    down_cfg = {'downsample': dict(type='fused_pool'), **self.fused_convdown_cfg}
                else:
                    down_cfg = {'downsample': self.downsample, **self.conv_module_cfg}
                self.conv_blocks.append(EqualizedLRConvDownModule(out_ch, self._channels(s - 2), **down_cfg))

        if self.with_mbstd:
            self.mbstd_layer = MiniBatchStddevLayer(**mbstd_cfg)
        decision_in = self._channels(1) * 16 + (16 if self.with_mbstd else 0)
        self.decision = PGGANDecisionHead(decision_in, self._channels(0), 1 + label_size)

    @staticmethod
    def _build_downsample(downsample_cfg: Optional[Mapping]):
        kind = (downsample_cfg or {}).get('type', 'avgpool')
        if kind == 'avgpool':
            return nn.AvgPool2d(kernel_size=2, stride=2)
        if kind in ('nearest', 'bilinear'):
            kwargs = {k: v for k, v in downsample_cfg.items() if k != 'type'}
            return partial(F.interpolate, mode=kind, **kwargs)
        raise ValueError(f"downsample_cfg type {kind!r} is not supported; expected 'avgpool', 'nearest' or 'bilinear'")

    def _channels(self, log_scale: int) -> int:
        return channels_at(self.base_channels, self.channel_decay, self.max_channels, log_scale)

    def forward(self, x: Tensor, transition_weight: float = 1., curr_scale: int = -1):
        """Score images at ``curr_scale`` (the final scale when < 4).

        Args:
            x: Images (N, C, curr_scale, curr_scale).
            transition_weight: Fade-in weight of the newest stage.
            curr_scale: Side of the active stage.

        Returns:
            Scores (N, 1), or ``(scores, label_logits)`` when ``label_size > 0``.
        """
        curr = self.in_log2_scale if curr_scale < 4 else log2_scale(curr_scale, 'curr_scale')
        # conv_blocks[0] (the 3x3 conv at 4x4) exists in MMGeneration's layout but is never run; the
        # decision head follows the minibatch-stddev layer directly. Kept as is for checkpoint parity.
        original = x
        x = self.fromrgb_layers[curr - 2](x)
        for s in range(curr, 2, -1):
            x = self.conv_blocks[2 * s - 4](self.conv_blocks[2 * s - 5](x))
            if s == curr:
                y = self.fromrgb_layers[curr - 3](self.downsample(original))
                x = y + transition_weight * (x - y)
        if self.with_mbstd:
            x = self.mbstd_layer(x)
        x = self.decision(x)
        if self.label_size > 0:
            return x[:, :1], x[:, 1:]
        return x
