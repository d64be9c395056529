_base_ = [
    '_base_/models/tsm_r50.py', '_base_/tsn_rawframes_k400.py',
    '_base_/default_runtime.py'
]
train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66),
         random_crop=False, max_wh_scale_gap=1, num_fixed_crops=13),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='Normalize', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_bgr=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs', 'label'])
]
data = dict(videos_per_gpu=8, train=dict(pipeline=train_pipeline))
optimizer = dict(
    type='SGD',
    constructor='TSMOptimizerConstructor',
    paramwise_cfg=dict(fc_lr5=True),
    lr=0.01,
    momentum=0.9,
    weight_decay=0.0001)
optimizer_config = dict(grad_clip=dict(max_norm=20, norm_type=2))
# three cosine cycles of 5, 10 and 15 epochs; the last restarts at half the rate
lr_config = dict(
    policy='CosineRestart',
    periods=[5, 10, 15],
    restart_weights=[1, 1, 0.5],
    min_lr_ratio=0.1,
    by_epoch=True)
momentum_config = dict(policy='CosineAnnealing', min_momentum_ratio=0.85 / 0.95)
total_epochs = 30
