"""Data preprocessors (batch to model inputs) and the batch blendings they apply."""
from .blending import BaseMiniBatchBlending, CutmixBlending, MixupBlending
from .data_preprocessor import ActionDataPreprocessor

__all__ = ['ActionDataPreprocessor', 'BaseMiniBatchBlending', 'MixupBlending', 'CutmixBlending']
from .gan_data_preprocessor import GANDataPreprocessor  # noqa: F401,E402
