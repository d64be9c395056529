"""Layer configs (``conv_cfg``, ``norm_cfg``, ``act_cfg``) resolved in one place.

A config is ``dict(type=NAME, **kwargs)`` as in MMCV/MMAction2 configs; ``type`` may also be a
class or any callable returning a module. Each kind of layer has one table of the names it knows,
and :func:`resolve_layer` is the only code that reads a ``type``.
"""
from typing import Callable, Dict, Mapping, Optional, Tuple, Union

import torch.nn as nn

from reelkit.registry import MODELS

LayerConfig = Optional[Mapping]
LayerFactory = Callable[..., nn.Module]

CONV_LAYERS: Dict[str, LayerFactory] = {
    'Conv': nn.Conv2d,  # MMCV's name for a 2D convolution
    'Conv1d': nn.Conv1d,
    'Conv2d': nn.Conv2d,
    'Conv3d': nn.Conv3d,
}

# All batch norms are stored under the name ``bn``: MMAction2 checkpoints read ``...conv1.bn.weight``.
NORM_LAYERS: Dict[str, LayerFactory] = {
    'BN': nn.BatchNorm2d,
    'BN1d': nn.BatchNorm1d,
    'BN2d': nn.BatchNorm2d,
    'BN3d': nn.BatchNorm3d,
    'SyncBN': nn.SyncBatchNorm,
    'LN': nn.LayerNorm,
}

ACT_LAYERS: Dict[str, LayerFactory] = {
    'ReLU': nn.ReLU,
    'ReLU6': nn.ReLU6,
    'LeakyReLU': nn.LeakyReLU,
    'ELU': nn.ELU,
    'SiLU': nn.SiLU,
    'Swish': nn.SiLU,
    'GELU': nn.GELU,
    'Sigmoid': nn.Sigmoid,
    'Tanh': nn.Tanh,
}

# Activations whose constructor takes ``inplace``; the others would reject the keyword.
INPLACE_ACTS = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.SiLU)


class FrozenConfig(Mapping):
    """A read-only config dict for defaults in signatures (a plain dict default would be shared and
    mutable; ``MappingProxyType`` would make the modules that keep it impossible to deepcopy or pickle)."""

    def __init__(self, **kwargs) -> None:
        self._items = dict(kwargs)

    def __getitem__(self, key):
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f'frozen({", ".join(f"{k}={v!r}" for k, v in self._items.items())})'


def frozen(**kwargs) -> Mapping:
    """``dict(**kwargs)``, read-only: for config defaults in signatures."""
    return FrozenConfig(**kwargs)


def resolve_layer(cfg: Mapping, table: Mapping[str, LayerFactory], cfg_name: str) -> Tuple[LayerFactory, Dict]:
    """Split a layer config into its factory and the remaining keyword arguments.

    Args:
        cfg: ``dict(type=..., **kwargs)``; ``type`` is a name from ``table`` or a callable.
        table: the names known for this kind of layer.
        cfg_name: the config key, used in error messages (e.g. ``'norm_cfg'``).

    Returns:
        ``(factory, kwargs)``; ``cfg`` itself is not modified.
    """
    if not isinstance(cfg, Mapping) or 'type' not in cfg:
        raise TypeError(f'{cfg_name} must be a dict with a "type" key, got {cfg!r}')
    kwargs = dict(cfg)
    layer_type = kwargs.pop('type')
    if callable(layer_type):
        return layer_type, kwargs
    if layer_type not in table:
        raise ValueError(f'{cfg_name}: unknown type {layer_type!r}; expected one of {sorted(table)}')
    return table[layer_type], kwargs


def build_conv_layer(cfg: LayerConfig, *args, **kwargs) -> nn.Module:
    """A convolution from ``conv_cfg`` (``None`` means ``Conv2d``); ``args`` go to its constructor."""
    factory, cfg_kwargs = resolve_layer(cfg or dict(type='Conv2d'), CONV_LAYERS, 'conv_cfg')
    return factory(*args, **kwargs, **cfg_kwargs)


def build_norm_layer(cfg: Mapping, num_features: int) -> nn.Module:
    """A normalization layer from ``norm_cfg``.

    ``requires_grad`` (default True) is popped and applied to the layer's affine parameters.
    """
    factory, cfg_kwargs = resolve_layer(cfg, NORM_LAYERS, 'norm_cfg')
    requires_grad = cfg_kwargs.pop('requires_grad', True)
    layer = factory(num_features, **cfg_kwargs)
    for param in layer.parameters():
        param.requires_grad = requires_grad
    return layer


def build_activation_layer(cfg: Mapping, inplace: bool = True) -> nn.Module:
    """An activation from ``act_cfg``; ``inplace`` is used where the layer supports it."""
    factory, cfg_kwargs = resolve_layer(cfg, ACT_LAYERS, 'act_cfg')
    if isinstance(factory, type) and issubclass(factory, INPLACE_ACTS):
        cfg_kwargs.setdefault('inplace', inplace)
    return factory(**cfg_kwargs)


def build_module(cfg_or_module: Union[Mapping, nn.Module]) -> nn.Module:
    """``MODELS.build(cfg)``, or the module itself when it is already built."""
    if isinstance(cfg_or_module, nn.Module):
        return cfg_or_module
    # MODELS.build takes dicts only (ConfigDict is one); defaults in signatures are read-only mappings.
    return MODELS.build(cfg_or_module if isinstance(cfg_or_module, dict) else dict(cfg_or_module))


def freeze(module: nn.Module) -> None:
    """Eval mode and no gradients for ``module``."""
    module.eval()
    for param in module.parameters():
        param.requires_grad = False
