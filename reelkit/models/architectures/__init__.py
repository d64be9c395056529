"""GAN generators and discriminators under MMGeneration 1.x names, one family per sub-package."""
from . import common  # noqa: F401
from .biggan import BigGANDeepDiscriminator, BigGANDeepGenerator, BigGANDiscriminator, BigGANGenerator
from .dcgan import DCGANDiscriminator, DCGANGenerator
from .lsgan import LSGANDiscriminator, LSGANGenerator
from .pggan import PGGANDiscriminator, PGGANGenerator
from .sngan_proj import ProjDiscriminator, SNGANGenerator
from .stylegan import (ADAStyleGAN2Discriminator, StyleGAN1Discriminator, StyleGAN2Discriminator, StyleGANv1Generator,
                       StyleGANv2Generator, StyleGANv3Generator)
from .wgan_gp import WGANGPDiscriminator, WGANGPGenerator

__all__ = [
    'DCGANGenerator', 'DCGANDiscriminator', 'LSGANGenerator', 'LSGANDiscriminator', 'WGANGPGenerator',
    'WGANGPDiscriminator', 'SNGANGenerator', 'ProjDiscriminator', 'BigGANGenerator', 'BigGANDiscriminator',
    'BigGANDeepGenerator', 'BigGANDeepDiscriminator', 'StyleGANv2Generator', 'StyleGAN2Discriminator',
    'PGGANGenerator', 'PGGANDiscriminator', 'StyleGANv1Generator', 'StyleGAN1Discriminator',
    'StyleGANv3Generator', 'ADAStyleGAN2Discriminator'
]
