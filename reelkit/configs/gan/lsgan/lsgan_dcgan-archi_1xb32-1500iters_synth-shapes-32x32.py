# LSGAN (least-squares losses) with the DCGAN networks on SynthShapes 32x32.
# Measured (100 iterations): 0.10 s per iteration on 2 CPU cores, 0.17 s on one thread
# (OMP_NUM_THREADS=1); 1500 iterations with 3 FID evaluations took 4 min on one thread.
# FID-orig (SeededFeatureNet, not comparable with published FIDs) at 500/1000/1500: 12.7, 9.0, 2.5.
#   reelkit data synth-shapes data/synth_shapes
#   reelkit train gan/lsgan/lsgan_dcgan-archi_1xb32-1500iters_synth-shapes-32x32.py --seed 0
_base_ = [
    '../_base_/models/dcgan/dcgan_32x32.py',
    '../_base_/datasets/synth_shapes_32x32.py',
    '../_base_/synth_shapes_runtime.py',
]

model = dict(type='LSGAN')

optim_wrapper = dict(
    generator=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.5, 0.99))),
    discriminator=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.5, 0.99))))

train_cfg = dict(max_iters=1500, val_interval=500)
