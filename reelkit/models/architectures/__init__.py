"""GAN generators and discriminators under MMGeneration 1.x names, one family per sub-package."""
from . import common  # noqa: F401
from .dcgan import DCGANDiscriminator, DCGANGenerator

__all__ = ['DCGANGenerator', 'DCGANDiscriminator']
