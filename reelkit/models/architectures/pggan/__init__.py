from .generator_discriminator import (EqualizedLRConvDownModule, EqualizedLRConvUpModule, PGGANDiscriminator,
                                      PGGANGenerator)

__all__ = ['PGGANGenerator', 'PGGANDiscriminator', 'EqualizedLRConvUpModule', 'EqualizedLRConvDownModule']
