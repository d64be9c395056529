from . import gan  # noqa: F401  (generative models: loops, hooks, optimizer constructors)
from .compat import CPUDistributedDataParallel, log_checkpoint_mismatches, prepare_distributed

log_checkpoint_mismatches()  # every runner of a process that uses reelkit logs skipped keys

__all__ = ['CPUDistributedDataParallel', 'prepare_distributed']
