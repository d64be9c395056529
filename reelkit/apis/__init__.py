"""The entry points a user calls from Python: loading a config (0.x ones migrated in memory)."""
from .config import load_config, load_config_and_migration

__all__ = ['load_config', 'load_config_and_migration']
