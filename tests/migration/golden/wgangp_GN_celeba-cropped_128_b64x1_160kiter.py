# 1.x config written by `reelkit migrate` from the MMAction2/MMGeneration 0.x config
# wgangp_GN_celeba-cropped_128_b64x1_160kiter.py
# The migration report lists every change and what to check.

# model settings
model = dict(
    type='WGANGP',
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
    data_preprocessor=dict(
        type='GANDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        bgr_to_rgb=False),
    generator_steps=1,
    discriminator_steps=5)

# dataset settings
dataset_type = 'UnconditionalImageDataset'
train_pipeline = [
    dict(type='LoadImageFromFile', key='img'),
    dict(type='Resize', keys=['img'], scale=(64, 64)),
    dict(type='PackGenInputs', keys=['img'], meta_keys=['img_path'])
]
val_pipeline = train_pipeline
train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='RepeatDataset',
        times=100,
        dataset=dict(
            type='UnconditionalImageDataset',
            pipeline=train_pipeline,
            data_root='./data/celeba-cropped/cropped_images_aligned_png/')))
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='UnconditionalImageDataset',
        pipeline=train_pipeline,
        data_root='./data/celeba-cropped/cropped_images_aligned_png/',
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='GenEvaluator',
    metrics=[
        dict(
            type='MultiScaleStructureSimilarity',
            prefix='MS-SSIM-10k',
            fake_nums=10000,
            sample_model='orig'),
        dict(
            type='SlicedWassersteinDistance',
            prefix='SWD-16384',
            fake_nums=16384,
            image_shape=(3, 128, 128),
            sample_model='orig')
    ])
test_evaluator = val_evaluator

# schedule settings
train_cfg = dict(by_epoch=False, max_iters=160000, val_begin=1, val_interval=10000)
val_cfg = dict(type='GenValLoop')
test_cfg = dict(type='GenTestLoop')
optim_wrapper = dict(
    constructor='GenOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=0.0001, betas=(0.5, 0.9))),
    discriminator=dict(optimizer=dict(type='Adam', lr=0.0001, betas=(0.5, 0.9))))

# runtime settings
default_scope = 'mmgen'
default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='GenIterTimerHook'),
    logger=dict(type='LoggerHook', interval=100, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        interval=10000,
        by_epoch=False,
        max_keep_ckpts=20,
        save_best='SWD-16384/avg',
        rule='less',
        less_keys=['SWD-16384/avg']),
    sampler_seed=dict(type='DistSamplerSeedHook'))
custom_hooks = [
    dict(
        type='GenVisualizationHook',
        interval=1000,
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
    find_unused_parameters=True)

# other settings
metrics = dict(
    ms_ssim10k=dict(type='MS_SSIM', num_images=10000),
    swd16k=dict(type='SWD', num_images=16384, image_shape=(3, 128, 128)))
