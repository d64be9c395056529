# SNGAN with a projection discriminator for 32x32 images (MMGeneration's sngan_proj_32x32 with
# base_channels 256/128 cut to 32/32): three residual generator blocks 4 -> 8 -> 16 -> 32 with
# class-conditional batch norm; a spectrally normalised residual discriminator whose score adds
# the projection of the class embedding. Set model.num_classes to the dataset's.
model = dict(
    type='SNGAN',
    data_preprocessor=dict(type='GANDataPreprocessor'),
    generator=dict(type='SNGANGenerator', output_scale=32, base_channels=32,
                   init_cfg=dict(type='studio')),
    discriminator=dict(type='ProjDiscriminator', input_scale=32, base_channels=32,
                       init_cfg=dict(type='studio')),
    discriminator_steps=5)
