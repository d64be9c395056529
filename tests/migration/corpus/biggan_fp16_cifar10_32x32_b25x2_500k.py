_base_ = [
    '_base_/models/biggan_128x128.py', '_base_/datasets/unconditional_imgs_64x64.py',
    '_base_/gen_default_runtime.py'
]

# define model: a 32x32 BigGAN with a class-conditional CIFAR-10 setting
model = dict(
    generator=dict(output_scale=32, num_classes=10, noise_size=128, base_channels=64,
                   with_shared_embedding=False, sn_eps=1e-8, init_type='N02', split_noise=False),
    discriminator=dict(input_scale=32, num_classes=10, base_channels=64, sn_eps=1e-8, init_type='N02'))
train_cfg = dict(disc_steps=4, gen_steps=1, batch_accumulation_steps=1, use_ema=True)
optimizer = dict(
    generator=dict(type='Adam', lr=0.0002, betas=(0.0, 0.999)),
    discriminator=dict(type='Adam', lr=0.0002, betas=(0.0, 0.999)))

data = dict(samples_per_gpu=25, workers_per_gpu=8)
lr_config = None
checkpoint_config = dict(interval=5000, by_epoch=False, max_keep_ckpts=20)
custom_hooks = [
    dict(type='VisualizeUnconditionalSamples', output_dir='training_samples', interval=5000),
    dict(
        type='ExponentialMovingAverageHook',
        module_keys=('generator_ema', ),
        interval=1,
        start_iter=1000,
        interp_cfg=dict(momentum=0.9999),
        priority='VERY_HIGH')
]
total_iters = 500000

# mixed precision with a dynamic loss scaler that starts at 512
runner = dict(
    type='DynamicIterBasedRunner',
    is_dynamic_ddp=False,
    pass_training_status=True,
    fp16_loss_scaler=dict(init_scale=512))
use_ddp_wrapper = True
find_unused_parameters = False

evaluation = dict(
    type='GenerativeEvalHook',
    interval=10000,
    metrics=[dict(type='FID', num_images=50000, bgr2rgb=True), dict(type='IS', num_images=50000)],
    best_metric='fid',
    sample_kwargs=dict(sample_model='ema'))
