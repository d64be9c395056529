# MMGeneration 1.x's DCGAN on CelebA-Cropped 64x64 (same name, model and schedule), on reelkit:
# batch 128 on one GPU, 300k iterations, Adam 2e-4 with beta1 0.5; MS-SSIM and SWD, best
# checkpoint by SWD. With the aligned, cropped CelebA images in
# data/celeba-cropped/cropped_images_aligned_png/ (the folder MMGeneration expects):
#   reelkit train gan/dcgan/dcgan_1xb128-300kiters_celeba-cropped-64.py
_base_ = [
    '../_base_/models/dcgan/dcgan_64x64.py',
    '../_base_/datasets/celeba-cropped_64x64.py',
    '../_base_/gen_default_runtime.py',
]
default_scope = 'mmgen'

train_dataloader = dict(batch_size=128)
val_dataloader = test_dataloader = train_dataloader

optim_wrapper = dict(
    generator=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999))),
    discriminator=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999))))

train_cfg = dict(max_iters=300002)

custom_hooks = [
    dict(type='GenVisualizationHook', interval=10000, fixed_input=True,
         vis_kwargs_list=dict(type='GAN', name='fake_img'))
]

metrics = [
    dict(type='MS_SSIM', prefix='ms-ssim', fake_nums=10000, sample_model='orig'),
    dict(type='SWD', prefix='swd', fake_nums=16384, sample_model='orig', image_shape=(3, 64, 64))
]
val_evaluator = test_evaluator = dict(metrics=metrics)
default_hooks = dict(checkpoint=dict(save_best='swd/avg', rule='less'))
