"""Engine parts of generative models: optimizer wrappers per sub-network, schedules, loops,
and hooks. Importing registers them in reelkit's registries."""
from .hooks import GenIterTimerHook, GenVisualizationHook, PGGANFetchDataHook, RandomStateHook
from .log_processor import GenLogProcessor
from .loops import GenTestLoop, GenValLoop
from .optim_constructor import (GenOptimWrapperConstructor, GenOptimWrapperDict,
                                PGGANOptimWrapperConstructor)
from .schedulers import LinearLrInterval

__all__ = [
    'GenIterTimerHook', 'GenVisualizationHook', 'PGGANFetchDataHook', 'RandomStateHook',
    'GenLogProcessor', 'GenValLoop',
    'GenTestLoop',
    'GenOptimWrapperConstructor', 'GenOptimWrapperDict', 'PGGANOptimWrapperConstructor',
    'LinearLrInterval'
]
