"""MMGeneration 0.x specifics (seed 002): models, GAN training settings, EMA, DDP, AMP, visualization.

* Generic 0.x model types (``StaticUnconditionalGAN``, ``BasiccGAN``...) become the 1.x class of
  their generator (:data:`GAN_MODEL_TYPES`); ``gan_loss`` and auxiliary losses leave the config
  (1.x models compute their own loss), flagged.
* ``train_cfg`` ``disc_steps``/``gen_steps``/``batch_accumulation_steps`` become
  ``discriminator_steps = disc_steps // batch_accumulation_steps``, ``generator_steps = gen_steps``
  and ``accumulative_counts = batch_accumulation_steps`` on both optim wrappers.
* ``use_ema`` and the ``ExponentialMovingAverageHook`` become ``model.ema_config``.
* Progressive growing (PGGAN, StyleGAN v1): ``nkimgs_per_scale``/``transition_kimgs``/``interp_real`` move
  into the model; ``optimizer_cfg`` and the per-scale learning rates become an optim wrapper built by
  ``PGGANOptimWrapperConstructor``.
* ``use_ddp_wrapper`` / ``find_unused_parameters`` / ``runner.is_dynamic_ddp`` become
  ``model_wrapper_cfg``; ``runner.fp16_loss_scaler`` becomes ``AmpOptimWrapper``.
* ``VisualizeUnconditionalSamples`` / ``MMGenVisualizationHook`` become ``GenVisualizationHook``.
"""
from typing import Any, Dict

from reelkit.utils.errors import ConfigError

from .context import Migration, Rule, apply_rules, take_dict
from .schedules import float_betas, set_amp, set_on_wrappers
from .values import MISSING, expect

SECTION = 'model'

# (generator type, gan_type of gan_loss or None for any) -> MMGeneration 1.x model type
GAN_MODEL_TYPES = {
    ('DCGANGenerator', 'vanilla'): 'DCGAN',
    ('DCGANGenerator', 'hinge'): 'GGAN',
    ('DCGANGenerator', 'lsgan'): 'LSGAN',
    ('LSGANGenerator', None): 'LSGAN',
    ('WGANGPGenerator', None): 'WGANGP',
    ('SNGANGenerator', None): 'SNGAN',
    ('SAGANGenerator', None): 'SAGAN',
    ('BigGANGenerator', None): 'BigGAN',
    ('BigGANDeepGenerator', None): 'BigGAN',
    ('StyleGANv1Generator', None): 'StyleGANV1',
    ('StyleGANv2Generator', None): 'StyleGAN2',
    ('StyleGANv3Generator', None): 'StyleGAN3',
    ('PGGANGenerator', None): 'ProgressiveGrowingGAN',
}
# 0.x model types that only said "a GAN"; the generator decides the 1.x class.
GENERIC_GAN_TYPES = ('StaticUnconditionalGAN', 'BasiccGAN', 'BasicConditionalGAN', 'ProgressiveGrowingGAN')
# 1.x models that take the number of classes themselves.
CONDITIONAL_GANS = ('BigGAN', 'SAGAN', 'SNGAN')

GAN_MODEL_ARGS = (
    Rule('gan_loss', None, 'the 1.x model computes its own adversarial loss; check it is the same kind',
         review=True),
    Rule('disc_auxiliary_loss', None, '1.x models configure regularisers in loss_config; port it by hand',
         review=True),
    Rule('gen_auxiliary_loss', None, '1.x models configure regularisers in loss_config; port it by hand',
         review=True),
)

# 0.x progressive-growing train_cfg keys that the 1.x model takes itself
GROWING_MODEL_KEYS = ('nkimgs_per_scale', 'transition_kimgs', 'interp_real')
# per network: the 0.x train_cfg keys of its base learning rate and of its per-scale learning rates
GROWING_LRS = (('generator', 'g_lr_base', 'g_lr_schedule'), ('discriminator', 'd_lr_base', 'd_lr_schedule'))
GROWING_CONSTRUCTOR = 'PGGANOptimWrapperConstructor'

EMA_HOOK = 'ExponentialMovingAverageHook'
EMA_HOOK_ARGS = (
    Rule('interval', 'interval'),
    Rule('start_iter', 'start_iter'),
    Rule('interp_cfg.momentum', 'momentum', 'the share of the old average kept at each update, as in 0.x'),
    Rule('momentum_cfg.ema_kimg', 'ema_kimg'),
    Rule('momentum_cfg.ema_rampup', 'ema_rampup'),
    Rule('momentum_cfg.batch_size', 'batch_size'),
    Rule('momentum_cfg.eps', 'eps'),
    Rule('momentum_policy', None, "'rampup' is the RampUpEMA type in 1.x"),
    Rule('module_keys', None, '1.x averages the generator'),
    Rule('interp_mode', None, '1.x interpolates linearly', default='lerp'),
    Rule('priority', None, 'the model updates its average itself in 1.x'),
)
EMA_TYPES = {'rampup': 'RampUpEMA', 'fixed': 'ExponentialMovingAverage'}

VIS_HOOKS = {
    'VisualizeUnconditionalSamples': dict(type='GAN', name='fake_img'),
    'MMGenVisualizationHook': dict(type='Translation', name='translation'),
}
VIS_HOOK_ARGS = (
    Rule('interval', 'interval'),
    Rule('num_samples', 'n_samples'),
    Rule('nrow', 'n_row'),
    Rule('output_dir', None, 'GenVisBackend saves images under <work_dir>/vis_data'),
    Rule('filename_tmpl', None, 'GenVisBackend names the images'),
    Rule('rerange', None, '1.x de-normalises with the data preprocessor\'s mean and std'),
    Rule('bgr2rgb', None, '1.x converts with the data preprocessor\'s colour order'),
    Rule('padding', None, 'GenVisualizer lays out the grid'),
    Rule('res_name_list', None, 'vis_kwargs_list names what to draw; check it', review=True),
    Rule('kwargs', None, 'vis_kwargs_list takes sampling arguments; check it', review=True),
)

RUNNER_GAN_ARGS = (
    Rule('pass_training_status', None, '1.x GAN models count their own steps'),
    Rule('use_apex_amp', None, '1.x uses torch AMP (AmpOptimWrapper), not apex', default=False, review=True),
    Rule('apex_amp', None, '1.x uses torch AMP (AmpOptimWrapper), not apex', review=True),
)
MODEL_WRAPPER = 'MMSeparateDistributedDataParallel'


def convert_gan_model(m: Migration) -> None:
    model = m.get('model')
    if m.flavor.name != 'gen' or not isinstance(model, dict):
        return
    gan_loss = model.get('gan_loss')
    _rename_model(m, model, gan_loss.get('gan_type') if isinstance(gan_loss, dict) else None)
    apply_rules(m, SECTION, model, GAN_MODEL_ARGS, 'model', model, 'model', carry_unknown=False)
    generator = model.get('generator')
    if model.get('type') in CONDITIONAL_GANS and isinstance(generator, dict) and 'num_classes' in generator:
        if 'num_classes' not in model:
            model['num_classes'] = generator['num_classes']
            m.record(SECTION, 'model.generator.num_classes', 'model.num_classes', generator['num_classes'],
                     generator['num_classes'], 'conditional 1.x models sample labels themselves')


def _rename_model(m: Migration, model: dict, gan_type: Any) -> None:
    old = model.get('type')
    generator = model.get('generator')
    gen_type = generator.get('type') if isinstance(generator, dict) else None
    if old not in GENERIC_GAN_TYPES:
        return
    new = GAN_MODEL_TYPES.get((gen_type, gan_type), GAN_MODEL_TYPES.get((gen_type, None)))
    if new is None:
        m.record(SECTION, 'model.type', 'model.type', old, old, f'no 1.x model known for generator {gen_type!r}; '
                 'carried over', review=True)
    elif new != old:
        model['type'] = new
        m.record(SECTION, 'model.type', 'model.type', old, new, f'the 1.x model for {gen_type}')


def convert_gan_training(m: Migration) -> None:
    """``model.train_cfg`` (moved from the top level) and ``model.test_cfg`` of a 0.x GAN."""
    if m.flavor.name != 'gen' or not isinstance(m.get('model'), dict):
        return
    train_cfg = take_dict(m, 'model.train_cfg', allow_none=True)
    train_cfg = dict(train_cfg) if isinstance(train_cfg, dict) else {}
    _steps(m, train_cfg)
    _ema(m, train_cfg.pop('use_ema', MISSING))
    _growing(m, train_cfg)
    for name, value in train_cfg.items():
        m.put(f'model.train_cfg.{name}', value)
        m.record(SECTION, f'train_cfg.{name}', f'model.train_cfg.{name}', value, value,
                 'a GAN training setting reelkit does not know; carried over', review=True)
    test_cfg = m.take('model.test_cfg')
    if test_cfg not in (MISSING, None):
        m.drop(SECTION, 'test_cfg', test_cfg, '1.x metrics and hooks choose the sampling model', review=True)


def _steps(m: Migration, cfg: dict) -> None:
    if not any(key in cfg for key in ('disc_steps', 'gen_steps', 'batch_accumulation_steps')):
        return
    disc = expect(cfg.pop('disc_steps', 1), int, 'train_cfg.disc_steps')
    gen = expect(cfg.pop('gen_steps', 1), int, 'train_cfg.gen_steps')
    accumulation = expect(cfg.pop('batch_accumulation_steps', 1), int, 'train_cfg.batch_accumulation_steps')
    if min(disc, gen, accumulation) < 1:
        raise ConfigError(f'train_cfg: disc_steps={disc}, gen_steps={gen}, batch_accumulation_steps='
                          f'{accumulation}; expected positive integers')
    steps = dict(generator_steps=gen, discriminator_steps=max(1, disc // accumulation))
    for key, value in steps.items():
        m.put(f'model.{key}', value)
    m.record(SECTION, 'train_cfg.disc_steps', 'model.discriminator_steps', disc, steps['discriminator_steps'],
             f'1.x counts updates: disc_steps // batch_accumulation_steps = {disc} // {accumulation}',
             review=disc % accumulation != 0)
    m.record(SECTION, 'train_cfg.gen_steps', 'model.generator_steps', gen, gen, 'consecutive generator updates')
    if accumulation != 1:
        set_on_wrappers(m, 'accumulative_counts', accumulation)
        m.record('schedule', 'train_cfg.batch_accumulation_steps', 'optim_wrapper.<each module>.accumulative_counts',
                 accumulation, accumulation, 'the optim wrappers accumulate gradients in 1.x')


def _growing(m: Migration, cfg: dict) -> None:
    """Progressive growing: the schedule moves into the model, the per-scale optimizers into optim_wrapper."""
    for name in GROWING_MODEL_KEYS:
        if name in cfg:
            value = cfg.pop(name)
            m.put(f'model.{name}', value)
            m.record(SECTION, f'train_cfg.{name}', f'model.{name}', value, value,
                     'the 1.x progressive-growing model takes its growing schedule itself')
    optimizers = cfg.pop('optimizer_cfg', MISSING)
    lrs = {key: cfg.pop(key) for _, *keys in GROWING_LRS for key in keys if key in cfg}
    reset = cfg.pop('reset_optim_for_new_scale', MISSING)
    if optimizers is MISSING:
        for key, value in dict(lrs, **({} if reset is MISSING else {'reset_optim_for_new_scale': reset})).items():
            m.drop('schedule', f'train_cfg.{key}', value, 'no train_cfg.optimizer_cfg to apply it to', review=True)
        return
    optimizers = expect(optimizers, dict, 'train_cfg.optimizer_cfg')
    wrapper: Dict[str, Any] = dict(constructor=GROWING_CONSTRUCTOR)
    schedule = {}
    for network, base_key, schedule_key in GROWING_LRS:
        if network not in optimizers:
            continue
        optimizer = dict(expect(optimizers[network], dict, f'train_cfg.optimizer_cfg.{network}'))
        float_betas(m, optimizer, f'train_cfg.optimizer_cfg.{network}', f'optim_wrapper.{network}')
        if base_key in lrs:
            optimizer['lr'] = lrs.pop(base_key)
            m.record('schedule', f'train_cfg.{base_key}', f'optim_wrapper.{network}.optimizer.lr', optimizer['lr'],
                     optimizer['lr'], 'the learning rate of the scales lr_schedule does not name')
        wrapper[network] = dict(optimizer=optimizer)
        if schedule_key in lrs:
            schedule[network] = lrs.pop(schedule_key)
    if schedule:
        wrapper['lr_schedule'] = schedule
    if reset is not MISSING:
        wrapper['reset_optim_for_new_scale'] = reset
    for key, value in lrs.items():
        m.drop('schedule', f'train_cfg.{key}', value, 'train_cfg.optimizer_cfg has no optimizer for its network',
               review=True)
    if m.has('optim_wrapper'):
        m.record('schedule', 'optimizer', 'optim_wrapper', m.get('optim_wrapper'), wrapper,
                 '0.x progressive growing built its optimizers from train_cfg.optimizer_cfg', review=True)
    m.put('optim_wrapper', wrapper)
    m.record('schedule', 'train_cfg.optimizer_cfg', 'optim_wrapper', optimizers, wrapper,
             'one optimizer per network and scale, built by the progressive-growing constructor')


def _ema(m: Migration, use_ema: Any) -> None:
    hook, hook_key = _take_ema_hook(m)
    if not use_ema:
        if use_ema is not MISSING:
            m.drop(SECTION, 'train_cfg.use_ema', use_ema, 'no averaged generator')
        if hook is not None:
            m.drop(SECTION, hook_key, hook, 'an EMA hook without use_ema updated nothing', review=True)
        return
    ema: Dict[str, Any] = dict(type='ExponentialMovingAverage')
    if hook is None:
        m.record(SECTION, 'train_cfg.use_ema', 'model.ema_config', True, ema,
                 f'no {EMA_HOOK} in custom_hooks; check the 1.x default momentum', review=True)
    else:
        policy = hook.get('momentum_policy', 'fixed')
        ema['type'] = EMA_TYPES.get(policy, ema['type'])
        flat = _flatten_once(hook)
        ema = apply_rules(m, SECTION, flat, EMA_HOOK_ARGS, hook_key, ema, 'model.ema_config')
        m.record(SECTION, 'train_cfg.use_ema', 'model.ema_config', True, ema, 'the model keeps the average itself')
    m.put('model.ema_config', ema)


def _take_ema_hook(m: Migration):
    hooks = m.get('custom_hooks')
    if not isinstance(hooks, list):
        return None, None
    for i, hook in enumerate(hooks):
        if isinstance(hook, dict) and hook.get('type') == EMA_HOOK:
            hooks.pop(i)
            return dict(hook), f'custom_hooks[{i}]'
    return None, None


def _flatten_once(hook: dict) -> dict:
    """``interp_cfg=dict(momentum=...)`` -> ``{'interp_cfg.momentum': ...}``; ``type`` left out."""
    flat = {}
    for key, value in hook.items():
        if key in ('interp_cfg', 'momentum_cfg') and isinstance(value, dict):
            flat.update({f'{key}.{k}': v for k, v in value.items()})
        elif key != 'type':
            flat[key] = value
    return flat


def convert_runner_extras(m: Migration) -> None:
    """The MMGeneration arguments of ``runner`` (before the runner becomes a loop) and DDP settings."""
    if m.flavor.name != 'gen':
        return
    runner = m.get('runner')
    runner = runner if isinstance(runner, dict) else {}
    dynamic = runner.pop('is_dynamic_ddp', MISSING)
    scaler = runner.pop('fp16_loss_scaler', MISSING)
    gan_args = {r.old: runner.pop(r.old) for r in RUNNER_GAN_ARGS if r.old in runner}
    apply_rules(m, 'schedule', gan_args, RUNNER_GAN_ARGS, 'runner', {}, '')
    if scaler is not MISSING:
        set_amp(m, dict(expect(scaler, dict, 'runner.fp16_loss_scaler')), 'runner.fp16_loss_scaler', scaler)
    _model_wrapper(m, dynamic)


def _model_wrapper(m: Migration, dynamic: Any) -> None:
    use_ddp_wrapper = m.take('use_ddp_wrapper')
    find_unused = m.take('find_unused_parameters')
    wanted = bool(dynamic is not MISSING and dynamic) or bool(find_unused is not MISSING and find_unused)
    wrapper = dict(type=MODEL_WRAPPER, broadcast_buffers=False, find_unused_parameters=wanted)
    m.put('model_wrapper_cfg', wrapper)
    sources = {k: v for k, v in (('use_ddp_wrapper', use_ddp_wrapper), ('runner.is_dynamic_ddp', dynamic),
                                 ('find_unused_parameters', find_unused)) if v is not MISSING}
    m.record('runtime', ', '.join(sources) or None, 'model_wrapper_cfg', sources or MISSING, wrapper,
             'generator and discriminator are wrapped separately; dynamic models need find_unused_parameters')


def _vis_hook(m: Migration, hook: dict, key: str) -> dict:
    old_type = hook.get('type')
    args = {k: v for k, v in hook.items() if k != 'type'}
    new = dict(type='GenVisualizationHook')
    apply_rules(m, 'runtime', args, VIS_HOOK_ARGS, key, new, key)
    new.setdefault('fixed_input', True)
    new.setdefault('vis_kwargs_list', dict(VIS_HOOKS[old_type]))
    m.record('runtime', f'{key}.type', f'{key}.type', old_type, new['type'], 'one visualization hook in 1.x, '
             'drawing through GenVisualizer', review=old_type != 'VisualizeUnconditionalSamples')
    return new


GAN_HOOKS = {name: _vis_hook for name in VIS_HOOKS}
