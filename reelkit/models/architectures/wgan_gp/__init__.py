from .generator_discriminator import ConvLNModule, WGANGPDiscriminator, WGANGPGenerator

__all__ = ['WGANGPGenerator', 'WGANGPDiscriminator', 'ConvLNModule']
