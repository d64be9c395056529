"""Migrate MMAction2 / MMGeneration 0.x configs to their MMEngine (1.x) form.

    >>> from reelkit.migration import is_legacy_config, migrate_config, migrate_file
    >>> result = migrate_file('tsn_r50_1x1x3_100e_kinetics400_rgb.py', out='tsn_1x.py', report='tsn_1x.md')
    >>> print(result.report.summary())

The rules are data: one table per concern, in the module of that concern (``dataloaders``,
``pipelines``, ``models``, ``evaluation``, ``schedules``, ``runtime``, ``gan``), applied by
small converters to a clone of the config (:mod:`reelkit.migration.api` lists them in order).
Every rule applied, key dropped and judgement made is a :class:`Change` of the :class:`Report`.
"""
from .api import LEGACY_KEYS, MigrationResult, is_legacy_config, migrate_config, migrate_file
from .report import Change, Report
from .writer import render_config

__all__ = ['is_legacy_config', 'migrate_config', 'migrate_file', 'MigrationResult', 'Report', 'Change',
           'render_config', 'LEGACY_KEYS']
