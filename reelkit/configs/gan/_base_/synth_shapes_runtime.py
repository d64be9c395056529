# Runtime of the SynthShapes GAN configs: FID of the generator, the best checkpoint by it, and
# sample grids. FID uses SeededFeatureNet (a fixed random CNN, no download): its values track
# progress but are not comparable with published FIDs; use inception_path=... for Inception features.
# Models with a moving average of the generator use synth_shapes_runtime_ema.py instead.
_base_ = ['./gen_default_runtime.py']

seeded_features = dict(type='SeededFeatureNet', seed=0)
fid = dict(type='FrechetInceptionDistance', fake_nums=1000, real_nums=-1, feature_net=seeded_features)
metrics = [dict(fid, prefix='FID-orig', sample_model='orig')]
val_evaluator = dict(metrics=metrics)
test_evaluator = dict(metrics=metrics)

default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=500, max_keep_ckpts=3, less_keys=['FID-orig/fid'],
                    save_best='FID-orig/fid', rule='less'))

custom_hooks = [
    dict(type='GenVisualizationHook', interval=250, fixed_input=True,
         vis_kwargs_list=dict(type='GAN', name='fake_img', sample_model='orig'))
]

randomness = dict(seed=0)
