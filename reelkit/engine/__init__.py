from . import gan  # noqa: F401  (generative models: loops, hooks, optimizer constructors)
from .compat import CPUDistributedDataParallel, prepare_distributed

__all__ = ['CPUDistributedDataParallel', 'prepare_distributed']
