from .ada import ADAAug, ADAStyleGAN2Discriminator, AugmentPipe
from .stylegan1 import StyleGAN1Discriminator, StyleGANv1Generator
from .stylegan2 import StyleGAN2Discriminator, StyleGANv2Generator
from .stylegan3 import MappingNetwork, StyleGANv3Generator, SynthesisNetwork

__all__ = [
    'StyleGANv1Generator', 'StyleGAN1Discriminator', 'StyleGANv2Generator', 'StyleGAN2Discriminator',
    'StyleGANv3Generator', 'SynthesisNetwork', 'MappingNetwork', 'ADAStyleGAN2Discriminator', 'ADAAug',
    'AugmentPipe'
]
