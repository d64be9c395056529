# SNGAN with a projection discriminator, conditional on the 6 SynthShapes classes, 32x32.
# Measured (100 iterations): 0.14 s per iteration on 2 CPU cores, 0.22 s on one thread
# (OMP_NUM_THREADS=1); 2500 iterations with 2 FID evaluations took 9.5 min on one thread.
# FID-orig (SeededFeatureNet, not comparable with published FIDs) at 1250/2500: 1.6, 1.5.
# Hinge loss, 5 discriminator steps per generator step: 2500 iterations are 500 generator steps.
#   reelkit data synth-shapes data/synth_shapes
#   reelkit train gan/sngan_proj/sngan-proj_ndisc5_1xb32-2500iters_synth-shapes-32x32.py --seed 0
_base_ = [
    '../_base_/models/sngan_proj/sngan_proj_32x32.py',
    '../_base_/datasets/synth_shapes_conditional_32x32.py',
    '../_base_/synth_shapes_runtime.py',
]

model = dict(num_classes=6)

optim_wrapper = dict(
    generator=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999))),
    discriminator=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999))))

train_cfg = dict(max_iters=2500, val_interval=1250)
