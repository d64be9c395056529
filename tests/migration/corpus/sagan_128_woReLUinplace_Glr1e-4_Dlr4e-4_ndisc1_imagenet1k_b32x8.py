_base_ = [
    '_base_/models/sagan_128x128.py', '_base_/datasets/imagenet_noaug_128.py',
    '_base_/gen_default_runtime.py'
]

init_cfg = dict(type='BigGAN')
model = dict(
    generator=dict(num_classes=1000, init_cfg=init_cfg),
    discriminator=dict(num_classes=1000, init_cfg=init_cfg))

n_disc = 1
lr_config = None
checkpoint_config = dict(interval=10000, by_epoch=False, max_keep_ckpts=20)
custom_hooks = [
    dict(type='VisualizeUnconditionalSamples', output_dir='training_samples', interval=10000)
]

inception_pkl = './work_dirs/inception_pkl/imagenet.pkl'
evaluation = dict(
    type='GenerativeEvalHook',
    interval=10000,
    metrics=[
        dict(type='FID', num_images=50000, inception_pkl=inception_pkl, bgr2rgb=True),
        dict(type='IS', num_images=50000)
    ],
    best_metric=['fid', 'is'],
    sample_kwargs=dict(sample_model='orig'))

total_iters = 1000000 * n_disc
# use ddp wrapper for faster training
use_ddp_wrapper = True
find_unused_parameters = False

runner = dict(
    type='DynamicIterBasedRunner',
    is_dynamic_ddp=False,  # Note that this flag should be False.
    pass_training_status=True)

data = dict(samples_per_gpu=32, workers_per_gpu=8)
