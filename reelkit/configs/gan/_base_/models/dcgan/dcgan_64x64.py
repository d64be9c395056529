# DCGAN for 64x64 images (MMGeneration 1.x's dcgan_64x64): generator 4 -> 64 starting from 1024
# channels, discriminator 64 -> 4 with MMCV's default LeakyReLU slope (0.01).
model = dict(
    type='DCGAN',
    noise_size=100,
    data_preprocessor=dict(type='GANDataPreprocessor'),
    generator=dict(type='DCGANGenerator', output_scale=64, base_channels=1024),
    discriminator=dict(type='DCGANDiscriminator', input_scale=64, output_scale=4, out_channels=1))
