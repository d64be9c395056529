"""Optimizer wrapper constructors registered in ``reelkit.registry.OPTIM_WRAPPER_CONSTRUCTORS``."""
from .tsm_optim_wrapper_constructor import TSMOptimWrapperConstructor, split_tsm_params

__all__ = ['TSMOptimWrapperConstructor', 'split_tsm_params']
from reelkit.engine.gen import GenOptimWrapperConstructor, LinearLrInterval, PGGANOptimWrapperConstructor  # noqa: F401,E402,E501
