"""Loading config files the way every reelkit command does.

One road: find the file (the path given, else the configs shipped with reelkit), load it with
its ``_base_`` chain, unwrap runner dicts that a trailing comma made 1-tuples, migrate it in
memory if it is a 0.x config, apply ``--cfg-options``, map MMAction2/MMGeneration scopes and
``custom_imports`` modules to ``reelkit``, refuse top-level keys that look like misspellings of
the keys the runner reads, and import the custom modules.
"""
from typing import Dict, Optional, Tuple

from mmengine.config import Config
from mmengine.utils import import_modules_from_strings

from reelkit.migration import MigrationResult, is_legacy_config, migrate_config
from reelkit.utils.config import (alias_custom_imports, apply_scope_aliases, check_top_level_keys,
                                  resolve_config_path, unwrap_trailing_commas)
from reelkit.utils.errors import ConfigError


def load_config(path: str, cfg_options: Optional[Dict] = None) -> Config:
    """Load a config file, ready for ``Runner.from_cfg``. Errors name the file or key."""
    return load_config_and_migration(path, cfg_options)[0]


def load_config_and_migration(path: str, cfg_options: Optional[Dict] = None
                              ) -> Tuple[Config, Optional[MigrationResult]]:
    """:func:`load_config`, plus the migration's result when the file is a 0.x config."""
    resolved = resolve_config_path(path)
    try:
        # Custom modules are imported below, once `mmaction.*` names point at reelkit.
        cfg = Config.fromfile(str(resolved), import_custom_modules=False)
    except Exception as error:  # running a config file can raise anything its code raises
        raise ConfigError(f'{resolved}: cannot load config: {error}') from error
    unwrap_trailing_commas(cfg, str(resolved))
    migration = migrate_config(cfg, str(resolved)) if is_legacy_config(cfg) else None
    if migration is not None:
        cfg = migration.config
    if cfg_options:
        try:
            cfg.merge_from_dict(cfg_options)
        except (KeyError, TypeError) as error:  # a key path through a value that is no dict or list
            message = error.args[0] if error.args else error
            raise ConfigError(f'{resolved}: --cfg-options {cfg_options}: {message}') from error
    apply_scope_aliases(cfg)
    alias_custom_imports(cfg)
    check_top_level_keys(cfg, str(resolved))
    import_custom_modules(cfg, str(resolved))
    return cfg, migration


def import_custom_modules(cfg: Config, filename: str) -> None:
    """Import ``custom_imports.imports`` so their types register; a missing module names the file."""
    custom = cfg.get('custom_imports')
    if not custom:
        return
    try:
        import_modules_from_strings(custom.get('imports'), custom.get('allow_failed_imports', False))
    except (ImportError, TypeError) as error:
        # mmengine re-raises a bare 'Failed to import X'; the original error says why.
        cause = f'{error} ({error.__context__})' if error.__context__ else str(error)
        raise ConfigError(f'{filename}: custom_imports: {cause} (put the folder that holds the '
                          'module on PYTHONPATH, or run from it)') from error
