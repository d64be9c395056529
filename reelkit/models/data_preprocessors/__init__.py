"""Data preprocessors (batch to model inputs) and the batch blendings they apply."""
from .blending import BaseMiniBatchBlending, CutmixBlending, MixupBlending, RandomBatchAugment
from .data_preprocessor import ActionDataPreprocessor
from .multimodal_data_preprocessor import MultiModalDataPreprocessor

__all__ = ['ActionDataPreprocessor', 'MultiModalDataPreprocessor', 'BaseMiniBatchBlending', 'MixupBlending',
           'CutmixBlending', 'RandomBatchAugment']
from .gan_data_preprocessor import GANDataPreprocessor  # noqa: F401,E402
