"""Loading config files the way every reelkit command does.

One road: find the file (the path given, else the configs shipped with reelkit), load it with
its ``_base_`` chain, migrate it in memory if it is a 0.x config, apply ``--cfg-options``, map
MMAction2/MMGeneration scopes to ``reelkit``, and refuse top-level keys that look like
misspellings of the keys the runner reads.
"""
from typing import Dict, Optional, Tuple

from mmengine.config import Config

from reelkit.migration import MigrationResult, is_legacy_config, migrate_config
from reelkit.utils.config import apply_scope_aliases, check_top_level_keys, resolve_config_path
from reelkit.utils.errors import ConfigError


def load_config(path: str, cfg_options: Optional[Dict] = None) -> Config:
    """Load a config file, ready for ``Runner.from_cfg``. Errors name the file or key."""
    return load_config_and_migration(path, cfg_options)[0]


def load_config_and_migration(path: str, cfg_options: Optional[Dict] = None
                              ) -> Tuple[Config, Optional[MigrationResult]]:
    """:func:`load_config`, plus the migration's result when the file is a 0.x config."""
    resolved = resolve_config_path(path)
    try:
        cfg = Config.fromfile(str(resolved))
    except (SyntaxError, NameError, KeyError, ValueError, TypeError, OSError) as error:
        raise ConfigError(f'{resolved}: cannot load config: {error}') from error
    migration = migrate_config(cfg, str(resolved)) if is_legacy_config(cfg) else None
    if migration is not None:
        cfg = migration.config
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    apply_scope_aliases(cfg)
    check_top_level_keys(cfg, str(resolved))
    return cfg, migration
