from .generator_discriminator import LSGANDiscriminator, LSGANGenerator

__all__ = ['LSGANGenerator', 'LSGANDiscriminator']
