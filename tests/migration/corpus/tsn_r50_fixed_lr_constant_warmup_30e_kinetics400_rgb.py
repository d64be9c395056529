_base_ = [
    '_base_/models/tsn_r50.py', '_base_/tsn_rawframes_k400.py',
    '_base_/default_runtime.py'
]
optimizer = dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=dict(max_norm=40, norm_type=2))
# a fixed learning rate after a constant warmup of 2 epochs
lr_config = dict(
    policy='fixed',
    warmup='constant',
    warmup_iters=2,
    warmup_ratio=0.1,
    warmup_by_epoch=True)
total_epochs = 30
