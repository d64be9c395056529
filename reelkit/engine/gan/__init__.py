"""Engine parts of generative models: optimizer wrappers per sub-network, schedules, loops,
and hooks. Importing registers them in reelkit's registries."""
from .hooks import GenIterTimerHook, GenVisualizationHook, RandomStateHook
from .log_processor import GenLogProcessor
from .loops import GenTestLoop, GenValLoop
from .optim_constructor import (GenOptimWrapperConstructor, GenOptimWrapperDict,
                                PGGANOptimWrapperConstructor)
from .schedulers import LinearLrInterval

__all__ = [
    'GenIterTimerHook', 'GenVisualizationHook', 'RandomStateHook', 'GenLogProcessor', 'GenValLoop',
    'GenTestLoop',
    'GenOptimWrapperConstructor', 'GenOptimWrapperDict', 'PGGANOptimWrapperConstructor',
    'LinearLrInterval'
]
