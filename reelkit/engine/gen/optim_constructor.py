"""One optimizer wrapper per sub-network of a GAN (MMGeneration's ``GenOptimWrapperConstructor``).

Config::

    optim_wrapper = dict(
        constructor='GenOptimWrapperConstructor',
        generator=dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999)),
                       accumulative_counts=1),           # any OptimWrapper option, e.g.
        discriminator=dict(type='AmpOptimWrapper',        # mixed precision for this one only
                           optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))))

Each key names a sub-module of the model (``model.generator``...) and is built with MMEngine's
``DefaultOptimWrapperConstructor`` (so ``paramwise_cfg`` goes inside each entry). The wrapper
options ``type``, ``loss_scale``, ``dtype`` and ``accumulative_counts`` may also be given at the
top level, as defaults for every entry (``reelkit train --amp`` sets ``type='AmpOptimWrapper'``
and ``loss_scale='dynamic'`` there).
"""
from typing import Dict, Optional

import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict

from reelkit.registry import OPTIM_WRAPPER_CONSTRUCTORS
from reelkit.utils.errors import ConfigError

SHARED_OPTIONS = ('type', 'loss_scale', 'dtype', 'accumulative_counts')


class GenOptimWrapperDict(OptimWrapperDict):
    """``OptimWrapperDict`` that starts the discriminator's count at the (resumed) iteration.

    The runner calls :meth:`initialize_count_status` with the current iteration before training.
    GAN models do exactly one discriminator backward pass per iteration, so the discriminator
    wrapper's ``inner_count`` is the iteration number they schedule by. The generator's count is
    left at 0: each generator phase makes a whole number of its accumulation cycles.
    """

    def initialize_count_status(self, model: nn.Module, cur_iter: int, max_iters: int) -> None:
        if 'discriminator' in self.optim_wrappers:
            self.optim_wrappers['discriminator'].initialize_count_status(model, cur_iter, max_iters)


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class GenOptimWrapperConstructor:
    """Build a :class:`GenOptimWrapperDict` with one wrapper per configured sub-module.

    Args:
        optim_wrapper_cfg (dict): ``{submodule_name: OptimWrapper config}``.
        paramwise_cfg (dict, optional): not supported here; put ``paramwise_cfg`` in each entry.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None):
        if not isinstance(optim_wrapper_cfg, dict):
            raise ConfigError(f'optim_wrapper must be a dict of per-module configs, got '
                              f'{type(optim_wrapper_cfg).__name__}')
        if paramwise_cfg is not None:
            raise ConfigError('optim_wrapper.paramwise_cfg: with GenOptimWrapperConstructor put '
                              'paramwise_cfg inside each entry (optim_wrapper.generator.paramwise_cfg)')
        shared = {k: v for k, v in optim_wrapper_cfg.items() if k in SHARED_OPTIONS}
        entries = {k: v for k, v in optim_wrapper_cfg.items() if k not in SHARED_OPTIONS}
        if not entries:
            raise ConfigError('optim_wrapper: GenOptimWrapperConstructor needs one entry per '
                              "sub-module, e.g. generator=dict(optimizer=...), discriminator=dict(...)")
        self.constructors: Dict[str, DefaultOptimWrapperConstructor] = {}
        for name, cfg in entries.items():
            if not isinstance(cfg, dict) or 'optimizer' not in cfg:
                raise ConfigError(f'optim_wrapper.{name}: expected a dict with an "optimizer" '
                                  f'entry (e.g. optimizer=dict(type="Adam", lr=2e-4)), got {cfg!r}')
            cfg = {**shared, **cfg}
            self.constructors[name] = DefaultOptimWrapperConstructor(
                cfg, cfg.pop('paramwise_cfg', None))

    def __call__(self, model: nn.Module) -> GenOptimWrapperDict:
        if is_model_wrapper(model):
            model = model.module
        wrappers = {}
        for name, constructor in self.constructors.items():
            submodule = getattr(model, name, None)
            if not isinstance(submodule, nn.Module):
                raise ConfigError(f'optim_wrapper.{name}: the model ({type(model).__name__}) has no '
                                  f'sub-module {name!r}; its sub-modules are '
                                  f'{sorted(model._modules)}')
            wrappers[name] = constructor(submodule)
        return GenOptimWrapperDict(**wrappers)


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class PGGANOptimWrapperConstructor:
    """Optimizer wrappers per network and per scale for progressive growing:
    ``generator_<scale>`` and ``discriminator_<scale>`` for every scale of the model
    (``model.scales``).

    Config::

        optim_wrapper = dict(
            constructor='PGGANOptimWrapperConstructor',
            generator=dict(optimizer=dict(type='Adam', lr=0.001, betas=(0., 0.99))),
            discriminator=dict(optimizer=dict(type='Adam', lr=0.001, betas=(0., 0.99))),
            lr_schedule=dict(generator={'128': 0.0015}, discriminator={'128': 0.0015}),
            reset_optim_for_new_scale=True)

    With ``reset_optim_for_new_scale`` (the default) each scale starts a fresh optimizer with
    the learning rate of ``lr_schedule`` (else the entry's); without it one optimizer per
    network serves all scales.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None):
        if paramwise_cfg is not None:
            raise ConfigError('optim_wrapper.paramwise_cfg: put it inside each entry')
        cfg = dict(optim_wrapper_cfg)
        self.reset = cfg.pop('reset_optim_for_new_scale', True)
        self.lr_schedule = dict(cfg.pop('lr_schedule', None) or {})
        unknown = sorted(set(self.lr_schedule) - set(cfg))
        if unknown:
            raise ConfigError(f'optim_wrapper.lr_schedule: {unknown} are not optimizer entries '
                              f'({sorted(cfg)})')
        GenOptimWrapperConstructor(cfg)  # checks the entries
        self.entries = cfg

    def __call__(self, model: nn.Module) -> GenOptimWrapperDict:
        if is_model_wrapper(model):
            model = model.module
        scales = getattr(model, 'scales', None)
        if not scales:
            raise ConfigError(f'PGGANOptimWrapperConstructor: {type(model).__name__} has no '
                              "progressive scales; use constructor='GenOptimWrapperConstructor'")
        wrappers = {}
        for name, cfg in self.entries.items():
            shared = None if self.reset else GenOptimWrapperConstructor({name: cfg})(model)[name]
            for scale in scales:
                if shared is not None:
                    wrappers[f'{name}_{scale}'] = shared
                    continue
                lr = self.lr_schedule.get(name, {}).get(str(scale), cfg['optimizer']['lr'])
                scale_cfg = dict(cfg, optimizer=dict(cfg['optimizer'], lr=lr))
                wrappers[f'{name}_{scale}'] = GenOptimWrapperConstructor({name: scale_cfg})(model)[name]
        return GenOptimWrapperDict(**wrappers)
