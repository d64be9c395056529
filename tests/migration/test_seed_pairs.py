"""Golden tests: every before/after pair of the migration guides (seeds 000 and 002) migrates to the
1.x form the guide shows, compared after loading both sides with ``Config``.

The guides' code is transcribed as written, with three kinds of documented edits:

* ``context``: 0.x keys the guide's "after" silently relies on (the guide shows ``val_interval``
  from an ``evaluation`` it does not show in that pair, for example). Added to the "before".
* ``dict(...)`` placeholders (not valid Python) are filled with the same concrete dataset on both
  sides; ``model.data_preprocessor = ...`` and other dotted assignments are written as the dict
  they assign into.
* ``prose``: values the guide states in words next to the pair (``interval`` moves to
  ``train_cfg.val_interval``), checked as well.
* ``corrections``: places where the guide contradicts itself or the 1.x libraries; each names
  the key, the value reelkit writes, and why. They are few, and each is a test of its own rule too.
"""
from typing import Any, Dict, NamedTuple, Tuple

import pytest

from mig_helpers import dig, load_text, migrate_text

DELETE = object()


class SeedPair(NamedTuple):
    before: str
    after: str
    context: str = ''
    compare: Tuple[str, ...] = ()  # dotted keys compared; default: the top-level keys of `after`
    corrections: Dict[str, Tuple[Any, str]] = {}
    prose: Dict[str, Any] = {}  # values the guide states in words next to the pair


VIDEO_DATASET = "dict(type='VideoDataset', ann_file='data/k400/train.txt', pipeline=[])"
VAL_DATASET = "dict(type='VideoDataset', ann_file='data/k400/val.txt', pipeline=[])"
VAL_DATASET_1X = "dict(type='VideoDataset', ann_file='data/k400/val.txt', pipeline=[], test_mode=True)"
GEN_DATASET = "dict(type='UnconditionalImageDataset', data_root='data/ffhq', pipeline=[])"
GEN_VAL_DATASET = "dict(type='UnconditionalImageDataset', data_root='data/ffhq_val', pipeline=[])"
GEN_VAL_DATASET_1X = ("dict(type='UnconditionalImageDataset', data_root='data/ffhq_val', pipeline=[], "
                      "test_mode=True)")
TEST_MODE = '0.x set test_mode=True when it built evaluation datasets; 1.x reads it from the config'

BIGGAN_MODEL = '''
model = dict(
    type='BasiccGAN',
    generator=dict(
        type='BigGANGenerator',
        output_scale=128,
        noise_size=120,
        num_classes=1000,
        base_channels=96,
        shared_dim=128,
        with_shared_embedding=True,
        sn_eps=1e-6,
        init_type='ortho',
        act_cfg=dict(type='ReLU', inplace=True),
        split_noise=True,
        auto_sync_bn=False),
    discriminator=dict(
        type='BigGANDiscriminator',
        input_scale=128,
        num_classes=1000,
        base_channels=96,
        sn_eps=1e-6,
        init_type='ortho',
        act_cfg=dict(type='ReLU', inplace=True),
        with_spectral_norm=True),
    gan_loss=dict(type='GANLoss', gan_type='hinge'))

train_cfg = dict(
    disc_steps=8, gen_steps=1, batch_accumulation_steps=8, use_ema=True)
'''
BIGGAN_OPTIMIZER = '''
optimizer = dict(
    generator=dict(type='Adam', lr=0.0001, betas=(0.0, 0.999), eps=1e-6),
    discriminator=dict(type='Adam', lr=0.0004, betas=(0.0, 0.999), eps=1e-6))
'''

PAIRS = {
    # ---------------------------------------------------------------- seed 000: MMAction2
    '000-data': SeedPair(
        before=f'''
data = dict(
    videos_per_gpu=32,
    workers_per_gpu=2,
    train={VIDEO_DATASET},
    val={VAL_DATASET},
    test={VAL_DATASET},
)''',
        after=f'''
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset={VIDEO_DATASET},
    sampler=dict(type='DefaultSampler', shuffle=True)  # necessary
)

val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset={VAL_DATASET},
    sampler=dict(type='DefaultSampler', shuffle=False)  # necessary
)

test_dataloader = val_dataloader''',
        corrections={'val_dataloader.dataset.test_mode': (True, TEST_MODE),
                     'test_dataloader.dataset.test_mode': (True, TEST_MODE)}),
    '000-pipeline': SeedPair(
        context='''
img_norm_cfg = dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_bgr=False)
model = dict(type='Recognizer2D', backbone=dict(type='ResNet', depth=50),
             cls_head=dict(type='TSNHead', num_classes=400, in_channels=2048))
''',
        before='''
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(
        type='MultiScaleCrop',
        input_size=224,
        scales=(1, 0.875, 0.75, 0.66),
        random_crop=False,
        max_wh_scale_gap=1),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs', 'label'])
]''',
        after='''
model = dict(type='Recognizer2D', backbone=dict(type='ResNet', depth=50),
             cls_head=dict(type='TSNHead', num_classes=400, in_channels=2048),
             data_preprocessor=dict(
                 mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=False))

train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=5),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(
        type='MultiScaleCrop',
        input_size=224,
        scales=(1, 0.875, 0.75, 0.66),
        random_crop=False,
        max_wh_scale_gap=1),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]''',
        corrections={
            'train_pipeline.1.num_clips': (8, 'the guide changes a sampling argument it does not discuss; the '
                                              'migration keeps the 0.x value'),
            'model.data_preprocessor.type': ('ActionDataPreprocessor', '1.x builds the preprocessor from the '
                                             'registry, which needs a type (MMAction2 1.x configs write it)'),
        }),
    '000-evaluation': SeedPair(
        before='''
evaluation = dict(
    interval=5,
    metrics=['top_k_accuracy', 'mean_class_accuracy'])''',
        after='''
val_evaluator = dict(
    type='AccMetric',
    metric_list=('top_k_accuracy', 'mean_class_accuracy'))
test_evaluator = val_evaluator''',
        prose={'train_cfg.val_interval': 5, 'default_hooks.checkpoint.save_best': 'auto'}),
    '000-optimizer': SeedPair(
        before='''
optimizer = dict(
    type='AdamW',
    lr=0.0015,
    weight_decay=0.3,
    paramwise_cfg = dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
    ))

optimizer_config = dict(grad_clip=dict(max_norm=1.0))''',
        after='''
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=0.0015, weight_decay=0.3),
    paramwise_cfg = dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
    ),
    clip_gard=dict(max_norm=1.0),
)''',
        corrections={
            'optim_wrapper.clip_gard': (DELETE, 'a typo in the guide: the optim wrapper argument is clip_grad'),
            'optim_wrapper.clip_grad': ({'max_norm': 1.0}, 'grad_clip -> clip_grad, as the guide says in words'),
        }),
    '000-lr_config': SeedPair(
        before='''
lr_config = dict(
    policy='CosineAnnealing',
    min_lr=0,
    warmup='linear',
    warmup_iters=5,
    warmup_ratio=0.01,
    warmup_by_epoch=True)''',
        after='''
param_scheduler = [
    # warmup
    dict(
        type='LinearLR',
        start_factor=0.01,
        by_epoch=True,
        end=5,
        # Update the learning rate after every iters.
        convert_to_iter_based=True),
    # main learning rate scheduler
    dict(type='CosineAnnealingLR', by_epoch=True, begin=5),
]'''),
    '000-runner': SeedPair(
        before="runner = dict(type='EpochBasedRunner', max_epochs=100)",
        after='''
# The `val_interval` is the original `evaluation.interval`.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')   # Use the default validation loop.
test_cfg = dict(type='TestLoop')  # Use the default test loop.'''),
    '000-default_hooks': SeedPair(
        context="evaluation = dict(interval=1, metrics=['top_k_accuracy'])\nrunner = dict(type='EpochBasedRunner')",
        before='''
checkpoint_config = dict(interval=1)
log_config = dict(interval=100, hooks=[dict(type='TextLoggerHook')])''',
        after='''
default_hooks = dict(
    # update runtime information, e.g. current iter and lr.
    runtime_info=dict(type='RuntimeInfoHook'),

    # record the time of every iterations.
    timer=dict(type='IterTimerHook'),

    # print log every 100 iterations.
    logger=dict(type='LoggerHook', interval=100),

    # enable the parameter scheduler.
    param_scheduler=dict(type='ParamSchedulerHook'),

    # save checkpoint per epoch, and automatically save the best checkpoint.
    checkpoint=dict(type='CheckpointHook', interval=1, save_best='auto'),

    # set sampler seed in distributed environment.
    sampler_seed=dict(type='DistSamplerSeedHook'),

    # synchronize model buffers at the end of each epoch.
    sync_buffers=dict(type='SyncBuffersHook')
)'''),
    '000-log_config': SeedPair(
        before='''
log_config = dict(
    interval=100,
    hooks=[
        dict(type='TextLoggerHook'),
        dict(type='TensorboardLoggerHook'),
    ])''',
        after='''
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=100),
)

visualizer = dict(
    type='ActionVisualizer',
    vis_backends=[dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')],
)''',
        compare=('default_hooks.logger', 'visualizer')),
    '000-resume_from': SeedPair(
        before="resume_from = 'work_dirs/tsn/epoch_50.pth'",
        after="resume = True\nload_from = 'work_dirs/tsn/epoch_50.pth'"),
    '000-load_from': SeedPair(
        before="load_from = 'checkpoints/tsn.pth'\nresume_from = None",
        after="resume = False\nload_from = 'checkpoints/tsn.pth'"),
    '000-dist_params': SeedPair(
        before="dist_params = dict(backend='nccl')",
        after='''
env_cfg = dict(
    # whether to enable cudnn benchmark
    cudnn_benchmark=False,

    # set multi process parameters
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),

    # set distributed parameters
    dist_cfg=dict(backend='nccl'),
)'''),
    '000-visualizer-and-scope': SeedPair(
        before="workflow = [('train', 1)]",
        after='''
visualizer = dict(
    type='ActionVisualizer',
    vis_backends=[
        dict(type='LocalVisBackend'),
        # Uncomment the below line to save the log and visualization results to TensorBoard.
        # dict(type='TensorboardVisBackend')
    ]
)
default_scope = 'mmaction'
'''),
    # ---------------------------------------------------------------- seed 002: MMGeneration
    '002-runner': SeedPair(
        context="evaluation = dict(type='GenerativeEvalHook', interval=10000, metrics=[])",
        before='''
total_iters = 1000000

runner = dict(
    type='DynamicIterBasedRunner',
    is_dynamic_ddp=False,
    pass_training_status=True)''',
        after='''
train_cfg = dict(
    by_epoch=False,  # use iteration based training
    max_iters=1000000,  # max training iteration
    val_begin=1,
    val_interval=10000)  # evaluation interval
val_cfg = dict(type='GenValLoop')  # specific loop in validation
test_cfg = dict(type='GenTestLoop')  # specific loop in testing'''),
    '002-evaluation': SeedPair(
        context="checkpoint_config = dict(interval=10000, by_epoch=False, save_optimizer=True)",
        before='''
evaluation = dict(
    type='GenerativeEvalHook',
    interval=10000,
    metrics=[
        dict(
            type='FID',
            num_images=50000,
            bgr2rgb=True,
            inception_args=dict(type='StyleGAN')),
        dict(type='IS', num_images=50000)
    ],
    best_metric=['fid', 'is'],
    sample_kwargs=dict(sample_model='ema'))''',
        after='''
val_evaluator = dict(
    type='GenEvaluator',
    metrics=[
        dict(
            type='FrechetInceptionDistance',
            prefix='FID-Full-50k',
            fake_nums=50000,
            inception_style='StyleGAN',
            sample_model='orig'),
        dict(
            type='InceptionScore',
            prefix='IS-50k',
            fake_nums=50000)])
# set best config
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook',
        interval=10000,
        by_epoch=False,
        less_keys=['FID-Full-50k/fid'],
        greater_keys=['IS-50k/is'],
        save_optimizer=True,
        save_best=['FID-Full-50k/fid', 'IS-50k/is'],
        rule=['less', 'greater']))
test_evaluator = val_evaluator''',
        compare=('val_evaluator', 'default_hooks.checkpoint', 'test_evaluator'),
        corrections={
            'val_evaluator.metrics.0.sample_model': (
                'ema', "the 0.x config samples from 'ema' (sample_kwargs); the guide's 'orig' contradicts it"),
            'val_evaluator.metrics.1.sample_model': (
                'ema', 'sample_kwargs applied to every 0.x metric, so IS samples from ema too'),
            'test_evaluator.metrics.0.sample_model': ('ema', 'test_evaluator = val_evaluator, corrected the same'),
            'test_evaluator.metrics.1.sample_model': ('ema', 'test_evaluator = val_evaluator, corrected the same'),
        }),
    '002-ddp-static': SeedPair(
        before='''
# Use DDPWrapper
use_ddp_wrapper = True
find_unused_parameters = False

runner = dict(
    type='DynamicIterBasedRunner',
    is_dynamic_ddp=False)''',
        after='''
model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)'''),
    '002-ddp-dynamic': SeedPair(
        before='''
use_ddp_wrapper = False
find_unused_parameters = False

# Use DynamicRunner
runner = dict(
    type='DynamicIterBasedRunner',
    is_dynamic_ddp=True)''',
        after='''
model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=True) # set `find_unused_parameters` for dynamic models'''),
    '002-optimizer': SeedPair(
        before='''
optimizer = dict(
    generator=dict(type='Adam', lr=0.0001, betas=(0.0, 0.999), eps=1e-6),
    discriminator=dict(type='Adam', lr=0.0004, betas=(0.0, 0.999), eps=1e-6))''',
        after='''
optim_wrapper = dict(
    # Use constructor implemented by MMGeneration
    constructor='GenOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.0, 0.999), eps=1e-6)),
    discriminator=dict(
        optimizer=dict(type='Adam', lr=0.0004, betas=(0.0, 0.999), eps=1e-6)))''',
        corrections={'optim_wrapper.generator.optimizer.lr': (
            0.0001, 'a typo in the guide: the 0.x generator lr is 0.0001 (and is 0.0001 in its BigGAN example)')}),
    '002-biggan': SeedPair(
        context=BIGGAN_OPTIMIZER,
        before=BIGGAN_MODEL,
        after='''
model = dict(
    type='BigGAN',
    num_classes=1000,
    data_preprocessor=dict(type='GANDataPreprocessor'),
    generator=dict(
        type='BigGANGenerator',
        output_scale=128,
        noise_size=120,
        num_classes=1000,
        base_channels=96,
        shared_dim=128,
        with_shared_embedding=True,
        sn_eps=1e-6,
        init_type='ortho',
        act_cfg=dict(type='ReLU', inplace=True),
        split_noise=True,
        auto_sync_bn=False),
    discriminator=dict(
        type='BigGANDiscriminator',
        input_scale=128,
        num_classes=1000,
        base_channels=96,
        sn_eps=1e-6,
        init_type='ortho',
        act_cfg=dict(type='ReLU', inplace=True),
        with_spectral_norm=True),
    # continuous update discriminator for `discriminator_steps = 1` times
    # continuous update generator for `generator_steps = 1` times
    generator_steps=1,
    discriminator_steps=1)

optim_wrapper = dict(
    constructor='GenOptimWrapperConstructor',
    generator=dict(
        # generator perform `accumulative_counts = 8` times gradient accumulations before each update
        accumulative_counts=8,
        optimizer=dict(type='Adam', lr=0.0001, betas=(0.0, 0.999), eps=1e-6)),
    discriminator=dict(
        # discriminator perform `accumulative_counts = 8` times gradient accumulations before each update
        accumulative_counts=8,
        optimizer=dict(type='Adam', lr=0.0004, betas=(0.0, 0.999), eps=1e-6)))''',
        corrections={
            'model.ema_config': ({'type': 'ExponentialMovingAverage'},
                                 'the 0.x train_cfg sets use_ema=True; the guide leaves the average out'),
        }),
    '002-lr_config': SeedPair(
        context='''
optimizer = dict(
    generator=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999)),
    discriminator=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999)))
total_iters = 270000
runner = dict(type='DynamicIterBasedRunner')''',
        before='''
lr_config = dict(
    policy='Linear',
    by_epoch=False,
    target_lr=0,
    start=135000,
    interval=1350)''',
        after='''
param_scheduler = dict(
    type='LinearLrInterval',
    interval=1350,
    by_epoch=False,
    start_factor=0.0002,
    end_factor=0,
    begin=135000,
    end=270000)'''),
    '002-visualization': SeedPair(
        before='''
custom_hooks = [
    dict(
        type='VisualizeUnconditionalSamples',
        output_dir='training_samples',
        interval=1000)
]''',
        after='''
custom_hooks = [
    dict(
        type='GenVisualizationHook',
        interval=5000,
        fixed_input=True,
        vis_kwargs_list=dict(type='GAN', name='fake_img'))
]
vis_backends = [dict(type='GenVisBackend')]
visualizer = dict(type='GenVisualizer', vis_backends=vis_backends)''',
        corrections={'custom_hooks.0.interval': (1000, 'the guide changes the interval it does not discuss; '
                                                       'the migration keeps the 0.x value')}),
    '002-amp': SeedPair(
        context=BIGGAN_MODEL + BIGGAN_OPTIMIZER,
        before='runner = dict(fp16_loss_scaler=dict(init_scale=512))',
        after='''
optim_wrapper = dict(
    constructor='GenOptimWrapperConstructor',
    generator=dict(
        accumulative_counts=8,
        optimizer=dict(type='Adam', lr=0.0001, betas=(0.0, 0.999), eps=1e-06),
        type='AmpOptimWrapper',  # use amp wrapper
        loss_scale='dynamic'),
    discriminator=dict(
        accumulative_counts=8,
        optimizer=dict(type='Adam', lr=0.0004, betas=(0.0, 0.999), eps=1e-06),
        type='AmpOptimWrapper',  # use amp wrapper
        loss_scale='dynamic'))''',
        corrections={
            f'optim_wrapper.{module}.loss_scale': (
                {'init_scale': 512}, "0.x made a dynamic GradScaler(init_scale=512); dict(init_scale=512) is that "
                "scaler, 'dynamic' would start at 65536") for module in ('generator', 'discriminator')}),
    '002-data': SeedPair(
        context="runner = dict(type='DynamicIterBasedRunner')\ntotal_iters = 10000\n"
                "evaluation = dict(type='GenerativeEvalHook', interval=10000, metrics=[dict(type='FID', num_images=50000)])",
        before=f'''
data = dict(
    samples_per_gpu=None,
    workers_per_gpu=4,
    train={GEN_DATASET},
    val={GEN_VAL_DATASET},
    test={GEN_VAL_DATASET})''',
        after=f'''
# `batch_size` and `data_root` need to be set.
train_dataloader = dict(
    batch_size=4,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset={GEN_DATASET})

val_dataloader = dict(
    batch_size=4,
    num_workers=8,
    dataset={GEN_VAL_DATASET_1X},
    sampler=dict(type='DefaultSampler', shuffle=False),
    persistent_workers=True)''',
        corrections={
            **{f'{split}_dataloader.batch_size': (None, "the guide's 4 is a placeholder ('need to be set'); the 0.x "
                                                        'value None is kept and flagged') for split in ('train', 'val')},
            **{f'{split}_dataloader.num_workers': (4, "the guide's 8 contradicts workers_per_gpu=4")
               for split in ('train', 'val')},
        }),
    '002-pipeline': SeedPair(
        context="model = dict(type='StaticUnconditionalGAN', generator=dict(type='DCGANGenerator'), "
                "discriminator=dict(type='DCGANDiscriminator'), gan_loss=dict(type='GANLoss', gan_type='vanilla'))",
        before='''
dataset_type = 'UnconditionalImageDataset'

train_pipeline = [
    dict(
        type='LoadImageFromFile',
        key='real_img',
        io_backend='disk',
    ),
    dict(type='Flip', keys=['real_img'], direction='horizontal'),
    dict(
        type='Normalize',
        keys=['real_img'],
        mean=[127.5] * 3,
        std=[127.5] * 3,
        to_rgb=False),
    dict(type='ImageToTensor', keys=['real_img']),
    dict(type='Collect', keys=['real_img'], meta_keys=['real_img_path'])
]

val_pipeline = [
    dict(
        type='LoadImageFromFile',
        key='real_img',
        io_backend='disk',
    ),
    dict(
        type='Normalize',
        keys=['real_img'],
        mean=[127.5] * 3,
        std=[127.5] * 3,
        to_rgb=True),
    dict(type='ImageToTensor', keys=['real_img']),
    dict(type='Collect', keys=['real_img'], meta_keys=['real_img_path'])
]''',
        after='''
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
model = dict(data_preprocessor=dict(
    mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5], bgr_to_rgb=False))''',
        compare=('dataset_type', 'train_pipeline', 'val_pipeline', 'model.data_preprocessor'),
        corrections={'model.data_preprocessor.type': (
            'GANDataPreprocessor', '1.x builds the preprocessor from the registry, which needs a type')}),
    '002-default_hooks': SeedPair(
        context="runner = dict(type='DynamicIterBasedRunner')\ntotal_iters = 100000",
        before="log_config = dict(interval=100, hooks=[dict(type='TextLoggerHook')])",
        after='''
default_hooks = dict(
    # record time of every iteration.
    timer=dict(type='GenIterTimerHook'),
    # print log every 100 iterations.
    logger=dict(type='LoggerHook', interval=100, log_metric_by_epoch=False))''',
        compare=('default_hooks.timer', 'default_hooks.logger')),
    '002-log_config': SeedPair(
        before='''
log_config = dict(
    interval=100,
    hooks=[
        dict(type='TextLoggerHook'),
    ])''',
        after='''
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=100),
)''',
        compare=('default_hooks.logger', )),
    '002-env': SeedPair(
        context="use_ddp_wrapper = True",
        before="dist_params = dict(backend='nccl')\nworkflow = [('train', 10000)]",
        after='''
env_cfg = dict(
    # whether to enable cudnn benchmark
    cudnn_benchmark=False,
    # set multi-process parameters
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # set distributed parameters
    dist_cfg=dict(backend='nccl'))
default_scope = 'mmgen'
'''),
}


def _set(cfg: dict, key: str, value: Any) -> None:
    *parents, name = key.split('.')
    for part in parents:
        cfg = cfg[int(part)] if isinstance(cfg, list) else cfg.setdefault(part, {})
    if isinstance(cfg, list):
        cfg[int(name)] = value
    elif value is DELETE:
        del cfg[name]
    else:
        cfg[name] = value


def _get(cfg: Any, key: str) -> Any:
    for part in key.split('.'):
        cfg = cfg[int(part)] if isinstance(cfg, list) else dig(cfg, part)
    return cfg


@pytest.mark.parametrize('name', list(PAIRS))
def test_seed_pair_migrates_to_the_guides_1x_form(name):
    pair = PAIRS[name]
    migrated = migrate_text(pair.context + '\n' + pair.before).config.to_dict()
    expected = load_text(pair.after)
    for key, (value, _reason) in pair.corrections.items():
        _set(expected, key, value)
    for key in pair.compare or tuple(expected):
        assert _get(migrated, key) == _get(expected, key), key
    for key, value in pair.prose.items():
        assert _get(migrated, key) == value, key


def test_every_correction_names_a_reason():
    for pair in PAIRS.values():
        for key, (_value, reason) in pair.corrections.items():
            assert len(reason) > 20, key


def test_workflow_has_no_1x_form_and_is_reported_dropped():
    result = migrate_text(PAIRS['000-visualizer-and-scope'].before)
    assert 'workflow' not in result.config
    assert any(c.old_key == 'workflow' and c.kind == 'dropped' for c in result.report.changes)
