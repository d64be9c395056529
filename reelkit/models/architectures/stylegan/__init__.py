from .stylegan1 import StyleGAN1Discriminator, StyleGANv1Generator
from .stylegan2 import StyleGAN2Discriminator, StyleGANv2Generator

__all__ = ['StyleGANv1Generator', 'StyleGAN1Discriminator', 'StyleGANv2Generator', 'StyleGAN2Discriminator']
