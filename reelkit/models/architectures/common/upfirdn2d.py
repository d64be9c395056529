"""Upsample, FIR-filter, downsample (``upfirdn2d``) and the blur layers StyleGAN builds from it.

Plain PyTorch, no compiled op: upsampling inserts ``up - 1`` zeros between samples, the result is
padded (negative pads crop), convolved per channel with the (flipped) 2-D kernel, and every
``down``-th sample is kept. This is the reference behaviour of MMCV's and NVIDIA's ``upfirdn2d``.
The layers store their normalised kernel as the buffer ``kernel``, as MMGeneration checkpoints do.
"""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

Pad = Union[Tuple[int, int], Tuple[int, int, int, int]]


def upfirdn2d(x: Tensor,
              kernel: Optional[Tensor],
              up: int = 1,
              down: int = 1,
              pad: Pad = (0, 0),
              gain: float = 1.0,
              flip_filter: bool = False) -> Tensor:
    """Upsample by ``up``, pad, filter with ``kernel`` and downsample by ``down``.

    Args:
        x: Input (N, C, H, W).
        kernel: FIR filter applied as a true convolution (flipped): 2-D (kh, kw), or 1-D (k,) applied
            separably along W then H; ``None`` is the identity.
        up: Zero-insertion upsampling factor (both axes).
        down: Decimation factor (both axes).
        pad: ``(p0, p1)`` for both axes or ``(x0, x1, y0, y1)``; negative values crop.
        gain: Overall gain of the filter (``up ** 2`` keeps the level after zero insertion).
        flip_filter: Apply the kernel as a correlation (unflipped) instead of a convolution.

    Returns:
        (N, C, (H * up + y0 + y1 - kh) // down + 1, (W * up + x0 + x1 - kw) // down + 1).
    """
    if len(pad) == 2:
        pad = (pad[0], pad[1], pad[0], pad[1])
    if len(pad) != 4:
        raise ValueError(f'pad must have 2 or 4 entries, got {pad!r}')
    px0, px1, py0, py1 = pad
    N, C, H, W = x.shape

    if up > 1:  # zero insertion: (N, C, H, 1, W, 1) -> pad -> (N, C, H * up, W * up)
        x = x.reshape(N, C, H, 1, W, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(N, C, H * up, W * up)
    x = F.pad(x, [max(px0, 0), max(px1, 0), max(py0, 0), max(py1, 0)])
    x = x[:, :, max(-py0, 0):x.shape[2] - max(-py1, 0), max(-px0, 0):x.shape[3] - max(-px1, 0)]

    if kernel is None:
        kernel = x.new_ones(1, 1)
    if kernel.ndim == 1:  # separable: the same 1-D filter along W, then along H
        k = (kernel if flip_filter else torch.flip(kernel, [0])).to(x.dtype) * gain**0.5
        x = F.conv2d(x, k.reshape(1, 1, 1, -1).expand(C, 1, 1, k.numel()), groups=C)
        x = F.conv2d(x, k.reshape(1, 1, -1, 1).expand(C, 1, k.numel(), 1), groups=C)
    else:
        kh, kw = kernel.shape
        k = (kernel if flip_filter else torch.flip(kernel, [0, 1])).to(x.dtype) * gain
        x = F.conv2d(x, k.reshape(1, 1, kh, kw).expand(C, 1, kh, kw), groups=C)
    return x[:, :, ::down, ::down]


def make_fir_kernel(kernel: Sequence[float]) -> Tensor:
    """A 2-D FIR kernel summing to 1: the outer product of a 1-D kernel, or a normalised 2-D one."""
    k = torch.as_tensor(kernel, dtype=torch.float32)
    if k.ndim == 1:
        k = k[None, :] * k[:, None]
    return k / k.sum()


class Blur(nn.Module):
    """FIR blur with explicit padding: (N, C, H, W) -> (N, C, H + p0 + p1 - k + 1, W + ...).

    Args:
        kernel: 1-D (separable) or 2-D FIR kernel.
        pad: ``(p0, p1)`` padding.
        upsample_factor: Scale the kernel by ``factor^2`` to keep the gain after zero insertion.
    """

    def __init__(self, kernel: Sequence[float], pad: Tuple[int, int], upsample_factor: int = 1):
        super().__init__()
        k = make_fir_kernel(kernel)
        if upsample_factor > 1:
            k = k * upsample_factor**2
        self.register_buffer('kernel', k)
        self.pad = tuple(pad)

    def forward(self, x: Tensor) -> Tensor:
        return upfirdn2d(x, self.kernel, pad=self.pad)


class UpsampleUpFIRDn(nn.Module):
    """FIR upsampling by ``factor``: (N, C, H, W) -> (N, C, factor * H, factor * W)."""

    def __init__(self, kernel: Sequence[float], factor: int = 2):
        super().__init__()
        self.factor = factor
        k = make_fir_kernel(kernel) * factor**2
        self.register_buffer('kernel', k)
        p = k.shape[0] - factor
        self.pad = ((p + 1) // 2 + factor - 1, p // 2)

    def forward(self, x: Tensor) -> Tensor:
        return upfirdn2d(x, self.kernel, up=self.factor, down=1, pad=self.pad)


class DownsampleUpFIRDn(nn.Module):
    """FIR downsampling by ``factor``: (N, C, H, W) -> (N, C, H / factor, W / factor)."""

    def __init__(self, kernel: Sequence[float], factor: int = 2):
        super().__init__()
        self.factor = factor
        k = make_fir_kernel(kernel)
        self.register_buffer('kernel', k)
        p = k.shape[0] - factor
        self.pad = ((p + 1) // 2, p // 2)

    def forward(self, x: Tensor) -> Tensor:
        return upfirdn2d(x, self.kernel, up=1, down=self.factor, pad=self.pad)
