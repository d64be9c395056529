"""StyleGAN2 generator and discriminator.

Karras et al., "Analyzing and Improving the Image Quality of StyleGAN", CVPR 2020
(https://arxiv.org/abs/1912.04958), config-f, in MMGeneration's layout.

Generator: an 8-layer mapping MLP (pixel norm, equalized LR with ``lr_mlp``, fused leaky ReLU) maps
z to w; a learned 4x4 constant is refined by modulated/demodulated 3x3 convolutions, two per resolution
(the first upsamples with a transposed conv and a FIR blur), each followed by per-pixel noise
(``injected_noise_<i>`` buffers hold one fixed noise map per layer) and a fused bias-leaky-ReLU. Skip
``to_rgb`` layers sum the upsampled RGB outputs. Style mixing feeds two w's to the layers before and
after ``inject_index``; truncation pulls w towards the mean w.

Discriminator: residual blocks with FIR-blurred stride-2 convolutions, a minibatch-stddev layer, a 3x3
conv and two equalized-LR linear layers.

``num_fp16_scales``/``fp16_enabled`` run the highest-resolution blocks (or all) under float16
autocast on CUDA; they change no parameter.
"""
import contextlib
import math
from typing import Dict, List, Mapping, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from reelkit.registry import MODELS
from ..common import module_device
from ..common.bias_act import FusedBiasLeakyReLU
from ..common.equalized_lr import EqualizedLRConvModule, EqualLinearActModule, equalized_lr
from ..common.layers import PixelNorm, frozen_cfg
from ..common.minibatch_std import ModMBStddevLayer
from ..common.upfirdn2d import Blur, UpsampleUpFIRDn
from .base import StyleBasedGenerator, Styles

BLUR_KERNEL = (1, 3, 3, 1)


def stylegan2_channels(channel_multiplier: int, channel_max: Optional[int] = None) -> Dict[int, int]:
    """Feature channels per resolution of StyleGAN2 (config-f: ``channel_multiplier=2``), each at most
    ``channel_max`` when given (``None``: config-f's 512 up to 32x32)."""
    channels = {4: 512, 8: 512, 16: 512, 32: 512, 64: 256 * channel_multiplier, 128: 128 * channel_multiplier,
                256: 64 * channel_multiplier, 512: 32 * channel_multiplier, 1024: 16 * channel_multiplier}
    if channel_max is None:
        return channels
    if not isinstance(channel_max, int) or isinstance(channel_max, bool) or channel_max < 1:
        raise ValueError(f'channel_max={channel_max!r}; expected a positive integer or None')
    return {size: min(width, channel_max) for size, width in channels.items()}


def log2_size(size: int, arg: str, channels: Mapping[int, int]) -> int:
    if size not in channels:
        raise ValueError(f'{arg}={size} is not supported; expected one of {sorted(channels)}')
    return int(math.log2(size))


def fp16_autocast(enabled: bool, x: Tensor):
    """float16 autocast on CUDA when ``enabled`` (a no-op context otherwise)."""
    if enabled and x.is_cuda:
        return torch.autocast(device_type='cuda', dtype=torch.float16)
    return contextlib.nullcontext()


class ModulatedConv2d(nn.Module):
    """Convolution whose weight is scaled per sample by the style (and demodulated to unit norm).

    (N, C_in, H, W), style (N, style_channels) -> (N, C_out, H', W'), H' = 2H with ``upsample``,
    H/2 with ``downsample``. The weight is stored as ``weight_orig`` (1, C_out, C_in, k, k).

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        kernel_size: Odd kernel size.
        style_channels: Length of the style vector.
        demodulate: Normalise each output filter to unit L2 norm after modulation.
        upsample: Transposed stride-2 conv followed by a FIR blur.
        downsample: FIR blur followed by a stride-2 conv.
        blur_kernel: FIR kernel of the blur.
        equalized_lr_cfg: Equalized LR of the weight.
        style_mod_cfg: Arguments of the style-to-scale linear layer (``bias_init=1``: start at scale 1).
        style_bias: Constant added to the scales.
        eps: Added before the demodulation's reciprocal square root.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 style_channels: int,
                 demodulate: bool = True,
                 upsample: bool = False,
                 downsample: bool = False,
                 blur_kernel: Sequence[int] = BLUR_KERNEL,
                 equalized_lr_cfg: Optional[Mapping] = frozen_cfg(mode='fan_in', lr_mul=1., gain=1.),
                 style_mod_cfg: Optional[Mapping] = frozen_cfg(bias_init=1.),
                 style_bias: float = 0.,
                 eps: float = 1e-8):
        super().__init__()
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'kernel_size={kernel_size} must be a positive odd number')
        if upsample and downsample:
            raise ValueError('upsample and downsample cannot both be set')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.style_channels = style_channels
        self.demodulate = demodulate
        self.upsample = upsample
        self.downsample = downsample
        self.style_bias = style_bias
        self.eps = eps
        self.padding = kernel_size // 2

        self.style_modulation = EqualLinearActModule(style_channels, in_channels, **(style_mod_cfg or {}))
        lr_mul = (equalized_lr_cfg or {}).get('lr_mul', 1.)
        self.weight = nn.Parameter(torch.randn(1, out_channels, in_channels, kernel_size, kernel_size) / lr_mul)
        factor = 2
        if upsample:
            p = (len(blur_kernel) - factor) - (kernel_size - 1)
            self.blur = Blur(blur_kernel, ((p + 1) // 2 + factor - 1, p // 2 + 1), upsample_factor=factor)
        if downsample:
            p = (len(blur_kernel) - factor) + (kernel_size - 1)
            self.blur = Blur(blur_kernel, ((p + 1) // 2, p // 2))
        if equalized_lr_cfg is not None:
            equalized_lr(self, **equalized_lr_cfg)

    def forward(self, x: Tensor, style: Tensor) -> Tensor:
        """(N, C_in, H, W), (N, style_channels) -> (N, C_out, H', W')."""
        N, C, H, W = x.shape
        k = self.kernel_size
        scales = self.style_modulation(style).reshape(N, 1, C, 1, 1) + self.style_bias
        weight = self.weight * scales  # (N, C_out, C_in, k, k)
        if self.demodulate:
            demod = torch.rsqrt(weight.pow(2).sum([2, 3, 4]) + self.eps)
            weight = weight * demod.reshape(N, self.out_channels, 1, 1, 1)

        # One grouped convolution over the batch: group n uses sample n's weight.
        if self.upsample:
            weight = weight.transpose(1, 2).reshape(N * C, self.out_channels, k, k)
            x = F.conv_transpose2d(x.reshape(1, N * C, H, W), weight, padding=0, stride=2, groups=N)
            x = self.blur(x.reshape(N, self.out_channels, *x.shape[-2:]))
            return x
        weight = weight.reshape(N * self.out_channels, C, k, k)
        if self.downsample:
            x = self.blur(x)
            x = F.conv2d(x.reshape(1, N * C, *x.shape[-2:]), weight, stride=2, padding=0, groups=N)
        else:
            x = F.conv2d(x.reshape(1, N * C, H, W), weight, stride=1, padding=self.padding, groups=N)
        return x.reshape(N, self.out_channels, *x.shape[-2:])


class NoiseInjection(nn.Module):
    """Adds ``weight * noise`` with noise (N, 1, H, W) ~ N(0, 1) unless given; the ``weight`` (1,) starts at 0."""

    def __init__(self, noise_weight_init: float = 0.):
        super().__init__()
        self.weight = nn.Parameter(torch.full((1, ), float(noise_weight_init)))

    def forward(self, x: Tensor, noise: Optional[Tensor] = None) -> Tensor:
        if noise is None:
            N, _, H, W = x.shape
            noise = x.new_empty(N, 1, H, W).normal_()
        return x + self.weight * noise


class ConstantInput(nn.Module):
    """The learned constant ``input`` (1, C, H, W), repeated over the batch of ``x``."""

    def __init__(self, channel: int, size: Union[int, Sequence[int]] = 4):
        super().__init__()
        size = (size, size) if isinstance(size, int) else tuple(size)
        if len(size) != 2:
            raise ValueError(f'size must be an int or (H, W), got {size!r}')
        self.input = nn.Parameter(torch.randn(1, channel, *size))

    def forward(self, x: Tensor) -> Tensor:
        return self.input.repeat(x.shape[0], 1, 1, 1)


class ModulatedStyleConv(nn.Module):
    """Modulated conv, noise injection and fused bias-leaky-ReLU.

    (N, C_in, H, W), style (N, S) -> (N, C_out, H', W'). Arguments as in :class:`ModulatedConv2d`;
    ``fp16_enabled`` runs it under float16 autocast on CUDA.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 style_channels: int,
                 upsample: bool = False,
                 blur_kernel: Sequence[int] = BLUR_KERNEL,
                 demodulate: bool = True,
                 style_mod_cfg: Optional[Mapping] = frozen_cfg(bias_init=1.),
                 style_bias: float = 0.,
                 fp16_enabled: bool = False):
        super().__init__()
        self.fp16_enabled = fp16_enabled
        self.conv = ModulatedConv2d(in_channels, out_channels, kernel_size, style_channels, demodulate=demodulate,
                                    upsample=upsample, blur_kernel=blur_kernel, style_mod_cfg=style_mod_cfg,
                                    style_bias=style_bias)
        self.noise_injector = NoiseInjection()
        self.activate = FusedBiasLeakyReLU(out_channels)

    def forward(self, x: Tensor, style: Tensor, noise: Optional[Tensor] = None, add_noise: bool = True) -> Tensor:
        with fp16_autocast(self.fp16_enabled, x):
            out = self.conv(x, style)
            if add_noise:
                out = self.noise_injector(out, noise=noise)
            return self.activate(out)


class ModulatedToRGB(nn.Module):
    """1x1 modulated conv (no demodulation) to RGB plus ``bias`` (1, C, 1, 1), added to the upsampled skip.

    (N, C_in, H, W), style (N, S), skip (N, C, H/2, W/2) -> (N, C, H, W).
    """

    def __init__(self,
                 in_channels: int,
                 style_channels: int,
                 out_channels: int = 3,
                 upsample: bool = True,
                 blur_kernel: Sequence[int] = BLUR_KERNEL,
                 style_mod_cfg: Optional[Mapping] = frozen_cfg(bias_init=1.),
                 style_bias: float = 0.,
                 fp16_enabled: bool = False):
        super().__init__()
        self.fp16_enabled = fp16_enabled
        if upsample:
            self.upsample = UpsampleUpFIRDn(blur_kernel)
        self.conv = ModulatedConv2d(in_channels, out_channels, kernel_size=1, style_channels=style_channels,
                                    demodulate=False, style_mod_cfg=style_mod_cfg, style_bias=style_bias)
        self.bias = nn.Parameter(torch.zeros(1, out_channels, 1, 1))

    def forward(self, x: Tensor, style: Tensor, skip: Optional[Tensor] = None) -> Tensor:
        with fp16_autocast(self.fp16_enabled, x):
            out = self.conv(x, style) + self.bias
            if skip is not None:
                out = out + self.upsample(skip)
            return out


class ConvDownLayer(nn.Sequential):
    """[FIR blur], equalized-LR conv (stride 2 after the blur), [fused bias-leaky-ReLU].

    (N, C_in, H, W) -> (N, C_out, H', W'); ``act_cfg=dict(type='fused_bias')`` puts the bias in the
    activation, ``None`` keeps a plain (optionally biased) conv.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 downsample: bool = False,
                 blur_kernel: Sequence[int] = BLUR_KERNEL,
                 bias: bool = True,
                 act_cfg: Optional[Mapping] = frozen_cfg(type='fused_bias'),
                 fp16_enabled: bool = False):
        layers = []
        if downsample:
            p = (len(blur_kernel) - 2) + (kernel_size - 1)
            layers.append(Blur(blur_kernel, pad=((p + 1) // 2, p // 2)))
            stride, padding = 2, 0
        else:
            stride, padding = 1, kernel_size // 2
        fused = act_cfg is not None and act_cfg.get('type') == 'fused_bias'
        layers.append(
            EqualizedLRConvModule(in_channels, out_channels, kernel_size, padding=padding, stride=stride,
                                  bias=bias and not fused, norm_cfg=None, act_cfg=None if fused else act_cfg,
                                  equalized_lr_cfg=dict(mode='fan_in', gain=1.)))
        if fused:
            layers.append(FusedBiasLeakyReLU(out_channels))
        super().__init__(*layers)
        self.fp16_enabled = fp16_enabled

    def forward(self, x: Tensor) -> Tensor:
        with fp16_autocast(self.fp16_enabled, x):
            return super().forward(x)


class ResBlock(nn.Module):
    """Discriminator residual block: 3x3 conv, blurred stride-2 3x3 conv, and a blurred 1x1 skip,
    summed and divided by sqrt(2). (N, C_in, H, W) -> (N, C_out, H/2, W/2)."""

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 blur_kernel: Sequence[int] = BLUR_KERNEL,
                 fp16_enabled: bool = False,
                 convert_input_fp32: bool = True):
        super().__init__()
        self.fp16_enabled = fp16_enabled
        self.convert_input_fp32 = convert_input_fp32
        self.conv1 = ConvDownLayer(in_channels, in_channels, 3, blur_kernel=blur_kernel)
        self.conv2 = ConvDownLayer(in_channels, out_channels, 3, downsample=True, blur_kernel=blur_kernel)
        self.skip = ConvDownLayer(in_channels, out_channels, 1, downsample=True, act_cfg=None, bias=False,
                                  blur_kernel=blur_kernel)

    def forward(self, x: Tensor) -> Tensor:
        if not self.fp16_enabled and self.convert_input_fp32:
            x = x.float()
        with fp16_autocast(self.fp16_enabled, x):
            out = self.conv2(self.conv1(x))
            return (out + self.skip(x)) / math.sqrt(2)


@MODELS.register_module()
class StyleGANv2Generator(StyleBasedGenerator):
    """StyleGAN2 generator: z (N, style_channels) -> image (N, 3, out_size, out_size).

    Args:
        out_size: Side of the generated image, a power of two in [4, 1024].
        style_channels: Length of z and w.
        num_mlps: Layers of the mapping network.
        channel_multiplier: Width factor of the resolutions >= 64 (2 for config-f).
        blur_kernel: FIR kernel of the up/downsampling.
        lr_mlp: Learning-rate multiplier of the mapping network.
        default_style_mode: ``'mix'`` (style mixing with probability ``mix_prob``) or ``'single'``, used
            in training.
        eval_style_mode: The style mode in eval mode.
        mix_prob: Probability of style mixing for sampled styles in ``'mix'`` mode.
        num_fp16_scales: Run the blocks of this many highest resolutions in float16 (CUDA autocast).
        fp16_enabled: Run every block in float16 (CUDA autocast).
        channel_max: Cap on the feature channels of every resolution (small models); ``None``, the
            default, keeps config-f's widths and MMGeneration's layout.
    """

    def __init__(self,
                 out_size: int,
                 style_channels: int,
                 num_mlps: int = 8,
                 channel_multiplier: int = 2,
                 blur_kernel: Sequence[int] = BLUR_KERNEL,
                 lr_mlp: float = 0.01,
                 default_style_mode: str = 'mix',
                 eval_style_mode: str = 'single',
                 mix_prob: float = 0.9,
                 num_fp16_scales: int = 0,
                 fp16_enabled: bool = False,
                 channel_max: Optional[int] = None):
        super().__init__()
        self._init_style_modes(default_style_mode, eval_style_mode, mix_prob)
        self.out_size = out_size
        self.style_channels = style_channels
        self.num_mlps = num_mlps
        self.channel_multiplier = channel_multiplier
        self.lr_mlp = lr_mlp
        self.num_fp16_scales = num_fp16_scales
        self.fp16_enabled = fp16_enabled
        self.channels = stylegan2_channels(channel_multiplier, channel_max)
        self.log_size = log2_size(out_size, 'out_size', self.channels)

        mapping = [PixelNorm()]
        for _ in range(num_mlps):
            mapping.append(
                EqualLinearActModule(style_channels, style_channels, equalized_lr_cfg=dict(lr_mul=lr_mlp, gain=1.),
                                     act_cfg=dict(type='fused_bias')))
        self.style_mapping = nn.Sequential(*mapping)

        self.constant_input = ConstantInput(self.channels[4])
        self.conv1 = ModulatedStyleConv(self.channels[4], self.channels[4], 3, style_channels,
                                        blur_kernel=blur_kernel)
        self.to_rgb1 = ModulatedToRGB(self.channels[4], style_channels, upsample=False, fp16_enabled=fp16_enabled)

        self.convs = nn.ModuleList()
        self.to_rgbs = nn.ModuleList()
        in_channels = self.channels[4]
        for i in range(3, self.log_size + 1):
            out_channels = self.channels[2**i]
            use_fp16 = (self.log_size - i) < num_fp16_scales or fp16_enabled
            self.convs.append(
                ModulatedStyleConv(in_channels, out_channels, 3, style_channels, upsample=True,
                                   blur_kernel=blur_kernel, fp16_enabled=use_fp16))
            self.convs.append(
                ModulatedStyleConv(out_channels, out_channels, 3, style_channels, upsample=False,
                                   blur_kernel=blur_kernel, fp16_enabled=use_fp16))
            self.to_rgbs.append(ModulatedToRGB(out_channels, style_channels, upsample=True, fp16_enabled=use_fp16))
            in_channels = out_channels

        self.num_latents = self.log_size * 2 - 2
        # one noise map at 4x4, then two per resolution
        self.register_injected_noises([2**((idx + 5) // 2) for idx in range(self.num_latents - 1)])

    def make_injected_noise(self) -> List[Tensor]:
        """Fresh noise maps, one per noise-injection layer: [(1, 1, 4, 4), (1, 1, 8, 8) x 2, ...]."""
        device = module_device(self)
        return [torch.randn_like(getattr(self, f'injected_noise_{i}'), device=device)
                for i in range(self.num_injected_noises)]

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
                add_noise: bool = True,
                randomize_noise: bool = True,
                *,
                noise: Styles = None) -> Union[Tensor, dict]:
        """Generate images.

        Args:
            styles: z (N, style_channels), a list of two z's (style mixing), a sampler called with the
                shape, or ``None`` to sample (mixing with probability ``mix_prob`` in ``'mix'`` mode).
                With ``input_is_latent``, w (N, style_channels) or (N, num_latents, style_channels).
            num_batches: Batch size when the styles are sampled here.
            return_noise: Return ``dict(fake_img, latent, inject_index, noise_batch)``.
            return_latents: Same dict (the path-length regulariser needs ``latent``).
            inject_index: Layer where the second style takes over; random when mixing and ``None``.
            truncation: Pull w towards ``truncation_latent`` by this factor when < 1.
            truncation_latent: Mean w; computed once (and cached) when needed and not given.
            input_is_latent: ``styles`` are w, not z.
            injected_noise: One noise map per layer (``None`` entries sample); overrides the next two.
            add_noise: Inject noise at all.
            randomize_noise: Sample the noise (``True``) or use the ``injected_noise_<i>`` buffers.
            noise: Alias of ``styles``, for callers that pass the noise by keyword.

        Returns:
            Images (N, 3, out_size, out_size) in float32, or the dict above.
        """
        if noise is not None:
            if styles is not None:
                raise ValueError('pass the styles either as styles or as noise, not both')
            styles = noise
        latent, noise_batch, inject_index = self.make_latent(styles, num_batches, input_is_latent, truncation,
                                                             truncation_latent, inject_index)
        noises = self.injected_noises(injected_noise, randomize_noise)

        out = self.constant_input(latent)
        out = self.conv1(out, latent[:, 0], noise=noises[0], add_noise=add_noise)
        skip = self.to_rgb1(out, latent[:, 1])
        idx = 1
        for up_conv, conv, noise1, noise2, to_rgb in zip(self.convs[::2], self.convs[1::2], noises[1::2],
                                                         noises[2::2], self.to_rgbs):
            out = up_conv(out, latent[:, idx], noise=noise1, add_noise=add_noise)
            out = conv(out, latent[:, idx + 1], noise=noise2, add_noise=add_noise)
            skip = to_rgb(out, latent[:, idx + 2], skip)
            idx += 2
        img = skip.float()

        if return_latents or return_noise:
            return dict(fake_img=img, latent=latent, inject_index=inject_index, noise_batch=noise_batch)
        return img


@MODELS.register_module()
class StyleGAN2Discriminator(nn.Module):
    """StyleGAN2 discriminator: image (N, 3, in_size, in_size) -> score (N, 1).

    Args:
        in_size: Side of the input image, a power of two in [8, 1024].
        channel_multiplier: Width factor of the resolutions >= 64.
        blur_kernel: FIR kernel of the downsampling.
        mbstd_cfg: Arguments of :class:`ModMBStddevLayer`.
        num_fp16_scales: Run the blocks of this many highest resolutions in float16 (CUDA autocast).
        fp16_enabled: Run every block in float16 (CUDA autocast).
        out_fp32: Return float32 scores.
        convert_input_fp32: Cast the input of float32 blocks to float32.
        input_bgr2rgb: Flip the input channel order (for weights trained on RGB inputs).
        channel_max: Cap on the feature channels of every resolution (small models); ``None``, the
            default, keeps config-f's widths and MMGeneration's layout.
    """

    def __init__(self,
                 in_size: int,
                 channel_multiplier: int = 2,
                 blur_kernel: Sequence[int] = BLUR_KERNEL,
                 mbstd_cfg: Mapping = frozen_cfg(group_size=4, channel_groups=1),
                 num_fp16_scales: int = 0,
                 fp16_enabled: bool = False,
                 out_fp32: bool = True,
                 convert_input_fp32: bool = True,
                 input_bgr2rgb: bool = False,
                 channel_max: Optional[int] = None):
        super().__init__()
        channels = stylegan2_channels(channel_multiplier, channel_max)
        log_size = log2_size(in_size, 'in_size', channels)
        self.num_fp16_scale = num_fp16_scales
        self.fp16_enabled = fp16_enabled
        self.out_fp32 = out_fp32
        self.convert_input_fp32 = convert_input_fp32
        self.input_bgr2rgb = input_bgr2rgb

        convs = [ConvDownLayer(3, channels[in_size], 1, fp16_enabled=num_fp16_scales > 0)]
        in_channels = channels[in_size]
        for i in range(log_size, 2, -1):
            out_channels = channels[2**(i - 1)]
            use_fp16 = (log_size - i) < num_fp16_scales or fp16_enabled
            convs.append(ResBlock(in_channels, out_channels, blur_kernel, fp16_enabled=use_fp16,
                                  convert_input_fp32=convert_input_fp32))
            in_channels = out_channels
        self.convs = nn.Sequential(*convs)
        self.mbstd_layer = ModMBStddevLayer(**mbstd_cfg)
        self.final_conv = ConvDownLayer(in_channels + self.mbstd_layer.channel_groups, channels[4], 3)
        self.final_linear = nn.Sequential(
            EqualLinearActModule(channels[4] * 4 * 4, channels[4], act_cfg=dict(type='fused_bias')),
            EqualLinearActModule(channels[4], 1),
        )

    def forward(self, x: Tensor) -> Tensor:
        """(N, 3, S, S) image -> (N, 1) scores."""
        if self.input_bgr2rgb:
            x = x[:, [2, 1, 0]]
        with fp16_autocast(self.fp16_enabled, x):
            x = self.convs(x)
            x = self.mbstd_layer(x)
            if self.convert_input_fp32:
                x = x.float()
            x = self.final_conv(x)
            x = self.final_linear(x.flatten(1))
        return x.float() if self.out_fp32 else x
