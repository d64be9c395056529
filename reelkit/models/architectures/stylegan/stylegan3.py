"""StyleGAN3 (alias-free) generator.

Karras et al., "Alias-Free Generative Adversarial Networks", NeurIPS 2021
(https://arxiv.org/abs/2106.12423), following NVIDIA's reference (https://github.com/NVlabs/stylegan3) in
MMGeneration's layout. A 2-layer mapping network (with a running mean ``w_avg`` for truncation) feeds
``SynthesisInput`` (Fourier features, rotated/translated by w) and ``num_layers + 1`` synthesis layers:
modulated conv, then a *filtered* leaky ReLU (upsample with a low-pass filter, nonlinearity, low-pass
and downsample) whose cutoffs, stopbands, sampling rates and sizes follow a geometric progression from
``first_cutoff`` to the output Nyquist frequency. Layer names carry their size and width
(``L3_52_512``), as in the checkpoints. The ``-T`` configs use separable Kaiser filters, the ``-R``
configs (``use_radial_filters``, 1x1 convs) radially symmetric jinc filters.

Filters are designed here without SciPy (Kaiser-window FIR design, as ``scipy.signal.firwin``), and the
filtered leaky ReLU runs on the plain-PyTorch :func:`upfirdn2d`.
"""
import math
from typing import Mapping, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from reelkit.registry import MODELS
from ..common import frozen_cfg, module_device, sample_noise
from ..common.upfirdn2d import upfirdn2d

ACTIVATIONS = ('linear', 'lrelu')


def kaiser_atten(numtaps: int, width: float) -> float:
    """Attenuation (dB) of a Kaiser FIR filter with ``numtaps`` taps and transition ``width`` (in Nyquist units)."""
    return 2.285 * (numtaps - 1) * math.pi * width + 7.95


def kaiser_beta(atten: float) -> float:
    """Kaiser window shape parameter for an attenuation in dB."""
    if atten > 50:
        return 0.1102 * (atten - 8.7)
    if atten > 21:
        return 0.5842 * (atten - 21)**0.4 + 0.07886 * (atten - 21)
    return 0.0


def design_lowpass_filter(numtaps: int, cutoff: float, width: float, fs: float,
                          radial: bool = False) -> Optional[Tensor]:
    """A unit-gain low-pass FIR filter, or ``None`` (identity) for a single tap.

    Args:
        numtaps: Filter length.
        cutoff: Cutoff frequency.
        width: Width of the transition band (sets the Kaiser window).
        fs: Sampling rate.
        radial: A 2-D radially symmetric jinc filter (numtaps, numtaps) instead of a separable 1-D
            windowed sinc (numtaps,).
    """
    if numtaps < 1:
        raise ValueError(f'numtaps={numtaps} must be positive')
    if numtaps == 1:
        return None
    nyquist = fs / 2
    beta = kaiser_beta(kaiser_atten(numtaps, width / nyquist))
    window = np.kaiser(numtaps, beta)
    if not radial:
        m = np.arange(numtaps) - (numtaps - 1) / 2
        c = cutoff / nyquist
        h = c * np.sinc(c * m) * window
        return torch.as_tensor(h / h.sum(), dtype=torch.float32)
    x = (np.arange(numtaps) - (numtaps - 1) / 2) / fs
    r = torch.as_tensor(np.hypot(*np.meshgrid(x, x)), dtype=torch.float64, device='cpu')
    arg = 2 * cutoff * math.pi * r
    f = torch.where(r > 0, torch.special.bessel_j1(arg) / (math.pi * r.clamp_min(1e-30)),
                    torch.full_like(r, cutoff)).numpy()  # limit of J1(2 pi c r) / (pi r) at r = 0
    f = f * np.outer(window, window)
    return torch.as_tensor(f / f.sum(), dtype=torch.float32)


def bias_act(x: Tensor, b: Optional[Tensor] = None, act: str = 'linear', slope: float = 0.2,
             gain: Optional[float] = None, clamp: Optional[float] = None) -> Tensor:
    """Bias along dim 1, then ``'linear'`` or ``'lrelu'`` (slope 0.2, gain sqrt 2 by default), then clamp."""
    if act not in ACTIVATIONS:
        raise ValueError(f'act={act!r}; expected one of {list(ACTIVATIONS)}')
    if b is not None:
        x = x + b.reshape([-1 if i == 1 else 1 for i in range(x.ndim)])
    if act == 'lrelu':
        x = F.leaky_relu(x, slope)
        gain = math.sqrt(2) if gain is None else gain
    if gain is not None and gain != 1:
        x = x * gain
    if clamp is not None and clamp >= 0:
        x = x.clamp(-clamp, clamp)
    return x


def filtered_lrelu(x: Tensor, fu: Optional[Tensor], fd: Optional[Tensor], b: Optional[Tensor], up: int,
                   down: int, padding: Sequence[int], gain: float, slope: float,
                   clamp: Optional[float]) -> Tensor:
    """Alias-free leaky ReLU: bias, upsample by ``up`` through ``fu``, leaky ReLU (times ``gain``,
    clamped), then filter with ``fd`` and downsample by ``down``. (N, C, H, W) -> (N, C, H', W')."""
    x = bias_act(x, b)
    x = upfirdn2d(x, fu, up=up, pad=tuple(padding), gain=up**2)
    x = bias_act(x, act='lrelu', slope=slope, gain=gain, clamp=clamp)
    return upfirdn2d(x, fd, down=down)


def modulated_conv2d(x: Tensor, weight: Tensor, styles: Tensor, demodulate: bool = True, padding: int = 0,
                     input_gain: Optional[Tensor] = None) -> Tensor:
    """StyleGAN3's modulated conv: (N, I, H, W), weight (O, I, k, k), styles (N, I) -> (N, O, H', W')."""
    N = x.shape[0]
    out_channels, in_channels, kh, kw = weight.shape
    if demodulate:  # pre-normalise for numerical range
        weight = weight * weight.square().mean([1, 2, 3], keepdim=True).rsqrt()
        styles = styles * styles.square().mean().rsqrt()
    w = weight.unsqueeze(0) * styles.reshape(N, 1, in_channels, 1, 1)  # (N, O, I, k, k)
    if demodulate:
        w = w * (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt().reshape(N, out_channels, 1, 1, 1)
    if input_gain is not None:
        w = w * input_gain.expand(N, in_channels).reshape(N, 1, in_channels, 1, 1)
    x = F.conv2d(x.reshape(1, -1, *x.shape[2:]), w.reshape(-1, in_channels, kh, kw).to(x.dtype), padding=padding,
                 groups=N)
    return x.reshape(N, -1, *x.shape[2:])


class FullyConnectedLayer(nn.Module):
    """Equalized-LR linear layer (weight ``weight``, bias ``bias``) with ``'linear'`` or ``'lrelu'`` activation.

    (N, in) -> (N, out). The weight is N(0, 1) * weight_init / lr_multiplier, scaled by
    lr_multiplier / sqrt(in) at run time.
    """

    def __init__(self,
                 in_features: int,
                 out_features: int,
                 activation: str = 'linear',
                 bias: bool = True,
                 lr_multiplier: float = 1.,
                 weight_init: float = 1.,
                 bias_init: Union[float, Sequence[float]] = 0.):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f'activation={activation!r}; expected one of {list(ACTIVATIONS)}')
        self.in_features = in_features
        self.out_features = out_features
        self.activation = activation
        self.weight = nn.Parameter(torch.randn(out_features, in_features) * (weight_init / lr_multiplier))
        init = torch.as_tensor(bias_init, dtype=torch.float32).expand(out_features).clone()
        self.bias = nn.Parameter(init / lr_multiplier) if bias else None
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.bias_gain = lr_multiplier

    def forward(self, x: Tensor) -> Tensor:
        w = self.weight.to(x.dtype) * self.weight_gain
        b = self.bias.to(x.dtype) * self.bias_gain if self.bias is not None else None
        if self.activation == 'linear' and b is not None:
            return torch.addmm(b.unsqueeze(0), x, w.t())
        return bias_act(x.matmul(w.t()), b, act=self.activation)


@MODELS.register_module()
class MappingNetwork(nn.Module):
    """StyleGAN3 mapping: z (N, noise_size) [+ class c] -> w broadcast to (N, num_ws, style_channels).

    Keeps the running mean w in the buffer ``w_avg`` (updated with ``update_emas``) for truncation.

    Args:
        noise_size: Length of z.
        style_channels: Length of w.
        num_ws: Number of w copies (one per synthesis layer, plus the input).
        cond_size: Length of a conditioning vector (embedded by ``embed``), 0 for none.
        num_layers: Fully connected layers.
        lr_multiplier: Learning-rate multiplier of the layers.
        w_avg_beta: Decay of the running mean w.
    """

    def __init__(self,
                 noise_size: int,
                 style_channels: int,
                 num_ws: int,
                 cond_size: int = 0,
                 num_layers: int = 2,
                 lr_multiplier: float = 0.01,
                 w_avg_beta: float = 0.998):
        super().__init__()
        self.noise_size = noise_size
        self.cond_size = cond_size
        self.style_channels = style_channels
        self.num_ws = num_ws
        self.num_layers = num_layers
        self.w_avg_beta = w_avg_beta
        self.embed = FullyConnectedLayer(cond_size, style_channels) if cond_size > 0 else None
        features = [noise_size + (style_channels if cond_size > 0 else 0)] + [style_channels] * num_layers
        for idx in range(num_layers):
            setattr(self, f'fc{idx}', FullyConnectedLayer(features[idx], features[idx + 1], activation='lrelu',
                                                          lr_multiplier=lr_multiplier))
        self.register_buffer('w_avg', torch.zeros(style_channels))

    @staticmethod
    def _normalize(x: Tensor) -> Tensor:
        return x * (x.square().mean(1, keepdim=True) + 1e-8).rsqrt()

    def forward(self, z: Tensor, c: Optional[Tensor] = None, truncation: float = 1,
                num_truncation_layer: Optional[int] = None, update_emas: bool = False) -> Tensor:
        """z (N, noise_size) -> w (N, num_ws, style_channels), the first ``num_truncation_layer`` truncated."""
        x = self._normalize(z.float())
        if self.embed is not None:
            if c is None:
                raise ValueError(f'this mapping network is conditional (cond_size={self.cond_size}): pass c')
            x = torch.cat([x, self._normalize(self.embed(c.float()))], dim=1)
        for idx in range(self.num_layers):
            x = getattr(self, f'fc{idx}')(x)
        if update_emas:
            self.w_avg.copy_(x.detach().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        x = x.unsqueeze(1).repeat(1, self.num_ws, 1)
        if truncation != 1:
            n = self.num_ws if num_truncation_layer is None else num_truncation_layer
            x[:, :n] = self.w_avg.lerp(x[:, :n], truncation)
        return x


class SynthesisInput(nn.Module):
    """Fourier features on a ``size`` x ``size`` grid, rotated and translated by w.

    w (N, style_channels) -> (N, channels, size, size). Buffers: ``transform`` (user inverse transform,
    3x3), ``freqs`` (channels, 2) drawn from a disc of radius ``bandwidth``, ``phases`` (channels,).
    """

    def __init__(self, style_channels: int, channels: int, size: int, sampling_rate: float, bandwidth: float):
        super().__init__()
        self.style_channels = style_channels
        self.channels = channels
        self.size = size
        self.sampling_rate = sampling_rate
        self.bandwidth = bandwidth
        freqs = torch.randn(channels, 2)
        radii = freqs.square().sum(dim=1, keepdim=True).sqrt()
        freqs = freqs / (radii * radii.square().exp().pow(0.25)) * bandwidth
        phases = torch.rand(channels) - 0.5
        self.weight = nn.Parameter(torch.randn(channels, channels))
        self.affine = FullyConnectedLayer(style_channels, 4, weight_init=0, bias_init=[1, 0, 0, 0])
        self.register_buffer('transform', torch.eye(3, 3))
        self.register_buffer('freqs', freqs)
        self.register_buffer('phases', phases)

    def forward(self, w: Tensor) -> Tensor:
        N = w.shape[0]
        t = self.affine(w)  # (cos, sin, tx, ty), rotation normalised below
        t = t / t[:, :2].norm(dim=1, keepdim=True)
        m_r = torch.eye(3, device=w.device).repeat(N, 1, 1)  # inverse rotation of the image
        m_r[:, 0, 0], m_r[:, 0, 1], m_r[:, 1, 0], m_r[:, 1, 1] = t[:, 0], -t[:, 1], t[:, 1], t[:, 0]
        m_t = torch.eye(3, device=w.device).repeat(N, 1, 1)  # inverse translation
        m_t[:, 0, 2], m_t[:, 1, 2] = -t[:, 2], -t[:, 3]
        transforms = m_r @ m_t @ self.transform.unsqueeze(0)

        phases = self.phases.unsqueeze(0) + (self.freqs.unsqueeze(0) @ transforms[:, :2, 2:]).squeeze(2)
        freqs = self.freqs.unsqueeze(0) @ transforms[:, :2, :2]
        # Dampen frequencies pushed out of band by the user transform.
        amplitudes = (1 - (freqs.norm(dim=2) - self.bandwidth) /
                      (self.sampling_rate / 2 - self.bandwidth)).clamp(0, 1)

        theta = torch.eye(2, 3, device=w.device)
        theta[0, 0] = theta[1, 1] = 0.5 * self.size / self.sampling_rate
        grids = F.affine_grid(theta.unsqueeze(0), [1, 1, self.size, self.size], align_corners=False)
        x = (grids.unsqueeze(3) @ freqs.permute(0, 2, 1).unsqueeze(1).unsqueeze(2)).squeeze(3)  # (N, H, W, C)
        x = torch.sin((x + phases.unsqueeze(1).unsqueeze(2)) * (2 * math.pi))
        x = x * amplitudes.unsqueeze(1).unsqueeze(2)
        x = x @ (self.weight / math.sqrt(self.channels)).t()
        return x.permute(0, 3, 1, 2)


class SynthesisLayer(nn.Module):
    """Modulated conv + filtered leaky ReLU; the last (``is_torgb``) layer is a linear 1x1 conv.

    (N, in_channels, in_size, in_size), w (N, S) -> (N, out_channels, out_size, out_size). Buffers:
    ``magnitude_ema`` (running input power), ``up_filter``/``down_filter`` (absent when identity).
    """

    def __init__(self,
                 style_channels: int,
                 is_torgb: bool,
                 is_critically_sampled: bool,
                 use_fp16: bool,
                 in_channels: int,
                 out_channels: int,
                 in_size: int,
                 out_size: int,
                 in_sampling_rate: float,
                 out_sampling_rate: float,
                 in_cutoff: float,
                 out_cutoff: float,
                 in_half_width: float,
                 out_half_width: float,
                 conv_kernel: int = 3,
                 filter_size: int = 6,
                 lrelu_upsampling: int = 2,
                 use_radial_filters: bool = False,
                 conv_clamp: Optional[float] = 256,
                 magnitude_ema_beta: float = 0.999):
        super().__init__()
        self.style_channels = style_channels
        self.is_torgb = is_torgb
        self.is_critically_sampled = is_critically_sampled
        self.use_fp16 = use_fp16
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.in_size = in_size
        self.out_size = out_size
        self.conv_kernel = 1 if is_torgb else conv_kernel
        self.conv_clamp = conv_clamp
        self.magnitude_ema_beta = magnitude_ema_beta
        tmp_sampling_rate = max(in_sampling_rate, out_sampling_rate) * (1 if is_torgb else lrelu_upsampling)

        self.affine = FullyConnectedLayer(style_channels, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, self.conv_kernel, self.conv_kernel))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.register_buffer('magnitude_ema', torch.ones([]))

        self.up_factor = int(round(tmp_sampling_rate / in_sampling_rate))
        self.down_factor = int(round(tmp_sampling_rate / out_sampling_rate))
        if in_sampling_rate * self.up_factor != tmp_sampling_rate or \
                out_sampling_rate * self.down_factor != tmp_sampling_rate:
            raise ValueError('the sampling rates must be integer ratios of each other')
        self.up_taps = filter_size * self.up_factor if self.up_factor > 1 and not is_torgb else 1
        self.down_taps = filter_size * self.down_factor if self.down_factor > 1 and not is_torgb else 1
        self.register_buffer('up_filter', design_lowpass_filter(self.up_taps, in_cutoff, in_half_width * 2,
                                                                tmp_sampling_rate))
        self.register_buffer('down_filter', design_lowpass_filter(
            self.down_taps, out_cutoff, out_half_width * 2, tmp_sampling_rate,
            radial=use_radial_filters and not is_critically_sampled))

        # Padding so that the filtered, resampled output has exactly out_size samples.
        pad_total = (out_size - 1) * self.down_factor + 1
        pad_total -= (in_size + self.conv_kernel - 1) * self.up_factor
        pad_total += self.up_taps + self.down_taps - 2
        pad_lo = (pad_total + self.up_factor) // 2
        pad_hi = pad_total - pad_lo
        self.padding = [pad_lo, pad_hi, pad_lo, pad_hi]

    def forward(self, x: Tensor, w: Tensor, force_fp32: bool = False, update_emas: bool = False) -> Tensor:
        if update_emas:
            magnitude = x.detach().float().square().mean()
            self.magnitude_ema.copy_(magnitude.lerp(self.magnitude_ema, self.magnitude_ema_beta))
        styles = self.affine(w)
        if self.is_torgb:
            styles = styles / math.sqrt(self.in_channels * self.conv_kernel**2)
        dtype = torch.float16 if self.use_fp16 and not force_fp32 and x.is_cuda else torch.float32
        x = modulated_conv2d(x.to(dtype), self.weight, styles, demodulate=not self.is_torgb,
                             padding=self.conv_kernel - 1, input_gain=self.magnitude_ema.rsqrt())
        return filtered_lrelu(x, self.up_filter, self.down_filter, self.bias.to(x.dtype), self.up_factor,
                              self.down_factor, self.padding, gain=1 if self.is_torgb else math.sqrt(2),
                              slope=1 if self.is_torgb else 0.2, clamp=self.conv_clamp)


@MODELS.register_module()
class SynthesisNetwork(nn.Module):
    """StyleGAN3 synthesis: w (N, num_ws, S) -> image (N, img_channels, out_size, out_size).

    Args:
        style_channels: Length of w.
        out_size: Side of the image.
        img_channels: Channels of the image.
        channel_base: Width budget: a layer with cutoff f has ``channel_base / 2 / f`` channels.
        channel_max: Maximum width.
        num_layers: Synthesis layers, excluding the input and the to-RGB layer.
        num_critical: Critically sampled layers at the end.
        first_cutoff: Cutoff of the first layer.
        first_stopband: Minimum stopband of the first layer.
        last_stopband_rel: Minimum stopband of the last layer, relative to its cutoff.
        margin_size: Extra pixels around the image in the intermediate layers.
        output_scale: Factor of the output.
        num_fp16_res: Layers whose sampling rate exceeds ``out_size / 2**num_fp16_res`` may run in float16.
        **layer_kwargs: :class:`SynthesisLayer` arguments (``conv_kernel``, ``use_radial_filters``, ...).
    """

    def __init__(self,
                 style_channels: int,
                 out_size: int,
                 img_channels: int,
                 channel_base: int = 32768,
                 channel_max: int = 512,
                 num_layers: int = 14,
                 num_critical: int = 2,
                 first_cutoff: float = 2,
                 first_stopband: float = 2**2.1,
                 last_stopband_rel: float = 2**0.3,
                 margin_size: int = 10,
                 output_scale: float = 0.25,
                 num_fp16_res: int = 4,
                 **layer_kwargs):
        super().__init__()
        self.style_channels = style_channels
        self.num_ws = num_layers + 2
        self.out_size = out_size
        self.img_channels = img_channels
        self.num_layers = num_layers
        self.num_critical = num_critical
        self.margin_size = margin_size
        self.output_scale = output_scale
        self.num_fp16_res = num_fp16_res

        # Geometric progression of cutoffs and minimum stopbands, from first_cutoff to Nyquist.
        last_cutoff = out_size / 2
        last_stopband = last_cutoff * last_stopband_rel
        exponents = np.minimum(np.arange(num_layers + 1) / (num_layers - num_critical), 1)
        cutoffs = first_cutoff * (last_cutoff / first_cutoff)**exponents
        stopbands = first_stopband * (last_stopband / first_stopband)**exponents
        sampling_rates = np.exp2(np.ceil(np.log2(np.minimum(stopbands * 2, out_size))))
        half_widths = np.maximum(stopbands, sampling_rates / 2) - cutoffs
        sizes = sampling_rates + margin_size * 2
        sizes[-2:] = out_size
        channels = np.rint(np.minimum((channel_base / 2) / cutoffs, channel_max))
        channels[-1] = img_channels

        self.input = SynthesisInput(style_channels, int(channels[0]), int(sizes[0]), sampling_rates[0], cutoffs[0])
        self.layer_names = []
        for idx in range(num_layers + 1):
            prev = max(idx - 1, 0)
            layer = SynthesisLayer(
                style_channels=style_channels,
                is_torgb=idx == num_layers,
                is_critically_sampled=idx >= num_layers - num_critical,
                use_fp16=bool(sampling_rates[idx] * 2**num_fp16_res > out_size),
                in_channels=int(channels[prev]),
                out_channels=int(channels[idx]),
                in_size=int(sizes[prev]),
                out_size=int(sizes[idx]),
                in_sampling_rate=int(sampling_rates[prev]),
                out_sampling_rate=int(sampling_rates[idx]),
                in_cutoff=cutoffs[prev],
                out_cutoff=cutoffs[idx],
                in_half_width=half_widths[prev],
                out_half_width=half_widths[idx],
                **layer_kwargs)
            name = f'L{idx}_{layer.out_size}_{layer.out_channels}'
            self.add_module(name, layer)
            self.layer_names.append(name)

    def forward(self, ws: Tensor, **layer_kwargs) -> Tensor:
        """(N, num_ws, S) -> (N, img_channels, out_size, out_size) float32."""
        ws = ws.float().unbind(dim=1)
        x = self.input(ws[0])
        for name, w in zip(self.layer_names, ws[1:]):
            x = getattr(self, name)(x, w, **layer_kwargs)
        if self.output_scale != 1:
            x = x * self.output_scale
        return x.float()


@MODELS.register_module('StyleGAN3Generator')
@MODELS.register_module()
class StyleGANv3Generator(nn.Module):
    """StyleGAN3 generator: z (N, noise_size) -> image (N, img_channels, out_size, out_size).

    Args:
        out_size: Side of the image.
        style_channels: Length of w.
        img_channels: Channels of the image.
        noise_size: Length of z.
        rgb2bgr: Flip the output channel order (for weights converted from RGB models).
        synthesis_cfg: Config of the synthesis network (``out_size``, ``style_channels`` and
            ``img_channels`` are filled in).
        mapping_cfg: Config of the mapping network (``noise_size``, ``style_channels`` and ``num_ws``
            are filled in).
    """

    def __init__(self,
                 out_size: int,
                 style_channels: int,
                 img_channels: int,
                 noise_size: int = 512,
                 rgb2bgr: bool = False,
                 synthesis_cfg: Mapping = frozen_cfg(type='SynthesisNetwork'),
                 mapping_cfg: Mapping = frozen_cfg(type='MappingNetwork')):
        super().__init__()
        self.noise_size = noise_size
        self.style_channels = style_channels
        self.out_size = out_size
        self.img_channels = img_channels
        self.rgb2bgr = rgb2bgr
        self.synthesis = MODELS.build(dict(dict(style_channels=style_channels, out_size=out_size,
                                                img_channels=img_channels), **synthesis_cfg))
        self.num_ws = self.synthesis.num_ws
        self.style_mapping = MODELS.build(dict(dict(noise_size=noise_size, style_channels=style_channels,
                                                    num_ws=self.num_ws), **mapping_cfg))

    def forward(self,
                noise: Optional[Tensor] = None,
                num_batches: int = 0,
                input_is_latent: bool = False,
                truncation: float = 1,
                num_truncation_layer: Optional[int] = None,
                update_emas: bool = False,
                force_fp32: bool = True,
                return_noise: bool = False,
                return_latents: bool = False) -> Union[Tensor, dict]:
        """Generate images.

        Args:
            noise: z (N, noise_size) (w (N, style_channels) with ``input_is_latent``), a sampler called
                with the shape, or ``None``.
            num_batches: Batch size when the noise is sampled here.
            input_is_latent: ``noise`` is w.
            truncation: Pull w towards ``w_avg`` by this factor when < 1.
            num_truncation_layer: Truncate only the first layers' w.
            update_emas: Update ``w_avg`` and the layers' ``magnitude_ema`` (discriminator phase).
            force_fp32: Run every layer in float32.
            return_noise: Return ``dict(fake_img, noise_batch, latent)``.
            return_latents: Same dict.

        Returns:
            Images (N, img_channels, out_size, out_size), or the dict above.
        """
        size = self.style_channels if input_is_latent else self.noise_size
        noise_batch = sample_noise(noise, num_batches, (size, ), module_device(self))
        if input_is_latent:
            ws = noise_batch.unsqueeze(1).repeat(1, self.num_ws, 1)
        else:
            ws = self.style_mapping(noise_batch, truncation=truncation, num_truncation_layer=num_truncation_layer,
                                    update_emas=update_emas)
        img = self.synthesis(ws, update_emas=update_emas, force_fp32=force_fp32)
        if self.rgb2bgr:
            img = img[:, [2, 1, 0]]
        if return_noise or return_latents:
            return dict(fake_img=img, noise_batch=noise_batch, latent=ws)
        return img

    def get_mean_latent(self) -> Tensor:
        """The running mean w, (style_channels,)."""
        return self.style_mapping.w_avg

    @staticmethod
    def get_training_kwargs(phase: str) -> dict:
        """Forward arguments per training phase: the discriminator phase updates the EMAs, and both
        phases allow float16."""
        if phase == 'disc':
            return dict(update_emas=True, force_fp32=False)
        if phase == 'gen':
            return dict(force_fp32=False)
        return {}
