"""Equalized learning rate (Karras et al., "Progressive Growing of GANs", ICLR 2018) and the layers
PGGAN and StyleGAN build with it.

The raw weight is stored as ``<name>_orig`` and drawn from N(0, 1) (or N(0, 1 / lr_mul)); a forward
pre-hook sets ``module.<name> = <name>_orig * gain / sqrt(fan) * lr_mul`` before every call, so every
layer learns at the same speed whatever its fan-in. Checkpoints therefore hold ``weight_orig``.
"""
import math
from typing import Mapping, Optional

import torch
import torch.nn as nn
from torch import Tensor

from .bias_act import fused_bias_leakyrelu
from .layers import ConvModule, build_activation, frozen_cfg

FAN_MODES = ('fan_in', 'fan_out')


class EqualizedLR:
    """Forward pre-hook recomputing ``module.<name>`` from ``<name>_orig`` (see the module docstring)."""

    def __init__(self, name: str = 'weight', gain: float = math.sqrt(2), mode: str = 'fan_in', lr_mul: float = 1.0):
        if mode not in FAN_MODES:
            raise ValueError(f'mode={mode!r}; expected one of {list(FAN_MODES)}')
        self.name = name
        self.gain = gain
        self.mode = mode
        self.lr_mul = lr_mul

    def scale(self, weight: Tensor) -> float:
        # A modulated-conv weight (1, out, in, k, k) has the fan of its (out, in, k, k) slice.
        w = weight[0] if weight.ndim == 5 else weight
        fan = nn.init._calculate_correct_fan(w, self.mode)
        return self.gain / math.sqrt(fan) * self.lr_mul

    def compute_weight(self, module: nn.Module) -> Tensor:
        weight = getattr(module, f'{self.name}_orig')
        return weight * self.scale(weight)

    def __call__(self, module: nn.Module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module))


def equalized_lr(module: nn.Module, name: str = 'weight', gain: float = math.sqrt(2), mode: str = 'fan_in',
                 lr_mul: float = 1.0) -> nn.Module:
    """Give ``module.<name>`` an equalized learning rate; returns ``module`` (now holding ``<name>_orig``)."""
    if any(isinstance(hook, EqualizedLR) and hook.name == name for hook in module._forward_pre_hooks.values()):
        raise RuntimeError(f'{type(module).__name__}.{name} already has an equalized learning rate')
    hook = EqualizedLR(name, gain=gain, mode=mode, lr_mul=lr_mul)
    weight = module._parameters[name]
    del module._parameters[name]
    module.register_parameter(f'{name}_orig', weight)
    # A plain attribute until the first forward, so code reading ``module.weight`` keeps working.
    setattr(module, name, weight.data)
    module.register_forward_pre_hook(hook)
    return module


class EqualizedLRConvModule(ConvModule):
    """:class:`ConvModule` whose convolution has an equalized learning rate (weight ~ N(0, 1), bias 0).

    Args:
        *args: :class:`ConvModule` arguments.
        equalized_lr_cfg: ``gain``/``mode``/``lr_mul`` of the equalized LR, ``None`` for a plain conv.
        **kwargs: :class:`ConvModule` arguments.
    """

    def __init__(self, *args, equalized_lr_cfg: Optional[Mapping] = frozen_cfg(mode='fan_in'), **kwargs):
        super().__init__(*args, **kwargs)
        self.with_equalized_lr = equalized_lr_cfg is not None
        if self.with_equalized_lr:
            self.conv = equalized_lr(self.conv, **equalized_lr_cfg)
            self.init_weights()

    def init_weights(self) -> None:
        """N(0, 1) raw weight and zero bias under equalized LR (the runtime scale does the rest)."""
        if not getattr(self, 'with_equalized_lr', False):
            return super().init_weights()
        nn.init.normal_(self.conv.weight_orig, 0.0, 1.0)
        if self.conv.bias is not None:
            nn.init.zeros_(self.conv.bias)


class EqualizedLRLinearModule(nn.Linear):
    """``nn.Linear`` with an equalized learning rate (weight ~ N(0, 1 / lr_mul), bias 0). (N, in) -> (N, out)."""

    def __init__(self, *args, equalized_lr_cfg: Optional[Mapping] = frozen_cfg(mode='fan_in'), **kwargs):
        super().__init__(*args, **kwargs)
        self.with_equalized_lr = equalized_lr_cfg is not None
        self.lr_mul = equalized_lr_cfg.get('lr_mul', 1.0) if self.with_equalized_lr else 1.0
        if self.with_equalized_lr:
            equalized_lr(self, **equalized_lr_cfg)
            nn.init.normal_(self.weight_orig, 0.0, 1.0 / self.lr_mul)
            if self.bias is not None:
                nn.init.zeros_(self.bias)


class EqualLinearActModule(nn.Module):
    """Equalized-LR linear layer with its bias (scaled by ``lr_mul``) and activation outside it.

    ``act_cfg=dict(type='fused_bias')`` fuses bias, leaky ReLU(0.2) and gain sqrt(2) (StyleGAN2);
    other configs name a plain activation. (N, in, ...) -> (N, out): inputs are flattened first.

    Args:
        in_features: Input features (after flattening).
        out_features: Output features.
        equalized_lr_cfg: ``gain``/``mode``/``lr_mul`` of the equalized LR.
        bias: Learn a bias.
        bias_init: Initial bias value (1 for StyleGAN2's style modulation).
        act_cfg: Activation, ``None`` for none.
    """

    def __init__(self,
                 in_features: int,
                 out_features: int,
                 equalized_lr_cfg: Optional[Mapping] = frozen_cfg(gain=1., lr_mul=1.),
                 bias: bool = True,
                 bias_init: float = 0.,
                 act_cfg: Optional[Mapping] = None):
        super().__init__()
        self.linear = EqualizedLRLinearModule(in_features, out_features, bias=False,
                                              equalized_lr_cfg=equalized_lr_cfg)
        self.lr_mul = (equalized_lr_cfg or {}).get('lr_mul', 1.0)
        self.bias = nn.Parameter(torch.full((out_features, ), float(bias_init))) if bias else None
        self.act_type = None
        if act_cfg is not None:
            act_cfg = dict(act_cfg)
            if act_cfg['type'] == 'fused_bias':
                if not bias:
                    raise ValueError("act_cfg type 'fused_bias' needs bias=True")
                act_cfg.pop('type')
                self.act_type, self.fused_kwargs = 'fused_bias', act_cfg
            else:
                self.act_type, self.activate = 'normal', build_activation(act_cfg)

    def forward(self, x: Tensor) -> Tensor:
        """(N, in, ...) -> (N, out)."""
        if x.ndim >= 3:
            x = x.reshape(x.shape[0], -1)
        x = self.linear(x)
        if self.act_type == 'fused_bias':
            return fused_bias_leakyrelu(x, self.bias * self.lr_mul, **self.fused_kwargs)
        if self.bias is not None:
            x = x + self.bias * self.lr_mul
        if self.act_type == 'normal':
            x = self.activate(x)
        return x
