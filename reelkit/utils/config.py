"""The config steps below the migration: finding a config file, mapping MMAction2/MMGeneration
scopes to ``reelkit``, and refusing top-level keys that look like misspellings of runner keys.

:func:`reelkit.apis.load_config` puts them together with the 0.x migration.
"""
import difflib
from pathlib import Path
from typing import List

from mmengine.config import Config

from reelkit.registry import SCOPE
from reelkit.utils.errors import ConfigError

SHIPPED_CONFIGS = Path(__file__).resolve().parent.parent / 'configs'

# Configs written for these projects build from reelkit's registries unchanged.
SCOPE_ALIASES = {'mmaction': SCOPE, 'mmgen': SCOPE, 'mmedit': SCOPE, 'mmagic': SCOPE}

# Top-level keys MMEngine's Runner reads; a near miss of one of these is almost surely a typo.
RUNNER_KEYS = (
    'model', 'work_dir', 'train_dataloader', 'val_dataloader', 'test_dataloader', 'train_cfg',
    'val_cfg', 'test_cfg', 'auto_scale_lr', 'optim_wrapper', 'param_scheduler', 'val_evaluator',
    'test_evaluator', 'default_hooks', 'custom_hooks', 'data_preprocessor', 'load_from', 'resume',
    'launcher', 'env_cfg', 'log_processor', 'log_level', 'visualizer', 'default_scope',
    'randomness', 'experiment_name', 'model_wrapper_cfg', 'custom_imports')


def resolve_config_path(path: str) -> Path:
    """``path`` itself if it exists, else the shipped config of that name (``configs/`` optional)."""
    given = Path(path)
    if given.is_file():
        return given
    relative = Path(*given.parts[1:]) if given.parts[:1] == ('configs', ) else given
    shipped = SHIPPED_CONFIGS / relative
    if shipped.is_file():
        return shipped
    raise ConfigError(f'{path}: no such config file (looked relative to the current directory '
                      f'and among the configs shipped with reelkit in {SHIPPED_CONFIGS})')


def apply_scope_aliases(cfg: Config) -> List[str]:
    """Rewrite ``default_scope``, ``_scope_`` and ``scope.Type`` names of aliased projects.

    Returns the dotted keys that changed.
    """
    changed = []
    if cfg.get('default_scope') in SCOPE_ALIASES:
        cfg.default_scope = SCOPE_ALIASES[cfg.default_scope]
        changed.append('default_scope')
    for key in list(cfg.keys()):
        cfg[key] = _alias_types(cfg[key], key, changed)
    return changed


def _alias_types(value, key: str, changed: List[str]):
    if isinstance(value, dict):
        for name in list(value.keys()):
            value[name] = _alias_types(value[name], f'{key}.{name}', changed)
        if value.get('_scope_') in SCOPE_ALIASES:
            value['_scope_'] = SCOPE_ALIASES[value['_scope_']]
            changed.append(f'{key}._scope_')
        type_name = value.get('type')
        if isinstance(type_name, str) and type_name.split('.', 1)[0] in SCOPE_ALIASES:
            scope, name = type_name.split('.', 1)
            value['type'] = f'{SCOPE_ALIASES[scope]}.{name}'
            changed.append(f'{key}.type')
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_alias_types(item, f'{key}[{i}]', changed) for i, item in enumerate(value))
    return value


def check_top_level_keys(cfg: Config, filename: str) -> None:
    """Refuse a top-level key that is a near miss of a runner key (``train_dataloder``)."""
    for key in cfg.keys():
        if key in RUNNER_KEYS:
            continue
        close = difflib.get_close_matches(key, RUNNER_KEYS, n=1, cutoff=0.85)
        if close:
            raise ConfigError(f'{filename}: unknown top-level key {key!r}; did you mean '
                              f'{close[0]!r}? (fix the name or pass --cfg-options)')
