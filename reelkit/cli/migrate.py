"""``reelkit migrate OLD.py [-o NEW.py] [--report REPORT.md]``: turn an MMAction2 / MMGeneration 0.x
config (with its whole ``_base_`` chain) into one self-contained 1.x config and a report of every change."""
import argparse
import sys

from reelkit.migration import migrate_file


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'migrate', parents=parents,
        help='migrate an MMAction2/MMGeneration 0.x config to a self-contained 1.x config',
        description='Turn an MMAction2 / MMGeneration 0.x config (with its whole _base_ chain) '
                    'into one self-contained 1.x config and a report of every change.')
    parser.add_argument('config', metavar='OLD.py', help='the 0.x config file')
    parser.add_argument('-o', '--out', metavar='NEW.py',
                        help='where to write the 1.x config (default: print it to stdout)')
    parser.add_argument('--report', metavar='REPORT.md',
                        help='where to write the Markdown report of every change, drop and judgement')
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    result = migrate_file(args.config, out=args.out, report=args.report)
    if args.out is None:
        sys.stdout.write(result.text)
    print(result.report.summary(), file=sys.stderr)
    for label, path in (('1.x config', args.out), ('report', args.report)):
        if path is not None:
            print(f'  {label}: {path}', file=sys.stderr)
    return 0
