_base_ = [
    '_base_/models/tsn_r50.py', '_base_/schedules/sgd_50e.py',
    '_base_/tsn_rawframes_k400.py', '_base_/default_runtime.py'
]
# a learning rate computed from the batch size, as many papers' configs do
num_gpus = 8
base_lr = 0.01 * num_gpus * 32 / 256
optimizer = dict(lr=base_lr)
custom_imports = dict(imports=['my_project.hooks'], allow_failed_imports=False)
custom_hooks = [
    dict(type='MyFreezeBackboneHook', unfreeze_epoch=5, priority='LOW'),
    dict(type='EMAHook', momentum=0.0002, interval=1, warm_up=100),
    dict(type='EmptyCacheHook', after_epoch=True),
]
log_config = dict(
    interval=20,
    hooks=[
        dict(type='TextLoggerHook'),
        dict(type='MyCsvLoggerHook', filename='metrics.csv'),
    ])
precise_bn = dict(num_iters=200, interval=1)
seed = 0
deterministic = True
gpu_ids = range(0, 1)
