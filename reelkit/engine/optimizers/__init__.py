"""Optimizer wrapper constructors registered in ``reelkit.registry.OPTIM_WRAPPER_CONSTRUCTORS``."""
from .layer_decay_optim_wrapper_constructor import LearningRateDecayOptimizerConstructor
from .swin_optim_wrapper_constructor import SwinOptimWrapperConstructor
from .tsm_optim_wrapper_constructor import TSMOptimWrapperConstructor, split_tsm_params

__all__ = [
    'TSMOptimWrapperConstructor', 'split_tsm_params', 'SwinOptimWrapperConstructor',
    'LearningRateDecayOptimizerConstructor'
]
from reelkit.engine.gen import GenOptimWrapperConstructor, LinearLrInterval, PGGANOptimWrapperConstructor  # noqa: F401,E402,E501
