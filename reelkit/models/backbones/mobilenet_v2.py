"""MobileNetV2 (Sandler et al., *MobileNetV2: Inverted Residuals and Linear Bottlenecks*, CVPR 2018),
MMAction2 layout.

A 3x3 stem (``conv1``), seven stages of inverted residual blocks (``layer1``..``layer7``) and a 1x1
conv to 1280 channels (``conv2``). Each block's convs sit in ``conv`` (an ``nn.Sequential`` of
:class:`ConvModule`), so keys read ``layer2.0.conv.0.conv.weight`` as in MMAction2 checkpoints.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm
from torch.utils import checkpoint as cp

from reelkit.registry import MODELS
from ..common import ConvModule, freeze, frozen, load_pretrained, resolve_pretrained
from ..common.layers import LayerConfig
from .resnet import resnet_key_map


def make_divisible(value: float, divisor: int, min_value: Optional[int] = None, min_ratio: float = 0.9) -> int:
    """``value`` rounded to the nearest multiple of ``divisor`` (at least ``min_value``, default
    ``divisor``), one multiple up when rounding lost more than ``1 - min_ratio`` of it."""
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < min_ratio * value else rounded


class InvertedResidual(nn.Module):
    """Optional 1x1 expand, 3x3 depthwise, 1x1 linear project; a residual when the shape is kept.

    x: (N, in_channels, H, W) -> (N, out_channels, H / stride, W / stride).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        stride: stride of the depthwise conv, 1 or 2.
        expand_ratio: hidden channels = ``round(in_channels * expand_ratio)``; 1 builds no expand conv.
        conv_cfg: config of the convs.
        norm_cfg: config of the norms.
        act_cfg: config of the activations (not after the projection).
        with_cp: recompute the block in the backward pass instead of storing activations.
    """

    def __init__(
            self,
            in_channels: int,
            out_channels: int,
            stride: int,
            expand_ratio: float,
            conv_cfg: LayerConfig = None,
            norm_cfg: LayerConfig = frozen(type='BN'),
            act_cfg: LayerConfig = frozen(type='ReLU6'),
            with_cp: bool = False,
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f'stride={stride}; expected 1 or 2')
        self.stride = stride
        self.with_cp = with_cp
        self.use_res_connect = stride == 1 and in_channels == out_channels
        hidden = int(round(in_channels * expand_ratio))
        layer_cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        layers = [ConvModule(in_channels, hidden, 1, act_cfg=act_cfg, **layer_cfg)] if expand_ratio != 1 else []
        layers += [
            ConvModule(hidden, hidden, 3, stride=stride, padding=1, groups=hidden, act_cfg=act_cfg, **layer_cfg),
            ConvModule(hidden, out_channels, 1, act_cfg=None, **layer_cfg),
        ]
        self.conv = nn.Sequential(*layers)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._forward, x, use_reentrant=False)
        return self._forward(x)


@MODELS.register_module()
class MobileNetV2(BaseModule):
    """MobileNetV2 backbone.

    Args:
        pretrained: weights loaded by :meth:`init_weights`: a local file or a URL (found in the
            torch hub cache, never downloaded), in MMAction2/MMPretrain or reelkit layout (a
            ``backbone.`` prefix is dropped). ``None`` trains from scratch.
        widen_factor: multiplies the channels of every layer (rounded to multiples of 8).
        out_indices: the layers whose outputs :meth:`forward` returns: 0-6 for ``layer1``..``layer7``,
            7 for ``conv2``.
        frozen_stages: layers kept in eval mode without gradients: 0 the stem, k also the first k
            of ``layer1``..``layer7``, ``conv2``; -1 for none.
        conv_cfg: config of the convs.
        norm_cfg: config of the norms.
        act_cfg: config of the activations.
        norm_eval: keep every batch norm in eval mode (frozen statistics) while training.
        with_cp: recompute each block in the backward pass instead of storing activations.
        init_cfg: extra MMEngine init applied by :meth:`init_weights` before ``pretrained``; the
            layers already start with He-init convs and unit batch norms (MMAction2's default init_cfg).
    """

    # (expand_ratio, channels, blocks, stride of the first block) of layer1..layer7.
    arch_settings = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                     (6, 160, 3, 2), (6, 320, 1, 1))

    def __init__(
            self,
            pretrained: Optional[str] = None,
            widen_factor: float = 1.,
            out_indices: Sequence[int] = (7, ),
            frozen_stages: int = -1,
            conv_cfg: LayerConfig = frozen(type='Conv'),
            norm_cfg: LayerConfig = frozen(type='BN2d', requires_grad=True),
            act_cfg: LayerConfig = frozen(type='ReLU6', inplace=True),
            norm_eval: bool = False,
            with_cp: bool = False,
            init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        num_layers = len(self.arch_settings) + 1
        if not out_indices or not all(0 <= i < num_layers for i in out_indices):
            raise ValueError(f'out_indices={tuple(out_indices)}; expected layer indices in [0, {num_layers})')
        if not -1 <= frozen_stages <= num_layers:
            raise ValueError(f'frozen_stages={frozen_stages}; expected -1 (none) to {num_layers}')
        if pretrained is not None and not isinstance(pretrained, str):
            raise TypeError(f'pretrained must be a path, a URL or None, got {type(pretrained).__name__}')
        self.pretrained = pretrained
        self.widen_factor = widen_factor
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.block_kwargs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg, with_cp=with_cp)
        layer_cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)

        channels = make_divisible(32 * widen_factor, 8)
        self.conv1 = ConvModule(3, channels, 3, stride=2, padding=1, **layer_cfg)
        self.layers = []
        for i, (expand_ratio, base_channels, num_blocks, stride) in enumerate(self.arch_settings):
            out_channels = make_divisible(base_channels * widen_factor, 8)
            self.add_module(f'layer{i + 1}', self.make_layer(channels, out_channels, num_blocks, stride, expand_ratio))
            self.layers.append(f'layer{i + 1}')
            channels = out_channels
        # As MMAction2: the last conv widens only for widen_factor > 1.
        self.out_channel = int(1280 * widen_factor) if widen_factor > 1.0 else 1280
        self.conv2 = ConvModule(channels, self.out_channel, 1, **layer_cfg)
        self.layers.append('conv2')
        self.train()  # apply frozen_stages / norm_eval from the start

    def make_layer(self, in_channels: int, out_channels: int, num_blocks: int, stride: int,
                   expand_ratio: float) -> nn.Sequential:
        """``num_blocks`` blocks, the first one with ``stride``."""
        blocks = [self.make_block(in_channels, out_channels, stride, expand_ratio)]
        blocks += [self.make_block(out_channels, out_channels, 1, expand_ratio) for _ in range(1, num_blocks)]
        return nn.Sequential(*blocks)

    def make_block(self, in_channels: int, out_channels: int, stride: int, expand_ratio: float) -> nn.Module:
        """One inverted residual block; subclasses wrap parts of it (see MobileNetV2TSM)."""
        return InvertedResidual(in_channels, out_channels, stride, expand_ratio, **self.block_kwargs)

    def forward(self, x: torch.Tensor) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        """(N, 3, H, W) -> (N, out_channel, H/32, W/32) for the default ``out_indices=(7,)``;
        a tuple of layer outputs when ``out_indices`` names several layers."""
        x = self.conv1(x)
        outs = []
        for i, name in enumerate(self.layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then load ``pretrained`` if given (the runner calls this before training)."""
        super().init_weights()
        if self.pretrained is not None:
            # resnet_key_map drops the ``backbone.`` prefix and TSM's ``.net`` wrappers; it renames
            # only torchvision ResNet names, which MobileNetV2 keys never match.
            load_pretrained(self, resolve_pretrained(self.pretrained, 'model.backbone.pretrained'), resnet_key_map)

    def train(self, mode: bool = True) -> 'MobileNetV2':
        """Switch train/eval mode, keeping the frozen layers and (with norm_eval) the norms in eval mode."""
        super().train(mode)
        if self.frozen_stages >= 0:
            freeze(self.conv1)
        for name in self.layers[:max(self.frozen_stages, 0)]:
            freeze(getattr(self, name))
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
