"""Which 1.x library a 0.x config migrates to: MMAction2 (``action``) or MMGeneration (``gen``).

The two differ in a few names only (loops, visualizer, packing transform, data preprocessor,
timer hook, log processor),
which live in one :class:`Flavor` row each. :func:`detect_flavor` decides from markers that only
MMGeneration 0.x configs have.
"""
from dataclasses import dataclass, field
from typing import Any, Dict, Tuple

from .values import MISSING, lookup


@dataclass(frozen=True)
class Flavor:
    name: str
    default_scope: str
    val_loop: str
    test_loop: str
    visualizer: str
    data_preprocessor: str
    pack_inputs: str
    # the timer of default_hooks and the log processor of the library's 1.x default runtime
    timer_hook: str = 'IterTimerHook'
    log_processor: str = 'LogProcessor'
    # 0.x logger hook -> 1.x visualization backend
    vis_backends: Dict[str, str] = field(default_factory=dict)
    # keys every dataloader gets (MMGeneration 1.x configs keep workers alive between epochs)
    dataloader_defaults: Dict[str, Any] = field(default_factory=dict)
    # hooks the official default_runtime.py of the 1.x library registers
    default_hooks: Tuple[str, ...] = ()
    # the runner a 0.x ``runner`` dict without ``type`` meant
    default_runner: str = 'EpochBasedRunner'
    # write a lone parameter scheduler as a dict (MMGeneration 1.x) rather than a list of one
    bare_single_scheduler: bool = False


_HOOKS = ('runtime_info', 'timer', 'logger', 'param_scheduler', 'checkpoint', 'sampler_seed')

ACTION = Flavor(
    name='action',
    default_scope='mmaction',
    val_loop='ValLoop',
    test_loop='TestLoop',
    visualizer='ActionVisualizer',
    data_preprocessor='ActionDataPreprocessor',
    pack_inputs='PackActionInputs',
    vis_backends={
        'TextLoggerHook': 'LocalVisBackend',
        'TensorboardLoggerHook': 'TensorboardVisBackend',
        'WandbLoggerHook': 'WandbVisBackend',
        'MlflowLoggerHook': 'MLflowVisBackend',
    },
    default_hooks=_HOOKS + ('sync_buffers', ),
)

GEN = Flavor(
    name='gen',
    default_scope='mmgen',
    val_loop='GenValLoop',
    test_loop='GenTestLoop',
    visualizer='GenVisualizer',
    data_preprocessor='GANDataPreprocessor',
    pack_inputs='PackGenInputs',
    # their ETA and progress count the batches of the generative val/test loops (seed 002, section 9)
    timer_hook='GenIterTimerHook',
    log_processor='GenLogProcessor',
    vis_backends={
        'TextLoggerHook': 'GenVisBackend',
        'TensorboardLoggerHook': 'TensorboardGenVisBackend',
        'WandbLoggerHook': 'WandbGenVisBackend',
        'PaviLoggerHook': 'PaviGenVisBackend',
    },
    dataloader_defaults={'persistent_workers': True},
    default_hooks=_HOOKS,
    default_runner='DynamicIterBasedRunner',
    bare_single_scheduler=True,
)

# Dotted keys, or (dotted key, value) pairs, that only MMGeneration 0.x configs have.
GEN_MARKERS = (
    'model.generator',
    'model.discriminator',
    'use_ddp_wrapper',
    'train_cfg.disc_steps',
    'train_cfg.use_ema',
    ('runner.type', 'DynamicIterBasedRunner'),
    'runner.fp16_loss_scaler',
    ('evaluation.type', 'GenerativeEvalHook'),
    'total_iters',
)
GEN_HOOKS = ('VisualizeUnconditionalSamples', 'MMGenVisualizationHook', 'ExponentialMovingAverageHook')
GEN_DATASETS = ('UnconditionalImageDataset', 'GrowScaleImgDataset', 'PairedImageDataset', 'UnpairedImageDataset')
GEN_PIPELINE_KEYS = ('real_img', 'real_img_path')


def detect_flavor(cfg: dict) -> Flavor:
    """:data:`GEN` if the config has an MMGeneration 0.x marker, else :data:`ACTION`."""
    for marker in GEN_MARKERS:
        key, wanted = marker if isinstance(marker, tuple) else (marker, MISSING)
        value = lookup(cfg, key)
        if value is not MISSING and (wanted is MISSING or value == wanted):
            return GEN
    if isinstance(cfg.get('optimizer'), dict) and is_per_module(cfg['optimizer']):
        return GEN
    hooks = cfg.get('custom_hooks')
    if isinstance(hooks, list) and any(isinstance(h, dict) and h.get('type') in GEN_HOOKS for h in hooks):
        return GEN
    if cfg.get('dataset_type') in GEN_DATASETS or any(_uses_real_img(v) for k, v in cfg.items()
                                                      if k.endswith('pipeline')):
        return GEN
    return ACTION


def _uses_real_img(pipeline: Any) -> bool:
    """A 0.x GAN pipeline loads ``real_img``."""
    return isinstance(pipeline, list) and any(
        isinstance(t, dict) and (t.get('key') in GEN_PIPELINE_KEYS or
                                 isinstance(t.get('keys'), (list, tuple)) and
                                 any(k in GEN_PIPELINE_KEYS for k in t['keys'] if isinstance(k, str)))
        for t in pipeline)


def is_per_module(optimizer: dict) -> bool:
    """``optimizer=dict(generator=dict(type=...), discriminator=dict(type=...))``."""
    return bool(optimizer) and 'type' not in optimizer and all(
        isinstance(v, dict) and 'type' in v for v in optimizer.values())
