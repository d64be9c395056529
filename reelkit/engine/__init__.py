from .compat import (CPUDistributedDataParallel, prepare_distributed,
                     register_checkpoint_safe_globals)

register_checkpoint_safe_globals()

__all__ = ['CPUDistributedDataParallel', 'prepare_distributed', 'register_checkpoint_safe_globals']
from . import gan  # noqa: F401,E402  (generative models: loops, hooks, optimizer constructor)
