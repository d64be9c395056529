_base_ = [
    '_base_/models/tsn_r50.py', '_base_/tsn_rawframes_k400.py',
    '_base_/default_runtime.py'
]
data = dict(videos_per_gpu=8)
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001)
# four steps of 8 clips make one update of 32
optimizer_config = dict(
    type='GradientCumulativeOptimizerHook',
    cumulative_iters=4,
    grad_clip=dict(max_norm=40, norm_type=2))
lr_config = dict(policy='LinearAnnealing', min_lr=0.0001)
total_epochs = 40
checkpoint_config = dict(interval=5, create_symlink=False, max_keep_ckpts=2)
