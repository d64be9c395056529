# TimeSformer (divided space-time attention) trained from scratch on SynthMotion.
_base_ = ['../../_base_/datasets/synthmotion-rgb_8x1x1.py', '../../_base_/default_runtime.py']

model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='TimeSformer',
        pretrained=None,
        num_frames=8,
        img_size=32,
        patch_size=4,
        embed_dims=64,
        num_heads=4,
        num_transformer_layers=4,
        in_channels=3,
        dropout_ratio=0.,
        transformer_layers=None,
        attention_type='divided_space_time',
        norm_cfg=dict(type='LN', eps=1e-6)),
    cls_head=dict(type='TimeSformerHead', num_classes=8, in_channels=64, average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        format_shape='NCTHW'))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_begin=1, val_interval=1)

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4),
    clip_grad=dict(max_norm=20, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=11, eta_min=1e-6, by_epoch=True, begin=1, end=12,
         convert_to_iter_based=True)
]

default_hooks = dict(logger=dict(interval=10), checkpoint=dict(max_keep_ckpts=2))
randomness = dict(seed=0)
