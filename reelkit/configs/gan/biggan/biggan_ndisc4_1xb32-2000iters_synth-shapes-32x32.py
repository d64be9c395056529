# BigGAN, conditional on the 6 SynthShapes classes, 32x32.
# Measured (100 iterations): 0.15 s per iteration on 2 CPU cores, 0.25 s on one thread
# (OMP_NUM_THREADS=1); 2000 iterations with 2 FID evaluations took 8 min on one thread.
# FID (SeededFeatureNet, not comparable with published FIDs) at 1000/2000: orig 1.0, 1.0; ema 2.0, 1.2.
# Hinge loss, 4 discriminator steps per generator step (2000 iterations are 500 generator steps),
# Adam with beta1 = 0 as MMGeneration's CIFAR-10 BigGAN. The moving average of the generator
# copies it for the first 100 generator steps, then averages with momentum 0.99.
#   reelkit data synth-shapes data/synth_shapes
#   reelkit train gan/biggan/biggan_ndisc4_1xb32-2000iters_synth-shapes-32x32.py --seed 0
_base_ = [
    '../_base_/models/biggan/biggan_32x32.py',
    '../_base_/datasets/synth_shapes_conditional_32x32.py',
    '../_base_/synth_shapes_runtime_ema.py',
]

model = dict(
    num_classes=6,
    ema_config=dict(type='ExponentialMovingAverage', interval=1, momentum=0.99, start_iter=100))

optim_wrapper = dict(
    generator=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.0, 0.999))),
    discriminator=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.0, 0.999))))

train_cfg = dict(max_iters=2000, val_interval=1000)
