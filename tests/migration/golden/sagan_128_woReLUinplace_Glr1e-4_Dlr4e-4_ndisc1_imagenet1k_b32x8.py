# model settings
init_cfg = dict(type='BigGAN')
model = dict(
    type='SAGAN',
    num_classes=1000,
    data_preprocessor=dict(
        type='GANDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        bgr_to_rgb=False),
    generator=dict(
        type='SAGANGenerator',
        output_scale=128,
        base_channels=64,
        attention_cfg=dict(type='SelfAttentionBlock'),
        attention_after_nth_block=4,
        with_spectral_norm=True,
        num_classes=1000,
        init_cfg=init_cfg),
    discriminator=dict(
        type='ProjDiscriminator',
        input_scale=128,
        base_channels=64,
        attention_cfg=dict(type='SelfAttentionBlock'),
        attention_after_nth_block=1,
        with_spectral_norm=True,
        num_classes=1000,
        init_cfg=init_cfg),
    generator_steps=1,
    discriminator_steps=1)

# dataset settings
dataset_type = 'mmcls.ImageNet'

# different from mmcls, we adopt the setting used in BigGAN.
# Importantly, the `to_rgb` is set to `False` to remain image orders as BGR.
train_pipeline = [
    dict(type='LoadImageFromFile', key='img'),
    dict(type='Resize', keys=['img'], scale=(128, 128), keep_ratio=False),
    dict(type='PackGenInputs', keys=['img'], meta_keys=['img_path'])
]
test_pipeline = [
    dict(type='LoadImageFromFile', key='img'),
    dict(type='Resize', keys=['img'], scale=(128, 128), keep_ratio=False),
    dict(type='PackGenInputs', keys=['img'], meta_keys=['img_path'])
]
train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_prefix='data/imagenet/train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_prefix='data/imagenet/val',
        ann_file='data/imagenet/meta/val.txt',
        pipeline=test_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_prefix='data/imagenet/val',
        ann_file='data/imagenet/meta/val.txt',
        pipeline=test_pipeline,
        test_mode=True))

inception_pkl = './work_dirs/inception_pkl/imagenet.pkl'
val_evaluator = dict(
    type='GenEvaluator',
    metrics=[
        dict(
            type='FrechetInceptionDistance',
            prefix='FID-Full-50k',
            fake_nums=50000,
            inception_pkl=inception_pkl,
            sample_model='orig'),
        dict(
            type='InceptionScore',
            prefix='IS-50k',
            fake_nums=50000,
            sample_model='orig')
    ])
test_evaluator = val_evaluator

# schedule settings
n_disc = 1
train_cfg = dict(
    by_epoch=False, max_iters=1000000 * n_disc, val_begin=1, val_interval=10000)
val_cfg = dict(type='GenValLoop')
test_cfg = dict(type='GenTestLoop')

optim_wrapper = dict(
    constructor='GenOptimWrapperConstructor',
    generator=dict(
        optimizer=dict(type='Adam', lr=0.0001, betas=(0.0, 0.999))),
    discriminator=dict(
        optimizer=dict(type='Adam', lr=0.0004, betas=(0.0, 0.999))))

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
        less_keys=['FID-Full-50k/fid'],
        greater_keys=['IS-50k/is'],
        save_best=['FID-Full-50k/fid', 'IS-50k/is'],
        rule=['less', 'greater']),
    sampler_seed=dict(type='DistSamplerSeedHook'))
custom_hooks = [
    dict(
        type='GenVisualizationHook',
        interval=10000,
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
