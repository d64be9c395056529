_base_ = [
    '_base_/datasets/ffhq_flip.py', '_base_/models/stylegan2_base.py',
    '_base_/gen_default_runtime.py'
]

model = dict(generator=dict(out_size=1024), discriminator=dict(in_size=1024))
data = dict(
    samples_per_gpu=4,
    train=dict(dataset=dict(imgs_root='./data/ffhq/images')),
    val=dict(imgs_root='./data/ffhq/images'))

custom_hooks = [
    dict(type='VisualizeUnconditionalSamples', output_dir='training_samples', interval=5000),
    dict(
        type='ExponentialMovingAverageHook',
        module_keys=('generator_ema', ),
        interp_mode='lerp',
        interval=1,
        start_iter=0,
        momentum_policy='rampup',
        momentum_cfg=dict(ema_kimg=10, ema_rampup=0.05, batch_size=32, eps=1e-8),
        priority='VERY_HIGH')
]
# mixed precision: the 0.x fp16 hook settings
fp16 = dict(loss_scale='dynamic')
lr_config = None
total_iters = 800002
evaluation = dict(
    type='GenerativeEvalHook',
    interval=10000,
    metrics=dict(type='FID', num_images=50000, bgr2rgb=True),
    sample_kwargs=dict(sample_model='ema'))
