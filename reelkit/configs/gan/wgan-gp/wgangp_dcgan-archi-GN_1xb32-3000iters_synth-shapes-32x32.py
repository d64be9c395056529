# WGAN-GP on SynthShapes 32x32.
# Measured (100 iterations): 0.06 s per iteration on 2 CPU cores, 0.09 s on one thread
# (OMP_NUM_THREADS=1); 3000 iterations with 3 FID evaluations took 5 min on one thread.
# FID-orig (SeededFeatureNet, not comparable with published FIDs) at 1000/2000/3000: 8.0, 3.0, 1.1.
# The DCGAN networks at half width (generator 64, critic 32 base channels; MMGeneration's
# WGANGPGenerator/Discriminator have fixed 128-512-channel layers: 7 s per iteration at batch 16
# on one thread), with MMGeneration's "GN" critic norm: GroupNorm with one group (layer norm), as
# batch norm would break the per-sample gradient penalty. 5 critic steps per generator step:
# 3000 iterations are 600 generator steps.
#   reelkit data synth-shapes data/synth_shapes
#   reelkit train gan/wgan-gp/wgangp_dcgan-archi-GN_1xb32-3000iters_synth-shapes-32x32.py --seed 0
_base_ = [
    '../_base_/models/dcgan/dcgan_32x32.py',
    '../_base_/datasets/synth_shapes_32x32.py',
    '../_base_/synth_shapes_runtime.py',
]

model = dict(
    type='WGANGP',
    generator=dict(base_channels=64),
    discriminator=dict(base_channels=32, default_norm_cfg=dict(type='GN', num_groups=1)),
    discriminator_steps=5,
    loss_config=dict(gp_norm_mode='HWC', gp_loss_weight=10))

optim_wrapper = dict(
    generator=dict(optimizer=dict(type='Adam', lr=0.0001, betas=(0.5, 0.9))),
    discriminator=dict(optimizer=dict(type='Adam', lr=0.0001, betas=(0.5, 0.9))))

train_cfg = dict(max_iters=3000, val_interval=1000)
