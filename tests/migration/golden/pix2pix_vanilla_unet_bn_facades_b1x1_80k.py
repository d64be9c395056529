# 1.x config written by `reelkit migrate` from the MMAction2/MMGeneration 0.x config
# pix2pix_vanilla_unet_bn_facades_b1x1_80k.py
# The migration report lists every change and what to check.

# model settings
model = dict(
    type='Pix2Pix',
    generator=dict(
        type='UnetGenerator',
        in_channels=3,
        out_channels=3,
        num_down=8,
        base_channels=64,
        norm_cfg=dict(type='BN'),
        use_dropout=True,
        init_cfg=dict(type='normal', gain=0.02)),
    discriminator=dict(
        type='PatchDiscriminator',
        in_channels=6,
        base_channels=64,
        num_conv=3,
        norm_cfg=dict(type='BN'),
        init_cfg=dict(type='normal', gain=0.02)),
    default_domain='photo',
    reachable_domains=['photo'],
    related_domains=['photo', 'mask'],
    data_preprocessor=dict(
        type='GenDataPreprocessor',
        mean=[0.5, 0.5, 0.5],
        std=[0.5, 0.5, 0.5],
        bgr_to_rgb=False))

# dataset settings
train_dataset_type = 'PairedImageDataset'
val_dataset_type = 'PairedImageDataset'
dataroot = 'data/paired/facades'
train_pipeline = [
    dict(
        type='LoadPairedImageFromFile',
        io_backend='disk',
        key='pair',
        domain_a='photo',
        domain_b='mask',
        flag='color'),
    dict(type='Resize', keys=['img_photo', 'img_mask'], scale=(286, 286), interpolation='bicubic'),
    dict(type='FixedCrop', keys=['img_photo', 'img_mask'], crop_size=(256, 256)),
    dict(type='Flip', keys=['img_photo', 'img_mask'], direction='horizontal'),
    dict(type='RescaleToZeroOne', keys=['img_photo', 'img_mask']),
    dict(
        type='PackGenInputs',
        keys=['img_photo', 'img_mask'],
        meta_keys=['img_photo_path', 'img_mask_path'])
]
test_pipeline = [
    dict(
        type='LoadPairedImageFromFile',
        io_backend='disk',
        key='pair',
        domain_a='photo',
        domain_b='mask',
        flag='color'),
    dict(type='Resize', keys=['img_photo', 'img_mask'], scale=(256, 256), interpolation='bicubic'),
    dict(type='RescaleToZeroOne', keys=['img_photo', 'img_mask']),
    dict(
        type='PackGenInputs',
        keys=['img_photo', 'img_mask'],
        meta_keys=['img_photo_path', 'img_mask_path'])
]
train_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='PairedImageDataset',
        pipeline=train_pipeline,
        test_mode=False,
        data_root='data/paired/facades'))

# schedule settings
train_cfg = dict(by_epoch=False, max_iters=80000, val_begin=1, val_interval=1)
optim_wrapper = dict(
    constructor='GenOptimWrapperConstructor',
    generators=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999))),
    discriminators=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999))))
param_scheduler = dict(
    type='LinearLrInterval',
    interval=400,
    start_factor=0.0002,
    end_factor=0,
    begin=40000,
    by_epoch=False,
    end=80000)

# runtime settings
default_scope = 'mmgen'
default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=10000, by_epoch=False, save_optimizer=True),
    sampler_seed=dict(type='DistSamplerSeedHook'))
custom_hooks = [
    dict(
        type='GenVisualizationHook',
        interval=5000,
        fixed_input=True,
        vis_kwargs_list=dict(type='Translation', name='translation'))
]
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
log_processor = dict(type='LogProcessor', by_epoch=False)
vis_backends = [dict(type='GenVisBackend')]
visualizer = dict(type='GenVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)
work_dir = './work_dirs/experiments/pix2pix_facades'

# other settings
source_domain = 'mask'
target_domain = 'photo'
domain_a = 'photo'
domain_b = 'mask'
exp_name = 'pix2pix_facades'
metrics = dict(
    FID=dict(type='FID', num_images=106, image_shape=(3, 256, 256)),
    IS=dict(
        type='IS',
        num_images=106,
        image_shape=(3, 256, 256),
        inception_args=dict(type='pytorch')))
