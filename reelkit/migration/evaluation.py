"""``evaluation`` to ``val_evaluator`` / ``test_evaluator``, ``train_cfg.val_interval`` and the
best-checkpoint settings of ``default_hooks.checkpoint``.

MMAction2 0.x named metrics by string; 1.x groups them into metric classes (:data:`ACTION_METRICS`).
MMGeneration 0.x listed metric dicts in a ``GenerativeEvalHook``; 1.x wraps metric classes in a
``GenEvaluator`` and names every result ``<prefix>/<key>`` (:data:`GEN_METRICS`).
"""
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from reelkit.utils.errors import ConfigError

from .context import Migration, Rule, apply_rules, items_of, put_all, take_dict
from .values import MISSING, expect, expect_type_name

SECTION = 'evaluation'

# ------------------------------------------------------------------------------ MMAction2
ACTION_METRICS = {
    'top_k_accuracy': 'AccMetric',
    'mean_class_accuracy': 'AccMetric',
    'mean_average_precision': 'AccMetric',
    'mmit_mean_average_precision': 'AccMetric',
    'mAP': 'AVAMetric',
    'AR@AN': 'ANetMetric',
}
# AccMetric needs the number of classes to score these.
MULTI_LABEL_METRICS = ('mean_average_precision', 'mmit_mean_average_precision')
# What 0.x datasets evaluated when asked for no metric in particular.
DATASET_DEFAULT_METRICS = {
    'VideoDataset': ('top_k_accuracy', ),
    'RawframeDataset': ('top_k_accuracy', ),
    'AVADataset': ('mAP', ),
    'ActivityNetDataset': ('AR@AN', ),
}
# 0.x ``save_best`` names -> the keys 1.x metrics log.
SAVE_BEST_KEYS = {
    'top1_acc': 'acc/top1',
    'top5_acc': 'acc/top5',
    'mean_class_accuracy': 'acc/mean1',
    'mean_average_precision': 'acc/mean_average_precision',
    'mmit_mean_average_precision': 'acc/mmit_mean_average_precision',
    'auc': 'auc',
    'AR@100': 'AR@100',
    'auto': 'auto',
}
# The AVA annotation files 1.x AVAMetric reads itself (0.x read them through the dataset).
AVA_DATASET_KEYS = ('ann_file', 'label_file', 'exclude_file', 'num_classes', 'custom_classes')
ANET_DUMP_DEFAULT = dict(out='results.json', output_format='json')

EVAL_HOOK_ARGS = (
    Rule('interval', 'train_cfg.val_interval'),
    Rule('start', 'train_cfg.val_begin'),
    Rule('rule', 'default_hooks.checkpoint.rule'),
    Rule('tmpdir', None, 'MMEngine picks the collection directory'),
    Rule('broadcast_bn_buffer', None, 'SyncBuffersHook (in default_hooks) syncs BN buffers'),
    Rule('by_epoch', None, "1.x validates in the training loop's unit"),
    Rule('type', None, '1.x evaluates in the val loop, not in a hook'),
)


# ------------------------------------------------------------------------------ MMGeneration
class GenMetric(NamedTuple):
    type: str
    prefix: str
    args: Tuple[Rule, ...]


_NUM = Rule('num_images', 'fake_nums')
_BGR2RGB = Rule('bgr2rgb', None, '1.x metrics read images in the data preprocessor\'s order; check '
                'model.data_preprocessor.bgr_to_rgb', review=True)
_INCEPTION = (Rule('inception_args.type', 'inception_style'), Rule('inception_args.inception_path', 'inception_path'),
              Rule('inception_pkl', 'inception_pkl'))
GEN_METRICS: Dict[str, GenMetric] = {
    'FID': GenMetric('FrechetInceptionDistance', 'FID-Full', (_NUM, _BGR2RGB) + _INCEPTION),
    'IS': GenMetric('InceptionScore', 'IS', (_NUM, _BGR2RGB, Rule('resize', 'resize'), Rule('splits', 'splits'),
                                             Rule('use_pil_resize', 'use_pillow_resize')) + _INCEPTION[:2]),
    'PR': GenMetric('PrecisionAndRecall', 'PR', (_NUM, _BGR2RGB, Rule('k', 'k'))),
    'MS_SSIM': GenMetric('MultiScaleStructureSimilarity', 'MS-SSIM', (_NUM, )),
    'SWD': GenMetric('SlicedWassersteinDistance', 'SWD', (_NUM, Rule('image_shape', 'image_shape'))),
    'PPL': GenMetric('PerceptualPathLength', 'PPL', (_NUM, )),
}
# 0.x best_metric name -> (0.x metric type, 1.x result key, rule)
GEN_BEST_METRICS = {
    'fid': ('FID', 'fid', 'less'),
    'is': ('IS', 'is', 'greater'),
    'precision': ('PR', 'precision', 'greater'),
    'recall': ('PR', 'recall', 'greater'),
    'ms_ssim': ('MS_SSIM', 'avg', 'greater'),
    'swd': ('SWD', 'avg', 'less'),
    'ppl': ('PPL', 'ppl_score', 'less'),
}
GEN_EVAL_HOOK_ARGS = (
    Rule('interval', 'train_cfg.val_interval'),
    Rule('start', 'train_cfg.val_begin'),
    Rule('type', None, '1.x evaluates in GenValLoop, not in a hook'),
)


def convert_evaluation(m: Migration) -> None:
    evaluation = take_dict(m, 'evaluation', allow_none=True)
    if evaluation is None:
        m.drop(SECTION, 'evaluation', None, '0.x did not evaluate; 1.x skips validation without val_evaluator')
        evaluation = MISSING
    if m.flavor.name == 'gen':
        if evaluation is not MISSING:
            _gen_evaluation(m, dict(evaluation))
        return
    _action_evaluation(m, dict(evaluation) if evaluation is not MISSING else None)


def _split_dataset(m: Migration, split: str) -> Optional[dict]:
    """The innermost dataset of ``<split>_dataloader`` (through RepeatDataset-style wrappers)."""
    dataset = m.get(f'{split}_dataloader.dataset')
    while isinstance(dataset, dict) and isinstance(dataset.get('dataset'), dict):
        dataset = dataset['dataset']
    return dataset if isinstance(dataset, dict) else None


# ------------------------------------------------------------------------------ MMAction2
def _action_evaluation(m: Migration, evaluation: Optional[dict]) -> None:
    metrics = options = None
    extra: Dict[str, Any] = {}
    if evaluation is not None:
        metrics = evaluation.pop('metrics') if 'metrics' in evaluation else evaluation.pop('metric', None)
        options = evaluation.pop('metric_options', None)
        _check_unit(m, evaluation.get('by_epoch', True), 'evaluation.by_epoch')
        _best_checkpoint(m, evaluation.pop('save_best', MISSING), 'evaluation.save_best')
        if evaluation.pop('gpu_collect', False):
            extra['collect_device'] = 'gpu'
            m.record(SECTION, 'evaluation.gpu_collect', 'val_evaluator.collect_device', True, 'gpu')
        extra.update(_hook_args(m, evaluation, EVAL_HOOK_ARGS))
    # Without a `data` section (a config fragment) the evaluators are still written, from the metrics.
    for split in ('val', 'test'):
        dataset = _split_dataset(m, split)
        if dataset is None and (m.facts.get('had_data') or evaluation is None):
            continue
        names = _metric_names(m, metrics, dataset or {}, split)
        m.put(f'{split}_evaluator', _action_evaluator(m, names, options, dataset or {}, extra, split))
    if m.facts.get('ava_action_thr'):
        _take_action_thr(m)


def _hook_args(m: Migration, evaluation: dict, rules: Tuple[Rule, ...]) -> dict:
    """Loop settings go to ``train_cfg``/``default_hooks``; unknown arguments are carried into the evaluator."""
    put_all(m, apply_rules(m, SECTION, evaluation, rules, 'evaluation', {}, '', carry_unknown=False))
    return apply_rules(m, SECTION, evaluation, (), 'evaluation', {}, 'val_evaluator')


def _metric_names(m: Migration, metrics: Any, dataset: dict, split: str) -> List[str]:
    if metrics is None:
        names = DATASET_DEFAULT_METRICS.get(dataset.get('type'), ('top_k_accuracy', ))
        m.record(SECTION, None, f'{split}_evaluator', new_value=list(names), note='the 0.x config names no metrics '
                 '(0.x used the dataset\'s default or the command line); chose the dataset\'s default', review=True)
        return list(names)
    names = [metrics] if isinstance(metrics, str) else items_of(metrics, 'evaluation.metrics')
    for name in names:
        if name not in ACTION_METRICS:
            raise ConfigError(f'evaluation.metrics: unknown metric {name!r}; known: {", ".join(ACTION_METRICS)}')
    return names


def _action_evaluator(m: Migration, names: List[str], options: Any, dataset: dict, extra: dict, split: str) -> Any:
    groups: Dict[str, List[str]] = {}
    for name in names:
        groups.setdefault(ACTION_METRICS[name], []).append(name)
    evaluators = [_ACTION_BUILDERS[kind](m, group, options, dataset, split) for kind, group in groups.items()]
    for evaluator in evaluators:
        evaluator.update(extra)
    result = evaluators[0] if len(evaluators) == 1 else evaluators
    m.record(SECTION, 'evaluation.metrics', f'{split}_evaluator', names, result, '1.x computes metrics in metric classes')
    return result


def _acc_metric(m: Migration, names: List[str], options: Any, dataset: dict, split: str) -> dict:
    metric = dict(type='AccMetric', metric_list=tuple(names))
    if options is not None:
        metric['metric_options'] = options
    num_classes = m.get('model.cls_head.num_classes')
    if any(name in MULTI_LABEL_METRICS for name in names) and num_classes is not MISSING:
        metric['num_classes'] = num_classes  # 0.x read it from the dataset's one-hot labels
    return metric


def _ava_metric(m: Migration, names: List[str], options: Any, dataset: dict, split: str) -> dict:
    metric = dict(type='AVAMetric', **{k: dataset[k] for k in AVA_DATASET_KEYS if k in dataset})
    action_thr = m.get('model.test_cfg.rcnn.action_thr')
    if action_thr is not MISSING:
        metric['action_thr'] = action_thr
        m.facts['ava_action_thr'] = True
    return metric


def _take_action_thr(m: Migration) -> None:
    """The AVA detector's 0.x ``test_cfg.rcnn.action_thr`` now thresholds in AVAMetric."""
    action_thr = m.take('model.test_cfg.rcnn.action_thr')
    m.record(SECTION, 'model.test_cfg.rcnn.action_thr', 'val_evaluator.action_thr', action_thr, action_thr,
             'AVAMetric thresholds the actions in 1.x')
    if m.get('model.test_cfg.rcnn') == {}:
        m.cfg['model']['test_cfg']['rcnn'] = None


def _anet_metric(m: Migration, names: List[str], options: Any, dataset: dict, split: str) -> dict:
    dump = m.get('output_config')
    if dump is MISSING:
        dump = dict(ANET_DUMP_DEFAULT)
        m.record(SECTION, None, f'{split}_evaluator.dump_config', new_value=dump,
                 note='ANetMetric needs a file to write proposals to', review=True)
    metric = dict(type='ANetMetric', metric_type='AR@AN', dump_config=dump)
    if options is not None:
        metric['metric_options'] = options
    return metric


_ACTION_BUILDERS = {'AccMetric': _acc_metric, 'AVAMetric': _ava_metric, 'ANetMetric': _anet_metric}


def take_output_config(m: Migration) -> None:
    """0.x ``output_config`` (ActivityNet proposal dumps) lives in ANetMetric.dump_config now."""
    value = m.take('output_config')
    if value is not MISSING:
        m.record(SECTION, 'output_config', 'val_evaluator.dump_config', value, value,
                 'ANetMetric writes the proposals', review='ANetMetric' not in str(m.get('val_evaluator')))


def _check_unit(m: Migration, by_epoch: Any, key: str) -> None:
    if by_epoch != m.length.by_epoch:
        m.record(SECTION, key, 'train_cfg.val_interval', by_epoch, m.length.by_epoch,
                 f'1.x validates in the training loop\'s unit ({m.length.unit}); check val_interval', review=True)


def _best_checkpoint(m: Migration, save_best: Any, key: str) -> None:
    """0.x MMAction2 evaluation kept the best checkpoint by default (``save_best='auto'``)."""
    if save_best is MISSING:
        m.put('default_hooks.checkpoint.save_best', 'auto')
        m.record(SECTION, None, 'default_hooks.checkpoint.save_best', new_value='auto',
                 note="0.x evaluation kept the best checkpoint by default (save_best='auto')")
        return
    if save_best is None:
        m.drop(SECTION, key, None, 'no best checkpoint, as in 1.x by default')
        return
    name = expect(save_best, str, key)
    new = SAVE_BEST_KEYS.get(name, name)
    m.put('default_hooks.checkpoint.save_best', new)
    m.record(SECTION, key, 'default_hooks.checkpoint.save_best', name, new,
             'the checkpoint hook keeps the best checkpoint' if name in SAVE_BEST_KEYS else
             'not a metric name reelkit knows; check the key 1.x metrics log for it',
             review=name not in SAVE_BEST_KEYS)


# ------------------------------------------------------------------------------ MMGeneration
def _gen_evaluation(m: Migration, evaluation: dict) -> None:
    metrics = evaluation.pop('metrics', [])
    metrics = [metrics] if isinstance(metrics, dict) else items_of(metrics, 'evaluation.metrics')
    best = evaluation.pop('best_metric', MISSING)
    sample_kwargs = dict(expect(evaluation.pop('sample_kwargs', {}), dict, 'evaluation.sample_kwargs'))
    sample_model = sample_kwargs.pop('sample_model', MISSING)
    for name, value in sample_kwargs.items():
        m.drop(SECTION, f'evaluation.sample_kwargs.{name}', value, '1.x metrics take only sample_model', review=True)
    converted = [_gen_metric(m, metric, f'evaluation.metrics[{i}]', sample_model) for i, metric in enumerate(metrics)]
    extra = _hook_args(m, evaluation, GEN_EVAL_HOOK_ARGS)
    evaluator = dict(type='GenEvaluator', metrics=[metric for _, metric in converted], **extra)
    m.put('val_evaluator', evaluator)
    m.put('test_evaluator', evaluator)
    m.record(SECTION, 'evaluation', 'test_evaluator', note='tests with the validation metrics, as 0.x did')
    if best is not MISSING:
        _gen_best(m, best, converted)


def _gen_metric(m: Migration, metric: Any, key: str, sample_model: Any) -> Tuple[str, dict]:
    metric = dict(expect(metric, dict, key))
    old_type = expect_type_name(metric, key)
    spec = GEN_METRICS.get(old_type)
    if spec is None:
        m.record(SECTION, key, key, metric, metric, 'a metric reelkit does not know; carried over', review=True)
        return old_type, metric
    metric.pop('type')
    for name, value in dict(expect(metric.pop('inception_args', {}), dict, f'{key}.inception_args')).items():
        metric[f'inception_args.{name}'] = value
    new = apply_rules(m, SECTION, metric, spec.args, key, {'type': spec.type}, key)
    new['prefix'] = _gen_prefix(spec.prefix, new.get('fake_nums'))
    if sample_model is not MISSING:
        new['sample_model'] = sample_model
        m.record(SECTION, 'evaluation.sample_kwargs.sample_model', f'{key}.sample_model', sample_model, sample_model,
                 'each 1.x metric says which generator it samples')
    m.record(SECTION, f'{key}.type', f'{key}.type', old_type, spec.type, f'results are logged as {new["prefix"]}/...')
    return old_type, {k: new[k] for k in ('type', 'prefix', *[k for k in new if k not in ('type', 'prefix')])}


def _gen_prefix(base: str, count: Any) -> str:
    """``FID-Full-50k`` for 50000 images, ``IS-10k``...; the bare name when the count is unknown."""
    if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
        return base
    return f'{base}-{count // 1000}k' if count % 1000 == 0 else f'{base}-{count}'


def _gen_best(m: Migration, best: Any, converted: List[Tuple[str, dict]]) -> None:
    names = [best] if isinstance(best, str) else items_of(best, 'evaluation.best_metric')
    keys, rules = [], []
    for name in names:
        old_type, result_key, rule = GEN_BEST_METRICS.get(name, (None, name, None))
        prefix = next((metric.get('prefix') for t, metric in converted if t == old_type), None)
        if prefix is None or rule is None:
            raise ConfigError(f'evaluation.best_metric: {name!r} names no metric in evaluation.metrics '
                              f'(known: {", ".join(GEN_BEST_METRICS)})')
        keys.append(f'{prefix}/{result_key}')
        rules.append(rule)
    checkpoint = dict(save_best=keys if not isinstance(best, str) else keys[0],
                      rule=rules if not isinstance(best, str) else rules[0])
    for name, wanted in (('less_keys', 'less'), ('greater_keys', 'greater')):
        named = [k for k, r in zip(keys, rules) if r == wanted]
        if named:  # an empty list would replace the hook's own default keys
            checkpoint[name] = named
    for name, value in checkpoint.items():
        m.put(f'default_hooks.checkpoint.{name}', value)
    m.record(SECTION, 'evaluation.best_metric', 'default_hooks.checkpoint.save_best', best, checkpoint['save_best'],
             'the checkpoint hook keeps the best checkpoint, by the full 1.x metric key')
