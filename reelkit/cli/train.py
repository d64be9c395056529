"""``reelkit train CONFIG``: train a model with MMEngine's Runner."""
import argparse
import sys

import torch
from reelkit.engine import TrainingInterrupted
from reelkit.engine.runner.flexible import build_runner

from reelkit.cli.runner_args import add_runner_arguments, checkpoint_loading, config_from_args
from reelkit.utils.errors import ConfigError


EXAMPLES = """examples:
  reelkit train configs/recognition/tsm/tsm_r18_1xb16-1x1x8-8e_synthmotion-rgb.py
  torchrun --nproc_per_node 2 -m reelkit train CONFIG --launcher pytorch
  srun -N 2 --ntasks-per-node 4 reelkit train CONFIG --launcher slurm

A config with runner_type='FlexibleRunner' and strategy=dict(type='DDPStrategy') or
dict(type='FSDPStrategy') runs on MMEngine's FlexibleRunner (docs/distributed.md).
"""


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'train', parents=parents, help='train a model from a config',
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES)
    parser.add_argument('config', help='config file (a path, or the name of a shipped config)')
    parser.add_argument('--resume', nargs='?', const='auto', metavar='CKPT',
                        help='resume from CKPT, or from the latest checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true', help='mixed precision (needs a GPU)')
    parser.add_argument('--no-validate', action='store_true',
                        help='skip validation during training')
    parser.add_argument('--seed', type=int, help='random seed')
    parser.add_argument('--deterministic', action='store_true',
                        help='deterministic algorithms (slower)')
    add_runner_arguments(parser)
    parser.set_defaults(func=run)


def apply_train_arguments(cfg, args: argparse.Namespace) -> None:
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume:
        cfg.resume, cfg.load_from = True, args.resume
    if args.amp:
        if not torch.cuda.is_available():
            raise ConfigError('--amp: mixed precision training needs a CUDA GPU; none is visible')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.seed is not None or args.deterministic:
        randomness = cfg.get('randomness') or {}
        if args.seed is not None:
            randomness['seed'] = args.seed
        randomness['deterministic'] = args.deterministic
        cfg.randomness = randomness


def run(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    apply_train_arguments(cfg, args)
    with checkpoint_loading(args):
        try:
            build_runner(cfg).train()
        except TrainingInterrupted as stop:  # not an error: the run can go on from its checkpoint
            print(f'reelkit train: {stop}', file=sys.stderr)
            return stop.exit_code
    return 0
