_base_ = [
    '_base_/models/tsn_r50.py', '_base_/tsn_rawframes_k400.py',
    '_base_/default_runtime.py'
]
optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=None)
# exponential decay per epoch after an exponential warmup over 200 iterations
lr_config = dict(
    policy='Exp', gamma=0.95, warmup='exp', warmup_iters=200, warmup_ratio=0.001)
total_epochs = 50
