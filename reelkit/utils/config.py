"""The config steps below the migration: finding a config file, mapping MMAction2/MMGeneration
scopes and ``custom_imports`` to ``reelkit``, unwrapping runner dicts that a trailing comma
turned into 1-tuples, and refusing top-level keys that look like misspellings of runner keys.

:func:`reelkit.apis.load_config` puts them together with the 0.x migration.
"""
import difflib
import importlib.util
import logging
from pathlib import Path
from typing import List, Optional

from mmengine.config import Config
from mmengine.logging import print_log

from reelkit.registry import SCOPE
from reelkit.utils.errors import ConfigError

SHIPPED_CONFIGS = Path(__file__).resolve().parent.parent / 'configs'

# Configs written for these projects build from reelkit's registries unchanged. The scope is
# also reelkit's package name, so the same table maps their `custom_imports` modules.
SCOPE_ALIASES = {'mmaction': SCOPE, 'mmgen': SCOPE, 'mmedit': SCOPE, 'mmagic': SCOPE, 'mmdet': SCOPE}
# The image-classification types of mmcls/mmpretrain that reelkit provides, by their reelkit name;
# other ``mmcls.``/``mmpretrain.`` types (backbones) stay theirs and build from that library.
CLASSIFICATION_TYPES = {'ImageNet': 'ImageNet', 'RandomResizedCrop': 'ClsRandomResizedCrop',
                        'RandomFlip': 'ClsRandomFlip', 'PackClsInputs': 'PackClsInputs'}
CLASSIFICATION_SCOPES = ('mmcls', 'mmpretrain')

# Top-level keys MMEngine's Runner reads; a near miss of one of these is almost surely a typo.
RUNNER_KEYS = (
    'model', 'work_dir', 'train_dataloader', 'val_dataloader', 'test_dataloader', 'train_cfg',
    'val_cfg', 'test_cfg', 'auto_scale_lr', 'optim_wrapper', 'param_scheduler', 'val_evaluator',
    'test_evaluator', 'default_hooks', 'custom_hooks', 'data_preprocessor', 'load_from', 'resume',
    'launcher', 'env_cfg', 'log_processor', 'log_level', 'visualizer', 'default_scope',
    'randomness', 'experiment_name', 'model_wrapper_cfg', 'custom_imports')

# Runner keys whose value is one dict. `key = dict(...),` makes a 1-tuple of it, which MMEngine's
# Runner only trips over when it is used (MMAction2's posec3d gym-limb config ships one).
DICT_RUNNER_KEYS = (
    'model', 'train_dataloader', 'val_dataloader', 'test_dataloader', 'train_cfg', 'val_cfg',
    'test_cfg', 'optim_wrapper', 'default_hooks', 'env_cfg', 'log_processor', 'visualizer',
    'randomness', 'auto_scale_lr', 'model_wrapper_cfg', 'data_preprocessor', 'custom_imports')


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
    if not isinstance(cfg.get('default_scope', ''), (str, type(None))):
        raise ConfigError(f'default_scope: expected a scope name such as {SCOPE!r}, got '
                          f'{cfg.default_scope!r}')
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
        if isinstance(value.get('_scope_'), str) and value['_scope_'] in SCOPE_ALIASES:
            value['_scope_'] = SCOPE_ALIASES[value['_scope_']]
            changed.append(f'{key}._scope_')
        type_name = value.get('type')
        scope, _, name = type_name.partition('.') if isinstance(type_name, str) else ('', '', '')
        if name and scope in SCOPE_ALIASES:
            value['type'] = f'{SCOPE_ALIASES[scope]}.{name}'
            changed.append(f'{key}.type')
        elif scope in CLASSIFICATION_SCOPES and name in CLASSIFICATION_TYPES:
            value['type'] = f'{SCOPE}.{CLASSIFICATION_TYPES[name]}'
            changed.append(f'{key}.type')
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_alias_types(item, f'{key}[{i}]', changed) for i, item in enumerate(value))
    return value


def alias_custom_imports(cfg: Config) -> List[str]:
    """Point ``custom_imports`` modules of aliased projects at reelkit (``mmaction.models`` ->
    ``reelkit.models``); other modules are kept.

    reelkit splits its files its own way, so a module it lacks (``mmaction.models.backbones.x3d``)
    becomes its nearest existing package (``reelkit.models.backbones``), which registers the same
    types. Returns one ``'old -> new'`` line per module that changed.

    Raises:
        ConfigError: ``custom_imports`` is not ``dict(imports=NAME or [NAME, ...])``.
    """
    custom = cfg.get('custom_imports')
    if not custom:
        return []
    imports = (custom.get('imports') or []) if isinstance(custom, dict) else None
    names = [imports] if isinstance(imports, str) else imports
    if not isinstance(names, (list, tuple)) or not all(isinstance(name, str) for name in names):
        raise ConfigError(f'custom_imports: expected dict(imports=[module names], '
                          f'allow_failed_imports=False), got {custom!r}')
    if not names:
        return []
    changed, mapped = [], []
    for name in names:
        new = alias_module(name)
        if new is not None and new != name:
            changed.append(f'{name} -> {new}')
        mapped.append(name if new is None else new)
    custom['imports'] = mapped[0] if isinstance(imports, str) else mapped
    return changed


def alias_module(name: str) -> Optional[str]:
    """reelkit's module for ``name`` of an aliased project, else None (not an aliased project)."""
    root, _, rest = name.partition('.')
    if root not in SCOPE_ALIASES:
        return None
    module = SCOPE_ALIASES[root]
    for part in rest.split('.') if rest else []:
        if not _module_exists(f'{module}.{part}'):
            break
        module = f'{module}.{part}'
    return module


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the parent is a module, not a package
        return False


def unwrap_trailing_commas(cfg: Config, filename: str) -> List[str]:
    """Replace a runner key's 1-tuple holding a dict by the dict, with a warning naming the key.

    Returns the keys that changed.
    """
    changed = []
    for key in DICT_RUNNER_KEYS:
        value = cfg.get(key)
        if isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], dict):
            cfg[key] = value[0]
            changed.append(key)
            print_log(f'{filename}: {key} is a 1-tuple holding a dict (a trailing comma after '
                      f'dict(...)?); using the dict', logger='current', level=logging.WARNING)
    return changed


def check_top_level_keys(cfg: Config, filename: str) -> None:
    """Refuse a top-level key that is a near miss of a runner key (``train_dataloder``)."""
    for key in cfg.keys():
        if key in RUNNER_KEYS:
            continue
        close = difflib.get_close_matches(key, RUNNER_KEYS, n=1, cutoff=0.85)
        if close:
            raise ConfigError(f'{filename}: unknown top-level key {key!r}; did you mean '
                              f'{close[0]!r}? (fix the name or pass --cfg-options)')
