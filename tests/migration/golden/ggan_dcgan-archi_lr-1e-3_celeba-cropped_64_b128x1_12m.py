# 1.x config written by `reelkit migrate` from the MMAction2/MMGeneration 0.x config
# ggan_dcgan-archi_lr-1e-3_celeba-cropped_64_b128x1_12m.py
# The migration report lists every change and what to check.

# model settings
model = dict(
    type='GGAN',
    generator=dict(type='DCGANGenerator', output_scale=64, base_channels=1024),
    discriminator=dict(type='DCGANDiscriminator', input_scale=64, output_scale=4, out_channels=1),
    data_preprocessor=dict(
        type='GANDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        bgr_to_rgb=False),
    generator_steps=1,
    discriminator_steps=1)

# dataset settings
dataset_type = 'UnconditionalImageDataset'
train_pipeline = [
    dict(type='LoadImageFromFile', key='img'),
    dict(type='Resize', keys=['img'], scale=(64, 64)),
    dict(type='PackGenInputs', keys=['img'], meta_keys=['img_path'])
]
val_pipeline = train_pipeline
train_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='RepeatDataset',
        times=100,
        dataset=dict(
            type='UnconditionalImageDataset',
            pipeline=train_pipeline,
            data_root='data/celeba-cropped/cropped_images_aligned_png/')))

# schedule settings
train_cfg = dict(by_epoch=False, max_iters=100000, val_begin=1, val_interval=1)
optim_wrapper = dict(
    constructor='GenOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=0.001, betas=(0.5, 0.99))),
    discriminator=dict(optimizer=dict(type='Adam', lr=0.001, betas=(0.5, 0.99))))

# runtime settings
default_scope = 'mmgen'
default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='GenIterTimerHook'),
    logger=dict(type='LoggerHook', interval=100, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=10000, by_epoch=False, max_keep_ckpts=20),
    sampler_seed=dict(type='DistSamplerSeedHook'))
custom_hooks = [
    dict(
        type='GenVisualizationHook',
        interval=10000,
        fixed_input=True,
        vis_kwargs_list=dict(type='GAN', name='fake_img'))
]
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
log_processor = dict(type='GenLogProcessor', by_epoch=False)
vis_backends = [dict(type='GenVisBackend')]
visualizer = dict(type='GenVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)
