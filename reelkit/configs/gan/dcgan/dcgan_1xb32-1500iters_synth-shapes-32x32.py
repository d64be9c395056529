# DCGAN on SynthShapes 32x32: about 0.2 s per iteration on one CPU core (~6-11 min in all).
#   reelkit data synth-shapes data/synth_shapes
#   reelkit train gan/dcgan/dcgan_1xb32-1500iters_synth-shapes-32x32.py --seed 0
# FID uses SeededFeatureNet (a fixed random CNN, no download): its values track progress but
# are not comparable with published FIDs; use inception_path=... for Inception features.
_base_ = [
    '../_base_/models/dcgan/dcgan_32x32.py',
    '../_base_/datasets/synth_shapes_32x32.py',
    '../_base_/synth_shapes_runtime_ema.py',
]

model = dict(ema_config=dict(type='ExponentialMovingAverage', momentum=0.99))

optim_wrapper = dict(
    generator=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999))),
    discriminator=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999))))

train_cfg = dict(max_iters=1500, val_interval=500)
