# BigGAN for 32x32 images (MMGeneration's biggan_32x32 with base_channels 64 cut to 8: 32-channel
# residual blocks 4 -> 8 -> 16 -> 32, class-conditional batch norm from the label, spectral norm
# in both networks, N(0, 0.02) init). Set model.num_classes to the dataset's.
model = dict(
    type='BigGAN',
    data_preprocessor=dict(type='GANDataPreprocessor'),
    generator=dict(
        type='BigGANGenerator',
        output_scale=32,
        noise_size=128,
        base_channels=8,
        with_shared_embedding=False,
        sn_eps=1e-8,
        sn_style='torch',
        init_type='N02',
        split_noise=False,
        auto_sync_bn=False),
    discriminator=dict(
        type='BigGANDiscriminator',
        input_scale=32,
        base_channels=8,
        sn_eps=1e-8,
        sn_style='torch',
        init_type='N02',
        with_spectral_norm=True),
    generator_steps=1,
    discriminator_steps=4)
