from . import gen  # noqa: F401  (generative models: loops, hooks, optimizer constructors)
from .runner import multi_loop  # noqa: F401  (registers MultiLoaderEpochBasedTrainLoop)
from .compat import CPUDistributedDataParallel, ReelkitRunner, prepare_distributed

__all__ = ['CPUDistributedDataParallel', 'ReelkitRunner', 'prepare_distributed']
