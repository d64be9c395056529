"""``reelkit print-config CONFIG [--cfg-options ...] [--save FILE]``: the config as the runner sees it.

Loaded as every reelkit command loads it (:func:`reelkit.apis.load_config_and_migration`): the
``_base_`` chain merged, a 0.x config migrated to 1.x in memory (said on stderr, with the
migration's summary), ``--cfg-options`` applied, MMAction2/MMGeneration scopes mapped to reelkit.
"""
import argparse
import sys

from mmengine.config import DictAction

from reelkit.apis import load_config_and_migration
from reelkit.utils.errors import ConfigError

DESCRIPTION = '''Print a config with its _base_ files merged, --cfg-options applied and, for a 0.x
(MMAction2 0.x) config, migrated to 1.x: what reelkit train and test would run. --save writes it
to a file that runs as it is.'''

EXAMPLE = '''example:
  reelkit print-config recognition/tsm/tsm_r18_1xb16-1x1x8-8e_synthmotion-rgb.py \\
      --cfg-options train_cfg.max_epochs=4 --save tsm_4e.py
'''


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'print-config', parents=parents, help='print the resolved config',
        description=DESCRIPTION, epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file (a path, or the name of a shipped config)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. train_cfg.max_epochs=5')
    parser.add_argument('--save', metavar='FILE.py', help='also write the resolved config here')
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.save and not args.save.endswith(('.py', '.json', '.yaml', '.yml')):
        raise ConfigError(f'--save {args.save}: name a .py, .json or .yaml file')
    cfg, migration = load_config_and_migration(args.config, args.cfg_options)
    if migration is not None:
        # On stderr, so that stdout stays the config alone.
        print(migration.report.summary(), file=sys.stderr)
    print(cfg.pretty_text)
    if args.save:
        cfg.dump(args.save)
        print(f'Saved the resolved config to {args.save}', file=sys.stderr)
    return 0
