# 1.x config written by `reelkit migrate` from the MMAction2/MMGeneration 0.x config
# stylegan2_c2_ffhq_256_b4x8_800k.py
# The migration report lists every change and what to check.

# model settings
model = dict(
    type='StyleGAN2',
    generator=dict(type='StyleGANv2Generator', out_size=256, style_channels=512),
    discriminator=dict(type='StyleGAN2Discriminator', in_size=256),
    data_preprocessor=dict(
        type='GANDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        bgr_to_rgb=False),
    ema_config=dict(type='ExponentialMovingAverage', interval=1, momentum=0.9977843871238888))

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
            data_root='./data/ffhq/ffhq_imgs/ffhq_256')))
val_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='UnconditionalImageDataset',
        pipeline=val_pipeline,
        data_root='./data/ffhq/ffhq_imgs/ffhq_256',
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='GenEvaluator',
    metrics=[
        dict(
            type='FrechetInceptionDistance',
            prefix='FID-Full-50k',
            fake_nums=50000,
            inception_style='StyleGAN',
            inception_pkl='work_dirs/inception_pkl/ffhq-256-50k-rgb.pkl',
            sample_model='ema'),
        dict(type='PrecisionAndRecall', prefix='PR-10k', fake_nums=10000, k=3, sample_model='ema')
    ])
test_evaluator = val_evaluator

# schedule settings
train_cfg = dict(by_epoch=False, max_iters=800002, val_begin=1, val_interval=10000)
val_cfg = dict(type='GenValLoop')
test_cfg = dict(type='GenTestLoop')
optim_wrapper = dict(
    constructor='GenOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=0.0016, betas=(0.0, 0.9919919678228657))),
    discriminator=dict(
        optimizer=dict(type='Adam', lr=0.0018823529411764706, betas=(0.0, 0.9905854573074332))))

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
        max_keep_ckpts=30,
        save_best=['FID-Full-50k/fid', 'PR-10k/recall'],
        rule=['less', 'greater'],
        less_keys=['FID-Full-50k/fid'],
        greater_keys=['PR-10k/recall']),
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
vis_backends = [dict(type='GenVisBackend'), dict(type='TensorboardGenVisBackend')]
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
ema_half_life = 10.0
metrics = dict(
    fid50k=dict(
        type='FID',
        num_images=50000,
        inception_pkl='work_dirs/inception_pkl/ffhq-256-50k-rgb.pkl',
        bgr2rgb=True),
    pr10k3=dict(type='PR', num_images=10000, k=3))
