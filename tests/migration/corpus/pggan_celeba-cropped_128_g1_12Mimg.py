_base_ = [
    '_base_/models/pggan_128x128.py',
    '_base_/datasets/grow_scale_imgs_128x128.py',
    '_base_/gen_default_runtime.py'
]

optimizer = None
checkpoint_config = dict(interval=5000, by_epoch=False, max_keep_ckpts=20)

custom_hooks = [
    dict(type='VisualizeUnconditionalSamples', output_dir='training_samples', interval=5000),
    dict(type='PGGANFetchDataHook', interval=1),
    dict(
        type='ExponentialMovingAverageHook',
        module_keys=('generator_ema', ),
        interval=1,
        priority='VERY_HIGH')
]

lr_config = None

total_iters = 280000
