"""Runs on MMEngine's ``FlexibleRunner`` and its strategies, from a reelkit config.

A config asks for it with ``runner_type='FlexibleRunner'`` and ``strategy=dict(type=...)``:
``DDPStrategy`` and ``FSDPStrategy`` (in MMEngine), ``DeepSpeedStrategy`` and
``ColossalAIStrategy`` (only where their packages are installed). Without ``runner_type`` a
config runs on :class:`ReelkitRunner` as before.

On a machine without CUDA, MMEngine's strategies hand the local rank to DDP and FSDP as a CUDA
device; :func:`use_cpu_wrappers` gives them the CPU wrappers instead (the process group is gloo, as
:func:`reelkit.engine.compat.prepare_distributed` starts it). The runner features of
:class:`ReelkitRunner` (crash-safe checkpoint writes, exact resume inside an epoch, skipped
samples reported) are not part of the ``FlexibleRunner``.
"""
import importlib.util

import torch
from mmengine.config import Config
from mmengine.model import MMFullyShardedDataParallel
from mmengine._strategy import DDPStrategy, FSDPStrategy
from mmengine.registry import STRATEGIES
from mmengine.runner import FlexibleRunner

from reelkit.engine.compat import ReelkitRunner
from reelkit.registry import MODEL_WRAPPERS, RUNNERS
from reelkit.utils.allocator import keep_freed_memory
from reelkit.utils.errors import ConfigError

# strategy: (the package it needs, how to install it)
OPTIONAL_STRATEGIES = {
    'DeepSpeedStrategy': ('deepspeed', 'pip install deepspeed'),
    'ColossalAIStrategy': ('colossalai', 'pip install colossalai'),
}


@MODEL_WRAPPERS.register_module()
class CPUFullyShardedDataParallel(MMFullyShardedDataParallel):
    """``MMFullyShardedDataParallel`` for CPU processes (gloo).

    ``FSDPStrategy`` passes ``device_id=local_rank``, which FSDP reads as a CUDA device.
    """

    def __init__(self, module: torch.nn.Module, device_id=None, **kwargs):
        super().__init__(module=module, device_id=torch.device('cpu'), **kwargs)


def strategy_class(cfg: Config) -> type:
    """The class ``cfg.strategy`` names; an unknown or uninstalled one raises ``ConfigError``."""
    strategy = cfg.strategy
    if not isinstance(strategy, dict) or 'type' not in strategy:
        raise ConfigError(f'{cfg.filename}: strategy must be a dict with a type, e.g. '
                          f"strategy=dict(type='DDPStrategy'); got {strategy!r}")
    name = strategy['type']
    package, install = OPTIONAL_STRATEGIES.get(name, (None, None))
    if package is not None and importlib.util.find_spec(package) is None:
        raise ConfigError(f'{cfg.filename}: strategy.type={name!r} needs the {package} package, '
                          f'which is not installed ({install}); or use DDPStrategy/FSDPStrategy')
    found = STRATEGIES.get(name) if isinstance(name, str) else name
    if found is None:
        raise ConfigError(f'{cfg.filename}: strategy.type={name!r} is not a registered strategy; '
                          f'expected one of {", ".join(sorted(STRATEGIES.module_dict))}')
    return found


# FSDPStrategy's state_dict_cfg='full', spelled out without offload_to_cpu: the tensors of a CPU
# process are on the CPU already, and offloading them anyway kills the process (SIGSEGV, torch 2.13).
CPU_FULL_STATE_DICT = dict(
    state_dict_type='FULL_STATE_DICT',
    state_dict_config=dict(type='FullStateDictConfig', rank0_only=True, offload_to_cpu=False),
    optim_state_dict_config=dict(type='FullOptimStateDictConfig', rank0_only=True, offload_to_cpu=False))


def use_cpu_wrappers(cfg: Config) -> None:
    """Point the DDP/FSDP strategy of ``cfg`` at the CPU model wrappers (no CUDA here), and an
    FSDP ``state_dict_cfg='full'`` at :data:`CPU_FULL_STATE_DICT`."""
    found = strategy_class(cfg)
    if not issubclass(found, DDPStrategy):
        return
    if issubclass(found, FSDPStrategy) and cfg.strategy.get('state_dict_cfg') == 'full':
        cfg.strategy.state_dict_cfg = CPU_FULL_STATE_DICT
    # scoped: the strategy looks the type up in MMEngine's root registry
    cpu_type = ('reelkit.CPUFullyShardedDataParallel' if issubclass(found, FSDPStrategy)
                else 'reelkit.CPUDistributedDataParallel')
    wrapper = dict(cfg.strategy.get('model_wrapper') or {})
    if wrapper.get('type') in (None, 'MMDistributedDataParallel', 'MMFullyShardedDataParallel'):
        wrapper['type'] = cpu_type
    cfg.strategy.model_wrapper = wrapper


def build_runner(cfg: Config):
    """The runner ``cfg`` asks for: its ``runner_type`` from the registry (a ``FlexibleRunner``
    with its ``strategy`` checked first), else :class:`ReelkitRunner`."""
    if 'runner_type' not in cfg:
        return ReelkitRunner.from_cfg(cfg)
    runner_cls = RUNNERS.get(cfg.runner_type)
    if runner_cls is None:
        raise ConfigError(f'{cfg.filename}: runner_type={cfg.runner_type!r} is not a registered '
                          "runner; expected e.g. 'FlexibleRunner'")
    if issubclass(runner_cls, FlexibleRunner):
        keep_freed_memory()  # as ReelkitRunner does
        distributed = cfg.get('launcher', 'none') != 'none'
        if cfg.get('strategy') is None:  # what FlexibleRunner would choose itself
            cfg.strategy = dict(type='DDPStrategy' if distributed else 'SingleDeviceStrategy')
        strategy_class(cfg)
        if distributed and not torch.cuda.is_available():
            use_cpu_wrappers(cfg)
    return RUNNERS.build(cfg)
