"""Parameter groups of the TSM recipe (Lin et al., "TSM: Temporal Shift Module", ICCV 2019).

Parameters are sorted by the type of the module that holds them, walking the model in
``named_modules()`` order, into seven groups (in this order, some possibly empty, as in
MMAction2, so optimizer checkpoints line up):

=====================  ===========  =================
group                  lr           weight decay
=====================  ===========  =================
first conv weight      lr           wd
first conv bias        2 * lr       0
other conv/fc weights  lr           wd
other conv/fc biases   2 * lr       0
BN / GroupNorm         lr           0
last fc weight         5 * lr       wd   (``fc_lr5=True``; else with the other weights)
last fc bias           10 * lr      0    (``fc_lr5=True``; else with the other biases)
=====================  ===========  =================

Normalization parameters with ``requires_grad=False`` are left out, as in MMAction2.
"""
from typing import Dict, List

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd

from reelkit.registry import OPTIM_WRAPPER_CONSTRUCTORS

NORM_TYPES = (_BatchNorm, nn.GroupNorm)

# group name -> (lr multiplier, whether the base weight decay applies)
GROUP_RULES = {
    'first_conv_weight': (1, True),
    'first_conv_bias': (2, False),
    'normal_weight': (1, True),
    'normal_bias': (2, False),
    'norm': (1, False),
    'fc_lr5_weight': (5, True),
    'fc_lr10_bias': (10, False),
}


def _add_weight_and_bias(groups: Dict[str, list], module: nn.Module, prefix: str) -> None:
    groups[f'{prefix}_weight'].append(module.weight)
    if module.bias is not None:
        groups[f'{prefix}_bias'].append(module.bias)


def split_tsm_params(model: nn.Module, fc_lr5: bool) -> Dict[str, List[nn.Parameter]]:
    """The model's parameters, sorted into the groups named in ``GROUP_RULES``.

    Raises ``ValueError`` for a module type that holds parameters but has no rule.
    """
    groups: Dict[str, list] = {name: [] for name in GROUP_RULES}
    seen_conv, last_fc = False, None
    for name, module in model.named_modules():
        if isinstance(module, _ConvNd):
            _add_weight_and_bias(groups, module, 'normal' if seen_conv else 'first_conv')
            seen_conv = True
        elif isinstance(module, nn.Linear):
            _add_weight_and_bias(groups, module, 'normal')
            last_fc = module
        elif isinstance(module, NORM_TYPES):
            groups['norm'].extend(p for p in module.parameters() if p.requires_grad)
        elif next(module.parameters(recurse=False), None) is not None:
            raise ValueError(
                f'TSMOptimWrapperConstructor: model.{name} ({type(module).__name__}) holds parameters but '
                'the TSM recipe has rules only for convolutions, nn.Linear, BatchNorm and GroupNorm; '
                'use DefaultOptimWrapperConstructor for this model')
    if fc_lr5:
        _move_last_fc(groups, last_fc)
    return groups


def _move_last_fc(groups: Dict[str, list], last_fc: nn.Module) -> None:
    """Move the last nn.Linear (the classifier) from the normal groups to the fc ones."""
    if last_fc is None:
        raise ValueError('TSMOptimWrapperConstructor: paramwise_cfg.fc_lr5=True needs an nn.Linear '
                         'classifier (the head\'s fc_cls), but the model has none; set fc_lr5=False')
    for kind, target in (('weight', 'fc_lr5_weight'), ('bias', 'fc_lr10_bias')):
        param = getattr(last_fc, kind)
        if param is not None:
            groups[f'normal_{kind}'] = [p for p in groups[f'normal_{kind}'] if p is not param]
            groups[target].append(param)


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class TSMOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Builds the optimizer with the TSM parameter groups (see the module docstring).

    ``paramwise_cfg=dict(fc_lr5=True)`` gives the classifier 5x (weight) and 10x (bias)
    learning rates. Without a ``paramwise_cfg`` all parameters form one group, as with
    MMEngine's ``DefaultOptimWrapperConstructor``.

    Args:
        optim_wrapper_cfg: The ``optim_wrapper`` config; its ``optimizer`` must set ``lr``.
        paramwise_cfg: ``None`` or ``dict(fc_lr5=bool)``.
    """

    def _validate_cfg(self) -> None:
        super()._validate_cfg()
        unknown = sorted(set(self.paramwise_cfg) - {'fc_lr5'})
        if unknown:
            raise ValueError(f'optim_wrapper.paramwise_cfg: TSMOptimWrapperConstructor reads only fc_lr5, '
                             f'got {unknown}; remove them or use DefaultOptimWrapperConstructor')
        if not isinstance(self.paramwise_cfg.get('fc_lr5', False), bool):
            raise ValueError(f'optim_wrapper.paramwise_cfg.fc_lr5={self.paramwise_cfg["fc_lr5"]!r}; '
                             'expected True or False')
        if self.paramwise_cfg and self.base_lr is None:
            raise ValueError('optim_wrapper.optimizer.lr is not set; TSMOptimWrapperConstructor '
                             'scales it per parameter group')

    def add_params(self, params: List[dict], module: nn.Module, **kwargs) -> None:
        """Append the seven TSM parameter groups of ``module`` to ``params``."""
        groups = split_tsm_params(module, fc_lr5=self.paramwise_cfg.get('fc_lr5', False))
        for name, group_params in groups.items():
            lr_mult, decays = GROUP_RULES[name]
            group = dict(params=group_params, lr=self.base_lr * lr_mult)
            if not decays:
                group['weight_decay'] = 0
            elif self.base_wd is not None:
                group['weight_decay'] = self.base_wd
            params.append(group)
