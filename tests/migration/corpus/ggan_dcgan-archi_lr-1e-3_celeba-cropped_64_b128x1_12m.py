_base_ = [
    '_base_/models/dcgan_64x64.py',
    '_base_/datasets/unconditional_imgs_64x64.py',
    '_base_/gen_default_runtime.py'
]
model = dict(gan_loss=dict(type='GANLoss', gan_type='hinge'))
# define dataset
data = dict(
    samples_per_gpu=128,
    train=dict(dataset=dict(imgs_root='data/celeba-cropped/cropped_images_aligned_png/')),
    val=dict(imgs_root='data/celeba-cropped/cropped_images_aligned_png/'))

optimizer = dict(
    generator=dict(type='Adam', lr=0.001, betas=(0.5, 0.99)),
    discriminator=dict(type='Adam', lr=0.001, betas=(0.5, 0.99)))

checkpoint_config = dict(interval=10000, by_epoch=False, max_keep_ckpts=20)
custom_hooks = [
    dict(type='VisualizeUnconditionalSamples', output_dir='training_samples', interval=10000)
]
lr_config = None
total_iters = 100000
use_ddp_wrapper = True
find_unused_parameters = False
runner = dict(type='DynamicIterBasedRunner', is_dynamic_ddp=False, pass_training_status=True)
