"""``reelkit eval-metric CONFIG RESULTS.pkl``: the config's test metrics on dumped predictions.

The config's ``test_evaluator`` (a metric dict, a list of them, or ``dict(type=..., metrics=...)``
as the runner takes it) is built into an MMEngine ``Evaluator`` and fed the samples that
``reelkit test --dump`` saved (``Evaluator.offline_evaluate``): no model runs, so metrics can be
recomputed or changed (``--cfg-options``) without testing again.
"""
import argparse

from mmengine.config import DictAction
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope

from reelkit.apis import load_config
from reelkit.cli.dumped_results import load_dumped_results
from reelkit.registry import EVALUATOR, METRICS
from reelkit.utils.errors import ConfigError

DESCRIPTION = '''Compute the metrics of the config's test_evaluator on the predictions that
`reelkit test CONFIG CHECKPOINT --dump results.pkl` saved, and print them.'''

EXAMPLE = '''example:
  reelkit eval-metric recognition/tsm/tsm_r18_1xb16-1x1x8-8e_synthmotion-rgb.py results.pkl \\
      --cfg-options "test_evaluator.metric_options.top_k_accuracy.topk=(1,3)"
'''


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'eval-metric', parents=parents, help='compute test metrics on dumped predictions',
        description=DESCRIPTION, epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file (a path, or the name of a shipped config)')
    parser.add_argument('results', help='predictions written by reelkit test --dump')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. test_evaluator.type=AccMetric')
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args.config, args.cfg_options)
    if not cfg.get('test_evaluator'):
        raise ConfigError(f'{args.config}: has no test_evaluator to compute metrics with')
    results = load_dumped_results(args.results)
    init_default_scope(cfg.get('default_scope', 'reelkit'))
    metrics = evaluate_results(build_evaluator(cfg.test_evaluator), results, args.results)
    print(f'Metrics of {len(results)} samples in {args.results}:')
    for name, value in metrics.items():
        print(f'  {name}: {format_value(value)}')
    return 0


def build_evaluator(evaluator_cfg) -> Evaluator:
    """An ``Evaluator`` from ``test_evaluator`` as the runner reads it, metrics from reelkit's registry."""
    if isinstance(evaluator_cfg, dict) and 'metrics' in evaluator_cfg:
        return EVALUATOR.build(dict(evaluator_cfg, type=evaluator_cfg.get('type', 'Evaluator')))
    metric_cfgs = evaluator_cfg if isinstance(evaluator_cfg, (list, tuple)) else [evaluator_cfg]
    return Evaluator([METRICS.build(metric) for metric in metric_cfgs])


def evaluate_results(evaluator: Evaluator, results: list, path: str) -> dict:
    """``{metric name: value}`` of ``evaluator`` on the dumped samples."""
    try:
        return evaluator.offline_evaluate(results)
    except (KeyError, ValueError) as error:  # a sample field the metric needs is not in the dump
        raise ConfigError(f'{path}: {error.args[0]}') from error


def format_value(value) -> str:
    """A float with 4 decimals; a tensor or array (a confusion matrix) as its list."""
    if isinstance(value, float):
        return f'{value:.4f}'
    return str(value.tolist()) if hasattr(value, 'tolist') else str(value)
