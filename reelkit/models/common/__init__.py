"""Building blocks shared by the models: layer configs, ConvModule, non-local, pretrained weights."""
from .conv2plus1d import Conv2plus1d
from .conv_module import ConvModule
from .layers import (ACT_LAYERS, CONV_LAYERS, NORM_LAYERS, build_activation_layer, build_conv_layer,
                     build_module, build_norm_layer, freeze, frozen, resolve_layer)
from .non_local import NonLocal3d
from .transformer import DropPath, Mlp, drop_path, drop_path_rates, init_cfg_dicts
from .pretrained import (backbone_key_map, hub_cache_path, load_pretrained, prefix_key_map, read_state_dict,
                         resolve_pretrained)
from .sub_batchnorm3d import SubBatchNorm3D

__all__ = [
    'ConvModule', 'Conv2plus1d', 'NonLocal3d', 'ACT_LAYERS', 'CONV_LAYERS', 'NORM_LAYERS', 'resolve_layer',
    'build_conv_layer', 'build_norm_layer', 'build_activation_layer', 'build_module', 'freeze', 'frozen',
    'DropPath', 'Mlp', 'drop_path', 'drop_path_rates', 'init_cfg_dicts',
    'hub_cache_path', 'backbone_key_map', 'prefix_key_map', 'resolve_pretrained', 'read_state_dict', 'load_pretrained', 'SubBatchNorm3D'
]
