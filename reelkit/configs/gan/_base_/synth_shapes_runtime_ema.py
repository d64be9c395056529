# synth_shapes_runtime.py for models with ema_config: FID of the generator and of its moving
# average (generator_ema), the best checkpoint by the average's FID, grids of both.
_base_ = ['./synth_shapes_runtime.py']

metrics = [_base_.metrics[0], dict(_base_.fid, prefix='FID-ema', sample_model='ema')]
val_evaluator = dict(metrics=metrics)
test_evaluator = dict(metrics=metrics)

default_hooks = dict(checkpoint=dict(less_keys=['FID-ema/fid'], save_best='FID-ema/fid'))

custom_hooks = [
    dict(type='GenVisualizationHook', interval=250, fixed_input=True,
         vis_kwargs_list=dict(type='GAN', name='fake_img', sample_model='ema/orig'))
]
