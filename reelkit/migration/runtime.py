"""Runtime: training loops, hooks, logging, environment, checkpoints to load or resume.

* ``runner`` / ``total_epochs`` / ``total_iters`` -> ``train_cfg`` (:data:`RUNNER_LOOPS`), plus the
  flavour's ``val_cfg`` / ``test_cfg`` loops.
* ``checkpoint_config`` -> ``default_hooks.checkpoint``; ``log_config`` -> ``default_hooks.logger``
  and the visualizer's backends (logger hooks become visualization backends).
* ``custom_hooks``: known 0.x hooks are converted, others carried over and flagged.
* ``dist_params`` / ``cudnn_benchmark`` / ``mp_start_method`` / ``opencv_num_threads`` -> ``env_cfg``;
  ``resume_from`` -> ``load_from`` + ``resume``; ``workflow`` and other 0.x-only keys are dropped.
* What the official 1.x ``default_runtime.py`` holds is added when missing, so the written file
  stands alone.
"""
from typing import Any, Dict, NamedTuple, Optional

from reelkit.utils.errors import ConfigError

from .context import Migration, Rule, TrainLength, apply_rules, items_of, put_all, take_dict
from .flavors import Flavor
from .gan import GAN_HOOKS
from .values import MISSING, expect, expect_type_name, same_value

SECTION = 'runtime'
LOOPS = 'schedule'


class RunnerLoop(NamedTuple):
    loop: Dict[str, Any]   # the 1.x train_cfg, without its length
    by_epoch: bool


RUNNER_LOOPS = {
    'EpochBasedRunner': RunnerLoop(dict(type='EpochBasedTrainLoop'), by_epoch=True),
    'IterBasedRunner': RunnerLoop(dict(type='IterBasedTrainLoop'), by_epoch=False),
    # MMGeneration 1.x configs name the loop by ``by_epoch`` alone.
    'DynamicIterBasedRunner': RunnerLoop(dict(by_epoch=False), by_epoch=False),
}

CHECKPOINT_ARGS = (
    Rule('type', None, 'default_hooks.checkpoint is a CheckpointHook', default='CheckpointHook'),
    Rule('interval', 'interval'),
    Rule('by_epoch', 'by_epoch'),
    Rule('save_optimizer', 'save_optimizer'),
    Rule('out_dir', 'out_dir'),
    Rule('max_keep_ckpts', 'max_keep_ckpts'),
    Rule('save_last', 'save_last'),
    Rule('filename_tmpl', 'filename_tmpl'),
    Rule('file_client_args', 'file_client_args'),
    Rule('create_symlink', None, 'MMEngine records the last checkpoint in a file, not a symlink'),
)

LOG_CONFIG_ARGS = (Rule('interval', 'interval'), )
_ALL_LOGGER_HOOKS = (
    Rule('interval', None, 'every logger logs at default_hooks.logger.interval in 1.x'),
    Rule('by_epoch', None, 'log_processor.by_epoch follows the training loop'),
    Rule('reset_flag', None, 'MMEngine clears its log buffer itself'),
)
LOGGER_HOOK_ARGS: Dict[str, tuple] = {
    'TextLoggerHook': _ALL_LOGGER_HOOKS + (
        Rule('ignore_last', 'ignore_last'), Rule('interval_exp_name', 'interval_exp_name'),
        Rule('out_dir', 'out_dir'), Rule('out_suffix', 'out_suffix'), Rule('keep_local', 'keep_local'),
        Rule('file_client_args', 'file_client_args')),
    'TensorboardLoggerHook': _ALL_LOGGER_HOOKS + (
        Rule('ignore_last', None, 'the LoggerHook decides'),
        Rule('log_dir', None, 'the backend writes under <work_dir>/vis_data', review=True)),
    'WandbLoggerHook': _ALL_LOGGER_HOOKS + (
        Rule('ignore_last', None, 'the LoggerHook decides'),
        Rule('init_kwargs', 'init_kwargs'), Rule('commit', 'commit'),
        Rule('with_step', None, 'MMEngine logs the step itself'),
        Rule('log_artifact', None, 'WandbVisBackend does not upload the work dir', review=True),
        Rule('out_suffix', None, 'WandbVisBackend does not upload the work dir')),
    'MlflowLoggerHook': _ALL_LOGGER_HOOKS + (
        Rule('ignore_last', None, 'the LoggerHook decides'),
        Rule('exp_name', 'exp_name'), Rule('tags', 'tags'),
        Rule('log_model', None, 'MLflowVisBackend does not log the model', review=True)),
}

ENV_ARGS = (
    Rule('dist_params', 'dist_cfg'),
    Rule('cudnn_benchmark', 'cudnn_benchmark'),
    Rule('mp_start_method', 'mp_cfg.mp_start_method'),
    Rule('opencv_num_threads', 'mp_cfg.opencv_num_threads'),
)
ENV_DEFAULTS = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
                    dist_cfg=dict(backend='nccl'))

# Top-level 0.x keys: (1.x key or None, note)
TOP_LEVEL_MOVES = (
    Rule('seed', 'randomness.seed', '1.x seeds through randomness'),
    Rule('deterministic', 'randomness.deterministic', '1.x seeds through randomness'),
    Rule('auto_resume', 'resume', 'resume from the latest checkpoint in work_dir'),
    Rule('find_unused_parameters', 'find_unused_parameters', 'MMEngine still reads it when it wraps the model'),
    Rule('workflow', None, '1.x validates from train_cfg.val_interval; workflows are gone'),
    Rule('gpu_ids', None, 'the launcher decides the devices in 1.x'),
    Rule('precise_bn', None, 'MMAction2 1.x has no PreciseBN hook', review=True),
    Rule('omnisource', None, 'MMAction2 1.x has no OmniSource training', review=True),
    Rule('module_hooks', None, 'MMAction2 1.x has no module hooks', review=True),
    Rule('eval_config', None, 'test metrics are the test_evaluator in 1.x', review=True),
)

HOOK_KEY_ORDER = ('type', 'interval', 'by_epoch', 'save_optimizer', 'max_keep_ckpts', 'save_last', 'out_dir',
                  'save_best', 'rule', 'less_keys', 'greater_keys')
TRAIN_CFG_ORDER = ('type', 'by_epoch', 'max_epochs', 'max_iters', 'val_begin', 'val_interval')

DEFAULT_HOOKS = {
    'runtime_info': dict(type='RuntimeInfoHook'),
    'timer': dict(type='IterTimerHook'),
    'logger': dict(type='LoggerHook'),
    'param_scheduler': dict(type='ParamSchedulerHook'),
    'checkpoint': dict(type='CheckpointHook', interval=1),
    'sampler_seed': dict(type='DistSamplerSeedHook'),
    'sync_buffers': dict(type='SyncBuffersHook'),
}

# Hooks of mmcv 0.x that MMEngine 1.x still has, with their renamed arguments.
MMENGINE_HOOKS = {
    'EMAHook': (Rule('momentum', 'momentum'), Rule('interval', 'interval'),
                Rule('warm_up', None, 'MMEngine EMAHook starts at begin_iter instead', review=True),
                Rule('resume_from', None, 'resume with `resume`/`load_from`')),
    'EmptyCacheHook': (Rule('before_epoch', 'before_epoch'), Rule('after_epoch', 'after_epoch'),
                       Rule('after_iter', 'after_iter')),
    'SyncBuffersHook': (),
}
HOOK_COMMON_ARGS = (Rule('priority', 'priority'), )
# Arguments the 1.x hook needs to do what the mmcv hook did: (value, why).
MMENGINE_HOOK_ADDS = {
    # mmcv's momentum is the weight of the new value, MMEngine's convention; under reelkit's scope the bare
    # name is the MMGeneration-convention average (momentum in (0.5, 1)), which refuses it
    'EMAHook': {'ema_type': ('mmengine.ExponentialMovingAverage',
                             "mmcv's EMAHook momentum is MMEngine's (the weight of the new value)")},
}


# ------------------------------------------------------------------------------ loops
def runner_type(runner: Any, has_total_epochs: bool, flavor: Flavor) -> str:
    """The 0.x runner a config trains with: its ``runner.type``, or what 0.x assumed without one."""
    if isinstance(runner, dict) and 'type' in runner:
        return expect(runner['type'], str, 'runner.type')
    if isinstance(runner, dict) or has_total_epochs:
        return flavor.default_runner if not has_total_epochs else 'EpochBasedRunner'
    return 'DynamicIterBasedRunner' if flavor.name == 'gen' else 'IterBasedRunner'


def train_length(cfg: dict, flavor: Flavor) -> TrainLength:
    """How the 0.x config trains, from ``runner`` or ``total_epochs``/``total_iters``."""
    runner = cfg.get('runner')
    if not isinstance(runner, dict) and 'total_epochs' not in cfg and 'total_iters' not in cfg:
        return TrainLength(by_epoch=flavor.name != 'gen')
    rtype = runner_type(runner, 'total_epochs' in cfg, flavor)
    if rtype not in RUNNER_LOOPS:
        return TrainLength(by_epoch=flavor.name != 'gen')
    by_epoch = RUNNER_LOOPS[rtype].by_epoch
    count = cfg.get('total_epochs' if by_epoch else 'total_iters')
    if count is None and isinstance(runner, dict):
        count = runner.get('max_epochs' if by_epoch else 'max_iters')
    return TrainLength(by_epoch, count if isinstance(count, int) and not isinstance(count, bool) else None)


def convert_runner(m: Migration) -> None:
    runner = take_dict(m, 'runner', allow_none=True)
    if runner is None:
        m.drop(LOOPS, 'runner', None, 'None: 0.x chose the runner from total_epochs/total_iters')
        runner = MISSING
    totals = {k: m.take(k) for k in ('total_epochs', 'total_iters') if m.has(k)}
    if runner is MISSING and not totals:
        return
    had_runner = runner is not MISSING
    runner = dict(runner) if had_runner else {}
    rtype = runner_type(runner if had_runner else None, 'total_epochs' in totals, m.flavor)
    runner.pop('type', None)
    if rtype not in RUNNER_LOOPS:
        raise ConfigError(f'runner.type: unknown runner {rtype!r}; known: {", ".join(RUNNER_LOOPS)}')
    row = RUNNER_LOOPS[rtype]
    count_key = 'max_epochs' if row.by_epoch else 'max_iters'
    count = _train_count(m, runner, totals, count_key)
    loop = dict(row.loop, **({count_key: count} if count is not None else {}))
    put_all(m, {'train_cfg': loop})
    m.setdefault('train_cfg.val_begin', 1)
    m.setdefault('train_cfg.val_interval', 1)
    train_cfg = m.get('train_cfg')
    m.cfg['train_cfg'] = {k: train_cfg[k] for k in _ordered(train_cfg, TRAIN_CFG_ORDER)}
    m.record(LOOPS, 'runner.type' if had_runner else None, 'train_cfg', rtype if had_runner else MISSING,
             m.get('train_cfg'), f'{rtype} became a training loop')
    for name, value in runner.items():
        m.drop(LOOPS, f'runner.{name}', value, 'not an argument of the 1.x training loop', review=True)
    for split, loop_type in (('val', m.flavor.val_loop), ('test', m.flavor.test_loop)):
        if m.setdefault(f'{split}_cfg', dict(type=loop_type)):
            m.record(LOOPS, None, f'{split}_cfg', new_value=dict(type=loop_type), note=f'the {split} loop')


def _train_count(m: Migration, runner: dict, totals: dict, count_key: str) -> Optional[int]:
    from_runner = runner.pop(count_key, MISSING)
    total_key = 'total_epochs' if count_key == 'max_epochs' else 'total_iters'
    from_total = totals.pop(total_key, MISSING)
    for name, value in totals.items():
        m.drop(LOOPS, name, value, f'the runner counts {count_key}', review=True)
    if from_runner is not MISSING and from_total is not MISSING and from_runner != from_total:
        raise ConfigError(f'{total_key}: {from_total} disagrees with runner.{count_key}={from_runner}; keep one')
    count = from_runner if from_runner is not MISSING else from_total
    if count is MISSING:
        m.record(LOOPS, 'runner', f'train_cfg.{count_key}', note='the 0.x config does not say how long to train; '
                 f'set train_cfg.{count_key}', review=True)
        return None
    if from_total is not MISSING:
        m.record(LOOPS, total_key, f'train_cfg.{count_key}', count, count, 'the training loop counts it')
    return expect(count, int, f'runner.{count_key}' if from_runner is not MISSING else total_key)


def finalize_loops(m: Migration) -> None:
    """1.x needs each of val/test as a dataloader, a loop and an evaluator together (or none of them)."""
    for split, loop_type in (('val', m.flavor.val_loop), ('test', m.flavor.test_loop)):
        has = {part: m.has(f'{split}_{part}') for part in ('dataloader', 'evaluator', 'cfg')}
        if has['dataloader'] and has['evaluator'] and not has['cfg']:
            m.put(f'{split}_cfg', dict(type=loop_type))
            m.record(LOOPS, None, f'{split}_cfg', new_value=dict(type=loop_type), note=f'the {split} loop')
        elif m.facts.get('had_data') and not all(has.values()) and any(has.values()):
            missing = ', '.join(f'{split}_{p}' for p, present in has.items() if not present)
            for part in (p for p, present in has.items() if present):
                # dropping the user's data is worth a look; a loop or evaluator without data is not
                m.drop(LOOPS, f'{split}_{part}', m.take(f'{split}_{part}'), f'1.x runs the {split} loop only with '
                       f'a dataloader, a loop and an evaluator, and this config has no {missing}',
                       review=part == 'dataloader')


# ------------------------------------------------------------------------------ hooks
def convert_checkpoint(m: Migration) -> None:
    cfg = take_dict(m, 'checkpoint_config', allow_none=True)
    if cfg is MISSING:
        return
    if cfg is None:
        best = m.take('default_hooks.checkpoint')  # what evaluation asked for (save_best)
        if best is not MISSING:
            m.drop(SECTION, 'default_hooks.checkpoint', best, '0.x saved no checkpoints, so no best one either')
        m.put('default_hooks.checkpoint', None)
        m.record(SECTION, 'checkpoint_config', 'default_hooks.checkpoint', None, None, 'no checkpoints, as in 0.x')
        return
    hook = apply_rules(m, SECTION, dict(cfg), CHECKPOINT_ARGS, 'checkpoint_config', {}, 'default_hooks.checkpoint')
    for key, value in hook.items():
        m.put(f'default_hooks.checkpoint.{key}', value)


def convert_logging(m: Migration) -> None:
    cfg = take_dict(m, 'log_config', allow_none=True)
    had_hooks = isinstance(cfg, dict) and 'hooks' in cfg
    backends = [dict(type=m.flavor.vis_backends['TextLoggerHook'])]
    if cfg is None:
        m.drop(SECTION, 'log_config', None, '1.x always logs through default_hooks.logger', review=True)
    elif cfg is not MISSING:
        cfg = dict(cfg)
        hooks = items_of(cfg.pop('hooks', []), 'log_config.hooks')
        logger = apply_rules(m, SECTION, cfg, LOG_CONFIG_ARGS, 'log_config', {}, 'default_hooks.logger')
        for i, hook in enumerate(hooks):
            backend = _logger_hook(m, hook, f'log_config.hooks[{i}]', logger)
            if backend is not None and not any(same_value(backend, b) for b in backends):
                backends.append(backend)
        put_all(m, {'default_hooks': {'logger': logger}})
    if not m.length.by_epoch:
        m.setdefault('default_hooks.logger.log_metric_by_epoch', False)
    if m.setdefault('vis_backends', backends):
        m.record(SECTION, 'log_config.hooks' if had_hooks else None, 'vis_backends', new_value=backends,
                 note='where logs and images go (logger hooks became visualization backends)')
    if m.setdefault('visualizer', dict(type=m.flavor.visualizer, vis_backends=m.get('vis_backends'))):
        m.record(SECTION, None, 'visualizer', new_value=m.get('visualizer'), note='draws to the backends')


def _logger_hook(m: Migration, hook: Any, key: str, logger: dict) -> Optional[dict]:
    hook = dict(expect(hook, dict, key))
    htype = expect_type_name(hook, key)
    hook.pop('type')
    backend_type = m.flavor.vis_backends.get(htype)
    if htype not in LOGGER_HOOK_ARGS and backend_type is None:
        return _carry_custom_hook(m, dict(type=htype, **hook), key)
    if backend_type is None:
        m.drop(SECTION, key, dict(type=htype, **hook), f'no {m.flavor.default_scope} 1.x backend for it', review=True)
        return None
    if htype == 'TextLoggerHook':
        apply_rules(m, SECTION, hook, LOGGER_HOOK_ARGS[htype], key, logger, 'default_hooks.logger')
        return dict(type=backend_type)
    backend = apply_rules(m, SECTION, hook, LOGGER_HOOK_ARGS.get(htype, _ALL_LOGGER_HOOKS), key, {},
                          f'vis_backends[{backend_type}]')
    m.record(SECTION, f'{key}.type', f'vis_backends[{backend_type}]', htype, backend_type,
             'logger hooks became visualization backends')
    return dict(type=backend_type, **backend)


def _carry_custom_hook(m: Migration, hook: dict, key: str) -> None:
    m.cfg.setdefault('custom_hooks', [])
    expect(m.cfg['custom_hooks'], list, 'custom_hooks').append(hook)
    m.record(SECTION, key, 'custom_hooks', hook, hook, 'a hook reelkit does not know; carried over, check it '
             'exists in 1.x', review=True)
    return None


def convert_custom_hooks(m: Migration) -> None:
    hooks = m.take('custom_hooks')
    if hooks is MISSING:
        return
    converted = []
    for i, hook in enumerate(items_of(hooks, 'custom_hooks')):
        key = f'custom_hooks[{i}]'
        hook = dict(expect(hook, dict, key))
        htype = expect_type_name(hook, key)
        if htype in GAN_HOOKS:
            converted.append(GAN_HOOKS[htype](m, hook, key))
        elif htype in MMENGINE_HOOKS:
            converted.append(_mmengine_hook(m, hook, htype, key))
        else:
            converted.append(hook)
            m.record(SECTION, key, key, hook, hook, 'a custom hook; carried over, check it exists in 1.x', review=True)
    m.put('custom_hooks', converted)


def _mmengine_hook(m: Migration, hook: dict, htype: str, key: str) -> dict:
    new = dict(type=htype)
    for name, (value, note) in MMENGINE_HOOK_ADDS.get(htype, {}).items():
        if name not in hook:
            new[name] = value
            m.record(SECTION, None, f'{key}.{name}', new_value=value, note=note)
    args = {k: v for k, v in hook.items() if k != 'type'}
    return apply_rules(m, SECTION, args, MMENGINE_HOOKS[htype] + HOOK_COMMON_ARGS, key, new, key)


# ------------------------------------------------------------------------------ environment
def convert_env(m: Migration) -> None:
    found = {r.old: m.take(r.old) for r in ENV_ARGS if m.has(r.old)}
    put_all(m, {'env_cfg': apply_rules(m, SECTION, found, ENV_ARGS, '', {}, 'env_cfg')})


def convert_resume(m: Migration) -> None:
    resume_from = m.take('resume_from')
    if resume_from is MISSING:
        return
    if resume_from is None:
        m.drop(SECTION, 'resume_from', None, 'not resuming: resume=False')
        return
    load_from = m.take('load_from')
    if load_from not in (MISSING, None):
        m.drop(SECTION, 'load_from', load_from, '0.x resumed from resume_from and ignored load_from', review=True)
    m.put('load_from', resume_from)
    m.put('resume', True)
    m.record(SECTION, 'resume_from', 'load_from', resume_from, resume_from, 'with resume=True: resume from it')


def convert_top_level(m: Migration) -> None:
    found = {r.old: m.take(r.old) for r in TOP_LEVEL_MOVES if m.has(r.old)}
    put_all(m, apply_rules(m, SECTION, found, TOP_LEVEL_MOVES, '', {}, ''))


# ------------------------------------------------------------------------------ defaults
def _ordered_hook(hook: Any) -> Any:
    return {k: hook[k] for k in _ordered(hook, HOOK_KEY_ORDER)} if isinstance(hook, dict) else hook


def _ordered(cfg: dict, order: tuple) -> list:
    """Keys of ``cfg``: those in ``order`` first, in that order, then the rest as they are."""
    return [k for k in order if k in cfg] + [k for k in cfg if k not in order]


def _default_hook(flavor: Flavor, name: str) -> dict:
    hook = dict(DEFAULT_HOOKS[name])
    if name == 'timer':
        hook['type'] = flavor.timer_hook
    return hook


def add_runtime_defaults(m: Migration) -> None:
    """What the 1.x ``default_runtime.py`` sets, where the 0.x config said nothing."""
    added = []
    defaults = (('default_scope', m.flavor.default_scope), ('log_level', 'INFO'), ('load_from', None),
                ('resume', False))
    for key, value in defaults:
        if m.setdefault(key, value):
            added.append(key)
    hooks = expect(m.cfg.setdefault('default_hooks', {}), dict, 'default_hooks')
    for name in m.flavor.default_hooks:
        hook = hooks.get(name, MISSING)
        if hook is None:  # switched off on purpose (checkpoint_config=None)
            continue
        if not isinstance(hook, dict):
            added.append(f'default_hooks.{name}')
        hooks[name] = dict(_default_hook(m.flavor, name), **(hook if isinstance(hook, dict) else {}))
    m.cfg['default_hooks'] = {k: _ordered_hook(hooks[k]) for k in _ordered(hooks, tuple(DEFAULT_HOOKS))}
    for key, value in ENV_DEFAULTS.items():
        if m.setdefault(f'env_cfg.{key}', value):
            added.append(f'env_cfg.{key}')
    m.cfg['env_cfg'] = {k: m.cfg['env_cfg'][k] for k in _ordered(m.cfg['env_cfg'], tuple(ENV_DEFAULTS))}
    if m.setdefault('log_processor', dict(type=m.flavor.log_processor, by_epoch=m.length.by_epoch)):
        added.append('log_processor')
    if added:
        m.record(SECTION, None, ', '.join(added), note=f'defaults of the {m.flavor.default_scope} 1.x runtime, '
                 'so the file stands alone')
