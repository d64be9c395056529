_base_ = [
    '_base_/datasets/unconditional_imgs_64x64.py',
    '_base_/models/wgangp_base.py', '_base_/gen_default_runtime.py'
]

data = dict(
    samples_per_gpu=64,
    train=dict(dataset=dict(imgs_root='./data/celeba-cropped/cropped_images_aligned_png/')),
    val=dict(imgs_root='./data/celeba-cropped/cropped_images_aligned_png/'))

checkpoint_config = dict(interval=10000, by_epoch=False)
log_config = dict(interval=100, hooks=[dict(type='TextLoggerHook')])
custom_hooks = [
    dict(type='VisualizeUnconditionalSamples', output_dir='training_samples', interval=1000)
]
lr_config = None
total_iters = 160000

metrics = dict(
    ms_ssim10k=dict(type='MS_SSIM', num_images=10000),
    swd16k=dict(type='SWD', num_images=16384, image_shape=(3, 128, 128)))
evaluation = dict(
    type='GenerativeEvalHook',
    interval=10000,
    metrics=[
        dict(type='MS_SSIM', num_images=10000),
        dict(type='SWD', num_images=16384, image_shape=(3, 128, 128)),
    ],
    best_metric='swd',
    sample_kwargs=dict(sample_model='orig'))
