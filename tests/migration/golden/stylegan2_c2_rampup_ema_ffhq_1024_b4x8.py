# 1.x config written by `reelkit migrate` from the MMAction2/MMGeneration 0.x config
# stylegan2_c2_rampup_ema_ffhq_1024_b4x8.py
# The migration report lists every change and what to check.

# model settings
model = dict(
    type='StyleGAN2',
    generator=dict(type='StyleGANv2Generator', out_size=1024, style_channels=512),
    discriminator=dict(type='StyleGAN2Discriminator', in_size=1024),
    data_preprocessor=dict(
        type='GANDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        bgr_to_rgb=False),
    ema_config=dict(
        type='RampUpEMA',
        interval=1,
        start_iter=0,
        ema_kimg=10,
        ema_rampup=0.05,
        batch_size=32,
        eps=1e-08))

# dataset settings
dataset_type = 'UnconditionalImageDataset'
train_pipeline = [
    dict(type='LoadImageFromFile', key='img'),
    dict(type='Flip', keys=['img'], direction='horizontal'),
    dict(type='PackGenInputs', keys=['img'], meta_keys=['img_path'])
]
val_pipeline = [
    dict(type='LoadImageFromFile', key='img'),
    dict(type='PackGenInputs', keys=['img'], meta_keys=['img_path'])
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='RepeatDataset',
        times=100,
        dataset=dict(
            type='UnconditionalImageDataset',
            pipeline=train_pipeline,
            data_root='./data/ffhq/images')))
val_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='UnconditionalImageDataset',
        pipeline=val_pipeline,
        data_root='./data/ffhq/images',
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='GenEvaluator',
    metrics=[
        dict(
            type='FrechetInceptionDistance',
            prefix='FID-Full-50k',
            fake_nums=50000,
            sample_model='ema')
    ])
test_evaluator = val_evaluator

# schedule settings
train_cfg = dict(by_epoch=False, max_iters=800002, val_begin=1, val_interval=10000)
val_cfg = dict(type='GenValLoop')
test_cfg = dict(type='GenTestLoop')
optim_wrapper = dict(
    constructor='GenOptimWrapperConstructor',
    generator=dict(
        type='AmpOptimWrapper',
        optimizer=dict(type='Adam', lr=0.0016, betas=(0.0, 0.9919919678228657)),
        loss_scale='dynamic'),
    discriminator=dict(
        type='AmpOptimWrapper',
        optimizer=dict(type='Adam', lr=0.0018823529411764706, betas=(0.0, 0.9905854573074332)),
        loss_scale='dynamic'))

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
        interval=5000,
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
d_reg_interval = 16
g_reg_interval = 4
g_reg_ratio = 0.8
d_reg_ratio = 0.9411764705882353
