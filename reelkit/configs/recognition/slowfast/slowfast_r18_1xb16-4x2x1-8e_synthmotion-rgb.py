# SlowFast with ResNet-18 pathways of a quarter width trained from scratch on SynthMotion.
_base_ = [
    '../../_base_/models/slowfast_r50.py', '../../_base_/datasets/synthmotion-rgb_8x1x1.py',
    '../../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(
        resample_rate=2,
        speed_ratio=2,
        channel_ratio=2,
        slow_pathway=dict(depth=18, base_channels=16, zero_init_residual=False),
        fast_pathway=dict(depth=18, base_channels=8, zero_init_residual=False)),
    cls_head=dict(num_classes=8, in_channels=192, dropout_ratio=0.2, init_std=0.01))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=8, val_begin=1, val_interval=1)

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4),
    clip_grad=dict(max_norm=20, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=7, eta_min=1e-6, by_epoch=True, begin=1, end=8,
         convert_to_iter_based=True)
]

default_hooks = dict(logger=dict(interval=10), checkpoint=dict(max_keep_ckpts=2))
randomness = dict(seed=0)
