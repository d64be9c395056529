"""Every row of every migration table, one parametrized test per table: a minimal 0.x config that uses
the row, and what the row promises in the 1.x config (or in the report, for keys 1.x drops)."""
import pytest
import torch

from mig_helpers import dig, migrate_dict

from reelkit.migration import LEGACY_KEYS, is_legacy_config, migrate_config
from reelkit.migration import dataloaders, evaluation, gan, models, pipelines, runtime, schedules
from reelkit.migration.flavors import ACTION, GEN

VIDEO = dict(type='VideoDataset', ann_file='a.txt', pipeline=[])


def _with_data(**data) -> dict:
    return dict(data=dict(train=dict(VIDEO), **data))


def _report(cfg: dict) -> dict:
    """Old dotted key -> the change that read it."""
    return {c.old_key: c for c in migrate_config(cfg).report.changes}


# ------------------------------------------------------------------------------ detection
@pytest.mark.parametrize('key', LEGACY_KEYS)
def test_each_legacy_key_marks_a_0x_config(key):
    assert is_legacy_config({key: None})


def test_a_1x_config_is_not_legacy():
    assert not is_legacy_config(dict(train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=1),
                                      optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1))))


# ------------------------------------------------------------------------------ pipelines
def _migrated_pipeline(transforms, **extra):
    cfg = migrate_dict(dict(data=dict(train=dict(VIDEO, pipeline=transforms)), **extra))
    return cfg['train_dataloader']['dataset']['pipeline'], cfg


@pytest.mark.parametrize('old, new', sorted(pipelines.TRANSFORM_RENAMES.items()))
def test_transform_renames(old, new):
    pipeline, _ = _migrated_pipeline([dict(type=old, arg=1)])
    assert pipeline == [dict(type=new, arg=1)]


@pytest.mark.parametrize('old', sorted(pipelines.DROPPED_TRANSFORMS))
def test_formatting_transforms_leave_the_pipeline(old):
    pipeline, _ = _migrated_pipeline([dict(type='DecordInit'), dict(type=old, keys=['imgs'])])
    assert pipeline == [dict(type='DecordInit')]


def test_collect_becomes_pack_action_inputs_without_arguments_for_imgs_and_label():
    pipeline, _ = _migrated_pipeline([dict(type='Collect', keys=['imgs', 'label'], meta_keys=[])])
    assert pipeline == [dict(type='PackActionInputs')]


def test_collect_extra_keys_and_meta_keys_go_next_to_pack_action_inputs_defaults():
    pipeline, _ = _migrated_pipeline([dict(type='Collect', keys=['imgs', 'heatmap_extra'], meta_keys=['scores'])])
    assert pipeline == [dict(type='PackActionInputs', meta_keys=pipelines.PACK_ACTION_META_KEYS + ('scores', ),
                             algorithm_keys=('heatmap_extra', ))]


def test_collect_of_localization_features_becomes_pack_localization_inputs():
    pipeline, _ = _migrated_pipeline([dict(type='Collect', keys=['raw_feature', 'gt_bbox'], meta_name='video_meta',
                                           meta_keys=['video_name'])])
    assert pipeline == [dict(type='PackLocalizationInputs', keys=('gt_bbox', ), meta_keys=('video_name', ))]


@pytest.mark.parametrize('old, new', sorted(pipelines.GEN_KEY_RENAMES.items()))
def test_gan_pipeline_keys_are_renamed(old, new):
    pipeline, _ = _migrated_pipeline([dict(type='Flip', keys=[old]), dict(type='Collect', keys=[old])],
                                     use_ddp_wrapper=True)
    assert pipeline == [dict(type='Flip', keys=[new]), dict(type='PackGenInputs', keys=[new])]


@pytest.mark.parametrize('value, expected', [('disk', {}), ('petrel', {'backend_args': {'backend': 'petrel'}})])
def test_load_image_io_backend_row(value, expected):
    rule, = pipelines.TRANSFORM_ARGS['LoadImageFromFile']
    pipeline, _ = _migrated_pipeline([dict(type='LoadImageFromFile', key='img', **{rule.old: value})])
    assert pipeline == [dict(type='LoadImageFromFile', key='img', **expected)]


def test_flow_keeps_its_input_format_and_normalises_every_stacked_frame():
    flow = [dict(type='SampleFrames', clip_len=5, num_clips=3), dict(type='Normalize', mean=[128, 127], std=[1, 2]),
            dict(type='FormatShape', input_format='NCHW_Flow')]
    pipeline, cfg = _migrated_pipeline(flow, model=dict(MODEL))
    assert pipeline == [flow[0], flow[2]]
    assert cfg['model']['data_preprocessor'] == dict(type='ActionDataPreprocessor', mean=[128, 127] * 5,
                                                     std=[1, 2] * 5)


def test_gan_class_labels_are_packed_into_the_data_sample_not_as_images():
    pipeline, _ = _migrated_pipeline([dict(type='Collect', keys=['real_img', 'gt_label'], meta_keys=['real_img_path'])],
                                     use_ddp_wrapper=True)
    assert pipeline == [dict(type='PackGenInputs', keys=['img'], meta_keys=['img_path'])]


def test_rename_of_imgs_to_img_leaves_the_pipeline_and_other_renames_stay_flagged():
    pipeline, _ = _migrated_pipeline([dict(type='Rename', mapping=dict(imgs='img')),
                                      dict(type='Rename', mapping=dict(a='b'))])
    assert pipeline == [dict(type='Rename', mapping=dict(a='b'))]


# ------------------------------------------------------------------------------ model
MODEL = dict(type='Recognizer2D', backbone=dict(type='ResNet', depth=18),
             cls_head=dict(type='TSNHead', num_classes=2, in_channels=512))


@pytest.mark.parametrize('flavor, swap_old, swap_new', [('action', 'to_bgr', 'to_rgb'),
                                                        ('gen', 'to_rgb', 'bgr_to_rgb')])
def test_normalize_rows_move_to_the_data_preprocessor(flavor, swap_old, swap_new):
    extra = dict(use_ddp_wrapper=True) if flavor == 'gen' else {}
    normalize = dict(type='Normalize', mean=[1, 2, 3], std=[4, 5, 6], **{swap_old: True})
    pipeline, cfg = _migrated_pipeline([normalize], model=dict(MODEL), **extra)
    assert pipeline == []
    flavor_row = GEN if flavor == 'gen' else ACTION
    assert cfg['model']['data_preprocessor'] == dict(type=flavor_row.data_preprocessor, mean=[1, 2, 3],
                                                     std=[4, 5, 6], **{swap_new: True})


@pytest.mark.parametrize('input_format, format_shape', sorted(models.FORMAT_SHAPES.items()))
def test_format_shapes_rows(input_format, format_shape):
    _, cfg = _migrated_pipeline([dict(type='FormatShape', input_format=input_format)], model=dict(MODEL))
    preprocessor = cfg['model'].get('data_preprocessor', {})
    assert preprocessor.get('format_shape') == format_shape


def test_img_norm_cfg_alone_still_gives_the_data_preprocessor():
    cfg = migrate_dict(dict(model=dict(MODEL), img_norm_cfg=dict(mean=[1], std=[2], to_bgr=False)))
    assert cfg['model']['data_preprocessor'] == dict(type='ActionDataPreprocessor', mean=[1], std=[2], to_rgb=False)
    assert 'img_norm_cfg' not in cfg


@pytest.mark.parametrize('old, new, _note', models.MODEL_MOVES)
def test_model_moves(old, new, _note):
    section, name = old.split('.')
    model = dict(MODEL, **{section: {name: 'value'}})
    cfg = migrate_dict(dict(model=model, lr_config=None))
    assert dig(cfg, f'model.{new}') == 'value'
    assert section not in cfg['model']


def test_top_level_model_settings_move_into_the_model():
    cfg = migrate_dict(dict(model=dict(MODEL), train_cfg=None, test_cfg=dict(average_clips='prob')))
    assert cfg['model']['cls_head']['average_clips'] == 'prob'
    assert 'train_cfg' not in cfg and 'test_cfg' not in cfg


# ------------------------------------------------------------------------------ dataloaders
@pytest.mark.parametrize('rule', dataloaders.DATALOADER_ARGS, ids=lambda r: r.old)
def test_dataloader_rows(rule):
    cfg = migrate_dict(_with_data(**{rule.old: 7}))
    if rule.new is None:
        assert rule.old not in str(cfg['train_dataloader'])
    else:
        assert dig(cfg['train_dataloader'], rule.new) == 7


@pytest.mark.parametrize('rule', dataloaders.VAL_DATALOADER_ARGS, ids=lambda r: r.old)
def test_val_dataloader_rows_apply_to_the_val_split_only(rule):
    cfg = migrate_dict(dict(data=dict(train=dict(VIDEO), val=dict(VIDEO), workers_per_gpu=2, videos_per_gpu=2,
                                      **{rule.old: 7})))
    assert cfg['val_dataloader'][rule.new] == 7
    assert cfg['train_dataloader'][rule.new] == 2


def test_per_split_dataloader_settings_override_the_shared_ones():
    cfg = migrate_dict(dict(data=dict(videos_per_gpu=8, test_dataloader=dict(videos_per_gpu=1), train=dict(VIDEO),
                                      test=dict(VIDEO))))
    assert cfg['train_dataloader']['batch_size'] == 8 and cfg['test_dataloader']['batch_size'] == 1


@pytest.mark.parametrize('runner, sampler', [(dict(type='EpochBasedRunner'), 'DefaultSampler'),
                                             (dict(type='IterBasedRunner'), 'InfiniteSampler')])
def test_training_sampler_follows_the_loop(runner, sampler):
    cfg = migrate_dict(dict(_with_data(val=dict(VIDEO)), runner=runner))
    assert cfg['train_dataloader']['sampler'] == dict(type=sampler, shuffle=True)
    assert cfg['val_dataloader']['sampler'] == dict(type='DefaultSampler', shuffle=False)


@pytest.mark.parametrize('dataset_type, key', sorted(dataloaders.DATA_PREFIX_KEYS.items()))
def test_data_prefix_rows(dataset_type, key):
    cfg = migrate_dict(dict(data=dict(train=dict(type=dataset_type, data_prefix='root', pipeline=[]))))
    assert cfg['train_dataloader']['dataset']['data_prefix'] == {key: 'root'}


@pytest.mark.parametrize('dataset_type, rule', [(t, r) for t, rules in sorted(dataloaders.DATASET_ARGS.items())
                                                for r in rules], ids=str)
def test_dataset_argument_rows(dataset_type, rule):
    cfg = migrate_dict(dict(data=dict(train=dict(type='RepeatDataset', times=2,
                                                 dataset=dict(type=dataset_type, **{rule.old: 'x'})))))
    dataset = cfg['train_dataloader']['dataset']['dataset']
    assert rule.old not in dataset
    assert rule.new is None or dataset[rule.new] == 'x'


def test_without_a_test_split_the_test_dataloader_is_the_val_one():
    cfg = migrate_dict(dict(_with_data(val=dict(VIDEO)), evaluation=dict(metrics=['top_k_accuracy']),
                            total_epochs=1))
    assert cfg['test_dataloader'] == cfg['val_dataloader']
    assert cfg['test_evaluator'] == cfg['val_evaluator'] and cfg['test_cfg'] == dict(type='TestLoop')


def test_evaluation_datasets_get_test_mode():
    cfg = migrate_dict(_with_data(val=dict(VIDEO), test=dict(VIDEO)))
    assert cfg['val_dataloader']['dataset']['test_mode'] and cfg['test_dataloader']['dataset']['test_mode']
    assert 'test_mode' not in cfg['train_dataloader']['dataset']


# ------------------------------------------------------------------------------ evaluation
@pytest.mark.parametrize('metric, metric_type', sorted(evaluation.ACTION_METRICS.items()))
def test_action_metric_rows(metric, metric_type):
    cfg = migrate_dict(dict(evaluation=dict(metrics=[metric])))
    assert cfg['val_evaluator']['type'] == metric_type
    assert cfg['test_evaluator'] == cfg['val_evaluator']


@pytest.mark.parametrize('dataset_type, metrics', sorted(evaluation.DATASET_DEFAULT_METRICS.items()))
def test_dataset_default_metric_rows(dataset_type, metrics):
    cfg = migrate_dict(dict(data=dict(val=dict(type=dataset_type, ann_file='a', pipeline=[]))))
    assert cfg['val_evaluator']['type'] == evaluation.ACTION_METRICS[metrics[0]]


@pytest.mark.parametrize('old, new', sorted(evaluation.SAVE_BEST_KEYS.items()))
def test_save_best_rows(old, new):
    cfg = migrate_dict(dict(evaluation=dict(metrics=['top_k_accuracy'], save_best=old)))
    assert cfg['default_hooks']['checkpoint']['save_best'] == new


@pytest.mark.parametrize('rule', evaluation.EVAL_HOOK_ARGS, ids=lambda r: r.old)
def test_evaluation_hook_rows(rule):
    cfg = migrate_dict(dict(evaluation=dict(metrics=['top_k_accuracy'], **{rule.old: 3})))
    assert rule.old not in cfg['val_evaluator'] or rule.old == 'type'
    assert rule.new is None or dig(cfg, rule.new) == 3


def test_metric_options_and_gpu_collect_reach_the_evaluator():
    cfg = migrate_dict(dict(evaluation=dict(metrics=['top_k_accuracy'], gpu_collect=True,
                                            metric_options=dict(top_k_accuracy=dict(topk=(1, 3))))))
    assert cfg['val_evaluator'] == dict(type='AccMetric', metric_list=('top_k_accuracy', ), collect_device='gpu',
                                        metric_options=dict(top_k_accuracy=dict(topk=(1, 3))))


def test_ava_metric_reads_the_annotation_files_of_the_split_and_the_action_threshold():
    ava = dict(type='AVADataset', ann_file='val.csv', label_file='labels.pbtxt', exclude_file='ex.csv', pipeline=[])
    cfg = migrate_dict(dict(model=dict(type='FastRCNN', test_cfg=dict(rcnn=dict(action_thr=0.002))),
                            data=dict(val=ava), evaluation=dict(metrics=['mAP'])))
    assert cfg['val_evaluator'] == dict(type='AVAMetric', ann_file='val.csv', label_file='labels.pbtxt',
                                        exclude_file='ex.csv', action_thr=0.002)
    assert cfg['model']['test_cfg'] == dict(rcnn=None)


@pytest.mark.parametrize('old_type, spec', sorted(evaluation.GEN_METRICS.items()))
def test_gen_metric_rows(old_type, spec):
    cfg = migrate_dict(dict(evaluation=dict(type='GenerativeEvalHook', metrics=[dict(type=old_type,
                                                                                     num_images=10000)])))
    metric, = cfg['val_evaluator']['metrics']
    assert metric['type'] == spec.type and metric['fake_nums'] == 10000
    assert metric['prefix'] == f'{spec.prefix}-10k'


@pytest.mark.parametrize('rule', [r for spec in evaluation.GEN_METRICS.values() for r in spec.args if r.new],
                         ids=lambda r: r.old)
def test_gen_metric_argument_rows(rule):
    old_type = next(t for t, spec in evaluation.GEN_METRICS.items() if rule in spec.args)
    key, _, sub = rule.old.partition('.')
    metric = dict(type=old_type, **({key: {sub: 'v'}} if sub else {key: 'v'}))
    cfg = migrate_dict(dict(evaluation=dict(type='GenerativeEvalHook', metrics=[metric])))
    assert cfg['val_evaluator']['metrics'][0][rule.new] == 'v'


@pytest.mark.parametrize('name, row', sorted(evaluation.GEN_BEST_METRICS.items()))
def test_gen_best_metric_rows(name, row):
    old_type, result_key, rule = row
    cfg = migrate_dict(dict(evaluation=dict(type='GenerativeEvalHook', best_metric=name,
                                            metrics=[dict(type=old_type, num_images=1000)])))
    prefix = cfg['val_evaluator']['metrics'][0]['prefix']
    checkpoint = cfg['default_hooks']['checkpoint']
    assert checkpoint['save_best'] == f'{prefix}/{result_key}' and checkpoint['rule'] == rule
    assert checkpoint[f'{rule}_keys'] == [f'{prefix}/{result_key}']


# ------------------------------------------------------------------------------ optimizer
@pytest.mark.parametrize('old, new', sorted(schedules.OPTIMIZER_CONSTRUCTORS.items()))
def test_constructor_rows(old, new):
    cfg = migrate_dict(dict(optimizer=dict(type='SGD', lr=0.1, constructor=old)))
    assert cfg['optim_wrapper'].get('constructor', schedules.DEFAULT_CONSTRUCTOR) == new


@pytest.mark.parametrize('hook, loss_scale', sorted(schedules.OPTIMIZER_HOOKS.items()))
def test_optimizer_hook_rows(hook, loss_scale):
    cfg = migrate_dict(dict(optimizer=dict(type='SGD', lr=0.1), optimizer_config=dict(type=hook)))
    wrapper = cfg['optim_wrapper']
    assert wrapper.get('type') == (None if loss_scale is None else 'AmpOptimWrapper')
    assert wrapper.get('loss_scale') == loss_scale


@pytest.mark.parametrize('rule', schedules.OPTIMIZER_CONFIG_ARGS, ids=lambda r: r.old)
def test_optimizer_config_rows(rule):
    cfg = migrate_dict(dict(optimizer=dict(type='SGD', lr=0.1), optimizer_config={rule.old: 4}))
    wrapper = cfg['optim_wrapper']
    assert rule.old not in wrapper or rule.old == rule.new
    if rule.new is not None:
        assert wrapper[rule.new] == 4
    assert wrapper.get('type') == ('AmpOptimWrapper' if rule.old == 'loss_scale' else None)


def test_fp16_row_and_apex_fp16_of_dist_optimizer_hook():
    fp16 = migrate_dict(dict(optimizer=dict(type='SGD', lr=0.1), fp16=dict()))
    assert fp16['optim_wrapper']['type'] == 'AmpOptimWrapper' and fp16['optim_wrapper']['loss_scale'] == 512.
    apex = migrate_dict(dict(optimizer=dict(type='SGD', lr=0.1),
                             optimizer_config=dict(type='DistOptimizerHook', use_fp16=True, update_interval=2)))
    assert apex['optim_wrapper'] == dict(type='AmpOptimWrapper', optimizer=dict(type='SGD', lr=0.1),
                                         accumulative_counts=2, loss_scale='dynamic')


def test_an_int_beta_next_to_a_float_becomes_a_float():
    cfg = migrate_dict(dict(optimizer=dict(generator=dict(type='Adam', lr=1, betas=(0, 0.99)),
                                           discriminator=dict(type='Adam', lr=1, betas=(0.5, 0.9)))))
    betas = [cfg['optim_wrapper'][name]['optimizer']['betas'] for name in ('generator', 'discriminator')]
    assert betas == [(0.0, 0.99), (0.5, 0.9)] and all(isinstance(b, float) for pair in betas for b in pair)


def test_per_module_optimizers_use_the_gen_constructor():
    cfg = migrate_dict(dict(optimizer=dict(generator=dict(type='Adam', lr=1), discriminator=dict(type='Adam', lr=2)),
                            optimizer_config=dict(grad_clip=dict(max_norm=1))))
    assert cfg['optim_wrapper'] == dict(
        constructor='GenOptimWrapperConstructor',
        generator=dict(optimizer=dict(type='Adam', lr=1), clip_grad=dict(max_norm=1)),
        discriminator=dict(optimizer=dict(type='Adam', lr=2), clip_grad=dict(max_norm=1)))


# ------------------------------------------------------------------------------ schedules
POLICY_ARGS = {
    'Step': dict(step=[2, 4]),
    'CosineAnnealing': dict(min_lr=0.001),
    'CosineRestart': dict(periods=[10, 10], restart_weights=[1, 0.5], min_lr=0),
    'Poly': dict(power=0.9),
    'Exp': dict(gamma=0.9),
    'Fixed': {},
    'LinearAnnealing': dict(min_lr_ratio=0.1),
    'OneCycle': dict(max_lr=0.1, total_steps=100),
    'Linear': dict(target_lr=0, start=5, interval=2),
}
POLICY_TYPES = {'Step': 'MultiStepLR', 'CosineAnnealing': 'CosineAnnealingLR', 'CosineRestart': 'CosineRestartLR',
                'Poly': 'PolyLR', 'Exp': 'ExponentialLR', 'Fixed': None, 'LinearAnnealing': 'LinearLR',
                'OneCycle': 'OneCycleLR', 'Linear': 'LinearLrInterval'}


def test_policy_test_data_covers_every_policy():
    assert set(POLICY_ARGS) == set(schedules.POLICIES) == set(POLICY_TYPES)


@pytest.mark.parametrize('policy', sorted(schedules.POLICIES))
def test_policy_rows_build_mmengine_schedulers(policy):
    import mmengine.optim  # noqa: F401  (registers the schedulers)
    from mmengine.registry import PARAM_SCHEDULERS
    import torch

    cfg = migrate_dict(dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9), runner=dict(type='IterBasedRunner',
                                                                                           max_iters=20),
                            lr_config=dict(policy=policy, by_epoch=False, **POLICY_ARGS[policy])))
    schedulers = cfg.get('param_scheduler', [])
    schedulers = [schedulers] if isinstance(schedulers, dict) else schedulers
    assert [s['type'] for s in schedulers] == ([POLICY_TYPES[policy]] if POLICY_TYPES[policy] else [])
    if policy == 'Linear':  # MMGeneration's scheduler: reelkit's GAN engine registers it
        return
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    for sched in schedulers:
        PARAM_SCHEDULERS.build(dict(sched, optimizer=optimizer))


@pytest.mark.parametrize('policy', sorted(p for p, row in schedules.POLICIES.items() if row.momentum))
def test_momentum_policy_rows(policy):
    args = {k.replace('_lr', '_momentum'): v for k, v in POLICY_ARGS[policy].items()}
    cfg = migrate_dict(dict(optimizer=dict(type='SGD', lr=0.1), total_epochs=10,
                            momentum_config=dict(policy=policy, **args),
                            lr_config=None))
    schedulers = cfg['param_scheduler']
    assert schedulers[0]['type'].endswith('Momentum')


@pytest.mark.parametrize('warmup, types', [('constant', ['ConstantLR']), ('linear', ['LinearLR']),
                                           ('exp', ['LinearLR', 'ExponentialLR'])])
def test_warmup_rows(warmup, types):
    assert warmup in schedules.WARMUPS
    cfg = migrate_dict(dict(lr_config=dict(policy='step', step=[8], warmup=warmup, warmup_iters=4,
                                           warmup_ratio=0.25)))
    assert [s['type'] for s in cfg['param_scheduler']] == types + ['MultiStepLR']


@pytest.mark.parametrize('policy, after', [(p, row.after_warmup) for p, row in sorted(schedules.POLICIES.items())
                                           if row.after_warmup or p in ('Step', 'CosineRestart')])
def test_after_warmup_column(policy, after):
    cfg = migrate_dict(dict(optimizer=dict(type='SGD', lr=0.1), total_epochs=20,
                            lr_config=dict(policy=policy, warmup='linear', warmup_iters=2, warmup_by_epoch=True,
                                           **POLICY_ARGS[policy])))
    main = cfg['param_scheduler'][-1]
    assert main.get('begin', 0) == (2 if after else 0)


# ------------------------------------------------------------------------------ runtime
@pytest.mark.parametrize('runner, loop', sorted(runtime.RUNNER_LOOPS.items()))
def test_runner_rows(runner, loop):
    count_key = 'max_epochs' if loop.by_epoch else 'max_iters'
    cfg = migrate_dict(dict(runner=dict(type=runner, **{count_key: 12})))
    assert cfg['train_cfg'] == dict(loop.loop, **{count_key: 12, 'val_begin': 1, 'val_interval': 1})


@pytest.mark.parametrize('rule', runtime.CHECKPOINT_ARGS, ids=lambda r: r.old)
def test_checkpoint_rows(rule):
    cfg = migrate_dict(dict(checkpoint_config={rule.old: 3}))
    hook = cfg['default_hooks']['checkpoint']
    assert hook.get(rule.old) != 3 or rule.new == rule.old
    assert rule.new is None or hook[rule.new] == 3


@pytest.mark.parametrize('hook_type, backend', sorted(ACTION.vis_backends.items()))
def test_logger_hook_rows_action(hook_type, backend):
    cfg = migrate_dict(dict(log_config=dict(interval=5, hooks=[dict(type=hook_type)])))
    assert dict(type=backend) in cfg['vis_backends']
    assert cfg['default_hooks']['logger'] == dict(type='LoggerHook', interval=5)


@pytest.mark.parametrize('hook_type, backend', sorted(GEN.vis_backends.items()))
def test_logger_hook_rows_gen(hook_type, backend):
    cfg = migrate_dict(dict(use_ddp_wrapper=True, log_config=dict(interval=5, hooks=[dict(type=hook_type)])))
    assert dict(type=backend) in cfg['vis_backends'] and cfg['visualizer']['type'] == 'GenVisualizer'


@pytest.mark.parametrize('hook_type, rule', [(h, r) for h, rules in sorted(runtime.LOGGER_HOOK_ARGS.items())
                                             for r in rules], ids=str)
def test_logger_hook_argument_rows(hook_type, rule):
    cfg = migrate_dict(dict(log_config=dict(hooks=[dict(type=hook_type, **{rule.old: 'VALUE'})])))
    written = str({k: cfg[k] for k in ('default_hooks', 'vis_backends')})
    assert ('VALUE' in written) == (rule.new is not None)


@pytest.mark.parametrize('rule', runtime.ENV_ARGS, ids=lambda r: r.old)
def test_env_rows(rule):
    cfg = migrate_dict({rule.old: 'v'})
    assert dig(cfg, f'env_cfg.{rule.new}') == 'v'


@pytest.mark.parametrize('rule', runtime.TOP_LEVEL_MOVES, ids=lambda r: r.old)
def test_top_level_rows(rule):
    cfg = migrate_dict({rule.old: 7, 'lr_config': None})
    assert rule.old not in cfg or rule.new == rule.old
    assert rule.new is None or dig(cfg, rule.new) == 7


@pytest.mark.parametrize('hook_type', sorted(runtime.MMENGINE_HOOKS))
def test_mmengine_hook_rows(hook_type):
    rules = runtime.MMENGINE_HOOKS[hook_type]
    hook = dict(type=hook_type, priority='LOW', **{r.old: 1 for r in rules})
    converted, = migrate_dict(dict(custom_hooks=[hook], lr_config=None))['custom_hooks']
    added = {name: value for name, (value, _note) in runtime.MMENGINE_HOOK_ADDS.get(hook_type, {}).items()}
    assert converted == dict(type=hook_type, priority='LOW', **added, **{r.new: 1 for r in rules if r.new})


def test_mmcv_ema_hook_averages_with_mmengines_momentum_convention():
    from mmengine.model import ExponentialMovingAverage
    from reelkit.registry import MODELS
    hook, = migrate_dict(dict(custom_hooks=[dict(type='EMAHook', momentum=0.0002)], lr_config=None))['custom_hooks']
    average = MODELS.build(dict(type=hook['ema_type'], model=torch.nn.Linear(1, 1), momentum=hook['momentum']))
    assert type(average) is ExponentialMovingAverage and average.momentum == 0.0002


def test_default_hooks_rows_fill_what_0x_did_not_say():
    for flavor, extra in ((ACTION, {}), (GEN, dict(use_ddp_wrapper=True))):
        cfg = migrate_dict(dict(lr_config=None, **extra))
        hooks = cfg['default_hooks']
        expected = {name: runtime.DEFAULT_HOOKS[name]['type'] for name in flavor.default_hooks}
        expected['timer'] = flavor.timer_hook
        assert {name: hooks[name]['type'] for name in flavor.default_hooks} == expected
        assert cfg['log_processor']['type'] == flavor.log_processor


def test_gan_runtime_counts_the_generative_loops():
    cfg = migrate_dict(dict(use_ddp_wrapper=True, lr_config=None))
    assert cfg['default_hooks']['timer'] == dict(type='GenIterTimerHook')
    assert cfg['log_processor'] == dict(type='GenLogProcessor', by_epoch=False)
    assert cfg['model_wrapper_cfg']['type'] == 'MMSeparateDistributedDataParallel'


def test_no_checkpoints_in_0x_means_none_in_1x_even_with_evaluation():
    cfg = migrate_dict(dict(checkpoint_config=None, evaluation=dict(metrics=['top_k_accuracy'])))
    assert cfg['default_hooks']['checkpoint'] is None


def test_multi_label_accuracy_gets_the_number_of_classes():
    cfg = migrate_dict(dict(model=dict(MODEL), evaluation=dict(metrics=['mean_average_precision'])))
    assert cfg['val_evaluator']['num_classes'] == 2


def test_resume_from_becomes_load_from_with_resume():
    cfg = migrate_dict(dict(resume_from='a.pth', load_from='b.pth'))
    assert (cfg['load_from'], cfg['resume']) == ('a.pth', True)


# ------------------------------------------------------------------------------ GAN
@pytest.mark.parametrize('row, model_type', sorted(gan.GAN_MODEL_TYPES.items(), key=str))
def test_gan_model_type_rows(row, model_type):
    generator, gan_type = row
    cfg = migrate_dict(dict(model=dict(type='StaticUnconditionalGAN', generator=dict(type=generator),
                                       discriminator=dict(type='D'),
                                       gan_loss=dict(type='GANLoss', gan_type=gan_type or 'vanilla'))))
    assert cfg['model']['type'] == model_type and 'gan_loss' not in cfg['model']


@pytest.mark.parametrize('rule', gan.GAN_MODEL_ARGS, ids=lambda r: r.old)
def test_gan_model_argument_rows(rule):
    result = migrate_config(dict(model=dict(type='X', generator=dict(type='G'), **{rule.old: dict(type='L')})))
    assert rule.old not in result.config.model
    assert any(c.old_key == f'model.{rule.old}' and c.needs_review for c in result.report.changes)


@pytest.mark.parametrize('disc, acc, steps', [(8, 8, 1), (5, 1, 5), (4, 2, 2)])
def test_gan_steps_formula(disc, acc, steps):
    cfg = migrate_dict(dict(model=dict(type='BasiccGAN', generator=dict(type='BigGANGenerator', num_classes=10)),
                            optimizer=dict(generator=dict(type='Adam', lr=1), discriminator=dict(type='Adam', lr=1)),
                            train_cfg=dict(disc_steps=disc, gen_steps=1, batch_accumulation_steps=acc)))
    assert (cfg['model']['discriminator_steps'], cfg['model']['generator_steps']) == (steps, 1)
    assert cfg['model']['num_classes'] == 10
    assert cfg['optim_wrapper']['generator'].get('accumulative_counts', 1) == acc


@pytest.mark.parametrize('rule', [r for r in gan.EMA_HOOK_ARGS], ids=lambda r: r.old)
def test_ema_hook_rows(rule):
    key, _, sub = rule.old.partition('.')
    hook = dict(type=gan.EMA_HOOK, **({key: {sub: 0.5}} if sub else {key: 0.5}))
    cfg = migrate_dict(dict(model=dict(type='X', generator=dict(type='G')), train_cfg=dict(use_ema=True),
                            custom_hooks=[hook]))
    ema = cfg['model']['ema_config']
    assert ema['type'] in gan.EMA_TYPES.values() and not cfg.get('custom_hooks')
    assert rule.new is None or ema[rule.new] == 0.5


def test_progressive_growing_schedule_moves_into_the_model_and_its_optimizers_into_the_wrapper():
    adam = dict(type='Adam', lr=0.001, betas=(0., 0.99))
    result = migrate_config(dict(
        model=dict(type='ProgressiveGrowingGAN', generator=dict(type='PGGANGenerator'), discriminator=dict(type='D')),
        optimizer=None,
        train_cfg=dict(use_ema=True, nkimgs_per_scale={'4': 600, '8': 1200}, transition_kimgs=600, interp_real=dict(),
                       optimizer_cfg=dict(generator=adam, discriminator=adam), g_lr_base=0.002, d_lr_base=0.001,
                       g_lr_schedule={'8': 0.0015}, d_lr_schedule={'8': 0.0015}, reset_optim_for_new_scale=False)))
    cfg = result.config.to_dict()
    assert {k: cfg['model'][k] for k in gan.GROWING_MODEL_KEYS} == dict(
        nkimgs_per_scale={'4': 600, '8': 1200}, transition_kimgs=600, interp_real=dict())
    assert 'train_cfg' not in cfg['model']
    assert cfg['optim_wrapper'] == dict(
        constructor=gan.GROWING_CONSTRUCTOR, generator=dict(optimizer=dict(adam, lr=0.002)),
        discriminator=dict(optimizer=adam), lr_schedule=dict(generator={'8': 0.0015}, discriminator={'8': 0.0015}),
        reset_optim_for_new_scale=False)
    moved = ('train_cfg.optimizer_cfg', 'train_cfg.g_lr_base', 'train_cfg.nkimgs_per_scale')
    assert {c.old_key for c in result.report.changes if not c.needs_review} >= set(moved)


def test_progressive_growing_lrs_without_optimizers_are_dropped_and_flagged():
    result = migrate_config(dict(model=dict(type='ProgressiveGrowingGAN', generator=dict(type='PGGANGenerator')),
                                 train_cfg=dict(g_lr_base=0.002)))
    assert 'optim_wrapper' not in result.config
    assert any(c.old_key == 'train_cfg.g_lr_base' and c.needs_review for c in result.report.changes)


@pytest.mark.parametrize('hook_type', sorted(gan.VIS_HOOKS))
def test_visualization_hook_rows(hook_type):
    args = {r.old: 3 for r in gan.VIS_HOOK_ARGS}
    hook, = migrate_dict(dict(custom_hooks=[dict(type=hook_type, **args)]))['custom_hooks']
    assert hook == dict(type='GenVisualizationHook', interval=3, n_samples=3, n_row=3, fixed_input=True,
                        vis_kwargs_list=gan.VIS_HOOKS[hook_type])


@pytest.mark.parametrize('rule', gan.RUNNER_GAN_ARGS, ids=lambda r: r.old)
def test_gan_runner_rows(rule):
    cfg = migrate_dict(dict(runner=dict(type='DynamicIterBasedRunner', max_iters=5, **{rule.old: True})))
    assert cfg['train_cfg'] == dict(by_epoch=False, max_iters=5, val_begin=1, val_interval=1)


def test_a_1x_config_keeping_its_optimizer_in_a_variable_is_not_legacy():
    # MMAction2 1.x's _base_/schedules/adam_20e.py: ``optimizer = dict(...)`` feeds ``optim_wrapper``.
    optimizer = dict(type='Adam', lr=0.01)
    assert not is_legacy_config(dict(optimizer=optimizer, optim_wrapper=dict(optimizer=optimizer)))
    assert is_legacy_config(dict(optimizer=optimizer))
