# model settings: a 32x32 BigGAN with a class-conditional CIFAR-10 setting
model = dict(
    type='BigGAN',
    num_classes=10,
    data_preprocessor=dict(
        type='GANDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        bgr_to_rgb=False),
    generator=dict(
        type='BigGANGenerator',
        output_scale=32,
        noise_size=128,
        num_classes=10,
        base_channels=64,
        shared_dim=128,
        with_shared_embedding=False,
        sn_eps=1e-8,
        init_type='N02',
        act_cfg=dict(type='ReLU', inplace=True),
        split_noise=False,
        auto_sync_bn=False),
    discriminator=dict(
        type='BigGANDiscriminator',
        input_scale=32,
        num_classes=10,
        base_channels=64,
        sn_eps=1e-8,
        init_type='N02',
        act_cfg=dict(type='ReLU', inplace=True),
        with_spectral_norm=True),
    generator_steps=1,
    discriminator_steps=4,
    ema_config=dict(
        type='ExponentialMovingAverage',
        interval=1,
        momentum=0.9999,
        start_iter=1000))

# dataset settings
dataset_type = 'UnconditionalImageDataset'

train_pipeline = [
    dict(type='LoadImageFromFile', key='img'),
    dict(type='Resize', keys=['img'], scale=(64, 64)),
    dict(type='PackGenInputs', keys=['img'], meta_keys=['img_path'])
]

val_pipeline = [
    dict(type='LoadImageFromFile', key='img'),
    dict(type='Resize', keys=['img'], scale=(64, 64)),
    dict(type='PackGenInputs', keys=['img'], meta_keys=['img_path'])
]

# `batch_size` and `data_root` need to be set.
train_dataloader = dict(
    batch_size=25,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='RepeatDataset',
        times=100,
        dataset=dict(
            type=dataset_type, data_root=None, pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=25,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=None,
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='GenEvaluator',
    metrics=[
        dict(
            type='FrechetInceptionDistance',
            prefix='FID-Full-50k',
            fake_nums=50000,
            sample_model='ema'),
        dict(
            type='InceptionScore',
            prefix='IS-50k',
            fake_nums=50000,
            sample_model='ema')
    ])
test_evaluator = val_evaluator

# schedule settings
train_cfg = dict(
    by_epoch=False, max_iters=500000, val_begin=1, val_interval=10000)
val_cfg = dict(type='GenValLoop')
test_cfg = dict(type='GenTestLoop')

# mixed precision with a dynamic loss scaler that starts at 512
optim_wrapper = dict(
    constructor='GenOptimWrapperConstructor',
    generator=dict(
        type='AmpOptimWrapper',
        loss_scale=dict(init_scale=512),
        optimizer=dict(type='Adam', lr=0.0002, betas=(0.0, 0.999), eps=1e-6)),
    discriminator=dict(
        type='AmpOptimWrapper',
        loss_scale=dict(init_scale=512),
        optimizer=dict(type='Adam', lr=0.0002, betas=(0.0, 0.999), eps=1e-6)))

# runtime settings
default_scope = 'mmgen'
default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='GenIterTimerHook'),
    logger=dict(type='LoggerHook', interval=100, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        interval=5000,
        by_epoch=False,
        max_keep_ckpts=20,
        less_keys=['FID-Full-50k/fid'],
        save_best='FID-Full-50k/fid',
        rule='less'),
    sampler_seed=dict(type='DistSamplerSeedHook'))
custom_hooks = [
    dict(
        type='GenVisualizationHook',
        interval=5000,
        fixed_input=True,
        vis_kwargs_list=dict(type='GAN', name='fake_img'))
]
vis_backends = [dict(type='GenVisBackend')]
visualizer = dict(type='GenVisualizer', vis_backends=vis_backends)
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)
log_processor = dict(type='GenLogProcessor', by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
