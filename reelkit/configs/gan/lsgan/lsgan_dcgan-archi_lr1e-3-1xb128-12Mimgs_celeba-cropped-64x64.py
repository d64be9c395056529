# MMGeneration 1.x's LSGAN with the DCGAN networks on CelebA-Cropped 64x64 (same name, model and
# schedule), on reelkit: the networks, data and batch of
# ../dcgan/dcgan_1xb128-300kiters_celeba-cropped-64.py with least-squares losses, Adam 1e-3 with
# betas (0.5, 0.99), 100k iterations (12.8M images); IS and FID (StyleGAN's Inception; put its
# TorchScript file in the reelkit cache), no best checkpoint.
#   reelkit train gan/lsgan/lsgan_dcgan-archi_lr1e-3-1xb128-12Mimgs_celeba-cropped-64x64.py
_base_ = ['../dcgan/dcgan_1xb128-300kiters_celeba-cropped-64.py']
default_scope = 'mmgen'

model = dict(type='LSGAN')

optim_wrapper = dict(
    generator=dict(optimizer=dict(lr=0.001, betas=(0.5, 0.99))),
    discriminator=dict(optimizer=dict(lr=0.001, betas=(0.5, 0.99))))

train_cfg = dict(max_iters=100000)

custom_hooks = [dict(_base_.custom_hooks[0], interval=5000)]

metrics = [
    dict(type='InceptionScore', prefix='IS-50k', fake_nums=50000, inception_style='StyleGAN',
         sample_model='orig'),
    dict(type='FrechetInceptionDistance', prefix='FID-50k', fake_nums=50000, real_nums=50000,
         inception_style='StyleGAN', sample_model='orig')
]
val_evaluator = test_evaluator = dict(metrics=metrics)
default_hooks = dict(checkpoint=dict(save_best=None, rule=None))
