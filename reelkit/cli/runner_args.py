"""Arguments and config handling shared by ``reelkit train`` and ``reelkit test``."""
import argparse
import contextlib
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction

from reelkit.engine import prepare_distributed, unsafe_checkpoint_loading
from reelkit.apis import load_config_and_migration


def add_runner_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--work-dir', help='where logs and checkpoints go '
                        '(default: the config\'s work_dir, else work_dirs/<config name>)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. train_cfg.max_epochs=5')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher for distributed runs')
    parser.add_argument('--unsafe-load', action='store_true',
                        help='also load checkpoints that hold pickled objects (weights_only=False); '
                        'this runs code from the file: only for checkpoints you trust')
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0,
                        help=argparse.SUPPRESS)


def checkpoint_loading(args: argparse.Namespace) -> contextlib.AbstractContextManager:
    """The context a command runs in: checkpoints load with ``weights_only=True`` unless
    ``--unsafe-load`` was given."""
    return unsafe_checkpoint_loading() if args.unsafe_load else contextlib.nullcontext()


def config_from_args(args: argparse.Namespace) -> Config:
    """Load ``args.config`` with the command-line overrides, ready for ``Runner.from_cfg``."""
    # `custom_imports` name modules next to the user's config, as `python tools/train.py` would find
    # them; a console script does not put the working directory on the import path by itself.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    cfg, migration = load_config_and_migration(args.config, args.cfg_options)
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs', osp.splitext(osp.basename(args.config))[0])
    if migration is not None:
        save_migration(migration, cfg.work_dir)
    cfg.launcher = args.launcher
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    prepare_distributed(cfg, args.launcher)
    return cfg


def save_migration(migration, work_dir: str) -> None:
    """Tell the user a 0.x config was migrated, and keep the 1.x config and report."""
    config_path = osp.join(work_dir, 'migrated_config.py')
    report_path = osp.join(work_dir, 'migration_report.md')
    os.makedirs(work_dir, exist_ok=True)
    migration.write(config_path, report_path)
    print(f'{migration.report.summary()}\nMigrated config: {config_path}\n'
          f'Report: {report_path}')
