"""Optimisation: ``optimizer`` + ``optimizer_config`` + ``fp16`` -> ``optim_wrapper``, and
``lr_config`` / ``momentum_config`` -> ``param_scheduler``.

Learning-rate policies are rows of :data:`POLICIES`. A row names the function that builds the
main MMEngine scheduler, whether the policy has a momentum form, whether the main schedule starts
where the warmup ends (the layout of the official 1.x configs for decaying schedules; step
milestones keep counting from 0), and whether it needs to know where training ends.
Warmups are rows of :data:`WARMUPS`. 0.x warmup multiplied the learning rate every iteration;
the 1.x warmup schedulers do the same with ``convert_to_iter_based`` when counted in epochs.
"""
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

from reelkit.utils.errors import ConfigError

from .context import Migration, Rule, apply_rules, take_dict
from .flavors import is_per_module
from .values import MISSING, expect, short_repr

SECTION = 'schedule'
DEFAULT_CONSTRUCTOR = 'DefaultOptimWrapperConstructor'
GEN_CONSTRUCTOR = 'GenOptimWrapperConstructor'
AMP_WRAPPER = 'AmpOptimWrapper'

OPTIMIZER_CONSTRUCTORS = {
    'DefaultOptimizerConstructor': DEFAULT_CONSTRUCTOR,
    'TSMOptimizerConstructor': 'TSMOptimWrapperConstructor',
    'LearningRateDecayOptimizerConstructor': 'LearningRateDecayOptimizerConstructor',
}

# optimizer_config.type -> the loss scale of its mixed precision (None: full precision).
# mmcv's fp16 hooks defaulted to a static scale of 512.
OPTIMIZER_HOOKS = {
    'OptimizerHook': None,
    'DistOptimizerHook': None,
    'GradientCumulativeOptimizerHook': None,
    'Fp16OptimizerHook': 512.,
    'GradientCumulativeFp16OptimizerHook': 512.,
}
# MMAction2's DistOptimizerHook(use_fp16=True) trained with apex amp, whose loss scale is dynamic.
APEX_LOSS_SCALE = 'dynamic'
OPTIMIZER_CONFIG_ARGS = (
    Rule('grad_clip', 'clip_grad', default=None),
    Rule('cumulative_iters', 'accumulative_counts', 'gradient accumulation', default=1),
    Rule('update_interval', 'accumulative_counts', 'gradient accumulation', default=1),
    Rule('loss_scale', 'loss_scale'),
    Rule('detect_anomalous_params', None, 'MMEngine has no such check; try torch.autograd.set_detect_anomaly',
         default=False, review=True),
    Rule('coalesce', None, 'MMEngine leaves gradient bucketing to DistributedDataParallel'),
    Rule('bucket_size_mb', None, 'MMEngine leaves gradient bucketing to DistributedDataParallel'),
    Rule('distributed', None, 'MMEngine knows from the launcher'),
)
FP16_ARGS = (Rule('loss_scale', 'loss_scale'), )
MMCV_LOSS_SCALE = OPTIMIZER_HOOKS['Fp16OptimizerHook']


# --------------------------------------------------------------------------- optimizer
def wrapper_keys(m: Migration) -> List[str]:
    """Dotted keys of the optim wrapper(s): one, or one per module for GANs."""
    wrapper = m.get('optim_wrapper')
    if not isinstance(wrapper, dict):
        return []
    if 'optimizer' not in wrapper:  # one per module (GenOptimWrapperConstructor, PGGANOptimWrapperConstructor)
        return [f'optim_wrapper.{k}' for k, v in wrapper.items() if isinstance(v, dict) and 'optimizer' in v]
    return ['optim_wrapper']


def set_on_wrappers(m: Migration, name: str, value: Any) -> None:
    """Set ``name`` on every optim wrapper (both modules of a GAN)."""
    for key in wrapper_keys(m):
        m.get(key)[name] = value


def convert_optimizer(m: Migration) -> None:
    optimizer = take_dict(m, 'optimizer', allow_none=True)
    if optimizer is None:
        m.drop(SECTION, 'optimizer', None, 'the model builds its own optimizers (or the config only tests)',
               review=True)
        optimizer = MISSING
    optimizer_config = take_dict(m, 'optimizer_config', allow_none=True)
    fp16 = take_dict(m, 'fp16', allow_none=True)
    if optimizer is MISSING:
        for key, value in (('optimizer_config', optimizer_config), ('fp16', fp16)):
            if value is not MISSING:
                m.drop(SECTION, key, value, 'the config has no optimizer', review=value is not None)
        return
    if is_per_module(optimizer):
        wrapper = dict(constructor=GEN_CONSTRUCTOR)
        for name, sub in optimizer.items():
            wrapper[name] = _wrapper(m, sub, f'optimizer.{name}', f'optim_wrapper.{name}')
        m.record(SECTION, 'optimizer', 'optim_wrapper.constructor', new_value=GEN_CONSTRUCTOR,
                 note='one optimizer per module, built by MMGeneration\'s constructor')
    else:
        wrapper = _wrapper(m, optimizer, 'optimizer', 'optim_wrapper')
    m.put('optim_wrapper', wrapper)
    if optimizer_config not in (MISSING, None):
        _optimizer_config(m, dict(optimizer_config))
    elif optimizer_config is None:
        m.drop(SECTION, 'optimizer_config', None, 'the optim wrapper steps the optimizer itself')
    if fp16 is not MISSING:
        _fp16(m, fp16)


def float_betas(m: Migration, optimizer: dict, old_key: str, new_key: str) -> None:
    """``betas=(0, 0.99)``: PyTorch 2 optimizers refuse an int next to a float (0.x configs wrote such pairs)."""
    betas = optimizer.get('betas')
    if not isinstance(betas, (list, tuple)) or not all(isinstance(b, (int, float)) for b in betas):
        return
    kinds = {type(b) for b in betas if not isinstance(b, bool)}
    if int in kinds and float in kinds:
        optimizer['betas'] = type(betas)(float(b) for b in betas)
        m.record(SECTION, f'{old_key}.betas', f'{new_key}.optimizer.betas', betas, optimizer['betas'],
                 'PyTorch 2 optimizers want both betas as floats')


def _wrapper(m: Migration, optimizer: Any, old_key: str, new_key: str) -> dict:
    optimizer = dict(expect(optimizer, dict, old_key))
    wrapper: Dict[str, Any] = {}
    constructor = optimizer.pop('constructor', MISSING)
    paramwise_cfg = optimizer.pop('paramwise_cfg', MISSING)
    wrapper['optimizer'] = optimizer
    m.record(SECTION, old_key, f'{new_key}.optimizer', optimizer, optimizer, 'the optimizer sits in the optim wrapper')
    float_betas(m, optimizer, old_key, new_key)
    if paramwise_cfg is not MISSING:
        wrapper['paramwise_cfg'] = paramwise_cfg
        m.record(SECTION, f'{old_key}.paramwise_cfg', f'{new_key}.paramwise_cfg', paramwise_cfg, paramwise_cfg,
                 'next to the optimizer, not inside it')
    if constructor is not MISSING:
        _constructor(m, wrapper, constructor, f'{old_key}.constructor', f'{new_key}.constructor')
    return wrapper


def _constructor(m: Migration, wrapper: dict, constructor: Any, old_key: str, new_key: str) -> None:
    name = expect(constructor, str, old_key)
    new = OPTIMIZER_CONSTRUCTORS.get(name)
    if new == DEFAULT_CONSTRUCTOR:
        m.drop(SECTION, old_key, name, 'MMEngine uses its default constructor without being told')
    elif new is None:
        wrapper['constructor'] = name
        m.record(SECTION, old_key, new_key, name, name, 'a constructor reelkit does not know; check it '
                 'is an optim wrapper constructor in 1.x', review=True)
    else:
        wrapper['constructor'] = new
        m.record(SECTION, old_key, new_key, name, new, 'optimizer constructors build optim wrappers in 1.x')


def _optimizer_config(m: Migration, cfg: dict) -> None:
    hook = expect(cfg.pop('type', 'OptimizerHook'), str, 'optimizer_config.type')
    if hook not in OPTIMIZER_HOOKS:
        raise ConfigError(f'optimizer_config.type: unknown optimizer hook {hook!r}; known: '
                          f'{", ".join(sorted(OPTIMIZER_HOOKS))}; write optim_wrapper by hand')
    default_scale = OPTIMIZER_HOOKS[hook]
    if cfg.pop('use_fp16', False):
        default_scale = APEX_LOSS_SCALE
    target = 'optim_wrapper' if wrapper_keys(m) == ['optim_wrapper'] else 'optim_wrapper.<each module>'
    settings = apply_rules(m, SECTION, cfg, OPTIMIZER_CONFIG_ARGS, 'optimizer_config', {}, target)
    loss_scale = settings.pop('loss_scale', default_scale)
    if default_scale is None and loss_scale is not None:  # a loss scale says mixed precision was meant
        default_scale = loss_scale
    for key in wrapper_keys(m):
        m.get(key).update(settings)
    if default_scale is not None:
        set_amp(m, loss_scale, 'optimizer_config.type', hook)


def _fp16(m: Migration, fp16: Optional[dict]) -> None:
    if fp16 is None:
        m.drop(SECTION, 'fp16', None, 'None turns mixed precision off, as 1.x does by default')
        return
    settings = apply_rules(m, SECTION, dict(fp16), FP16_ARGS, 'fp16', {}, 'optim_wrapper')
    set_amp(m, settings.pop('loss_scale', MMCV_LOSS_SCALE), 'fp16', fp16)
    set_on_wrappers_dict(m, settings)


def set_on_wrappers_dict(m: Migration, settings: dict) -> None:
    for name, value in settings.items():
        set_on_wrappers(m, name, value)


def set_amp(m: Migration, loss_scale: Any, old_key: str, old_value: Any) -> None:
    """Train in mixed precision: ``AmpOptimWrapper`` with ``loss_scale`` on every wrapper."""
    for key in wrapper_keys(m):
        wrapper = m.get(key)
        wrapper['type'] = AMP_WRAPPER
        wrapper['loss_scale'] = loss_scale
        m.record(SECTION, old_key, f'{key}.type', old_value, AMP_WRAPPER,
                 f'mixed precision is an optim wrapper in 1.x (loss_scale={short_repr(loss_scale)})')


def base_lrs(m: Migration) -> Dict[str, float]:
    """The learning rate of each optim wrapper, keyed by module name ('' for a single wrapper)."""
    lrs = {}
    for key in wrapper_keys(m):
        lr = m.get(f'{key}.optimizer.lr')
        if lr is not MISSING:
            lrs[key.partition('.')[2]] = expect(lr, (int, float), f'{key}.optimizer.lr')
    return lrs


# --------------------------------------------------------------------------- schedules
class Policy(NamedTuple):
    build: Callable[['_Build'], Optional[dict]]
    momentum: bool        # MMEngine has a momentum form
    after_warmup: bool    # the main schedule starts where the warmup ends
    needs_end: bool       # MMEngine must know where it ends


class _Build(NamedTuple):
    """What a policy builder reads: the migration, the rest of the 0.x dict, its key, lr or momentum."""
    m: Migration
    cfg: dict
    key: str
    param: str

    def type_name(self, base: str) -> str:
        return base + ('LR' if self.param == 'lr' else 'Momentum')

    def args(self, rules: Tuple[Rule, ...], sched: dict) -> dict:
        rules = tuple(r._replace(old=r.old.format(p=self.param)) for r in rules)
        own = {r.old: self.cfg.pop(r.old) for r in rules if r.old in self.cfg}
        return apply_rules(self.m, SECTION, own, rules, self.key, sched, f'param_scheduler[{sched["type"]}]')

    def required(self, name: str) -> Any:
        if name not in self.cfg:
            raise ConfigError(f'{self.key}.{name}: missing; this policy needs it')
        return self.cfg.pop(name)


_ETA_MIN = (Rule('min_{p}', 'eta_min', default=0), Rule('min_{p}_ratio', 'eta_min_ratio'))


def _step(b: _Build) -> dict:
    step = b.required('step')
    if isinstance(step, int) and not isinstance(step, bool):
        sched = dict(type=b.type_name('Step'), step_size=step)
    else:
        milestones = [expect(s, int, f'{b.key}.step') for s in expect(step, (list, tuple), f'{b.key}.step')]
        sched = dict(type=b.type_name('MultiStep'), milestones=milestones)
    sched['gamma'] = b.cfg.pop('gamma', 0.1 if b.param == 'lr' else 0.5)  # mmcv's defaults
    b.m.record(SECTION, f'{b.key}.step', f'param_scheduler[{sched["type"]}]', step, sched,
               'step policy: decay by gamma at each milestone')
    return b.args((Rule('min_{p}', None, "MMEngine's step schedulers have no lower bound", review=True), ), sched)


def _cosine(b: _Build) -> dict:
    return b.args(_ETA_MIN, dict(type=b.type_name('CosineAnnealing')))


def _cosine_restart(b: _Build) -> dict:
    """MMEngine's CosineRestart, like mmcv's, needs exactly one of eta_min and eta_min_ratio, even 0."""
    if (f'min_{b.param}' in b.cfg) == (f'min_{b.param}_ratio' in b.cfg):
        raise ConfigError(f'{b.key}: CosineRestart needs exactly one of min_{b.param} and min_{b.param}_ratio')
    sched = dict(type=b.type_name('CosineRestart'), periods=b.required('periods'))
    minimum = (Rule('min_{p}', 'eta_min'), Rule('min_{p}_ratio', 'eta_min_ratio'))
    return b.args((Rule('restart_weights', 'restart_weights', default=[1]), ) + minimum, sched)


def _poly(b: _Build) -> dict:
    return b.args((Rule('power', 'power', default=1.0), ) + _ETA_MIN, dict(type=b.type_name('Poly')))


def _exp(b: _Build) -> dict:
    return dict(type=b.type_name('Exponential'), gamma=b.required('gamma'))


def _fixed(b: _Build) -> None:
    b.m.record(SECTION, f'{b.key}.policy', None, 'Fixed', note='a constant rate needs no scheduler')
    return None


def _linear_annealing(b: _Build) -> dict:
    """Linear decay to ``min_{p}`` (or ``min_{p}_ratio`` of the start): LinearLR between two factors."""
    ratio_key, min_key = f'min_{b.param}_ratio', f'min_{b.param}'
    if ratio_key in b.cfg:
        end_factor = expect(b.cfg.pop(ratio_key), (int, float), f'{b.key}.{ratio_key}')
    else:
        minimum = expect(b.cfg.pop(min_key, 0), (int, float), f'{b.key}.{min_key}')
        end_factor = minimum / _single_base(b) if minimum else 0
    sched = dict(type=b.type_name('Linear'), start_factor=1.0, end_factor=end_factor)
    b.m.record(SECTION, b.key, f'param_scheduler[{sched["type"]}]', new_value=sched,
               note='LinearAnnealing: a linear decay between two factors of the base value')
    return sched


def _one_cycle(b: _Build) -> dict:
    sched = dict(type='OneCycleLR', eta_max=b.required('max_lr'))
    rules = (Rule('total_steps', 'total_steps'), Rule('pct_start', 'pct_start', default=0.3),
             Rule('anneal_strategy', 'anneal_strategy', default='cos'), Rule('div_factor', 'div_factor', default=25),
             Rule('final_div_factor', 'final_div_factor', default=1e4),
             Rule('three_phase', 'three_phase', default=False))
    return b.args(rules, sched)


def _linear_interval(b: _Build) -> Any:
    """MMGeneration's Linear policy: LinearLrInterval, whose factors are learning rates themselves."""
    sched = dict(type='LinearLrInterval', interval=b.cfg.pop('interval', 1))
    begin = b.cfg.pop('start', 0)
    target = b.cfg.pop('target_lr', 0)
    lrs = base_lrs(b.m)
    if not lrs:
        raise ConfigError(f'{b.key}.policy: Linear needs the optimizer lr (LinearLrInterval starts from it)')
    per_module = {name: dict(sched, start_factor=lr, end_factor=target, begin=begin) for name, lr in lrs.items()}
    b.m.record(SECTION, b.key, 'param_scheduler[LinearLrInterval]', new_value=per_module,
               note='MMGeneration 1.x LinearLrInterval takes learning rates as start_factor/end_factor')
    if len(set(lrs.values())) == 1:
        return next(iter(per_module.values()))
    return per_module


def _single_base(b: _Build) -> float:
    lrs = base_lrs(b.m) if b.param == 'lr' else {}
    if len(set(lrs.values())) != 1 or not next(iter(lrs.values())):
        raise ConfigError(f'{b.key}.min_{b.param}: LinearAnnealing with min_{b.param} needs the base value '
                          f'from a single optimizer; use min_{b.param}_ratio instead')
    return next(iter(lrs.values()))


POLICIES: Dict[str, Policy] = {
    'Step': Policy(_step, momentum=True, after_warmup=False, needs_end=False),
    'CosineAnnealing': Policy(_cosine, momentum=True, after_warmup=True, needs_end=True),
    'CosineRestart': Policy(_cosine_restart, momentum=True, after_warmup=False, needs_end=False),
    'Poly': Policy(_poly, momentum=True, after_warmup=True, needs_end=True),
    'Exp': Policy(_exp, momentum=True, after_warmup=True, needs_end=False),
    'Fixed': Policy(_fixed, momentum=False, after_warmup=False, needs_end=False),
    'LinearAnnealing': Policy(_linear_annealing, momentum=True, after_warmup=True, needs_end=True),
    'OneCycle': Policy(_one_cycle, momentum=False, after_warmup=False, needs_end=True),
    'Linear': Policy(_linear_interval, momentum=False, after_warmup=False, needs_end=True),
}


class Span(NamedTuple):
    """Where a warmup ends, in its unit."""
    end: int
    by_epoch: bool


def _linear_warmup(ratio: float, span: Span) -> List[dict]:
    return [dict(type='LinearLR', start_factor=ratio)]


def _constant_warmup(ratio: float, span: Span) -> List[dict]:
    return [dict(type='ConstantLR', factor=ratio)]


def _exp_warmup(ratio: float, span: Span) -> List[dict]:
    """lr * ratio ** (1 - t / end): a one-step factor ``ratio``, then growth by ratio ** (-1 / end)."""
    return [dict(type='LinearLR', start_factor=ratio, end_factor=ratio, end_at=1),
            dict(type='ExponentialLR', gamma=ratio ** (-1 / span.end), end_at=span.end + 1)]


WARMUPS: Dict[str, Callable[[float, Span], List[dict]]] = {
    'constant': _constant_warmup,
    'linear': _linear_warmup,
    'exp': _exp_warmup,
}


def convert_schedules(m: Migration) -> None:
    """``lr_config`` and ``momentum_config`` -> ``param_scheduler``."""
    lr = _convert_schedule(m, 'lr_config', 'lr')
    momentum = _convert_schedule(m, 'momentum_config', 'momentum')
    if isinstance(lr, dict):  # one list per module
        combined: Any = {name: own + [dict(s) for s in momentum] for name, own in lr.items()}
    else:
        combined = lr + momentum
        if len(combined) == 1 and m.flavor.bare_single_scheduler:
            combined = combined[0]
    if combined:
        m.put('param_scheduler', combined)


def _convert_schedule(m: Migration, key: str, param: str) -> Any:
    cfg = take_dict(m, key, allow_none=True)
    if cfg is MISSING:
        return []
    if cfg is None:
        m.drop(SECTION, key, None, f'0.x registered no {param} hook; the {param} stays constant')
        return []
    return build_schedulers(m, dict(cfg), key, param)


def build_schedulers(m: Migration, cfg: dict, key: str, param: str) -> Any:
    """The 1.x schedulers (a list, or a dict per module) for one 0.x ``lr_config``/``momentum_config``."""
    name = _policy_name(cfg.pop('policy', MISSING), key)
    policy = POLICIES.get(name)
    known = sorted(p for p, row in POLICIES.items() if param == 'lr' or row.momentum)
    if policy is None or (param == 'momentum' and not policy.momentum):
        raise ConfigError(f'{key}.policy: unknown policy {name!r}; known: {", ".join(known)}')
    by_epoch = expect(cfg.pop('by_epoch', name != 'OneCycle'), bool, f'{key}.by_epoch')
    warmup, span = _warmup(m, cfg, key, param)
    main = policy.build(_Build(m, cfg, key, param))
    if main is None:
        return warmup
    begin = _main_begin(m, policy, span, by_epoch, key)
    if 'type' in main:
        return warmup + [_place(m, policy, main, key, by_epoch, begin, cfg)]
    # one scheduler per module (MMGeneration Linear with different learning rates)
    return {name: [dict(s) for s in warmup] + [_place(m, policy, sched, key, by_epoch, begin, dict(cfg))]
            for name, sched in main.items()}


def _policy_name(policy: Any, key: str) -> str:
    """mmcv's rule: an all-lowercase policy is title-cased (``'step'`` -> ``'Step'``)."""
    if policy is MISSING:
        raise ConfigError(f'{key}.policy: missing; known: {", ".join(sorted(POLICIES))}')
    name = expect(policy, str, f'{key}.policy')
    return name.title() if name == name.lower() else name


def _place(m: Migration, policy: Policy, sched: dict, key: str, by_epoch: bool, begin: int, rest: dict) -> dict:
    sched = dict(sched)
    sched['by_epoch'] = sched.pop('by_epoch', by_epoch)
    sched.setdefault('begin', begin)
    if sched['begin'] == 0:
        del sched['begin']
    end = m.length.max if m.length.max is not None and by_epoch == m.length.by_epoch else None
    if end is not None:
        sched.setdefault('end', end)
    elif policy.needs_end and 'total_steps' not in sched:
        m.record(SECTION, key, f'param_scheduler[{sched["type"]}].end', note=f'unknown: the config does not say '
                 f'how many {"epochs" if by_epoch else "iterations"} training runs; set `end`', review=True)
    return apply_rules(m, SECTION, rest, (), key, sched, f'param_scheduler[{sched["type"]}]')


def _main_begin(m: Migration, policy: Policy, span: Optional[Span], by_epoch: bool, key: str) -> int:
    if span is None or not policy.after_warmup:
        return 0
    if span.by_epoch != by_epoch:
        m.record(SECTION, f'{key}.warmup_by_epoch', 'param_scheduler', note='warmup and schedule count in '
                 'different units; the schedule starts at 0 under the warmup, as in 0.x', review=True)
        return 0
    m.record(SECTION, key, 'param_scheduler', note=f'the decay now starts when the warmup ends ({span.end} '
             f'{"epochs" if by_epoch else "iterations"}), as official 1.x configs do; 0.x decayed from 0 under '
             'the warmup', review=True)
    return span.end


def _warmup(m: Migration, cfg: dict, key: str, param: str) -> Tuple[List[dict], Optional[Span]]:
    kind = cfg.pop('warmup', None)
    settings = {name: cfg.pop(name) for name in ('warmup_iters', 'warmup_ratio', 'warmup_by_epoch') if name in cfg}
    if kind is None or settings.get('warmup_iters', 0) == 0:
        for name, value in settings.items():
            m.drop(SECTION, f'{key}.{name}', value, 'no warmup is set, so it did nothing')
        if kind is not None:
            m.drop(SECTION, f'{key}.warmup', kind, 'warmup_iters is 0: no warmup')
        return [], None
    if param != 'lr':
        raise ConfigError(f'{key}.warmup: MMEngine has no momentum warmup; remove it or write param_scheduler by hand')
    if kind not in WARMUPS:
        raise ConfigError(f'{key}.warmup: unknown warmup {kind!r}; known: {", ".join(sorted(WARMUPS))}')
    by_epoch = expect(settings.get('warmup_by_epoch', False), bool, f'{key}.warmup_by_epoch')
    # mmcv multiplied epochs by the epoch length, so a fraction of an epoch was allowed
    span = Span(expect(settings['warmup_iters'], (int, float) if by_epoch else int, f'{key}.warmup_iters'),
                by_epoch)
    ratio = expect(settings.get('warmup_ratio', 0.1), (int, float), f'{key}.warmup_ratio')
    if span.end < 0 or not 0 < ratio <= 1:
        raise ConfigError(f'{key}: warmup_iters={span.end}, warmup_ratio={ratio}; expected warmup_iters > 0 and '
                          '0 < warmup_ratio <= 1')
    schedulers = [_warmup_units(sched, span) for sched in WARMUPS[kind](ratio, span)]
    m.record(SECTION, f'{key}.warmup', 'param_scheduler', dict(warmup=kind, **settings), schedulers,
             f'{kind} warmup over {span.end} {"epochs" if span.by_epoch else "iterations"}, '
             'changing the rate every iteration as 0.x did')
    if kind == 'exp' and span.by_epoch:
        m.record(SECTION, f'{key}.warmup', 'param_scheduler', note='the exp warmup counted in epochs now grows '
                 'once per epoch (its per-iteration rate depends on the epoch length)', review=True)
    return schedulers, span


def _warmup_units(sched: dict, span: Span) -> dict:
    sched = dict(sched)
    end = sched.pop('end_at', span.end)
    sched['by_epoch'] = span.by_epoch
    sched['end'] = end
    if span.by_epoch and sched['type'] != 'ExponentialLR':
        sched['convert_to_iter_based'] = True
    return sched
