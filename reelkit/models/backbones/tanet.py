"""TANet: Temporal Adaptive Network (Liu et al., *TAM: Temporal Adaptive Module for Video
Recognition*, ICCV 2021) on the 2D :class:`ResNet`, MMAction2 layout.

Every bottleneck block gets a :class:`TAM` after its first conv. From the spatially pooled
channels of a clip, TAM computes a local branch (a per-channel, per-frame gate) and a global
branch (a per-channel temporal kernel of ``adaptive_kernel_size`` taps), then convolves the gated
features over time with that kernel. Keys: each block is wrapped, ``layer1.0.block.conv1.conv.weight``,
and its TAM reads ``layer1.0.tam.G.0.weight`` / ``layer1.0.tam.L.0.weight``, as in MMAction2 checkpoints.
"""
from typing import Mapping, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils import checkpoint as cp

from reelkit.registry import MODELS
from ..common.layers import LayerConfig
from .resnet import Bottleneck, ResNet


class TAM(nn.Module):
    """Temporal adaptive module: (N * T, C, H, W) -> (N * T, C, H, W).

    Args:
        in_channels: C.
        num_segments: T, the frames of one clip.
        alpha: the global branch's hidden width is ``alpha * T``.
        adaptive_kernel_size: K, taps of the learned temporal kernel.
        beta: the local branch's hidden width is ``C // beta``.
        conv1d_kernel_size: temporal kernel of the local branch's first conv.
        adaptive_convolution_stride: temporal stride of the adaptive convolution.
        adaptive_convolution_padding: temporal padding of the adaptive convolution.
        init_std: kept for MMAction2 configs (MMAction2 does not use it either).
    """

    def __init__(
            self,
            in_channels: int,
            num_segments: int,
            alpha: int = 2,
            adaptive_kernel_size: int = 3,
            beta: int = 4,
            conv1d_kernel_size: int = 3,
            adaptive_convolution_stride: int = 1,
            adaptive_convolution_padding: int = 1,
            init_std: float = 0.001,
    ) -> None:
        super().__init__()
        if alpha <= 0 or beta <= 0:
            raise ValueError(f'alpha={alpha}, beta={beta}; expected positive numbers')
        self.in_channels = in_channels
        self.num_segments = num_segments
        self.alpha = alpha
        self.adaptive_kernel_size = adaptive_kernel_size
        self.beta = beta
        self.conv1d_kernel_size = conv1d_kernel_size
        self.adaptive_convolution_stride = adaptive_convolution_stride
        self.adaptive_convolution_padding = adaptive_convolution_padding
        self.init_std = init_std
        # ``G`` (global: frame descriptor -> temporal kernel) and ``L`` (local: per-frame gate), as MMAction2.
        self.G = nn.Sequential(
            nn.Linear(num_segments, num_segments * alpha, bias=False),
            nn.BatchNorm1d(num_segments * alpha),
            nn.ReLU(inplace=True),
            nn.Linear(num_segments * alpha, adaptive_kernel_size, bias=False),
            nn.Softmax(-1))
        self.L = nn.Sequential(
            nn.Conv1d(in_channels, in_channels // beta, conv1d_kernel_size, padding=conv1d_kernel_size // 2,
                      bias=False),
            nn.BatchNorm1d(in_channels // beta),
            nn.ReLU(inplace=True),
            nn.Conv1d(in_channels // beta, in_channels, 1, bias=False),
            nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        NT, C, H, W = x.shape
        T = self.num_segments
        if C != self.in_channels or NT % T:
            raise ValueError(f'TAM({self.in_channels} channels, {T} segments) got input of shape {tuple(x.shape)}')
        N = NT // T
        x = x.view(N, T, C, H, W).transpose(1, 2)  # (N, C, T, H, W)
        descriptor = x.mean(dim=(3, 4))  # (N, C, T)
        kernel = self.G(descriptor.reshape(N * C, T))  # (N * C, K), one temporal kernel per clip and channel
        gate = self.L(descriptor)  # (N, C, T)
        gated = x * gate[..., None, None]
        # A grouped conv does every (clip, channel) with its own kernel: (1, N * C, T, H * W).
        out = F.conv2d(gated.reshape(1, N * C, T, H * W), kernel.view(N * C, 1, -1, 1),
                       stride=(self.adaptive_convolution_stride, 1),
                       padding=(self.adaptive_convolution_padding, 0), groups=N * C)
        return out.view(N, C, -1, H, W).transpose(1, 2).reshape(-1, C, H, W)


class TABlock(nn.Module):
    """A bottleneck with a :class:`TAM` between its first and second conv.

    x: (N * T, C_in, H, W) -> (N * T, C_out, H', W').

    Args:
        block: the :class:`Bottleneck` (kept whole under ``block``, for checkpoint keys).
        num_segments: T.
        tam_cfg: keyword arguments of :class:`TAM`.
    """

    def __init__(
            self,
            block: nn.Module,
            num_segments: int,
            tam_cfg: Optional[Mapping] = None,
    ) -> None:
        super().__init__()
        if not isinstance(block, Bottleneck):
            raise TypeError(f'TABlock wraps a Bottleneck (ResNet-50 and deeper), got {type(block).__name__}')
        self.block = block
        self.num_segments = num_segments
        self.tam = TAM(block.conv1.conv.out_channels, num_segments, **(tam_cfg or {}))

    def _residual_plus_shortcut(self, x: torch.Tensor) -> torch.Tensor:
        block = self.block
        shortcut = x if block.downsample is None else block.downsample(x)
        return block.conv3(block.conv2(self.tam(block.conv1(x)))) + shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.block.with_cp and x.requires_grad:
            out = cp.checkpoint(self._residual_plus_shortcut, x, use_reentrant=False)
        else:
            out = self._residual_plus_shortcut(x)
        return self.block.relu(out)


@MODELS.register_module()
class TANet(ResNet):
    """ResNet whose every block is a :class:`TABlock`.

    Input (N * num_segments, C, H, W), clip by clip.

    Args:
        depth: 50, 101 or 152 (TA-blocks need bottlenecks).
        num_segments: T, the frames of one clip (at least 3).
        tam_cfg: keyword arguments of :class:`TAM`, ``None`` for its defaults.
        **kwargs: arguments of :class:`ResNet` (``pretrained`` loads 2D ResNet or TANet checkpoints).
    """

    def __init__(
            self,
            depth: int,
            num_segments: int,
            tam_cfg: Optional[Mapping] = None,
            **kwargs,
    ) -> None:
        if num_segments < 3:
            raise ValueError(f'num_segments={num_segments}; TANet needs at least 3')
        if depth in self.arch_settings and self.arch_settings[depth][0] is not Bottleneck:
            raise ValueError(f'depth={depth}: TANet needs bottleneck blocks (depth 50, 101 or 152)')
        # Set before ResNet.__init__, which builds the blocks through make_block below.
        self.num_segments = num_segments
        self.tam_cfg = dict(tam_cfg or {})
        super().__init__(depth, **kwargs)

    def make_block(self, stage_idx: int, block_idx: int, inplanes: int, planes: int, stride: int, dilation: int,
                   downsample: Optional[nn.Module], conv1_cfg: LayerConfig = None) -> nn.Module:
        block = super().make_block(stage_idx, block_idx, inplanes, planes, stride, dilation, downsample, conv1_cfg)
        return TABlock(block, self.num_segments, self.tam_cfg)
