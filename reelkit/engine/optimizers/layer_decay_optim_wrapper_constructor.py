"""Layer-wise learning-rate decay for fine-tuning transformer backbones (BEiT, VideoMAE, MaskFeat).

Each trainable parameter gets a layer id from its name, as in MMAction2:

================================================================  ====================
parameter                                                         layer id
================================================================  ====================
``backbone.cls_token``, ``backbone.mask_token``,                  0
``backbone.pos_embed``, ``backbone.patch_embed.*``
``backbone.blocks.<i>.*``                                         i + 1
everything else (final norms, neck, head)                         ``num_layers + 1``
================================================================  ====================

and the lr ``lr * decay_rate ** (num_layers + 1 - layer_id)``: the head keeps ``lr``, the last
block gets ``decay_rate * lr``, the embeddings the smallest. Parameters with one dimension or a
name ending in ``.bias`` get no weight decay; the others (``cls_token`` and ``pos_embed`` too,
being 3-D) get the optimizer's. One group per (layer id, decay or not), in the order of
``named_parameters()``, each also carrying ``lr_scale``, ``group_name`` and ``param_names``.
Frozen parameters are left out.

MMAction2's configs use it with the VideoMAE ``VisionTransformer`` (AVA, ``num_layers`` 12 or 24)
and ``MViT`` (MaskFeat fine-tuning, ``num_layers=16``): ``num_layers`` is the backbone's number of
blocks. Only ``decay_type='layer_wise'`` exists, and models with batch norms are rejected, as there.
"""
import re
from typing import Dict, List, Tuple

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor
from torch.nn.modules.batchnorm import _NormBase

from reelkit.registry import OPTIM_WRAPPER_CONSTRUCTORS
from reelkit.utils.errors import ConfigError

EMBEDDINGS = ('backbone.cls_token', 'backbone.mask_token', 'backbone.pos_embed')
BLOCK_NAME = re.compile(r'backbone\.blocks\.(\d+)\.')
KNOWN_KEYS = {'decay_rate', 'decay_type', 'num_layers'}


def layer_id(name: str, num_layers: int) -> int:
    """The layer id of parameter ``name`` of a recognizer (see the module docstring)."""
    if name in EMBEDDINGS or name.startswith('backbone.patch_embed'):
        return 0
    block = BLOCK_NAME.match(name)
    if block:
        return int(block.group(1)) + 1
    return num_layers + 1


def decays(name: str, param: nn.Parameter) -> bool:
    """Whether weight decay applies: not to biases and other 1-D parameters (norms, scales)."""
    return param.dim() > 1 and not name.endswith('.bias')


def layer_decay_backbones() -> Tuple[type, ...]:
    """The backbones whose parameter names follow the layer-id rules."""
    # Imported here: the engine package does not import the models when it loads.
    from reelkit.models.backbones import MViT, VisionTransformer
    return VisionTransformer, MViT


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LearningRateDecayOptimizerConstructor(DefaultOptimWrapperConstructor):
    """Builds the optimizer with layer-wise lr decay (see the module docstring).

    The model must have a ``backbone`` that is a :class:`VisionTransformer` or :class:`MViT`.
    Without a ``paramwise_cfg`` all parameters form one group, as with MMEngine's
    ``DefaultOptimWrapperConstructor``.

    Args:
        optim_wrapper_cfg: The ``optim_wrapper`` config; its ``optimizer`` must set ``lr``.
        paramwise_cfg: ``dict(decay_rate=float, num_layers=int, decay_type='layer_wise')``.
    """

    def _validate_cfg(self) -> None:
        super()._validate_cfg()
        if not self.paramwise_cfg:
            return
        where = 'optim_wrapper.paramwise_cfg'
        unknown = sorted(set(self.paramwise_cfg) - KNOWN_KEYS)
        if unknown:
            raise ConfigError(f'{where}: LearningRateDecayOptimizerConstructor reads only '
                              f'{sorted(KNOWN_KEYS)}, got {unknown}')
        missing = sorted({'decay_rate', 'num_layers'} - set(self.paramwise_cfg))
        if missing:
            raise ConfigError(f'{where}: LearningRateDecayOptimizerConstructor needs {missing}')
        decay_type = self.paramwise_cfg.get('decay_type', 'layer_wise')
        if decay_type != 'layer_wise':
            raise ConfigError(f"{where}.decay_type={decay_type!r}; only 'layer_wise' is supported "
                              '(MMAction2 has no stage-wise decay either)')
        if self.base_lr is None:
            raise ConfigError('optim_wrapper.optimizer.lr is not set; LearningRateDecayOptimizerConstructor '
                              'scales it per layer')

    def add_params(self, params: List[dict], module: nn.Module, **kwargs) -> None:
        """Append the layer groups of ``module`` (a recognizer) to ``params``."""
        num_layers = self.paramwise_cfg['num_layers']
        check_model(module, num_layers)
        groups: Dict[str, dict] = {}
        for name, param in module.named_parameters():
            if not param.requires_grad:
                continue
            layer, with_decay = layer_id(name, num_layers), decays(name, param)
            group_name = f'layer_{layer}_{"decay" if with_decay else "no_decay"}'
            if group_name not in groups:
                groups[group_name] = self._new_group(group_name, layer, with_decay)
            groups[group_name]['params'].append(param)
            groups[group_name]['param_names'].append(name)
        params.extend(groups.values())

    def _new_group(self, group_name: str, layer: int, with_decay: bool) -> dict:
        """An empty group for the parameters of layer id ``layer``, with or without weight decay."""
        scale = self.paramwise_cfg['decay_rate'] ** (self.paramwise_cfg['num_layers'] - layer + 1)
        group = dict(params=[], param_names=[], lr_scale=scale, group_name=group_name, lr=scale * self.base_lr)
        if not with_decay:
            group['weight_decay'] = 0.
        elif self.base_wd is not None:
            group['weight_decay'] = self.base_wd
        return group


def check_model(model: nn.Module, num_layers: int) -> None:
    """Raise ``ConfigError`` unless ``model`` has a supported backbone of at most ``num_layers``
    blocks and no batch norms."""
    supported = layer_decay_backbones()
    backbone = getattr(model, 'backbone', None)
    if not isinstance(backbone, supported):
        raise ConfigError(
            f'LearningRateDecayOptimizerConstructor: model.backbone is {type(backbone).__name__}; its layer ids '
            f'are defined for {" and ".join(cls.__name__ for cls in supported)} only')
    if len(backbone.blocks) > num_layers:
        # later blocks would get a learning rate above the head's
        raise ConfigError(f'optim_wrapper.paramwise_cfg.num_layers={num_layers}, but model.backbone has '
                          f'{len(backbone.blocks)} blocks; set num_layers to the number of blocks')
    for name, submodule in model.named_modules():
        if isinstance(submodule, _NormBase):
            raise ConfigError(f'LearningRateDecayOptimizerConstructor: model.{name} ({type(submodule).__name__}) '
                              'is a batch norm, which layer-wise lr decay does not support (as in MMAction2)')
