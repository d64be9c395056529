_base_ = [
    '_base_/models/slowfast_r50.py', '_base_/i3d_pipelines_video.py',
    '_base_/default_runtime.py'
]

# optimizer
optimizer = dict(
    type='SGD', lr=0.1, momentum=0.9,
    weight_decay=0.0001)  # this lr is used for 8 gpus
optimizer_config = dict(grad_clip=dict(max_norm=40, norm_type=2))
# learning policy
lr_config = dict(
    policy='CosineAnnealing',
    min_lr=0,
    warmup='linear',
    warmup_by_epoch=True,
    warmup_iters=34)
total_epochs = 256

# runtime settings
checkpoint_config = dict(interval=4)
evaluation = dict(
    interval=5, metrics=['top_k_accuracy', 'mean_class_accuracy'], save_best='mean_class_accuracy')
work_dir = './work_dirs/slowfast_r50_video_4x16x1_256e_kinetics400_rgb'
find_unused_parameters = False
