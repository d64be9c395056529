from .biggan import (BigGANConditionBN, BigGANDiscResBlock, BigGANDiscriminator, BigGANGenerator,
                     BigGANGenResBlock)
from .biggan_deep import (BigGANDeepDiscResBlock, BigGANDeepDiscriminator, BigGANDeepGenerator,
                          BigGANDeepGenResBlock)

__all__ = [
    'BigGANGenerator', 'BigGANDiscriminator', 'BigGANDeepGenerator', 'BigGANDeepDiscriminator', 'BigGANConditionBN',
    'BigGANGenResBlock', 'BigGANDiscResBlock', 'BigGANDeepGenResBlock', 'BigGANDeepDiscResBlock'
]
