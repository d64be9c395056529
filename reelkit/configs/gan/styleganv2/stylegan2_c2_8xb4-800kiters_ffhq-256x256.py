# MMGeneration 1.x's StyleGAN2 config-f on FFHQ 256x256 (same name, model and schedule), on
# reelkit: batch 4 on each of 8 GPUs, 800k iterations, flips; Adam 0.002 and betas (0, 0.99)
# corrected for lazy regularization; a moving average of the generator with a half-life of 10k
# images; FID (StyleGAN's Inception) and precision/recall of the average, best checkpoint by FID.
# MMGeneration also reports perceptual path length (PerceptualPathLength): reelkit has no such
# metric, so it is left out. Put FFHQ's 256x256 images in the folder below, then
#   reelkit train gan/styleganv2/stylegan2_c2_8xb4-800kiters_ffhq-256x256.py
_base_ = [
    '../_base_/models/stylegan/stylegan2_base.py',
    '../_base_/datasets/ffhq_flip.py',
    '../_base_/gen_default_runtime.py',
]
default_scope = 'mmgen'

ema_half_life = 10.  # thousands of images
total_batch_size = 32  # 8 GPUs x 4
model = dict(
    generator=dict(out_size=256),
    discriminator=dict(in_size=256),
    ema_config=dict(interval=1, momentum=0.5**(total_batch_size / (ema_half_life * 1000.))))

data_root = './data/ffhq/ffhq_imgs/ffhq_256'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = test_dataloader = train_dataloader

g_reg_ratio, d_reg_ratio = _base_.g_reg_ratio, _base_.d_reg_ratio
optim_wrapper = dict(
    generator=dict(
        optimizer=dict(type='Adam', lr=0.002 * g_reg_ratio, betas=(0, 0.99**g_reg_ratio))),
    discriminator=dict(
        optimizer=dict(type='Adam', lr=0.002 * d_reg_ratio, betas=(0, 0.99**d_reg_ratio))))

train_cfg = dict(max_iters=800002)

custom_hooks = [
    dict(type='GenVisualizationHook', interval=5000, fixed_input=True,
         vis_kwargs_list=dict(type='GAN', name='fake_img'))
]

metrics = [
    dict(type='FrechetInceptionDistance', prefix='FID-50k', fake_nums=50000, real_nums=50000,
         inception_style='StyleGAN', sample_model='ema'),
    dict(type='PrecisionAndRecall', fake_nums=50000, prefix='PR-50K')
]
val_evaluator = test_evaluator = dict(metrics=metrics)
default_hooks = dict(checkpoint=dict(save_best='FID-50k/fid', rule='less'))
