"""WGAN-GP generator and discriminator, PGGAN's training configuration (a) without progressive growing.

Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017 (https://arxiv.org/abs/1704.00028);
architecture from Karras et al., "Progressive Growing of GANs", ICLR 2018, appendix A.2. Per scale the
generator has two 3x3 conv-BN-ReLU layers after a nearest upsampling; the discriminator has two 3x3
convolutions with layer normalisation (``LN2d``, or ``GN`` with one group) and LeakyReLU(0.2) before an
average pooling, and a 4x4-conv + linear decision head.

Sub-module names (``noise2feat.{linear,bias,norm}``, ``conv_blocks.<i>``, ``to_rgb``, ``from_rgb``,
``decision.{conv,linear}``, and the norm registered under its config type, e.g. ``conv_blocks.0.GN``)
are MMGeneration's.
"""
import copy
import math
from typing import Dict, Mapping, Optional, Sequence, Union

import torch
import torch.nn as nn
from torch import Tensor

from reelkit.registry import MODELS
from ..common import (ConvModule, build_activation, build_norm, build_upsample, frozen_cfg, module_device,
                      sample_noise)
from ..common.sampling import NoiseInput

# Channels per feature-map side, shared by the generator and the discriminator.
CHANNELS_PER_SCALE: Dict[int, int] = {4: 512, 8: 512, 16: 256, 32: 128, 64: 64, 128: 32}
LAYER_NORMS = ('LN2d', 'GN')


def channels_at(scale: int, arg_name: str) -> int:
    if scale not in CHANNELS_PER_SCALE:
        raise ValueError(f'{arg_name}={scale} is not supported; expected one of {sorted(CHANNELS_PER_SCALE)}')
    return CHANNELS_PER_SCALE[scale]


class ConvLNModule(ConvModule):
    """:class:`ConvModule` that also takes layer normalisation over (C, H, W).

    ``norm_cfg=dict(type='LN2d')`` adds ``nn.LayerNorm(feature_shape)`` and ``dict(type='GN')`` adds
    ``nn.GroupNorm(1, C)``, registered under the type name (``LN2d``/``GN``) as in MMGeneration
    checkpoints; other norms behave as in :class:`ConvModule`.

    Args:
        feature_shape: (C, H, W) of the normalised feature map (the conv output).
        norm_cfg: Normalisation config.
        **kwargs: The remaining :class:`ConvModule` arguments.
    """

    def __init__(self, *args, feature_shape: Sequence[int] = (), norm_cfg: Optional[Mapping] = None, **kwargs):
        norm_type = norm_cfg.get('type') if norm_cfg is not None else None
        super().__init__(*args, norm_cfg=None if norm_type in LAYER_NORMS else norm_cfg, **kwargs)
        if norm_type in LAYER_NORMS:
            if len(feature_shape) != 3:
                raise ValueError(f"norm_cfg type {norm_type!r} needs feature_shape=(C, H, W), got {feature_shape!r}")
            norm = nn.LayerNorm(tuple(feature_shape)) if norm_type == 'LN2d' else nn.GroupNorm(1, feature_shape[0])
            self.with_norm = True
            self.norm_name = norm_type
            self.add_module(norm_type, norm)


class WGANNoiseTo2DFeat(nn.Module):
    """Noise (N, noise_size) -> feature map (N, out_channels, 4, 4): linear, bias, act, norm.

    The bias is added after the reshape (one per channel), so the linear layer has none.
    """

    def __init__(self,
                 noise_size: int,
                 out_channels: int,
                 act_cfg: Optional[Mapping] = frozen_cfg(type='ReLU'),
                 norm_cfg: Optional[Mapping] = frozen_cfg(type='BN'),
                 order: Sequence[str] = ('linear', 'act', 'norm')):
        super().__init__()
        if sorted(order) != ['act', 'linear', 'norm']:
            raise ValueError(f"order={tuple(order)!r}; expected a permutation of ('linear', 'act', 'norm')")
        self.noise_size = noise_size
        self.out_channels = out_channels
        self.order = tuple(order)
        self.linear = nn.Linear(noise_size, out_channels * 16, bias=False)
        self.activation = build_activation(act_cfg)
        self.bias = nn.Parameter(torch.zeros(1, out_channels, 1, 1))
        self.norm = build_norm(norm_cfg, out_channels)[1] if norm_cfg is not None else None
        nn.init.normal_(self.linear.weight, 0.0, 1.0)

    def forward(self, x: Tensor) -> Tensor:
        """(N, noise_size) -> (N, out_channels, 4, 4)."""
        for step in self.order:
            if step == 'linear':
                x = self.linear(x).reshape(-1, self.out_channels, 4, 4) + self.bias
            elif step == 'act' and self.activation is not None:
                x = self.activation(x)
            elif step == 'norm' and self.norm is not None:
                x = self.norm(x)
        return x


class WGANDecisionHead(nn.Module):
    """(N, in_channels, 4, 4) -> (N, out_channels): 4x4 conv + norm + act, then a linear layer."""

    def __init__(self,
                 in_channels: int,
                 mid_channels: int,
                 out_channels: int,
                 bias: bool = True,
                 act_cfg: Optional[Mapping] = frozen_cfg(type='ReLU'),
                 out_act: Optional[Mapping] = None,
                 norm_cfg: Optional[Mapping] = frozen_cfg(type='LN2d')):
        super().__init__()
        self.conv = ConvLNModule(in_channels, mid_channels, kernel_size=4, feature_shape=(mid_channels, 1, 1),
                                 act_cfg=act_cfg, norm_cfg=norm_cfg, order=('conv', 'norm', 'act'))
        self.linear = nn.Linear(mid_channels, out_channels, bias=bias)
        self.out_activation = build_activation(out_act)
        nn.init.normal_(self.linear.weight, 0.0, 1.0)
        if bias:
            nn.init.zeros_(self.linear.bias)

    def forward(self, x: Tensor) -> Tensor:
        x = self.linear(self.conv(x).flatten(1))
        return self.out_activation(x) if self.out_activation is not None else x


def merged_cfg(defaults: Mapping, overrides: Optional[Mapping]) -> dict:
    cfg = copy.deepcopy(dict(defaults))
    cfg.update(overrides or {})
    return cfg


@MODELS.register_module()
class WGANGPGenerator(nn.Module):
    """WGAN-GP generator: noise (N, noise_size) -> image (N, 3, out_scale, out_scale) in [-1, 1].

    Args:
        noise_size: Length of the input noise vector.
        out_scale: Side of the generated image, a power of two in [8, 128].
        conv_module_cfg: Overrides for the 3x3 ``ConvModule`` arguments (kernel, norm, act, ...).
        upsample_cfg: Upsampling between scales.
    """

    default_conv_module_cfg = frozen_cfg(kernel_size=3, stride=1, padding=1, bias=True, conv_cfg=None,
                                         act_cfg=dict(type='ReLU'), norm_cfg=dict(type='BN'),
                                         order=('conv', 'norm', 'act'))

    def __init__(self,
                 noise_size: int,
                 out_scale: int,
                 conv_module_cfg: Optional[Mapping] = None,
                 upsample_cfg: Optional[Mapping] = None):
        super().__init__()
        channels_at(out_scale, 'out_scale')
        self.noise_size = noise_size
        self.out_scale = out_scale
        self.conv_module_cfg = merged_cfg(self.default_conv_module_cfg, conv_module_cfg)
        self.upsample_cfg = dict(upsample_cfg or dict(type='nearest', scale_factor=2))

        self.noise2feat = WGANNoiseTo2DFeat(noise_size, CHANNELS_PER_SCALE[4])
        self.conv_blocks = nn.ModuleList([ConvModule(512, 512, **self.conv_module_cfg)])
        for i in range(3, int(math.log2(out_scale)) + 1):
            c_in, c_out = CHANNELS_PER_SCALE[2**(i - 1)], CHANNELS_PER_SCALE[2**i]
            self.conv_blocks.append(build_upsample(self.upsample_cfg))
            self.conv_blocks.append(ConvModule(c_in, c_out, **self.conv_module_cfg))
            self.conv_blocks.append(ConvModule(c_out, c_out, **self.conv_module_cfg))
        self.to_rgb = ConvModule(CHANNELS_PER_SCALE[out_scale], 3, kernel_size=1, act_cfg=dict(type='Tanh'))

    def forward(self,
                noise: NoiseInput = None,
                num_batches: int = 0,
                return_noise: bool = False) -> Union[Tensor, dict]:
        """Generate images.

        Args:
            noise: (N, noise_size) tensor, a sampler called with the shape, or ``None``.
            num_batches: Batch size when ``noise`` is not a tensor.
            return_noise: Return ``dict(fake_img, noise_batch)`` instead of the images.

        Returns:
            Images (N, 3, out_scale, out_scale), or the dict above.
        """
        noise_batch = sample_noise(noise, num_batches, (self.noise_size, ), module_device(self))
        x = self.noise2feat(noise_batch)
        for block in self.conv_blocks:
            x = block(x)
        img = self.to_rgb(x)
        if return_noise:
            return dict(fake_img=img, noise_batch=noise_batch)
        return img


@MODELS.register_module()
class WGANGPDiscriminator(nn.Module):
    """WGAN-GP critic: image (N, in_channel, in_scale, in_scale) -> score (N, 1).

    Args:
        in_channel: Channels of the input image.
        in_scale: Side of the input image, a power of two in [8, 128].
        conv_module_cfg: Overrides for the 3x3 conv arguments; ``norm_cfg`` may be ``LN2d`` or ``GN``.
    """

    default_conv_module_cfg = frozen_cfg(kernel_size=3, stride=1, padding=1, bias=True, conv_cfg=None,
                                         act_cfg=dict(type='LeakyReLU', negative_slope=0.2),
                                         norm_cfg=dict(type='LN2d'), order=('conv', 'norm', 'act'))

    def __init__(self, in_channel: int, in_scale: int, conv_module_cfg: Optional[Mapping] = None):
        super().__init__()
        channels_at(in_scale, 'in_scale')
        self.in_channel = in_channel
        self.in_scale = in_scale
        self.conv_module_cfg = merged_cfg(self.default_conv_module_cfg, conv_module_cfg)
        leaky = dict(type='LeakyReLU', negative_slope=0.2)

        self.from_rgb = ConvModule(in_channel, CHANNELS_PER_SCALE[in_scale], kernel_size=1, act_cfg=leaky)
        self.conv_blocks = nn.ModuleList()
        for i in range(int(math.log2(in_scale)), 2, -1):
            side = 2**i
            c, c_next = CHANNELS_PER_SCALE[side], CHANNELS_PER_SCALE[side // 2]
            self.conv_blocks.append(ConvLNModule(c, c, feature_shape=(c, side, side), **self.conv_module_cfg))
            self.conv_blocks.append(
                ConvLNModule(c, c_next, feature_shape=(c_next, side, side), **self.conv_module_cfg))
            self.conv_blocks.append(nn.AvgPool2d(kernel_size=2, stride=2))
        self.decision = WGANDecisionHead(CHANNELS_PER_SCALE[4], CHANNELS_PER_SCALE[4], 1, act_cfg=leaky,
                                         norm_cfg=self.conv_module_cfg['norm_cfg'])

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) image -> (N, 1) scores."""
        x = self.from_rgb(x)
        for block in self.conv_blocks:
            x = block(x)
        return self.decision(x)
