"""Convolution, then normalization, then activation: MMCV's ``ConvModule`` layout.

The submodules are named ``conv``, ``bn`` and ``activate`` so that state-dict keys read
``...conv.weight`` and ``...bn.running_mean``, as in MMAction2 checkpoints.
"""
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn

from .layers import LayerConfig, build_activation_layer, build_conv_layer, build_norm_layer, frozen

IntOrTuple = Union[int, Tuple[int, ...]]


class ConvModule(nn.Module):
    """Conv + optional norm + optional activation.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_size: kernel size of the convolution.
        stride: stride of the convolution.
        padding: zero padding of the convolution.
        dilation: dilation of the convolution.
        groups: groups of the convolution.
        bias: whether the convolution has a bias; ``'auto'`` means only when there is no norm
            (a norm's shift makes the bias redundant).
        conv_cfg: convolution config, ``None`` for ``Conv2d``.
        norm_cfg: normalization config, ``None`` for none.
        act_cfg: activation config, ``None`` for none.
        inplace: whether the activation works in place (where supported).
    """

    def __init__(
            self,
            in_channels: int,
            out_channels: int,
            kernel_size: IntOrTuple,
            stride: IntOrTuple = 1,
            padding: IntOrTuple = 0,
            dilation: IntOrTuple = 1,
            groups: int = 1,
            bias: Union[bool, str] = 'auto',
            conv_cfg: LayerConfig = None,
            norm_cfg: LayerConfig = None,
            act_cfg: LayerConfig = frozen(type='ReLU'),
            inplace: bool = True,
    ) -> None:
        super().__init__()
        if bias not in (True, False, 'auto'):
            raise ValueError(f"bias={bias!r}; expected True, False or 'auto'")
        with_bias = norm_cfg is None if bias == 'auto' else bias
        self.conv = build_conv_layer(
            conv_cfg, in_channels, out_channels, kernel_size,
            stride=stride, padding=padding, dilation=dilation, groups=groups, bias=with_bias)
        self.bn = build_norm_layer(norm_cfg, out_channels) if norm_cfg is not None else None
        self.activate = build_activation_layer(act_cfg, inplace) if act_cfg is not None else None
        self.reset_parameters(act_cfg)

    @property
    def norm(self) -> Optional[nn.Module]:
        """The normalization layer (MMCV's name for it)."""
        return self.bn

    def reset_parameters(self, act_cfg: LayerConfig) -> None:
        """He init for the conv (fan-out, as MMCV), unit scale and zero shift for the norm."""
        negative_slope = (act_cfg or {}).get('negative_slope', 0.0)
        nonlinearity = 'leaky_relu' if negative_slope else 'relu'
        for module in self.conv.modules():
            if isinstance(module, nn.modules.conv._ConvNd):
                nn.init.kaiming_normal_(module.weight, a=negative_slope, mode='fan_out',
                                        nonlinearity=nonlinearity)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
        if self.bn is not None:
            nn.init.ones_(self.bn.weight)
            nn.init.zeros_(self.bn.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C_in, *spatial) -> (N, C_out, *spatial')."""
        x = self.conv(x)
        if self.bn is not None:
            x = self.bn(x)
        if self.activate is not None:
            x = self.activate(x)
        return x
