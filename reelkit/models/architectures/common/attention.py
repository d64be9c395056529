"""Self-attention block of SAGAN and BigGAN.

Zhang et al., "Self-Attention Generative Adversarial Networks", ICML 2019 (https://arxiv.org/abs/1805.08318),
in BigGAN-PyTorch's form: keys and values are max-pooled 2x2, the output is scaled by a learned
``gamma`` that starts at 0, so a freshly built block is the identity.
"""
from typing import Mapping

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from reelkit.registry import MODELS
from .layers import ConvModule


@MODELS.register_module()
class SelfAttentionBlock(nn.Module):
    """Non-local attention over all positions; (N, C, H, W) -> (N, C, H, W), H and W even.

    Args:
        in_channels: Channels C; query/key use C // 8 channels, value C // 2.
        with_spectral_norm: Spectrally normalise the four 1x1 convolutions.
        sn_eps: Epsilon of the spectral norm.
        sn_style: Spectral-norm checkpoint layout, ``'torch'`` or ``'ajbrock'``.
    """

    def __init__(self,
                 in_channels: int,
                 with_spectral_norm: bool = True,
                 sn_eps: float = 1e-6,
                 sn_style: str = 'ajbrock'):
        super().__init__()
        if in_channels % 8:
            raise ValueError(f'in_channels={in_channels} must be divisible by 8')
        self.in_channels = in_channels
        sn_cfg: Mapping = dict(eps=sn_eps, sn_style=sn_style)

        def conv1x1(c_in: int, c_out: int) -> ConvModule:
            return ConvModule(c_in, c_out, kernel_size=1, padding=0, bias=False, act_cfg=None,
                              with_spectral_norm=with_spectral_norm, spectral_norm_cfg=sn_cfg)

        self.theta = conv1x1(in_channels, in_channels // 8)
        self.phi = conv1x1(in_channels, in_channels // 8)
        self.g = conv1x1(in_channels, in_channels // 2)
        self.o = conv1x1(in_channels // 2, in_channels)
        self.gamma = nn.Parameter(torch.tensor(0.))

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H, W)."""
        N, C, H, W = x.shape
        query = self.theta(x).reshape(N, C // 8, H * W)
        key = F.max_pool2d(self.phi(x), 2).reshape(N, C // 8, H * W // 4)
        value = F.max_pool2d(self.g(x), 2).reshape(N, C // 2, H * W // 4)
        attn = F.softmax(torch.bmm(query.transpose(1, 2), key), dim=-1)  # (N, HW, HW/4)
        out = torch.bmm(value, attn.transpose(1, 2)).reshape(N, C // 2, H, W)
        return x + self.gamma * self.o(out)
