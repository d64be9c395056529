"""StyleGAN (v1) generator and discriminator.

Karras et al., "A Style-Based Generator Architecture for Generative Adversarial Networks", CVPR 2019
(https://arxiv.org/abs/1812.04948), grown progressively as PGGAN (``curr_scale``, ``transition_weight``).
Each resolution has two 3x3 convolutions, each followed by noise injection, leaky ReLU(0.2) and
adaptive instance norm driven by w; the first block starts from a learned 4x4 constant. The
discriminator is PGGAN's with blurred, fused-pool downsampling. Sub-module names are MMGeneration's.

Deviation, on purpose: MMGeneration builds the last ``from_rgb`` (4x4 stage) with padding 0, which
makes its own forward fail at the 4x4 and 8x8 fade-in stages; here it pads by 1. The layout is the same.
"""
from typing import Mapping, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from reelkit.registry import MODELS
from ..common.equalized_lr import EqualizedLRConvModule, EqualizedLRLinearModule, EqualLinearActModule
from ..common.layers import PixelNorm, frozen_cfg
from ..common.minibatch_std import MiniBatchStddevLayer
from ..common.upfirdn2d import Blur
from ..pggan.generator_discriminator import EqualizedLRConvDownModule, EqualizedLRConvUpModule
from .base import StyleBasedGenerator, Styles
from .stylegan2 import ConstantInput, NoiseInjection, log2_size

BLUR_KERNEL = (1, 2, 1)
LEAKY = frozen_cfg(type='LeakyReLU', negative_slope=0.2)
CHANNELS = {4: 512, 8: 512, 16: 512, 32: 512, 64: 256, 128: 128, 256: 64, 512: 32, 1024: 16}


class AdaptiveInstanceNorm(nn.Module):
    """``gamma(w) * instance_norm(x) + beta(w)``; (N, C, H, W), w (N, S) -> (N, C, H, W).

    ``affine`` maps w to (gamma, beta) = (2C,) and starts at gamma = 1, beta = 0.
    """

    def __init__(self, in_channel: int, style_dim: int):
        super().__init__()
        self.norm = nn.InstanceNorm2d(in_channel)
        self.affine = EqualizedLRLinearModule(style_dim, in_channel * 2)
        with torch.no_grad():
            self.affine.bias[:in_channel] = 1
            self.affine.bias[in_channel:] = 0

    def forward(self, x: Tensor, style: Tensor) -> Tensor:
        gamma, beta = self.affine(style)[:, :, None, None].chunk(2, dim=1)
        return gamma * self.norm(x) + beta


class StyleConv(nn.Module):
    """Two (conv, noise, leaky ReLU, AdaIN) steps; the first conv is the 4x4 constant (``initial``) or an
    upsampling conv followed by a blur. (N, C_in, H, W), w1, w2 (N, S) -> (N, C_out, 2H, 2W).

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        kernel_size: Conv kernel size.
        style_channels: Length of w.
        padding: Conv padding.
        initial: Start from a learned constant instead of the input.
        blur_kernel: FIR kernel of the blur after upsampling.
        upsample: Upsample (nearest) before the first conv.
        fused: Put a leaky ReLU inside the upsampling conv (MMGeneration's "fused" block).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 style_channels: int,
                 padding: int = 1,
                 initial: bool = False,
                 blur_kernel: Sequence[int] = BLUR_KERNEL,
                 upsample: bool = False,
                 fused: bool = False):
        super().__init__()
        if initial:
            self.conv1 = ConstantInput(in_channels)
        elif upsample and fused:
            self.conv1 = nn.Sequential(
                EqualizedLRConvUpModule(in_channels, out_channels, kernel_size, padding=padding, act_cfg=LEAKY),
                Blur(blur_kernel, pad=(1, 1)))
        elif upsample:
            self.conv1 = nn.Sequential(
                nn.Upsample(scale_factor=2, mode='nearest'),
                EqualizedLRConvModule(in_channels, out_channels, kernel_size, padding=padding, act_cfg=None),
                Blur(blur_kernel, pad=(1, 1)))
        else:
            self.conv1 = EqualizedLRConvModule(in_channels, out_channels, kernel_size, padding=padding, act_cfg=None)
        self.noise_injector1 = NoiseInjection()
        self.activate1 = nn.LeakyReLU(0.2)
        self.adain1 = AdaptiveInstanceNorm(out_channels, style_channels)
        self.conv2 = EqualizedLRConvModule(out_channels, out_channels, kernel_size, padding=padding, act_cfg=None)
        self.noise_injector2 = NoiseInjection()
        self.activate2 = nn.LeakyReLU(0.2)
        self.adain2 = AdaptiveInstanceNorm(out_channels, style_channels)

    def forward(self, x: Tensor, style1: Tensor, style2: Tensor, noise1: Optional[Tensor] = None,
                noise2: Optional[Tensor] = None) -> Tensor:
        out = self.adain1(self.activate1(self.noise_injector1(self.conv1(x), noise=noise1)), style1)
        return self.adain2(self.activate2(self.noise_injector2(self.conv2(out), noise=noise2)), style2)


@MODELS.register_module()
class StyleGANv1Generator(StyleBasedGenerator):
    """StyleGAN generator: z (N, style_channels) -> image (N, 3, S, S) at ``curr_scale`` (default ``out_size``).

    Args:
        out_size: Final side of the generated image, a power of two in [4, 1024].
        style_channels: Length of z and w.
        num_mlps: Layers of the mapping network.
        blur_kernel: FIR kernel of the blur after upsampling.
        lr_mlp: Learning-rate multiplier of the mapping network.
        default_style_mode: ``'mix'`` or ``'single'``, used in training.
        eval_style_mode: The style mode in eval mode.
        mix_prob: Probability of style mixing for sampled styles in ``'mix'`` mode.
    """

    def __init__(self,
                 out_size: int,
                 style_channels: int,
                 num_mlps: int = 8,
                 blur_kernel: Sequence[int] = BLUR_KERNEL,
                 lr_mlp: float = 0.01,
                 default_style_mode: str = 'mix',
                 eval_style_mode: str = 'single',
                 mix_prob: float = 0.9):
        super().__init__()
        self._init_style_modes(default_style_mode, eval_style_mode, mix_prob)
        self.out_size = out_size
        self.style_channels = style_channels
        self.num_mlps = num_mlps
        self.lr_mlp = lr_mlp
        self.channels = dict(CHANNELS)
        self.log_size = log2_size(out_size, 'out_size', self.channels)

        mapping = [PixelNorm()]
        for _ in range(num_mlps):
            mapping.append(
                EqualLinearActModule(style_channels, style_channels, equalized_lr_cfg=dict(lr_mul=lr_mlp, gain=1.),
                                     act_cfg=dict(LEAKY)))
        self.style_mapping = nn.Sequential(*mapping)

        self.convs = nn.ModuleList()
        self.to_rgbs = nn.ModuleList()
        in_channels = self.channels[4]
        for i in range(2, self.log_size + 1):
            out_channels = self.channels[2**i]
            self.convs.append(
                StyleConv(in_channels, out_channels, 3, style_channels, initial=i == 2, blur_kernel=blur_kernel,
                          upsample=True, fused=True))
            self.to_rgbs.append(EqualizedLRConvModule(out_channels, 3, 1, act_cfg=None))
            in_channels = out_channels

        self.num_latents = self.log_size * 2 - 2
        # two noise maps per resolution, from 4x4
        self.register_injected_noises([2**((idx + 4) // 2) for idx in range(self.num_latents)])

    def forward(self,
                styles: Styles = None,
                num_batches: int = -1,
                return_noise: bool = False,
                return_latents: bool = False,
                inject_index: Optional[int] = None,
                truncation: float = 1,
                truncation_latent: Optional[Tensor] = None,
                input_is_latent: bool = False,
                injected_noise: Optional[Sequence[Optional[Tensor]]] = None,
                randomize_noise: bool = True,
                transition_weight: float = 1.,
                curr_scale: int = -1,
                *,
                noise: Styles = None) -> Union[Tensor, dict]:
        """Generate images at ``curr_scale``; the style arguments are those of
        :meth:`StyleGANv2Generator.forward`.

        Args:
            transition_weight: Fade-in weight of the newest stage; in [0, 1) it blends with the upsampled
                output of the previous stage.
            curr_scale: Side of the active stage (``out_size`` when < 0).

        Returns:
            Images (N, 3, curr_scale, curr_scale), or ``dict(fake_img, latent, inject_index, noise_batch)``.
        """
        if noise is not None:
            if styles is not None:
                raise ValueError('pass the styles either as styles or as noise, not both')
            styles = noise
        latent, noise_batch, inject_index = self.make_latent(styles, num_batches, input_is_latent, truncation,
                                                             truncation_latent, inject_index)
        noises = self.injected_noises(injected_noise, randomize_noise)
        curr_log = self.log_size if curr_scale < 0 else log2_size(curr_scale, 'curr_scale', self.channels)
        if curr_log > self.log_size:
            raise ValueError(f'curr_scale={curr_scale} exceeds out_size={self.out_size}')
        step = curr_log - 2

        out = latent
        for i in range(step + 1):
            prev = out
            out = self.convs[i](out, latent[:, 2 * i], latent[:, 2 * i + 1], noise1=noises[2 * i],
                                noise2=noises[2 * i + 1])
        img = self.to_rgbs[step](out)
        if step > 0 and 0 <= transition_weight < 1:
            skip = F.interpolate(self.to_rgbs[step - 1](prev), scale_factor=2, mode='nearest')
            img = (1 - transition_weight) * skip + transition_weight * img

        if return_latents or return_noise:
            return dict(fake_img=img, latent=latent, inject_index=inject_index, noise_batch=noise_batch)
        return img


@MODELS.register_module()
class StyleGAN1Discriminator(nn.Module):
    """StyleGAN discriminator: image (N, 3, S, S) -> score (N, 1) at ``curr_scale`` (default ``in_size``).

    Args:
        in_size: Final side of the input images, a power of two in [4, 1024].
        blur_kernel: FIR kernel of the blur before downsampling.
        mbstd_cfg: Arguments of the minibatch-stddev layer, ``None`` for none.
    """

    def __init__(self,
                 in_size: int,
                 blur_kernel: Sequence[int] = BLUR_KERNEL,
                 mbstd_cfg: Optional[Mapping] = frozen_cfg(group_size=4)):
        super().__init__()
        self.with_mbstd = mbstd_cfg is not None
        self.log_size = log2_size(in_size, 'in_size', CHANNELS)
        in_channels = CHANNELS[in_size]
        self.convs = nn.ModuleList()
        self.from_rgb = nn.ModuleList()
        for i in range(self.log_size, 2, -1):
            out_channels = CHANNELS[2**(i - 1)]
            self.from_rgb.append(EqualizedLRConvModule(3, in_channels, kernel_size=3, padding=1, act_cfg=LEAKY))
            self.convs.append(
                nn.Sequential(
                    EqualizedLRConvModule(in_channels, out_channels, kernel_size=3, padding=1, bias=True,
                                          norm_cfg=None, act_cfg=LEAKY),
                    Blur(blur_kernel, pad=(1, 1)),
                    EqualizedLRConvDownModule(out_channels, out_channels, kernel_size=3, stride=2, padding=1,
                                              act_cfg=None),
                    nn.LeakyReLU(negative_slope=0.2, inplace=True)))
            in_channels = out_channels
        self.from_rgb.append(EqualizedLRConvModule(3, in_channels, kernel_size=3, padding=1, act_cfg=LEAKY))
        mbstd_channels = 1 if self.with_mbstd else 0
        self.convs.append(
            nn.Sequential(
                EqualizedLRConvModule(in_channels + mbstd_channels, 512, kernel_size=3, padding=1, bias=True,
                                      norm_cfg=None, act_cfg=LEAKY),
                EqualizedLRConvModule(512, 512, kernel_size=4, padding=0, bias=True, norm_cfg=None, act_cfg=None)))
        if self.with_mbstd:
            self.mbstd_layer = MiniBatchStddevLayer(**mbstd_cfg)
        self.final_linear = nn.Sequential(EqualLinearActModule(CHANNELS[4], 1))
        self.n_layer = len(self.convs)

    def forward(self, x: Tensor, transition_weight: float = 1., curr_scale: int = -1) -> Tensor:
        """(N, 3, S, S) images -> (N, 1) scores at ``curr_scale``, fading in the newest stage."""
        curr_log = self.log_size if curr_scale < 0 else log2_size(curr_scale, 'curr_scale', CHANNELS)
        step = curr_log - 2
        out = self.from_rgb[self.n_layer - step - 1](x)
        for i in range(step, -1, -1):
            index = self.n_layer - i - 1
            if i == 0 and self.with_mbstd:
                out = self.mbstd_layer(out)
            out = self.convs[index](out)
            if 0 < i == step and 0 <= transition_weight < 1:
                skip = self.from_rgb[index + 1](F.avg_pool2d(x, 2))
                out = (1 - transition_weight) * skip + transition_weight * out
        return self.final_linear(out.flatten(1))
