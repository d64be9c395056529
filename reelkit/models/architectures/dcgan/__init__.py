from .generator_discriminator import DCGANDiscriminator, DCGANGenerator

__all__ = ['DCGANGenerator', 'DCGANDiscriminator']
