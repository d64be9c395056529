"""Building blocks shared by the models: layer configs, ConvModule, non-local, pretrained weights."""
from .conv_module import ConvModule
from .layers import (ACT_LAYERS, CONV_LAYERS, NORM_LAYERS, build_activation_layer, build_conv_layer,
                     build_module, build_norm_layer, frozen, resolve_layer)
from .non_local import NonLocal3d
from .pretrained import hub_cache_path, load_pretrained, read_state_dict, resolve_pretrained

__all__ = [
    'ConvModule', 'NonLocal3d', 'ACT_LAYERS', 'CONV_LAYERS', 'NORM_LAYERS', 'resolve_layer',
    'build_conv_layer', 'build_norm_layer', 'build_activation_layer', 'build_module', 'frozen',
    'hub_cache_path', 'resolve_pretrained', 'read_state_dict', 'load_pretrained'
]
