"""Fused bias + leaky ReLU + gain, in plain PyTorch (MMCV's ``fused_bias_leakyrelu`` reference path)."""
import math
from typing import Optional

import torch
import torch.nn as nn
from torch import Tensor


def fused_bias_leakyrelu(x: Tensor, bias: Optional[Tensor], negative_slope: float = 0.2,
                         scale: float = math.sqrt(2)) -> Tensor:
    """``leaky_relu(x + bias, negative_slope) * scale``; ``bias`` (C,) is added along dim 1 of (N, C, ...).

    The gain ``sqrt(2)`` keeps the activation's second moment, as in StyleGAN2.
    """
    if bias is not None:
        if bias.ndim != 1 or bias.shape[0] != x.shape[1]:
            raise ValueError(f'bias must have shape ({x.shape[1]},) for input {tuple(x.shape)}, '
                             f'got {tuple(bias.shape)}')
        x = x + bias.reshape([-1 if i == 1 else 1 for i in range(x.ndim)])
    x = torch.nn.functional.leaky_relu(x, negative_slope)
    return x * scale if scale != 1 else x


class FusedBiasLeakyReLU(nn.Module):
    """Learned per-channel bias, leaky ReLU and gain; (N, C, ...) -> (N, C, ...). The bias is ``bias`` (C,)."""

    def __init__(self, num_channels: int, negative_slope: float = 0.2, scale: float = math.sqrt(2)):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(num_channels))
        self.negative_slope = negative_slope
        self.scale = scale

    def forward(self, x: Tensor) -> Tensor:
        return fused_bias_leakyrelu(x, self.bias, self.negative_slope, self.scale)
