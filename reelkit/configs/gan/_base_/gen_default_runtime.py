# Runtime of generative models (MMGeneration 1.x's gen_default_runtime, on reelkit).
default_scope = 'reelkit'

default_hooks = dict(
    timer=dict(type='GenIterTimerHook'),
    logger=dict(type='LoggerHook', interval=100, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', interval=10000, by_epoch=False, save_optimizer=True),
    # random states in checkpoints, so a resumed run draws the same noise as an uninterrupted one
    random_state=dict(type='RandomStateHook'))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

log_level = 'INFO'
log_processor = dict(type='GenLogProcessor', window_size=100, by_epoch=False)

load_from = None
resume = False

# one DDP per network (generator, discriminator) in distributed training
model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel', broadcast_buffers=False, find_unused_parameters=False)

train_cfg = dict(by_epoch=False, val_begin=1, val_interval=10000)
val_cfg = dict(type='GenValLoop')
val_evaluator = dict(type='GenEvaluator')
test_cfg = dict(type='GenTestLoop')
test_evaluator = dict(type='GenEvaluator')

optim_wrapper = dict(constructor='GenOptimWrapperConstructor')

vis_backends = [dict(type='GenVisBackend')]
visualizer = dict(type='GenVisualizer', vis_backends=vis_backends)
