# MMGeneration 1.x's SNGAN with a projection discriminator on CIFAR-10 (same name, model and
# schedule), on reelkit: conditional on the 10 classes, in-place ReLUs, StudioGAN's init, hinge
# loss, 5 discriminator steps per generator step (500k iterations are 100k generator steps),
# batch 64, Adam 2e-4 with betas (0.5, 0.999); IS and FID against the training set (StyleGAN's
# Inception), best checkpoints by both. Extract cifar-10-python.tar.gz into data/cifar10/, then
#   reelkit train gan/sngan_proj/sngan-proj_wReLUinplace_lr2e-4-ndisc5-1xb64_cifar10-32x32.py
_base_ = [
    '../_base_/models/sngan_proj/sngan_proj_32x32.py',
    '../_base_/datasets/cifar10_nopad.py',
    '../_base_/gen_default_runtime.py',
]
default_scope = 'mmgen'

num_classes = 10
relu_inplace = dict(type='ReLU', inplace=True)
model = dict(
    num_classes=num_classes,
    data_preprocessor=dict(rgb_to_bgr=True),
    generator=dict(base_channels=256, act_cfg=relu_inplace, num_classes=num_classes),
    discriminator=dict(base_channels=128, act_cfg=relu_inplace, num_classes=num_classes))

train_cfg = dict(max_iters=100000 * _base_.model.discriminator_steps)
train_dataloader = dict(batch_size=64)
val_dataloader = test_dataloader = dict(batch_size=64)

optim_wrapper = dict(
    generator=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999))),
    discriminator=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999))))

custom_hooks = [
    dict(type='GenVisualizationHook', interval=5000, fixed_input=True,
         vis_kwargs_list=dict(type='GAN', name='fake_img'))
]

metrics = [
    dict(type='InceptionScore', prefix='IS-50k', fake_nums=50000, inception_style='StyleGAN',
         sample_model='orig'),
    dict(type='FrechetInceptionDistance', prefix='FID-Full-50k', fake_nums=50000,
         inception_style='StyleGAN', inception_pkl='./work_dirs/inception_pkl/cifar10-full.pkl',
         sample_model='orig')
]
val_evaluator = test_evaluator = dict(metrics=metrics)
default_hooks = dict(
    checkpoint=dict(save_best=['FID-Full-50k/fid', 'IS-50k/is'], rule=['less', 'greater']))
