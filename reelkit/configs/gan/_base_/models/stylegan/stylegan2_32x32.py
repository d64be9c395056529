# StyleGAN2 (config-f layers, MMGeneration's stylegan2_base) for 32x32 images with every width
# capped at 32 channels (config-f has 512 up to 32x32): an 8-layer mapping network (z, w of 512),
# modulated convolutions 4 -> 32 with skip to_rgb, a residual discriminator with minibatch stddev.
# Lazy regularization: R1 every 16 discriminator steps, path length every 4 generator steps.
d_reg_interval = 16
g_reg_interval = 4

loss_config = dict(
    r1_loss_weight=10. / 2. * d_reg_interval,
    r1_interval=d_reg_interval,
    norm_mode='HWC',
    g_reg_interval=g_reg_interval,
    g_reg_weight=2. * g_reg_interval,
    pl_batch_shrink=2)

model = dict(
    type='StyleGAN2',
    data_preprocessor=dict(type='GANDataPreprocessor'),
    generator=dict(type='StyleGANv2Generator', out_size=32, style_channels=512, channel_max=32),
    discriminator=dict(type='StyleGAN2Discriminator', in_size=32, channel_max=32),
    ema_config=dict(type='ExponentialMovingAverage'),
    loss_config=loss_config)
