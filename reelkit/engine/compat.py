"""What MMEngine needs to run on today's PyTorch and on CPU-only machines. Nothing else lives here.

- Safe checkpoint loading: since torch 2.6 ``torch.load`` defaults to ``weights_only=True``.
  MMEngine's loader tries that first with an allowlist and otherwise falls back to an unsafe
  load with a warning. :func:`register_checkpoint_safe_globals` adds the few classes a reelkit
  checkpoint holds beyond that allowlist, so our own checkpoints always take the safe road.
- CPU distributed training: MMEngine's ``init_dist`` calls ``torch.cuda.set_device`` and its
  runner hands the local rank to DDP as a CUDA device id. :func:`prepare_distributed` starts a
  gloo process group itself and selects :class:`CPUDistributedDataParallel`.
"""
import os

import numpy as np
import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.model import MMDistributedDataParallel

from reelkit.registry import MODEL_WRAPPERS
from reelkit.utils.errors import ConfigError

CHECKPOINT_SAFE_GLOBALS = (
    # numpy scalars in the message hub's runtime info (e.g. the best metric of CheckpointHook)
    np.dtypes.Float64DType, np.dtypes.Float32DType, np.dtypes.Int64DType, np.dtypes.Int32DType,
    np.dtypes.BoolDType,
)


def register_checkpoint_safe_globals() -> None:
    """Allow the non-tensor objects that reelkit checkpoints contain under ``weights_only=True``."""
    torch.serialization.add_safe_globals(list(CHECKPOINT_SAFE_GLOBALS))


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
        wrapper['type'] = 'CPUDistributedDataParallel'
    cfg.model_wrapper_cfg = wrapper
