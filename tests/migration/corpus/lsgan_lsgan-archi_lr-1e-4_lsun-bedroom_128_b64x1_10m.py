_base_ = [
    '_base_/models/lsgan_128x128.py',
    '_base_/datasets/unconditional_imgs_64x64.py',
    '_base_/gen_default_runtime.py'
]
data = dict(
    samples_per_gpu=64,
    train=dict(dataset=dict(imgs_root='./data/lsun/bedroom_train')),
    val=dict(imgs_root='./data/lsun/bedroom_train'))

checkpoint_config = dict(interval=10000, by_epoch=False, max_keep_ckpts=20)
custom_hooks = [
    dict(type='VisualizeUnconditionalSamples', output_dir='training_samples', interval=10000)
]

# a step decay of both learning rates, counted in iterations
lr_config = dict(policy='step', by_epoch=False, step=[8000000], gamma=0.5)
total_iters = 10000000
use_ddp_wrapper = True
find_unused_parameters = False
runner = dict(type='DynamicIterBasedRunner', is_dynamic_ddp=False, pass_training_status=True)
