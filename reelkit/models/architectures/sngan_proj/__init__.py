from .generator_discriminator import (ProjDiscriminator, SNConditionNorm, SNGANDiscHeadResBlock, SNGANDiscResBlock,
                                      SNGANGenerator, SNGANGenResBlock)

__all__ = [
    'SNGANGenerator', 'ProjDiscriminator', 'SNGANGenResBlock', 'SNGANDiscResBlock', 'SNGANDiscHeadResBlock',
    'SNConditionNorm'
]
