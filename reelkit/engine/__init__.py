from .compat import CPUDistributedDataParallel, prepare_distributed

__all__ = ['CPUDistributedDataParallel', 'prepare_distributed']
from . import gan  # noqa: F401,E402  (generative models: loops, hooks, optimizer constructors)
