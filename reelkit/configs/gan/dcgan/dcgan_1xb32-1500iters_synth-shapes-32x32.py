# DCGAN on SynthShapes 32x32: about 0.2 s per iteration on one CPU core (~6-11 min in all).
#   reelkit data synth-shapes data/synth_shapes
#   reelkit train gan/dcgan/dcgan_1xb32-1500iters_synth-shapes-32x32.py --seed 0
# FID uses SeededFeatureNet (a fixed random CNN, no download): its values track progress but
# are not comparable with published FIDs; use inception_path=... for Inception features.
_base_ = [
    '../_base_/models/dcgan/dcgan_32x32.py',
    '../_base_/datasets/synth_shapes_32x32.py',
    '../_base_/gen_default_runtime.py',
]

model = dict(ema_config=dict(type='ExponentialMovingAverage', momentum=0.99))

optim_wrapper = dict(
    generator=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999))),
    discriminator=dict(optimizer=dict(type='Adam', lr=0.0002, betas=(0.5, 0.999))))

train_cfg = dict(max_iters=1500, val_interval=500)

default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=500, max_keep_ckpts=3, less_keys=['FID-ema/fid'],
                    save_best='FID-ema/fid', rule='less'))

custom_hooks = [
    dict(type='GenVisualizationHook', interval=250, fixed_input=True,
         vis_kwargs_list=dict(type='GAN', name='fake_img', sample_model='ema/orig'))
]

seeded_features = dict(type='SeededFeatureNet', seed=0)
metrics = [
    dict(type='FrechetInceptionDistance', prefix='FID-orig', fake_nums=1000, real_nums=-1,
         sample_model='orig', feature_net=seeded_features),
    dict(type='FrechetInceptionDistance', prefix='FID-ema', fake_nums=1000, real_nums=-1,
         sample_model='ema', feature_net=seeded_features),
]
val_evaluator = dict(metrics=metrics)
test_evaluator = dict(metrics=metrics)

randomness = dict(seed=0)
