"""What MMEngine needs to run on today's PyTorch and on CPU-only machines. Nothing else lives here.

- Safe checkpoint loading needs nothing here: onedl-mmengine loads with ``weights_only=True`` and
  an allowlist (``get_torch_safe_globals``) that covers everything a reelkit checkpoint holds;
  ``tests/e2e`` pins that. (A process-wide ``add_safe_globals`` would not last: torch's
  ``safe_globals`` context, which MMEngine's loader uses, removes its entries on exit.)
- CPU distributed training: MMEngine's ``init_dist`` calls ``torch.cuda.set_device`` and its
  runner hands the local rank to DDP as a CUDA device id. :func:`prepare_distributed` starts a
  gloo process group itself and selects :class:`CPUDistributedDataParallel`.
- Skipped keys of ``load_from``: the runner loads without a logger, so MMEngine ``print``s which
  keys did not match and the log file never records them. :class:`ReelkitRunner` sends them
  through the current logger (console and log file) while it loads; other runners in the same
  process are left as MMEngine made them.
"""
import contextlib
import functools
import os

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.model import MMDistributedDataParallel
from mmengine.runner import Runner
from mmengine.runner import runner as mmengine_runner

from reelkit.registry import MODEL_WRAPPERS, RUNNERS
from reelkit.utils.errors import ConfigError

@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` for CPU processes.

    The runner passes ``device_ids=[local_rank]``, which DDP rejects for a module on the CPU.
    """

    def __init__(self, module: torch.nn.Module, device_ids=None, **kwargs):
        super().__init__(module=module, device_ids=None, **kwargs)


def prepare_distributed(cfg: Config, launcher: str) -> None:
    """Make ``launcher='pytorch'`` work without CUDA: gloo process group, CPU DDP wrapper."""
    if launcher == 'none' or torch.cuda.is_available():
        return
    if launcher != 'pytorch':
        raise ConfigError(f'--launcher {launcher}: on a machine without CUDA only '
                          "'none' and 'pytorch' (torchrun) are supported")
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo', rank=int(os.environ['RANK']),
                                      world_size=int(os.environ['WORLD_SIZE']))
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        broadcast_buffers=False, find_unused_parameters=cfg.get('find_unused_parameters', False))
    if wrapper.get('type', 'MMDistributedDataParallel') == 'MMDistributedDataParallel':
        # scoped: the runner looks the type up in MMEngine's root registry
        wrapper['type'] = 'reelkit.CPUDistributedDataParallel'
    cfg.model_wrapper_cfg = wrapper


@contextlib.contextmanager
def checkpoint_mismatches_logged():
    """While open, the runner's checkpoint loading reports mismatched keys to the current logger.

    MMEngine offers no argument or hook for that logger (``Runner.load_checkpoint`` calls the
    module-level ``_load_checkpoint_to_model`` without one), so the function is swapped for the
    duration of one load and put back after it.
    """
    load = mmengine_runner._load_checkpoint_to_model
    mmengine_runner._load_checkpoint_to_model = functools.partial(load, logger='current')
    try:
        yield
    finally:
        mmengine_runner._load_checkpoint_to_model = load


@RUNNERS.register_module()
class ReelkitRunner(Runner):
    """MMEngine's ``Runner`` whose ``load_from`` and ``--resume`` loads log skipped keys to the log file."""

    def load_checkpoint(self, *args, **kwargs):
        with checkpoint_mismatches_logged():
            return super().load_checkpoint(*args, **kwargs)
