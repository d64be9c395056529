"""Datasets and transforms of generative models (MMGeneration 1.x names)."""
from .basic_conditional_dataset import BasicConditionalDataset
from .transforms import (CenterCropLongEdge, LoadImageFromFile, PackGenInputs, RandomCropLongEdge,
                         crop_long_edge)
from .unconditional_image_dataset import UnconditionalImageDataset, scan_images

__all__ = [
    'UnconditionalImageDataset', 'BasicConditionalDataset', 'scan_images', 'LoadImageFromFile',
    'CenterCropLongEdge', 'RandomCropLongEdge', 'PackGenInputs', 'crop_long_edge'
]
