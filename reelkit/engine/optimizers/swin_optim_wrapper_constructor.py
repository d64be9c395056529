"""Learning-rate and weight-decay multipliers chosen by parameter name (the Video Swin recipe).

Every key of ``paramwise_cfg`` is a name fragment with ``dict(lr_mult=..., decay_mult=...)`` (each
1 when left out). A parameter whose full name contains the fragment gets its multipliers; one
that contains several fragments gets their products. The Video Swin configs use::

    paramwise_cfg=dict(absolute_pos_embed=dict(decay_mult=0.),
                       relative_position_bias_table=dict(decay_mult=0.),
                       norm=dict(decay_mult=0.),            # norm1, norm2, downsample.norm, ...
                       backbone=dict(lr_mult=0.1))

Full names are ``base.`` + the name in ``model.named_parameters()``, as in MMAction2, so a fragment
matches there exactly as it does there. Each parameter gets a group of its own, in
``named_parameters()`` order; a frozen one gets a group without ``lr`` or ``weight_decay`` (the
optimizer's defaults), as in MMAction2.
"""
import math
from typing import List, Mapping, Tuple

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor

from reelkit.registry import OPTIM_WRAPPER_CONSTRUCTORS
from reelkit.utils.errors import ConfigError

NAME_PREFIX = 'base'  # MMAction2 matches fragments against 'base.<name>'
MULTIPLIERS = ('lr_mult', 'decay_mult')


def name_multipliers(full_name: str, paramwise_cfg: Mapping[str, Mapping]) -> Tuple[float, float]:
    """``(lr_mult, decay_mult)`` of the parameter called ``full_name``: products over the
    fragments of ``paramwise_cfg`` that it contains (1 when none)."""
    rules = [rule for fragment, rule in paramwise_cfg.items() if fragment in full_name]
    return (math.prod(rule.get('lr_mult', 1.) for rule in rules),
            math.prod(rule.get('decay_mult', 1.) for rule in rules))


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SwinOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Builds the optimizer with per-name multipliers (see the module docstring).

    Without a ``paramwise_cfg`` all parameters form one group, as with MMEngine's
    ``DefaultOptimWrapperConstructor``.

    Args:
        optim_wrapper_cfg: The ``optim_wrapper`` config; its ``optimizer`` must set ``lr``.
        paramwise_cfg: ``None`` or ``{name_fragment: dict(lr_mult=float, decay_mult=float)}``.
    """

    def _validate_cfg(self) -> None:
        super()._validate_cfg()
        for fragment, rule in self.paramwise_cfg.items():
            if not isinstance(rule, Mapping) or set(rule) - set(MULTIPLIERS):
                raise ConfigError(
                    f'optim_wrapper.paramwise_cfg.{fragment}={rule!r}: SwinOptimWrapperConstructor reads '
                    f'each key as a parameter-name fragment with a dict of {" and ".join(MULTIPLIERS)}')
        if self.paramwise_cfg and self.base_lr is None:
            raise ConfigError('optim_wrapper.optimizer.lr is not set; SwinOptimWrapperConstructor '
                              'scales it per parameter')

    def add_params(self, params: List[dict], module: nn.Module, **kwargs) -> None:
        """Append one group per parameter of ``module`` to ``params``."""
        for name, param in module.named_parameters(prefix=NAME_PREFIX):
            group = dict(params=[param])
            if param.requires_grad:
                lr_mult, decay_mult = name_multipliers(name, self.paramwise_cfg)
                group['lr'] = self.base_lr * lr_mult
                if self.base_wd is not None:
                    group['weight_decay'] = self.base_wd * decay_mult
            params.append(group)
