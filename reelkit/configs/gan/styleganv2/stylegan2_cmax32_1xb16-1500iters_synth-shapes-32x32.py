# StyleGAN2 at 32 channels on SynthShapes 32x32, batch 16.
# Measured (100 iterations): 0.21 s per iteration on 2 CPU cores, 0.28 s on one thread
# (OMP_NUM_THREADS=1); 1500 iterations with 3 FID evaluations took 7.5 min on one thread.
# FID (SeededFeatureNet, not comparable with published FIDs) at 500/1000/1500: orig 1.5, 1.0, 1.0;
# ema 0.9, 0.6, 0.5.
# Logistic loss with lazy R1 and path-length regularization; Adam settings corrected for the
# regularization intervals as in MMGeneration's StyleGAN2 configs; the moving average of the
# generator has a half-life of 1000 images (MMGeneration: 10000 at batch 32).
#   reelkit data synth-shapes data/synth_shapes
#   reelkit train gan/styleganv2/stylegan2_cmax32_1xb16-1500iters_synth-shapes-32x32.py --seed 0
_base_ = [
    '../_base_/models/stylegan/stylegan2_32x32.py',
    '../_base_/datasets/synth_shapes_32x32.py',
    '../_base_/synth_shapes_runtime_ema.py',
]

batch_size = 16
ema_half_life = 1.  # thousands of images
g_reg_ratio = _base_.g_reg_interval / (_base_.g_reg_interval + 1)
d_reg_ratio = _base_.d_reg_interval / (_base_.d_reg_interval + 1)

model = dict(
    ema_config=dict(type='ExponentialMovingAverage', interval=1,
                    momentum=0.5**(batch_size / (ema_half_life * 1000.))))

optim_wrapper = dict(
    generator=dict(optimizer=dict(type='Adam', lr=0.002 * g_reg_ratio, betas=(0., 0.99**g_reg_ratio))),
    discriminator=dict(optimizer=dict(type='Adam', lr=0.002 * d_reg_ratio, betas=(0., 0.99**d_reg_ratio))))

train_dataloader = dict(batch_size=batch_size)
val_dataloader = dict(batch_size=batch_size)
test_dataloader = dict(batch_size=batch_size)

train_cfg = dict(max_iters=1500, val_interval=500)
