"""(2+1)D convolution (Tran et al., *A Closer Look at Spatiotemporal Convolutions for Action
Recognition*, CVPR 2018), MMAction2 layout.

A t x d x d Conv3d factorised into a 1 x d x d spatial conv (``conv_s``), a norm (``bn_s``), a ReLU
and a t x 1 x 1 temporal conv (``conv_t``). Usable wherever a conv is configured:
``conv_cfg=dict(type='Conv2plus1d')``.
"""
from typing import Tuple, Union

import torch
import torch.nn as nn
from torch.nn.modules.utils import _triple

from .layers import CONV_LAYERS, LayerConfig, build_norm_layer, frozen

IntOrTriple = Union[int, Tuple[int, int, int]]


class Conv2plus1d(nn.Module):
    """(N, in_channels, T, H, W) -> (N, out_channels, T', H', W'), with the strides and paddings of a Conv3d.

    The middle channels are ``M = 3 * N_in * N_out * d^2 // (N_in * d^2 + 3 * N_out)``: the parameter
    count of the full 3 x d x d conv (the paper's formula, with t = 3 whatever the temporal kernel,
    as MMAction2).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_size: (t, d_h, d_w) kernel of the conv being factorised.
        stride: (T, H, W) stride: the spatial part on ``conv_s``, the temporal one on ``conv_t``.
        padding: (T, H, W) padding, split the same way.
        dilation: must be 1 (accepted so that conv-building code can pass it).
        groups: must be 1 (accepted so that conv-building code can pass it).
        bias: whether both convs have a bias.
        norm_cfg: config of the norm between the two convs.
    """

    def __init__(
            self,
            in_channels: int,
            out_channels: int,
            kernel_size: IntOrTriple,
            stride: IntOrTriple = 1,
            padding: IntOrTriple = 0,
            dilation: IntOrTriple = 1,
            groups: int = 1,
            bias: bool = True,
            norm_cfg: LayerConfig = frozen(type='BN3d'),
    ) -> None:
        super().__init__()
        if _triple(dilation) != (1, 1, 1) or groups != 1:
            raise ValueError(f'Conv2plus1d: dilation={dilation!r} and groups={groups!r} are not supported; '
                             'expected 1')
        (kt, kh, kw), (st, sh, sw), (pt, ph, pw) = _triple(kernel_size), _triple(stride), _triple(padding)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.mid_channels = 3 * in_channels * out_channels * kh * kw // (in_channels * kh * kw + 3 * out_channels)
        self.conv_s = nn.Conv3d(in_channels, self.mid_channels, (1, kh, kw), stride=(1, sh, sw),
                                padding=(0, ph, pw), bias=bias)
        self.bn_s = build_norm_layer(norm_cfg, self.mid_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv_t = nn.Conv3d(self.mid_channels, out_channels, (kt, 1, 1), stride=(st, 1, 1),
                                padding=(pt, 0, 0), bias=bias)
        for conv in (self.conv_s, self.conv_t):
            nn.init.kaiming_normal_(conv.weight, mode='fan_out', nonlinearity='relu')
            if conv.bias is not None:
                nn.init.zeros_(conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_t(self.relu(self.bn_s(self.conv_s(x))))


# Configs name it as a conv layer: ``conv_cfg=dict(type='Conv2plus1d')``.
CONV_LAYERS['Conv2plus1d'] = Conv2plus1d
