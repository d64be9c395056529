# StyleGAN2 config-f (MMGeneration 1.x's stylegan2_base): an 8-layer mapping network (z, w of 512),
# modulated convolutions with skip to_rgb, a residual discriminator with minibatch stddev; 512
# channels up to 32x32, halving above. Configs set generator.out_size and discriminator.in_size.
# Lazy regularization: R1 every 16 discriminator steps, path length every 4 generator steps.
# Configs correct Adam for it with g_reg_ratio/d_reg_ratio: lr * ratio, beta2 ** ratio.
d_reg_interval = 16
g_reg_interval = 4
g_reg_ratio = g_reg_interval / (g_reg_interval + 1)
d_reg_ratio = d_reg_interval / (d_reg_interval + 1)

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
    generator=dict(type='StyleGANv2Generator', out_size=None, style_channels=512),
    discriminator=dict(type='StyleGAN2Discriminator', in_size=None),
    ema_config=dict(type='ExponentialMovingAverage'),
    loss_config=loss_config)
