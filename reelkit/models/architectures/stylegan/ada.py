"""Adaptive discriminator augmentation (ADA) and the StyleGAN2 discriminator that applies it.

Karras et al., "Training Generative Adversarial Networks with Limited Data", NeurIPS 2020
(https://arxiv.org/abs/2006.06676), following NVIDIA's ``AugmentPipe``. Every augmentation is applied
to each image with probability ``multiplier * p``; ``p`` (buffer) is raised or lowered by
:meth:`ADAAug.update` so that the discriminator's overfitting heuristic (the mean sign of its scores
on reals, accumulated in ``log_buffer``) stays near ``ada_target``.

The pipeline: pixel blitting (x-flip, 90-degree rotations, integer translation), general geometric
transforms (isotropic/anisotropic scaling, rotation, fractional translation; executed once by
``grid_sample`` on a 2x upsampled, reflect-padded image with the ``sym6`` wavelet filter ``Hz_geom``),
colour transforms (brightness, contrast, luma flip, hue rotation, saturation; one 4x4 matrix), image
filtering with a 4-band filter bank ``Hz_fbank`` built from ``sym2``, additive noise and cutout.
"""
import math
from typing import Mapping, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from reelkit.registry import MODELS
from ..common.upfirdn2d import upfirdn2d
from .stylegan2 import StyleGAN2Discriminator

# Low-pass decomposition filters of the Symlet wavelets used by the pipeline.
SYM2 = (-0.12940952255092145, 0.22414386804185735, 0.836516303737469, 0.48296291314469025)
SYM6 = (0.015404109327027373, 0.0034907120842174702, -0.11799011114819057, -0.048311742585633,
        0.4910559419267466, 0.787641141030194, 0.3379294217276218, -0.07263752278646252,
        -0.021060292512300564, 0.04472490177066578, 0.0017677118642428036, -0.007800708325034148)


def matrix(*rows, device: Optional[torch.device] = None) -> Tensor:
    """A (batch of) matrix from rows of numbers and (N,) tensors: (R, C) or (N, R, C)."""
    ref = next((x for row in rows for x in row if isinstance(x, Tensor)), None)
    if ref is None:
        return torch.tensor(rows, dtype=torch.float32, device=device)
    elems = [x.float() if isinstance(x, Tensor) else torch.full_like(ref, float(x), dtype=torch.float32)
             for row in rows for x in row]
    return torch.stack(elems, dim=-1).reshape(*ref.shape, len(rows), -1)


def translate2d(tx, ty, **kwargs) -> Tensor:
    return matrix([1, 0, tx], [0, 1, ty], [0, 0, 1], **kwargs)


def translate3d(tx, ty, tz, **kwargs) -> Tensor:
    return matrix([1, 0, 0, tx], [0, 1, 0, ty], [0, 0, 1, tz], [0, 0, 0, 1], **kwargs)


def scale2d(sx, sy, **kwargs) -> Tensor:
    return matrix([sx, 0, 0], [0, sy, 0], [0, 0, 1], **kwargs)


def scale3d(sx, sy, sz, **kwargs) -> Tensor:
    return matrix([sx, 0, 0, 0], [0, sy, 0, 0], [0, 0, sz, 0], [0, 0, 0, 1], **kwargs)


def rotate2d(theta: Tensor, **kwargs) -> Tensor:
    return matrix([torch.cos(theta), torch.sin(-theta), 0], [torch.sin(theta), torch.cos(theta), 0], [0, 0, 1],
                  **kwargs)


def rotate3d(v: Tensor, theta: Tensor, **kwargs) -> Tensor:
    """Rotation by ``theta`` around the unit axis ``v`` (homogeneous 4x4)."""
    vx, vy, vz = v[..., 0], v[..., 1], v[..., 2]
    s, c = torch.sin(theta), torch.cos(theta)
    cc = 1 - c
    return matrix([vx * vx * cc + c, vx * vy * cc - vz * s, vx * vz * cc + vy * s, 0],
                  [vy * vx * cc + vz * s, vy * vy * cc + c, vy * vz * cc - vx * s, 0],
                  [vz * vx * cc - vy * s, vz * vy * cc + vx * s, vz * vz * cc + c, 0], [0, 0, 0, 1], **kwargs)


def filter_bank(lowpass: Sequence[float], num_bands: int = 4) -> np.ndarray:
    """Octave filter bank (num_bands, taps) from an orthogonal wavelet's low-pass filter: band 0 keeps
    the lowest frequencies, band i the i-th octave from the top."""
    lo = np.asarray(lowpass)
    hi = lo * (-1)**np.arange(lo.size)
    lo2 = np.convolve(lo, lo[::-1]) / 2
    hi2 = np.convolve(hi, hi[::-1]) / 2
    bank = np.eye(num_bands, 1)
    for i in range(1, num_bands):
        # upsample every band by 2 (zero insertion), then low-pass it
        bank = np.dstack([bank, np.zeros_like(bank)]).reshape(num_bands, -1)[:, :-1]
        bank = np.stack([np.convolve(row, lo2) for row in bank])
        start = (bank.shape[1] - hi2.size) // 2
        bank[i, start:start + hi2.size] += hi2
    return bank


def _upsample2d(x: Tensor, f: Tensor, up: int = 2) -> Tensor:
    p0, p1 = (f.shape[0] + up - 1) // 2, (f.shape[0] - up) // 2
    return upfirdn2d(x, f, up=up, pad=(p0, p1, p0, p1), gain=up * up)


def _downsample2d(x: Tensor, f: Tensor, down: int = 2, padding: int = 0, flip_filter: bool = False) -> Tensor:
    p0, p1 = padding + (f.shape[0] - down + 1) // 2, padding + (f.shape[0] - down) // 2
    return upfirdn2d(x, f, down=down, pad=(p0, p1, p0, p1), flip_filter=flip_filter)


class AugmentPipe(nn.Module):
    """ADA's augmentation pipeline; (N, C, H, W) -> (N, C, H, W), C in {1, 3} for colour transforms.

    Each ``<name>`` argument is the probability multiplier of that augmentation (0 disables it); the
    ``*_std``/``*_max`` arguments set their strength. ``p`` (buffer) is the overall probability.
    """

    def __init__(self,
                 xflip: float = 0,
                 rotate90: float = 0,
                 xint: float = 0,
                 xint_max: float = 0.125,
                 scale: float = 0,
                 rotate: float = 0,
                 aniso: float = 0,
                 xfrac: float = 0,
                 scale_std: float = 0.2,
                 rotate_max: float = 1,
                 aniso_std: float = 0.2,
                 xfrac_std: float = 0.125,
                 brightness: float = 0,
                 contrast: float = 0,
                 lumaflip: float = 0,
                 hue: float = 0,
                 saturation: float = 0,
                 brightness_std: float = 0.2,
                 contrast_std: float = 0.5,
                 hue_max: float = 1,
                 saturation_std: float = 1,
                 imgfilter: float = 0,
                 imgfilter_bands: Sequence[float] = (1, 1, 1, 1),
                 imgfilter_std: float = 1,
                 noise: float = 0,
                 cutout: float = 0,
                 noise_std: float = 0.1,
                 cutout_size: float = 0.5):
        super().__init__()
        self.register_buffer('p', torch.ones([]))
        self.xflip, self.rotate90, self.xint, self.xint_max = float(xflip), float(rotate90), float(xint), xint_max
        self.scale, self.rotate, self.aniso, self.xfrac = float(scale), float(rotate), float(aniso), float(xfrac)
        self.scale_std, self.rotate_max, self.aniso_std, self.xfrac_std = scale_std, rotate_max, aniso_std, xfrac_std
        self.brightness, self.contrast, self.lumaflip = float(brightness), float(contrast), float(lumaflip)
        self.hue, self.saturation = float(hue), float(saturation)
        self.brightness_std, self.contrast_std = brightness_std, contrast_std
        self.hue_max, self.saturation_std = hue_max, saturation_std
        self.imgfilter, self.imgfilter_std = float(imgfilter), imgfilter_std
        self.imgfilter_bands = list(imgfilter_bands)
        self.noise, self.cutout, self.noise_std, self.cutout_size = float(noise), float(cutout), noise_std, cutout_size

        geom = torch.tensor(SYM6, dtype=torch.float32)
        self.register_buffer('Hz_geom', geom / geom.sum())
        self.register_buffer('Hz_fbank', torch.as_tensor(filter_bank(SYM2), dtype=torch.float32))
        if len(self.imgfilter_bands) != self.Hz_fbank.shape[0]:
            raise ValueError(f'imgfilter_bands needs {self.Hz_fbank.shape[0]} entries, got {len(imgfilter_bands)}')

    def _gate(self, shape, multiplier: float, value: Tensor, identity: Tensor) -> Tensor:
        """``value`` where a coin with probability ``multiplier * p`` comes up, ``identity`` elsewhere."""
        return torch.where(torch.rand(shape, device=value.device) < multiplier * self.p, value, identity)

    def geometric(self, images: Tensor) -> Tensor:
        N, C, H, W = images.shape
        device = images.device
        eye3 = torch.eye(3, device=device)
        G_inv = eye3  # inverse homogeneous transform: G_inv @ pixel_out -> pixel_in

        if self.xflip > 0:
            i = torch.floor(torch.rand(N, device=device) * 2)
            i = self._gate(N, self.xflip, i, torch.zeros_like(i))
            G_inv = G_inv @ scale2d(1 / (1 - 2 * i), 1)
        if self.rotate90 > 0:
            i = torch.floor(torch.rand(N, device=device) * 4)
            i = self._gate(N, self.rotate90, i, torch.zeros_like(i))
            G_inv = G_inv @ rotate2d(math.pi / 2 * i)
        if self.xint > 0:
            t = (torch.rand(N, 2, device=device) * 2 - 1) * self.xint_max
            t = self._gate((N, 1), self.xint, t, torch.zeros_like(t))
            G_inv = G_inv @ translate2d(-torch.round(t[:, 0] * W), -torch.round(t[:, 1] * H))
        if self.scale > 0:
            s = torch.exp2(torch.randn(N, device=device) * self.scale_std)
            s = self._gate(N, self.scale, s, torch.ones_like(s))
            G_inv = G_inv @ scale2d(1 / s, 1 / s)
        p_rot = 1 - torch.sqrt((1 - self.rotate * self.p).clamp(0, 1))  # P(pre or post rotation) = rotate * p
        if self.rotate > 0:  # before the anisotropic scaling
            theta = (torch.rand(N, device=device) * 2 - 1) * math.pi * self.rotate_max
            theta = torch.where(torch.rand(N, device=device) < p_rot, theta, torch.zeros_like(theta))
            G_inv = G_inv @ rotate2d(theta)
        if self.aniso > 0:
            s = torch.exp2(torch.randn(N, device=device) * self.aniso_std)
            s = self._gate(N, self.aniso, s, torch.ones_like(s))
            G_inv = G_inv @ scale2d(1 / s, s)
        if self.rotate > 0:  # after the anisotropic scaling
            theta = (torch.rand(N, device=device) * 2 - 1) * math.pi * self.rotate_max
            theta = torch.where(torch.rand(N, device=device) < p_rot, theta, torch.zeros_like(theta))
            G_inv = G_inv @ rotate2d(theta)
        if self.xfrac > 0:
            t = torch.randn(N, 2, device=device) * self.xfrac_std
            t = self._gate((N, 1), self.xfrac, t, torch.zeros_like(t))
            G_inv = G_inv @ translate2d(-t[:, 0] * W, -t[:, 1] * H)
        if G_inv is eye3:
            return images

        # Reflect-pad enough for the transformed corners (plus the filter support).
        cx, cy = (W - 1) / 2, (H - 1) / 2
        corners = matrix([-cx, -cy, 1], [cx, -cy, 1], [cx, cy, 1], [-cx, cy, 1], device=device)
        corners = G_inv @ corners.t()  # (N, xyz, corner)
        hz_pad = self.Hz_geom.shape[0] // 4
        margin = corners[:, :2, :].permute(1, 0, 2).flatten(1)  # (xy, N * corner)
        margin = torch.cat([-margin, margin]).max(dim=1).values  # x0, y0, x1, y1
        margin = margin + torch.tensor([hz_pad * 2 - cx, hz_pad * 2 - cy] * 2, device=device)
        margin = margin.clamp_min(0).minimum(torch.tensor([W - 1, H - 1] * 2, device=device, dtype=margin.dtype))
        mx0, my0, mx1, my1 = (int(v) for v in margin.ceil().tolist())
        images = F.pad(images, [mx0, mx1, my0, my1], mode='reflect')
        G_inv = translate2d((mx0 - mx1) / 2, (my0 - my1) / 2, device=device) @ G_inv

        # Resample at 2x: upsample, warp with grid_sample, downsample and crop the filter margin.
        images = _upsample2d(images, self.Hz_geom, up=2)
        G_inv = scale2d(2, 2, device=device) @ G_inv @ scale2d(1 / 2, 1 / 2, device=device)
        G_inv = translate2d(-0.5, -0.5, device=device) @ G_inv @ translate2d(0.5, 0.5, device=device)
        shape = [N, C, (H + hz_pad * 2) * 2, (W + hz_pad * 2) * 2]
        G_inv = scale2d(2 / images.shape[3], 2 / images.shape[2], device=device) @ G_inv @ \
            scale2d(shape[3] / 2, shape[2] / 2, device=device)
        grid = F.affine_grid(G_inv[:, :2, :], shape, align_corners=False)
        images = F.grid_sample(images, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
        return _downsample2d(images, self.Hz_geom, down=2, padding=-hz_pad * 2, flip_filter=True)

    def color(self, images: Tensor) -> Tensor:
        N, C, H, W = images.shape
        device = images.device
        eye4 = torch.eye(4, device=device)
        M = eye4  # homogeneous colour transform: M @ color_in -> color_out

        if self.brightness > 0:
            b = torch.randn(N, device=device) * self.brightness_std
            b = self._gate(N, self.brightness, b, torch.zeros_like(b))
            M = translate3d(b, b, b) @ M
        if self.contrast > 0:
            c = torch.exp2(torch.randn(N, device=device) * self.contrast_std)
            c = self._gate(N, self.contrast, c, torch.ones_like(c))
            M = scale3d(c, c, c) @ M
        luma = torch.tensor([1., 1., 1., 0.], device=device) / math.sqrt(3)
        if self.lumaflip > 0:
            i = torch.floor(torch.rand(N, 1, 1, device=device) * 2)
            i = self._gate((N, 1, 1), self.lumaflip, i, torch.zeros_like(i))
            M = (eye4 - 2 * torch.outer(luma, luma) * i) @ M  # Householder reflection
        if self.hue > 0 and C > 1:
            theta = (torch.rand(N, device=device) * 2 - 1) * math.pi * self.hue_max
            theta = self._gate(N, self.hue, theta, torch.zeros_like(theta))
            M = rotate3d(luma, theta) @ M
        if self.saturation > 0 and C > 1:
            s = torch.exp2(torch.randn(N, 1, 1, device=device) * self.saturation_std)
            s = self._gate((N, 1, 1), self.saturation, s, torch.ones_like(s))
            M = (torch.outer(luma, luma) + (eye4 - torch.outer(luma, luma)) * s) @ M
        if M is eye4:
            return images

        images = images.reshape(N, C, H * W)
        if C == 3:
            images = M[:, :3, :3] @ images + M[:, :3, 3:]
        elif C == 1:
            M = M[:, :3, :].mean(dim=1, keepdim=True)
            images = images * M[:, :, :3].sum(dim=2, keepdim=True) + M[:, :, 3:]
        else:
            raise ValueError(f'colour augmentations need RGB or grey images, got {C} channels')
        return images.reshape(N, C, H, W)

    def filtering(self, images: Tensor) -> Tensor:
        N, C, H, W = images.shape
        device = images.device
        num_bands = self.Hz_fbank.shape[0]
        expected_power = torch.tensor([10., 1., 1., 1.], device=device) / 13  # 1/f spectrum
        g = torch.ones(N, num_bands, device=device)
        for i, band_strength in enumerate(self.imgfilter_bands):
            t_i = torch.exp2(torch.randn(N, device=device) * self.imgfilter_std)
            t_i = self._gate(N, self.imgfilter * band_strength, t_i, torch.ones_like(t_i))
            t = torch.ones(N, num_bands, device=device)
            t[:, i] = t_i
            g = g * t / (expected_power * t.square()).sum(dim=-1, keepdim=True).sqrt()  # keep the power
        kernel = (g @ self.Hz_fbank).unsqueeze(1).repeat(1, C, 1).reshape(N * C, 1, -1)
        p = self.Hz_fbank.shape[1] // 2
        x = F.pad(images.reshape(1, N * C, H, W), [p, p, p, p], mode='reflect')
        x = F.conv2d(x, kernel.unsqueeze(2), groups=N * C)
        x = F.conv2d(x, kernel.unsqueeze(3), groups=N * C)
        return x.reshape(N, C, H, W)

    def corruptions(self, images: Tensor) -> Tensor:
        N, C, H, W = images.shape
        device = images.device
        if self.noise > 0:
            sigma = torch.randn(N, 1, 1, 1, device=device).abs() * self.noise_std
            sigma = self._gate((N, 1, 1, 1), self.noise, sigma, torch.zeros_like(sigma))
            images = images + torch.randn(N, C, H, W, device=device) * sigma
        if self.cutout > 0:
            size = torch.full((N, 2, 1, 1, 1), self.cutout_size, device=device)
            size = self._gate((N, 1, 1, 1, 1), self.cutout, size, torch.zeros_like(size))
            center = torch.rand(N, 2, 1, 1, 1, device=device)
            coord_x = torch.arange(W, device=device).reshape(1, 1, 1, -1)
            coord_y = torch.arange(H, device=device).reshape(1, 1, -1, 1)
            mask_x = ((coord_x + 0.5) / W - center[:, 0]).abs() >= size[:, 0] / 2
            mask_y = ((coord_y + 0.5) / H - center[:, 1]).abs() >= size[:, 1] / 2
            images = images * torch.logical_or(mask_x, mask_y).float()
        return images

    def forward(self, images: Tensor) -> Tensor:
        """(N, C, H, W) -> augmented (N, C, H, W)."""
        if images.ndim != 4:
            raise ValueError(f'images must be (N, C, H, W), got {tuple(images.shape)}')
        images = self.geometric(images)
        images = self.color(images)
        if self.imgfilter > 0:
            images = self.filtering(images)
        return self.corruptions(images)


@MODELS.register_module()
class ADAAug(nn.Module):
    """ADA controller: holds the :class:`AugmentPipe` and adapts its probability ``p``.

    The training loop adds ``(count, sum of sign(D(real)))`` to ``log_buffer``; every ``update_interval``
    iterations :meth:`update` moves ``p`` by ``sign(mean sign - ada_target) * N * interval / (ada_kimg * 1000)``.

    Args:
        aug_pipeline: :class:`AugmentPipe` arguments.
        update_interval: Iterations between updates of ``p``.
        augment_initial_p: Initial ``p``.
        ada_target: Target of the overfitting heuristic.
        ada_kimg: Thousands of images for ``p`` to go from 0 to 1.
    """

    def __init__(self,
                 aug_pipeline: Optional[Mapping] = None,
                 update_interval: int = 4,
                 augment_initial_p: float = 0.,
                 ada_target: float = 0.6,
                 ada_kimg: float = 500):
        super().__init__()
        self.aug_pipeline = AugmentPipe(**(aug_pipeline or {}))
        self.update_interval = update_interval
        self.ada_kimg = ada_kimg
        self.ada_target = ada_target
        self.aug_pipeline.p.fill_(augment_initial_p)
        self.register_buffer('log_buffer', torch.zeros(2))  # (number of scores, sum of their signs)

    def update(self, iteration: int = 0, num_batches: int = 0) -> None:
        """Adjust ``p`` from the accumulated heuristic (every ``update_interval`` iterations) and reset it."""
        if (iteration + 1) % self.update_interval or self.log_buffer[0] == 0:
            return
        step = num_batches * self.update_interval / (self.ada_kimg * 1000.)
        heuristic = (self.log_buffer[1] / self.log_buffer[0]).item()
        adjust = math.copysign(step, heuristic - self.ada_target) if heuristic != self.ada_target else 0.
        self.aug_pipeline.p.copy_((self.aug_pipeline.p + adjust).clamp_min(0))
        self.log_buffer.zero_()


@MODELS.register_module()
class ADAStyleGAN2Discriminator(StyleGAN2Discriminator):
    """:class:`StyleGAN2Discriminator` that augments its input with ADA (``ada_aug``) when ``data_aug`` is set.

    Args:
        in_size: Side of the input images.
        *args: :class:`StyleGAN2Discriminator` arguments.
        data_aug: :class:`ADAAug` config, ``None`` for no augmentation.
        **kwargs: :class:`StyleGAN2Discriminator` arguments.
    """

    def __init__(self, in_size: int, *args, data_aug: Optional[Mapping] = None, **kwargs):
        super().__init__(in_size, *args, **kwargs)
        self.with_ada = data_aug is not None
        if self.with_ada:
            self.ada_aug = MODELS.build(data_aug)
            self.ada_aug.requires_grad_(False)
        self.log_size = int(math.log2(in_size))

    def forward(self, x: Tensor) -> Tensor:
        """(N, 3, S, S) images -> (N, 1) scores, augmented first."""
        if self.with_ada:
            x = self.ada_aug.aug_pipeline(x)
        return super().forward(x)
