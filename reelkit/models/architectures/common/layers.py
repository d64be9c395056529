"""Layer choices resolved from config dicts, and the conv-norm-act block GAN architectures share.

``act_cfg=dict(type='LeakyReLU', negative_slope=0.2)``, ``norm_cfg=dict(type='BN', eps=1e-4)`` and
``upsample_cfg=dict(type='nearest', scale_factor=2)`` are resolved here, once, by table lookup; an
unknown ``type`` raises a ``ValueError`` listing the valid ones.

:class:`ConvModule` keeps MMCV's sub-module names (``conv``, then the norm under its abbreviation
``bn``/``gn``/``in``/``ln``, then ``activate``) because MMGeneration checkpoints store them there.
"""
import copy
import math
from types import MappingProxyType
from typing import Dict, Mapping, Optional, Sequence, Tuple, Type, Union

import torch
import torch.nn as nn
from torch import Tensor

from .spectral_norm import apply_spectral_norm

LayerCfg = Optional[Union[Mapping, Type[nn.Module]]]


def frozen_cfg(**kwargs) -> Mapping:
    """A read-only config dict, safe to use as a default argument value."""
    return MappingProxyType(kwargs)


RELU = frozen_cfg(type='ReLU')

ACTIVATIONS: Dict[str, Type[nn.Module]] = {
    'ReLU': nn.ReLU,
    'LeakyReLU': nn.LeakyReLU,
    'PReLU': nn.PReLU,
    'ReLU6': nn.ReLU6,
    'ELU': nn.ELU,
    'GELU': nn.GELU,
    'SiLU': nn.SiLU,
    'Swish': nn.SiLU,
    'Sigmoid': nn.Sigmoid,
    'Tanh': nn.Tanh,
    'Identity': nn.Identity,
}

def pixel_norm(x: Tensor, eps: float = 1e-6) -> Tensor:
    """Normalise each feature vector (dim 1) to unit root-mean-square: ``x / (||x||_2 / sqrt(C) + eps)``."""
    norm = torch.linalg.vector_norm(x, ord=2, dim=1, keepdim=True) / math.sqrt(x.shape[1])
    return x / (norm + eps)


class PixelNorm(nn.Module):
    """Pixelwise feature normalisation (Karras et al., PGGAN); (N, C, ...) -> (N, C, ...).

    Args:
        in_channels: Unused; accepted so that ``norm_cfg=dict(type='PixelNorm')`` builds like other norms.
        eps: Added to the RMS norm.
    """

    def __init__(self, in_channels: Optional[int] = None, eps: float = 1e-6):
        super().__init__()
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        return pixel_norm(x, self.eps)


# name -> (class, abbreviation used as the sub-module name in checkpoints)
NORMS: Dict[str, Tuple[Type[nn.Module], str]] = {
    'BN': (nn.BatchNorm2d, 'bn'),
    'BN1d': (nn.BatchNorm1d, 'bn'),
    'BN2d': (nn.BatchNorm2d, 'bn'),
    'BN3d': (nn.BatchNorm3d, 'bn'),
    'SyncBN': (nn.SyncBatchNorm, 'bn'),
    'GN': (nn.GroupNorm, 'gn'),
    'LN': (nn.LayerNorm, 'ln'),
    'IN': (nn.InstanceNorm2d, 'in'),
    'IN1d': (nn.InstanceNorm1d, 'in'),
    'IN2d': (nn.InstanceNorm2d, 'in'),
    'IN3d': (nn.InstanceNorm3d, 'in'),
    'PixelNorm': (PixelNorm, 'pn'),
}

CONVS: Dict[str, Type[nn.Module]] = {
    'Conv': nn.Conv2d,
    'Conv1d': nn.Conv1d,
    'Conv2d': nn.Conv2d,
    'Conv3d': nn.Conv3d,
    'deconv': nn.ConvTranspose2d,
    'ConvTranspose2d': nn.ConvTranspose2d,
}

UPSAMPLE_MODES = ('nearest', 'bilinear', 'bicubic')


def _split_cfg(cfg: Union[Mapping, Type[nn.Module]], table: Dict, what: str):
    """Return ``(entry, kwargs)`` for a config dict ``{'type': name, **kwargs}`` or a class."""
    if isinstance(cfg, type):
        return cfg, {}
    if not isinstance(cfg, Mapping) or 'type' not in cfg:
        raise TypeError(f'{what} config must be a dict with a "type" key or a class, got {cfg!r}')
    kwargs = copy.deepcopy(dict(cfg))
    name = kwargs.pop('type')
    if isinstance(name, type):
        return name, kwargs
    if name not in table:
        raise ValueError(f'{what} type {name!r} is not supported; expected one of {sorted(table)}')
    return table[name], kwargs


def build_activation(cfg: LayerCfg) -> Optional[nn.Module]:
    """Build an activation from ``dict(type='ReLU', inplace=True)``-style config; ``None`` -> ``None``."""
    if cfg is None:
        return None
    cls, kwargs = _split_cfg(cfg, ACTIVATIONS, 'activation')
    return cls(**kwargs)


def build_norm(cfg: Mapping, num_features: int, postfix: Union[int, str] = '') -> Tuple[str, nn.Module]:
    """Build a normalisation layer and return ``(name, layer)``.

    ``name`` is MMCV's abbreviation (``'bn'``, ``'gn'``, ``'in'``, ``'ln'``) plus ``postfix``, i.e. the
    attribute name checkpoints use. ``GN`` needs ``num_groups`` in ``cfg``.
    """
    entry, kwargs = _split_cfg(cfg, NORMS, 'norm')
    if isinstance(entry, tuple):
        cls, abbr = entry
    else:
        cls, abbr = entry, entry.__name__.lower()
    requires_grad = kwargs.pop('requires_grad', True)
    if cls is nn.GroupNorm:
        if 'num_groups' not in kwargs:
            raise ValueError("norm_cfg type 'GN' needs 'num_groups'")
        layer = cls(num_channels=num_features, **kwargs)
    else:
        layer = cls(num_features, **kwargs)
    for param in layer.parameters():
        param.requires_grad = requires_grad
    return f'{abbr}{postfix}', layer


def build_conv(cfg: Optional[Mapping], *args, **kwargs) -> nn.Module:
    """Build a convolution; ``cfg=None`` means ``Conv2d``."""
    cls, extra = _split_cfg(cfg or dict(type='Conv2d'), CONVS, 'conv')
    return cls(*args, **kwargs, **extra)


def build_upsample(cfg: Optional[Mapping]) -> Optional[nn.Module]:
    """Build an interpolation layer from ``dict(type='nearest', scale_factor=2)``; ``None`` -> ``None``."""
    if cfg is None:
        return None
    kwargs = copy.deepcopy(dict(cfg))
    mode = kwargs.pop('type', None)
    if mode not in UPSAMPLE_MODES:
        raise ValueError(f'upsample type {mode!r} is not supported; expected one of {list(UPSAMPLE_MODES)}')
    return nn.Upsample(mode=mode, **kwargs)


class ConvModule(nn.Module):
    """Convolution, normalisation and activation in a configurable order (MMCV's ``ConvModule`` layout).

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        kernel_size: Kernel size of the convolution.
        stride: Stride of the convolution.
        padding: Zero padding of the convolution.
        dilation: Dilation of the convolution.
        groups: Groups of the convolution.
        bias: Whether the convolution has a bias; ``'auto'`` means "only without a norm layer".
        conv_cfg: Convolution type, ``None`` for ``Conv2d`` (``dict(type='ConvTranspose2d')`` for DCGAN).
        norm_cfg: Normalisation config, ``None`` for none.
        act_cfg: Activation config, ``None`` for none.
        order: Order of ``'conv'``, ``'norm'`` and ``'act'``.
        with_spectral_norm: Wrap the convolution in spectral normalisation.
        spectral_norm_cfg: ``dict(eps=..., sn_style='torch'|'ajbrock')`` for the spectral norm.
    """

    def __init__(
            self,
            in_channels: int,
            out_channels: int,
            kernel_size: Union[int, Tuple[int, int]] = 3,
            stride: int = 1,
            padding: int = 0,
            dilation: int = 1,
            groups: int = 1,
            bias: Union[bool, str] = 'auto',
            conv_cfg: Optional[Mapping] = None,
            norm_cfg: Optional[Mapping] = None,
            act_cfg: Optional[Mapping] = RELU,
            order: Sequence[str] = ('conv', 'norm', 'act'),
            with_spectral_norm: bool = False,
            spectral_norm_cfg: Optional[Mapping] = None,
    ):
        super().__init__()
        order = tuple(order)
        if sorted(order) != ['act', 'conv', 'norm']:
            raise ValueError(f"order={order!r}; expected a permutation of ('conv', 'norm', 'act')")
        if bias != 'auto' and not isinstance(bias, bool):
            raise ValueError(f"bias={bias!r}; expected True, False or 'auto'")
        self.order = order
        self.with_norm = norm_cfg is not None
        self.with_activation = act_cfg is not None
        if bias == 'auto':
            bias = not self.with_norm

        self.conv = build_conv(conv_cfg, in_channels, out_channels, kernel_size, stride=stride,
                               padding=padding, dilation=dilation, groups=groups, bias=bias)
        if with_spectral_norm:
            self.conv = apply_spectral_norm(self.conv, **(spectral_norm_cfg or {}))

        self.norm_name = None
        if self.with_norm:
            norm_channels = out_channels if order.index('norm') > order.index('conv') else in_channels
            self.norm_name, norm = build_norm(norm_cfg, norm_channels)
            self.add_module(self.norm_name, norm)
        if self.with_activation:
            self.activate = build_activation(act_cfg)
        self._act_cfg = dict(act_cfg) if isinstance(act_cfg, Mapping) else act_cfg  # deep-copyable
        self.init_weights()

    @property
    def norm(self) -> Optional[nn.Module]:
        return getattr(self, self.norm_name) if self.norm_name else None

    def init_weights(self) -> None:
        """Kaiming-normal (fan-out) convolution weights and zero bias; unit norm scale, zero shift."""
        act_cfg = self._act_cfg
        weight = getattr(self.conv, 'weight_orig', self.conv.weight)
        slope = act_cfg.get('negative_slope', 0.01) if act_cfg and act_cfg.get('type') == 'LeakyReLU' else 0
        nonlinearity = 'leaky_relu' if slope else 'relu'
        nn.init.kaiming_normal_(weight, a=slope, mode='fan_out', nonlinearity=nonlinearity)
        if self.conv.bias is not None:
            nn.init.zeros_(self.conv.bias)
        norm = self.norm
        if norm is not None and getattr(norm, 'weight', None) is not None:
            nn.init.ones_(norm.weight)
            nn.init.zeros_(norm.bias)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H', W')."""
        for layer in self.order:
            if layer == 'conv':
                x = self.conv(x)
            elif layer == 'norm' and self.with_norm:
                x = self.norm(x)
            elif layer == 'act' and self.with_activation:
                x = self.activate(x)
        return x


def sn_conv_module(in_channels: int,
                   out_channels: int,
                   kernel_size: int = 3,
                   with_spectral_norm: bool = True,
                   sn_style: str = 'torch',
                   sn_eps: float = 1e-12,
                   padding: Optional[int] = None,
                   act_cfg: Optional[Mapping] = None,
                   **kwargs) -> ConvModule:
    """A :class:`ConvModule` with a bias and, by default, no norm, no activation and "same" padding,
    spectrally normalised in the ``sn_style`` layout when ``with_spectral_norm`` (the residual blocks of
    SNGAN, SAGAN and BigGAN are built from these)."""
    return ConvModule(in_channels, out_channels, kernel_size,
                      padding=kernel_size // 2 if padding is None else padding, act_cfg=act_cfg,
                      with_spectral_norm=with_spectral_norm, spectral_norm_cfg=dict(eps=sn_eps, sn_style=sn_style),
                      **kwargs)


def maybe_spectral_norm(layer: nn.Module, with_spectral_norm: bool, sn_style: str = 'torch',
                        sn_eps: float = 1e-12) -> nn.Module:
    """``layer`` spectrally normalised in the ``sn_style`` layout, or unchanged."""
    return apply_spectral_norm(layer, sn_style, sn_eps) if with_spectral_norm else layer


def module_device(module: nn.Module) -> torch.device:
    """Device of the first parameter or buffer of ``module`` (CPU when it has none)."""
    for tensor in module.parameters():
        return tensor.device
    for tensor in module.buffers():
        return tensor.device
    return torch.device('cpu')


def num_doublings(small: int, large: int, small_name: str, large_name: str) -> int:
    """How many times ``small`` doubles to reach ``large``; raise unless it is a power of two."""
    ratio = large // small if small > 0 else 0
    if ratio < 2 or large % small or ratio & (ratio - 1):
        raise ValueError(f'{large_name}={large} must be {small_name}={small} times a power of two (>= 2)')
    return int(math.log2(ratio))


def projection_logits(features: Tensor, decision: nn.Module, proj_y: Optional[nn.Module],
                      label: Optional[Tensor]) -> Tensor:
    """Projection-discriminator output (Miyato & Koyama, 2018): ``decision(h) + <embed(y), h>``.

    Args:
        features: Pooled features h, (N, C).
        decision: Linear layer C -> K.
        proj_y: Class embedding (num_classes, C), or ``None`` for an unconditional discriminator.
        label: Class labels (N,); required when ``proj_y`` is given.

    Returns:
        Scores (N, K).
    """
    out = decision(features)
    if proj_y is not None:
        if label is None:
            raise ValueError('this discriminator is class-conditional (num_classes > 0): pass label=(N,) labels')
        out = out + (proj_y(label.reshape(-1)) * features).sum(dim=1, keepdim=True)
    return out
