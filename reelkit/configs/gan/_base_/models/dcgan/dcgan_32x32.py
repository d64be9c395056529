# DCGAN for 32x32 images: generator 4 -> 8 -> 16 -> 32, discriminator 32 -> 4.
# LeakyReLU slope 0.2 as in the DCGAN paper (MMGeneration's 64x64 configs keep MMCV's 0.01).
model = dict(
    type='DCGAN',
    noise_size=100,
    data_preprocessor=dict(type='GANDataPreprocessor'),
    generator=dict(type='DCGANGenerator', output_scale=32, base_channels=128),
    discriminator=dict(
        type='DCGANDiscriminator',
        input_scale=32,
        output_scale=4,
        out_channels=1,
        base_channels=64,
        default_act_cfg=dict(type='LeakyReLU', negative_slope=0.2)))
