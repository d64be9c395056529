_base_ = [
    '_base_/models/tsn_r50.py', '_base_/schedules/sgd_100e.py',
    '_base_/tsn_rawframes_k400.py', '_base_/default_runtime.py'
]
# fp16 settings
fp16 = dict(loss_scale=512.)
# resume a half-finished run, and keep training going with the best checkpoint kept
resume_from = 'work_dirs/tsn_r50_fp16_1x1x3_100e_kinetics400_rgb/epoch_40.pth'
load_from = 'checkpoints/tsn_r50_imagenet.pth'
evaluation = dict(interval=5, metrics=['top_k_accuracy'], save_best='top1_acc')
