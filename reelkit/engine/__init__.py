from . import gen  # noqa: F401  (generative models: loops, hooks, optimizer constructors)
from .runner import multi_loop  # noqa: F401  (registers MultiLoaderEpochBasedTrainLoop)
from .compat import CPUDistributedDataParallel, ReelkitRunner, prepare_distributed
from .hooks import TrainingInterrupted
from reelkit.utils.checkpoint import unsafe_checkpoint_loading
from reelkit.utils.errors import CheckpointError

__all__ = ['CPUDistributedDataParallel', 'ReelkitRunner', 'prepare_distributed',
           'CheckpointError', 'TrainingInterrupted', 'unsafe_checkpoint_loading']
