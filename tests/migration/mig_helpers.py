"""Helpers of the migration tests: migrate a config given as text or a dict, and read dotted keys."""
from pathlib import Path
from typing import Any

from mmengine.config import Config

from reelkit.migration import MigrationResult, migrate_config

HERE = Path(__file__).resolve().parent
CORPUS = HERE / 'corpus'
GOLDEN = HERE / 'golden'


def load_text(text: str) -> dict:
    """A config written as Python text, loaded the way every config is (``Config``)."""
    return Config.fromstring(text, '.py').to_dict()


def migrate_text(text: str) -> MigrationResult:
    return migrate_config(Config.fromstring(text, '.py'))


def migrate_dict(cfg: dict) -> dict:
    """The migrated config of a 0.x config given as a dict, as a plain dict."""
    return migrate_config(cfg).config.to_dict()


def dig(cfg: Any, key: str) -> Any:
    """The value at dotted ``key``; KeyError naming the key when absent."""
    node = cfg
    for part in key.split('.'):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f'{key} (missing part {part!r})')
        node = node[part]
    return node
