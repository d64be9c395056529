"""``reelkit test CONFIG CHECKPOINT``: evaluate a checkpoint on the config's test split."""
import argparse
import os.path as osp

from reelkit.engine.runner.flexible import build_runner

from reelkit.cli.runner_args import add_runner_arguments, checkpoint_loading, config_from_args
from reelkit.utils.errors import ConfigError

EXAMPLES = """examples:
  reelkit test configs/recognition/tsm/tsm_r18_1xb16-1x1x8-8e_synthmotion-rgb.py epoch_8.pth
  reelkit test CONFIG CKPT --dump predictions.pkl
  torchrun --nproc_per_node 2 -m reelkit test CONFIG CKPT --launcher pytorch

A config with runner_type='FlexibleRunner' and strategy=dict(type=...) tests on MMEngine's
FlexibleRunner, as reelkit train does (docs/distributed.md).
"""

def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'test', parents=parents, help='evaluate a checkpoint on the test split',
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES)
    parser.add_argument('config', help='config file (a path, or the name of a shipped config)')
    parser.add_argument('checkpoint', help='checkpoint file written by reelkit train (or MMAction2)')
    parser.add_argument('--dump', metavar='FILE.pkl',
                        help='also save every prediction to this pickle file')
    add_runner_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not osp.isfile(args.checkpoint):
        raise ConfigError(f'{args.checkpoint}: no such checkpoint file')
    cfg = config_from_args(args)
    cfg.load_from = args.checkpoint
    if args.dump:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ConfigError(f'--dump {args.dump}: the file must end with .pkl or .pickle')
        evaluators = cfg.test_evaluator
        evaluators = list(evaluators) if isinstance(evaluators, (list, tuple)) else [evaluators]
        cfg.test_evaluator = evaluators + [dict(type='DumpResults', out_file_path=args.dump)]
    with checkpoint_loading(args):
        build_runner(cfg).test()
    return 0
