"""The ``reelkit`` command line: ``reelkit SUBCOMMAND ...`` (also ``python -m reelkit``).

Each subcommand lives in its own module of this package and exposes
``add_parser(subparsers, parents)``: it calls ``subparsers.add_parser(NAME, parents=parents, ...)``,
adds its arguments and sets ``func`` (``args -> exit code``) with ``set_defaults``.
Errors print as one line (what, where, how to fix) unless ``--debug`` asks for the traceback.
"""
import argparse
import sys
from importlib import import_module
from typing import List, Optional

from reelkit.utils.errors import ReelkitError

SUBCOMMAND_MODULES = ('train', 'test', 'data', 'quickstart', 'migrate', 'demo', 'check_videos',
                      'browse_dataset',
                      'analyze_logs', 'confusion_matrix', 'flops', 'print_config', 'eval_metric', 'publish_model',
                      'export_onnx', 'localize', 'bsn_proposals')


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument('--debug', action='store_true', help='show full tracebacks on errors')
    parser = argparse.ArgumentParser(
        prog='reelkit', description='reelkit: video understanding and GANs on MMEngine')
    subparsers = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')
    for name in SUBCOMMAND_MODULES:
        import_module(f'reelkit.cli.{name}').add_parser(subparsers, [common])
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except Exception as error:  # noqa: BLE001  one line for the user; --debug re-raises
        if args.debug:
            raise
        print(f'reelkit {args.command}: error: {describe(error)}', file=sys.stderr)
        return 2


def describe(error: Exception) -> str:
    """A user error's own message; anything else with its type and a pointer to ``--debug``."""
    if isinstance(error, ReelkitError):
        return str(error)
    message = error.args[0] if isinstance(error, KeyError) and error.args else error
    return f'{type(error).__name__}: {message} (run with --debug for the traceback)'
