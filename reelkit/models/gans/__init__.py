"""GAN models: the training schedule of generator and discriminator, EMA and sampling.

Importing this package registers every GAN model in ``reelkit.registry.MODELS``.
"""
from .base_conditional_gan import BaseConditionalGAN
from .base_gan import BaseGAN
from .dcgan import DCGAN
from .ggan import GGAN
from .lsgan import LSGAN
from .model_wrappers import MMSeparateDistributedDataParallel
from .progressive_growing_gan import ProgressiveGrowingGAN, StyleGANv1
from .sagan import SAGAN, BigGAN
from .stylegan2 import StyleGAN2, StyleGAN3
from .wgan_gp import WGANGP

__all__ = [
    'BaseGAN', 'BaseConditionalGAN', 'DCGAN', 'LSGAN', 'GGAN', 'WGANGP', 'SAGAN', 'BigGAN',
    'StyleGAN2', 'StyleGAN3', 'ProgressiveGrowingGAN', 'StyleGANv1', 'MMSeparateDistributedDataParallel'
]
