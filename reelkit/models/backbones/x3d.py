"""X3D (Feichtenhofer, *X3D: Expanding Architectures for Efficient Video Recognition*, CVPR 2020),
MMAction2 layout.

A ResNet-like 3D network of inverted bottlenecks: 1x1x1 expand, 3x3x3 depthwise conv, optional
squeeze-excitation, Swish, 1x1x1 project. Width, bottleneck width and depth are scaled from a base
network by ``gamma_w``, ``gamma_b`` and ``gamma_d`` (X3D-S and X3D-M: 1, 2.25, 2.2). Keys read
``conv1_s.conv.weight``, ``layer1.0.conv2.bn.weight``, ``layer1.0.se_module.fc1.weight``, ``conv5.conv.weight``.
"""
import math
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm

from reelkit.registry import MODELS
from ..common import (ConvModule, backbone_key_map, build_activation_layer, freeze, frozen, load_pretrained,
                      resolve_pretrained)
from ..common.layers import LayerConfig
from .resnet import ResidualBlock

SE_STYLES = ('half', 'all')
BASE_CHANNELS = 24
BASE_STAGE_BLOCKS = (1, 2, 5, 3)


def round_width(width: float, multiplier: Optional[float], min_width: int = 8, divisor: int = 8) -> int:
    """``width * multiplier`` rounded to a multiple of ``divisor``, at least ``min_width`` and not
    more than 10% below the exact value; a zero or ``None`` multiplier leaves ``width``."""
    if not multiplier:
        return int(width)
    width *= multiplier
    rounded = max(min_width, int(width + divisor / 2) // divisor * divisor)
    return int(rounded + divisor if rounded < 0.9 * width else rounded)


def round_repeats(repeats: int, multiplier: Optional[float]) -> int:
    """``ceil(repeats * multiplier)``; a zero or ``None`` multiplier leaves ``repeats``."""
    return int(math.ceil(multiplier * repeats)) if multiplier else repeats


class Swish(nn.Module):
    """``x * sigmoid(x)``, elementwise.

    Written out rather than ``nn.SiLU``: the fused kernel rounds differently, and through the 26
    blocks of X3D-M the outputs would drift from MMAction2's by ~1e-4.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(x)


class SEModule(nn.Module):
    """Squeeze-excitation: scale each channel by a gate computed from the clip's mean.

    (N, C, T, H, W) -> (N, C, T, H, W). The gate is 1x1x1 conv to ``round_width(C, reduction)``
    channels, ReLU, 1x1x1 conv back to C, sigmoid.

    Args:
        channels: C.
        reduction: ratio of the hidden width to C (1/16 in X3D).
    """

    def __init__(
            self,
            channels: int,
            reduction: float,
    ) -> None:
        super().__init__()
        self.bottleneck = round_width(channels, reduction)
        self.avg_pool = nn.AdaptiveAvgPool3d(1)
        # ``fc1``/``fc2`` (1x1x1 convs with bias) as in MMAction2 checkpoints.
        self.fc1 = nn.Conv3d(channels, self.bottleneck, kernel_size=1)
        self.relu = nn.ReLU()
        self.fc2 = nn.Conv3d(self.bottleneck, channels, kernel_size=1)
        self.sigmoid = nn.Sigmoid()
        for fc in (self.fc1, self.fc2):
            nn.init.kaiming_normal_(fc.weight, mode='fan_out', nonlinearity='relu')
            nn.init.zeros_(fc.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = self.sigmoid(self.fc2(self.relu(self.fc1(self.avg_pool(x)))))
        return x * gate


class BlockX3D(ResidualBlock):
    """``act(project(swish(se(depthwise(expand(x))))) + shortcut(x))``.

    (N, inplanes, T, H, W) -> (N, outplanes, T, H / spatial_stride, W / spatial_stride).

    Args:
        inplanes: input channels.
        planes: channels of the expanded middle (the depthwise conv and the SE gate).
        outplanes: output channels.
        spatial_stride: stride of the depthwise conv over H and W (time is never strided).
        downsample: the shortcut when shape changes (1x1x1 conv + norm), ``None`` for identity.
        se_ratio: reduction ratio of a squeeze-excitation after the depthwise conv, ``None`` for none.
        use_swish: Swish after the depthwise conv (and the SE); ``False`` uses ``act_cfg`` there
            (MMAction2 applies Swish whatever this says).
        conv_cfg: config of the convs.
        norm_cfg: config of the norms.
        act_cfg: config of the activations after the expanding conv and after the sum.
        with_cp: recompute the block in the backward pass instead of storing activations.
    """

    def __init__(
            self,
            inplanes: int,
            planes: int,
            outplanes: int,
            spatial_stride: int = 1,
            downsample: Optional[nn.Module] = None,
            se_ratio: Optional[float] = None,
            use_swish: bool = True,
            conv_cfg: LayerConfig = frozen(type='Conv3d'),
            norm_cfg: LayerConfig = frozen(type='BN3d'),
            act_cfg: LayerConfig = frozen(type='ReLU'),
            with_cp: bool = False,
    ) -> None:
        super().__init__(downsample, with_cp)
        layer_cfgs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.conv1 = ConvModule(inplanes, planes, 1, bias=False, act_cfg=act_cfg, **layer_cfgs)
        self.conv2 = ConvModule(planes, planes, 3, stride=(1, spatial_stride, spatial_stride), padding=1,
                                groups=planes, bias=False, act_cfg=None, **layer_cfgs)
        self.se_module = SEModule(planes, se_ratio) if se_ratio is not None else None
        self.swish = Swish() if use_swish else build_activation_layer(act_cfg)
        self.conv3 = ConvModule(planes, outplanes, 1, bias=False, act_cfg=None, **layer_cfgs)
        self.relu = build_activation_layer(act_cfg)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv2(self.conv1(x))
        if self.se_module is not None:
            x = self.se_module(x)
        return self.conv3(self.swish(x))


@MODELS.register_module()
class X3D(BaseModule):
    """X3D backbone: (N, in_channels, T, H, W) -> (N, feat_dim, T, H / 32, W / 32) with the default strides.

    Stage i has ``round_repeats((1, 2, 5, 3)[i], gamma_d)`` blocks with ``w * 2**i`` output channels
    (``w = round_width(24, gamma_w)``) and ``int(w * 2**i * gamma_b)`` in the middle; ``conv5``
    expands the last stage by ``gamma_b`` to ``feat_dim``.

    Args:
        gamma_w: width multiplier of the whole network.
        gamma_b: bottleneck (middle) width multiplier.
        gamma_d: depth multiplier.
        pretrained: a checkpoint loaded by :meth:`init_weights` (a local file or a URL found in the
            torch hub cache); ``None`` trains from scratch.
        in_channels: input channels.
        num_stages: how many of the 4 stages to build.
        spatial_strides: spatial stride of the first block of each stage.
        frozen_stages: stages (``0`` is the stem) kept in eval mode without gradients; -1 for none.
        se_style: ``'half'`` (squeeze-excitation in blocks 0, 2, 4, ... of each stage) or ``'all'``.
        se_ratio: reduction ratio of the squeeze-excitations, ``None`` for none.
        use_swish: Swish in the blocks (see :class:`BlockX3D`).
        conv_cfg: config of the convs.
        norm_cfg: config of the norms.
        act_cfg: config of the activations.
        norm_eval: keep every batch norm in eval mode (frozen statistics) while training.
        with_cp: recompute each block in the backward pass instead of storing activations.
        zero_init_residual: start the last norm of every block at zero, so blocks begin as identities.
        init_cfg: extra MMEngine init applied by :meth:`init_weights` before ``pretrained``; the
            layers already start with He-init convs and unit batch norms.
    """

    def __init__(
            self,
            gamma_w: float = 1.0,
            gamma_b: float = 1.0,
            gamma_d: float = 1.0,
            pretrained: Optional[str] = None,
            in_channels: int = 3,
            num_stages: int = 4,
            spatial_strides: Sequence[int] = (2, 2, 2, 2),
            frozen_stages: int = -1,
            se_style: str = 'half',
            se_ratio: Optional[float] = 1 / 16,
            use_swish: bool = True,
            conv_cfg: LayerConfig = frozen(type='Conv3d'),
            norm_cfg: LayerConfig = frozen(type='BN3d', requires_grad=True),
            act_cfg: LayerConfig = frozen(type='ReLU', inplace=True),
            norm_eval: bool = False,
            with_cp: bool = False,
            zero_init_residual: bool = True,
            init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self._check_args(pretrained, num_stages, spatial_strides, frozen_stages, se_style, se_ratio)
        self.gamma_w, self.gamma_b, self.gamma_d = gamma_w, gamma_b, gamma_d
        self.pretrained = pretrained
        self.in_channels = in_channels
        self.num_stages = num_stages
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.base_channels = round_width(BASE_CHANNELS, gamma_w)
        self.stage_blocks = [round_repeats(n, gamma_d) for n in BASE_STAGE_BLOCKS][:num_stages]
        layer_cfgs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.block_kwargs = dict(use_swish=use_swish, act_cfg=act_cfg, with_cp=with_cp, **layer_cfgs)

        # The stem: a spatial conv, then a depthwise temporal one (kernel 5).
        self.conv1_s = ConvModule(in_channels, self.base_channels, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1),
                                  bias=False, conv_cfg=conv_cfg, norm_cfg=None, act_cfg=None)
        self.conv1_t = ConvModule(self.base_channels, self.base_channels, (5, 1, 1), padding=(2, 0, 0),
                                  groups=self.base_channels, bias=False, act_cfg=act_cfg, **layer_cfgs)
        self.res_layers = []
        inplanes = self.base_channels
        for i, num_blocks in enumerate(self.stage_blocks):
            outplanes = self.base_channels * 2**i
            se_ratios = [se_ratio if se_style == 'all' or j % 2 == 0 else None for j in range(num_blocks)]
            stage = self.make_stage(inplanes, outplanes, int(outplanes * gamma_b), spatial_strides[i], se_ratios)
            # ``layer1..4`` as in MMAction2 checkpoints.
            self.add_module(f'layer{i + 1}', stage)
            self.res_layers.append(f'layer{i + 1}')
            inplanes = outplanes
        self.feat_dim = int(inplanes * gamma_b)
        self.conv5 = ConvModule(inplanes, self.feat_dim, 1, bias=False, act_cfg=act_cfg, **layer_cfgs)
        if zero_init_residual:
            for module in self.modules():
                if isinstance(module, BlockX3D):
                    nn.init.zeros_(module.conv3.bn.weight)
        self.train()  # apply frozen_stages / norm_eval from the start

    @staticmethod
    def _check_args(pretrained, num_stages, spatial_strides, frozen_stages, se_style, se_ratio) -> None:
        if pretrained is not None and not isinstance(pretrained, str):
            raise TypeError(f'pretrained must be a path, a URL or None, got {type(pretrained).__name__}')
        if not 1 <= num_stages <= 4:
            raise ValueError(f'num_stages={num_stages}; expected 1 to 4')
        if len(spatial_strides) != num_stages:
            raise ValueError(f'spatial_strides={tuple(spatial_strides)}: need one entry per stage '
                             f'(num_stages={num_stages})')
        if not -1 <= frozen_stages <= num_stages:
            raise ValueError(f'frozen_stages={frozen_stages}; expected -1 (none) to {num_stages}')
        if se_style not in SE_STYLES:
            raise ValueError(f'se_style={se_style!r}; expected one of {SE_STYLES}')
        if se_ratio is not None and se_ratio <= 0:
            raise ValueError(f'se_ratio={se_ratio}; expected a positive ratio or None')

    def make_stage(self, inplanes: int, outplanes: int, planes: int, spatial_stride: int,
                   se_ratios: Sequence[Optional[float]]) -> nn.Module:
        """``len(se_ratios)`` blocks, the first one changing shape; block j's SE ratio is ``se_ratios[j]``."""
        downsample = None
        if spatial_stride != 1 or inplanes != outplanes:
            downsample = ConvModule(inplanes, outplanes, 1, stride=(1, spatial_stride, spatial_stride), bias=False,
                                    conv_cfg=self.block_kwargs['conv_cfg'], norm_cfg=self.block_kwargs['norm_cfg'],
                                    act_cfg=None)
        blocks = [BlockX3D(inplanes, planes, outplanes, spatial_stride, downsample, se_ratios[0], **self.block_kwargs)]
        blocks += [BlockX3D(outplanes, planes, outplanes, 1, None, ratio, **self.block_kwargs)
                   for ratio in se_ratios[1:]]
        return nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, T, H, W) -> (N, feat_dim, T, H', W')."""
        x = self.conv1_t(self.conv1_s(x))
        for name in self.res_layers:
            x = getattr(self, name)(x)
        return self.conv5(x)

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then load ``pretrained`` if given (the runner calls this before training)."""
        super().init_weights()
        if self.pretrained is not None:
            load_pretrained(self, resolve_pretrained(self.pretrained, 'model.backbone.pretrained'),
                            backbone_key_map)

    def train(self, mode: bool = True) -> 'X3D':
        """Switch train/eval mode, keeping the frozen parts and, with ``norm_eval``, the norms in eval mode."""
        super().train(mode)
        if self.frozen_stages >= 0:
            freeze(self.conv1_s)
            freeze(self.conv1_t)
        for i in range(1, self.frozen_stages + 1):
            freeze(getattr(self, f'layer{i}'))
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
