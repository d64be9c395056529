# MMGeneration 1.x's WGAN-GP on CelebA-Cropped 128x128 (same name, model and schedule), on
# reelkit: WGANGPGenerator/Discriminator (128 -> 512 channels) with GroupNorm in the critic,
# gradient penalty 10, 5 critic steps per generator step, batch 64, 160k iterations, Adam 1e-4
# with betas (0.5, 0.9); MS-SSIM and SWD, best checkpoint by SWD. Data as for
# ../dcgan/dcgan_1xb128-300kiters_celeba-cropped-64.py.
#   reelkit train gan/wgan-gp/wgangp_GN_1xb64-160kiters_celeba-cropped-128x128.py
_base_ = [
    '../_base_/datasets/celeba-cropped_128x128.py',
    '../_base_/gen_default_runtime.py',
]
default_scope = 'mmgen'

model = dict(
    type='WGANGP',
    data_preprocessor=dict(type='GANDataPreprocessor'),
    generator=dict(type='WGANGPGenerator', noise_size=128, out_scale=128),
    discriminator=dict(
        type='WGANGPDiscriminator',
        in_channel=3,
        in_scale=128,
        conv_module_cfg=dict(
            conv_cfg=None,
            kernel_size=3,
            stride=1,
            padding=1,
            bias=True,
            act_cfg=dict(type='LeakyReLU', negative_slope=0.2),
            norm_cfg=dict(type='GN'),
            order=('conv', 'norm', 'act'))),
    discriminator_steps=5,
    loss_config=dict(gp_norm_mode='HWC', gp_loss_weight=10))

train_dataloader = dict(batch_size=64)
val_dataloader = test_dataloader = train_dataloader

optim_wrapper = dict(
    generator=dict(optimizer=dict(type='Adam', lr=0.0001, betas=(0.5, 0.9))),
    discriminator=dict(optimizer=dict(type='Adam', lr=0.0001, betas=(0.5, 0.9))))

train_cfg = dict(max_iters=160000)

custom_hooks = [
    dict(type='GenVisualizationHook', interval=5000, fixed_input=True,
         vis_kwargs_list=dict(type='GAN', name='fake_img'))
]

metrics = [
    dict(type='MS_SSIM', prefix='ms-ssim', fake_nums=10000, sample_model='orig'),
    dict(type='SWD', prefix='swd', fake_nums=16384, sample_model='orig', image_shape=(3, 128, 128))
]
val_evaluator = test_evaluator = dict(metrics=metrics)
default_hooks = dict(checkpoint=dict(save_best='swd/avg', rule='less'))
