"""GAN models: the training schedule of generator and discriminator, EMA and sampling.

Importing this package registers every GAN model in ``reelkit.registry.MODELS``.
"""
from .base_gan import BaseGAN
from .dcgan import DCGAN
from .model_wrappers import MMSeparateDistributedDataParallel

__all__ = ['BaseGAN', 'DCGAN', 'MMSeparateDistributedDataParallel']
