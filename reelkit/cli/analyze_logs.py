"""``reelkit analyze-logs WORK_DIR [WORK_DIR ...] --keys loss acc/top1 --out curves.png``: plot
logged scalars of training runs against the step, the runs overlaid.

A run's scalars are the file MMEngine's ``LocalVisBackend`` writes:
``<work_dir>/<timestamp>/vis_data/scalars.json`` (or ``<timestamp>.json`` beside it), one JSON
dict per line, e.g. ``{"lr": 0.01, "loss": 2.18, "epoch": 1, "iter": 1, "step": 1}`` for a
training iteration and ``{"acc/top1": 0.25, ..., "step": 2}`` for a validation, whose ``step``
is the epoch in epoch-based runs. A work dir that holds several timestamp folders (a resumed
run, or runs sharing a work dir) is read from the newest. A ``.json`` file may be named instead
of a work dir.
"""
import argparse
import json
import os
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from reelkit.utils.errors import ConfigError

TIMESTAMP = re.compile(r'^\d{8}_\d{6}$')  # the run folders MMEngine names %Y%m%d_%H%M%S
POSITION_KEYS = ('step', 'epoch', 'iter')

DESCRIPTION = '''Plot logged scalars (loss, accuracies, lr, ...) of one or more training runs
against the step, one panel per key with the runs overlaid, and print for each run and key how
many values were logged, the last one and the range. Each WORK_DIR is read from its newest
timestamp folder (<work_dir>/<timestamp>/vis_data/scalars.json).'''

EXAMPLE = '''example:
  reelkit analyze-logs work_dirs/quickstart work_dirs/tsn --keys loss acc/top1 \\
      --out curves.png --json-out curves.json
'''


@dataclass
class RunLog:
    """The records of one run's scalar log and what to call the run in the legend."""
    name: str
    path: str
    records: List[dict]
    series: Dict[str, Tuple[List[float], List[float]]] = field(default_factory=dict)


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'analyze-logs', parents=parents, help='plot logged scalars of training runs',
        description=DESCRIPTION, epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('work_dirs', nargs='+', metavar='WORK_DIR',
                        help='work dir of a run (or a scalars .json file)')
    parser.add_argument('--keys', nargs='+', default=['loss'], metavar='KEY',
                        help='logged scalars to plot (default: loss)')
    parser.add_argument('--out', required=True, metavar='CURVES.png',
                        help='the figure to write (.png, .pdf, .svg: what matplotlib writes)')
    parser.add_argument('--title', help='title of the figure')
    parser.add_argument('--json-out', metavar='FILE.json',
                        help='also write the plotted data: for each run and key its steps and values')
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    runs = [read_run(work_dir, name) for work_dir, name in zip(args.work_dirs, run_names(args.work_dirs))]
    for run_log in runs:
        run_log.series = {key: key_series(run_log, key) for key in args.keys}
    print(format_summary(runs, args.keys))
    plot_runs(runs, args.keys, args.out, args.title)
    print(f'Wrote the curves of {len(args.keys)} key(s) to {args.out}')
    if args.json_out:
        write_json(runs, args.json_out)
        print(f'Wrote the plotted data to {args.json_out}')
    return 0


def find_scalar_log(work_dir: str) -> str:
    """The scalar log of ``work_dir``: the file itself, else that of its newest timestamp folder."""
    if osp.isfile(work_dir):
        return work_dir
    if not osp.isdir(work_dir):
        raise ConfigError(f'{work_dir}: no such work dir or log file')
    logs = {}
    for stamp in sorted(name for name in os.listdir(work_dir) if TIMESTAMP.match(name)):
        vis_data = osp.join(work_dir, stamp, 'vis_data')
        for name in ('scalars.json', f'{stamp}.json'):
            if osp.isfile(osp.join(vis_data, name)):
                logs[stamp] = osp.join(vis_data, name)
                break
    if not logs:
        raise ConfigError(f'{work_dir}: no <timestamp>/vis_data/scalars.json in it; is it the '
                          'work dir of a training run?')
    newest = max(logs)
    if len(logs) > 1:
        print(f'{work_dir}: {len(logs)} runs logged here ({", ".join(sorted(logs))}); '
              f'reading the newest, {newest}')
    return logs[newest]


def read_scalar_log(path: str) -> List[dict]:
    """The JSON dicts of a scalar log, one per non-blank line."""
    records = []
    with open(path, encoding='utf-8') as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ConfigError(f'{path}:{number}: not a JSON line: {error}') from error
            if not isinstance(record, dict):
                raise ConfigError(f'{path}:{number}: expected a JSON object, got {line.strip()!r}')
            records.append(record)
    return records


def read_run(work_dir: str, name: str) -> RunLog:
    path = find_scalar_log(work_dir)
    return RunLog(name=name, path=path, records=read_scalar_log(path))


def run_names(work_dirs: Sequence[str]) -> List[str]:
    """Each run's name in the legend: its folder's base name, or the paths as given when two
    base names clash."""
    short = [osp.basename(osp.normpath(work_dir)) for work_dir in work_dirs]
    return short if len(set(short)) == len(short) else list(work_dirs)


def key_series(run_log: RunLog, key: str) -> Tuple[List[float], List[float]]:
    """``(steps, values)`` of every record that logs ``key``, in log order.

    Raises:
        ConfigError: no record logs ``key``; the message lists the keys that are logged.
    """
    points = [(record['step'], record[key]) for record in run_log.records
              if key in record and 'step' in record]
    if not points:
        logged = sorted({name for record in run_log.records for name in record} - set(POSITION_KEYS))
        raise ConfigError(f'{run_log.path}: no logged value of {key!r}; the keys logged are: '
                          f'{", ".join(logged) or "none"}')
    steps, values = zip(*points)
    return list(steps), list(values)


def format_summary(runs: Sequence[RunLog], keys: Sequence[str]) -> str:
    """One line per run and key: count, last value, min and max."""
    rows = [('run', 'key', 'count', 'last', 'min', 'max')]
    for run_log in runs:
        for key in keys:
            values = run_log.series[key][1]
            rows.append((run_log.name, key, str(len(values)), f'{values[-1]:.6g}',
                         f'{min(values):.6g}', f'{max(values):.6g}'))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return '\n'.join('  '.join(text.ljust(width) for text, width in zip(row, widths)).rstrip()
                     for row in rows)


def plot_runs(runs: Sequence[RunLog], keys: Sequence[str], out: str, title: Optional[str] = None) -> None:
    """One panel per key (value against step), every run a line with its name in the legend."""
    # Imported here: every reelkit command imports this module. The object API draws with Agg
    # and leaves matplotlib's global backend (pyplot's) alone.
    from matplotlib.figure import Figure
    figure = Figure(figsize=(8, 3 * len(keys)), layout='constrained')
    for axes, key in zip(figure.subplots(len(keys), 1, squeeze=False)[:, 0], keys):
        for run_log in runs:
            steps, values = run_log.series[key]
            axes.plot(steps, values, label=run_log.name, marker='.' if len(steps) < 50 else None)
        axes.set_xlabel('step')
        axes.set_ylabel(key)
        axes.grid(alpha=0.3)
        axes.legend()
    if title:
        figure.suptitle(title)
    try:
        figure.savefig(out, dpi=100)
    except (OSError, ValueError) as error:  # a missing folder, an extension matplotlib lacks
        raise ConfigError(f'--out {out}: cannot write the figure: {error}') from error


def write_json(runs: Sequence[RunLog], path: str) -> None:
    """``{"runs": [{"name", "log", "series": {key: {"step": [...], "value": [...]}}}]}``."""
    data = dict(runs=[dict(name=run_log.name, log=run_log.path,
                           series={key: dict(step=steps, value=values)
                                   for key, (steps, values) in run_log.series.items()})
                      for run_log in runs])
    with open(path, 'w', encoding='utf-8') as stream:
        json.dump(data, stream, indent=2)
