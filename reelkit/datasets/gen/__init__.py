"""Datasets and transforms of generative models (MMGeneration 1.x names)."""
from .basic_conditional_dataset import BasicConditionalDataset
from .cifar10 import CIFAR10
from .grow_scale_image_dataset import GrowScaleImgDataset
from .transforms import (CenterCropLongEdge, LoadImageFromFile, PackGenInputs, RandomCropLongEdge,
                         crop_long_edge)
from .unconditional_image_dataset import UnconditionalImageDataset, list_images, scan_images

__all__ = [
    'UnconditionalImageDataset', 'BasicConditionalDataset', 'CIFAR10', 'GrowScaleImgDataset',
    'scan_images', 'list_images', 'LoadImageFromFile',
    'CenterCropLongEdge', 'RandomCropLongEdge', 'PackGenInputs', 'crop_long_edge'
]
