_base_ = [
    '_base_/models/i3d_r50.py', '_base_/schedules/sgd_100e.py',
    '_base_/i3d_pipelines_video.py', '_base_/default_runtime.py'
]

# step policy with a single step size, and a step momentum schedule
lr_config = dict(policy='step', step=40, gamma=0.1)
momentum_config = dict(policy='step', step=[60, 90])

# runtime settings
checkpoint_config = dict(interval=5)
work_dir = './work_dirs/i3d_r50_video_32x2x1_100e_kinetics400_rgb/'
