"""Data preprocessors (batch to model inputs) and the batch blendings they apply."""
from .blending import BaseMiniBatchBlending, CutmixBlending, MixupBlending
from .data_preprocessor import ActionDataPreprocessor

__all__ = ['ActionDataPreprocessor', 'BaseMiniBatchBlending', 'MixupBlending', 'CutmixBlending']
