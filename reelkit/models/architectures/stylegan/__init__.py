from .stylegan2 import StyleGAN2Discriminator, StyleGANv2Generator

__all__ = ['StyleGANv2Generator', 'StyleGAN2Discriminator']
