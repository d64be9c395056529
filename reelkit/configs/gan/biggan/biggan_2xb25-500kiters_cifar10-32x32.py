# MMGeneration 1.x's BigGAN on CIFAR-10 (same name, model and schedule), on reelkit: conditional
# on the 10 classes, 64 base channels, hinge loss, 4 discriminator steps per generator step, a
# moving average of the generator (momentum 0.9999 from iteration 1000), batch 25 on each of two
# GPUs, 500k iterations, Adam 2e-4 with betas (0, 0.999); FID and IS of the average (StyleGAN's
# Inception), best checkpoints by both. Extract cifar-10-python.tar.gz into data/cifar10/, then
#   reelkit train gan/biggan/biggan_2xb25-500kiters_cifar10-32x32.py
_base_ = [
    '../_base_/models/biggan/biggan_32x32.py',
    '../_base_/datasets/cifar10_noaug.py',
    '../_base_/gen_default_runtime.py',
]
default_scope = 'mmgen'

num_classes = 10
model = dict(
    num_classes=num_classes,
    data_preprocessor=dict(rgb_to_bgr=True),
    generator=dict(base_channels=64, num_classes=num_classes),
    discriminator=dict(base_channels=64, num_classes=num_classes),
    ema_config=dict(type='ExponentialMovingAverage', interval=1, momentum=0.9999, start_iter=1000))

train_dataloader = dict(batch_size=25, num_workers=8)
val_dataloader = test_dataloader = dict(batch_size=25, num_workers=8)

optim_wrapper = dict(
    generator=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.0, 0.999))),
    discriminator=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.0, 0.999))))

train_cfg = dict(max_iters=500000)

custom_hooks = [
    dict(type='GenVisualizationHook', interval=5000, fixed_input=True,
         vis_kwargs_list=dict(type='Noise', name='fake_img', sample_model='ema/orig',
                              target_keys=['ema', 'orig']))
]

metrics = [
    dict(type='FrechetInceptionDistance', prefix='FID-Full-50k', fake_nums=50000,
         inception_style='StyleGAN', sample_model='ema'),
    dict(type='IS', prefix='IS-50k', fake_nums=50000, inception_style='StyleGAN',
         sample_model='ema')
]
val_evaluator = test_evaluator = dict(metrics=metrics)
default_hooks = dict(
    checkpoint=dict(save_best=['FID-Full-50k/fid', 'IS-50k/is'], rule=['less', 'greater']))
