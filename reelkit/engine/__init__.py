from .compat import (CPUDistributedDataParallel, prepare_distributed,
                     register_checkpoint_safe_globals)

register_checkpoint_safe_globals()

__all__ = ['CPUDistributedDataParallel', 'prepare_distributed', 'register_checkpoint_safe_globals']
