"""``reelkit quickstart``: generate SynthMotion, train on it, test the best checkpoint on the held-out split.

The console shows one progress bar and a closing summary; the full log goes to the work dir.
"""
import argparse
import contextlib
import io
import logging
import os.path as osp
import sys

from mmengine.config import DictAction
from mmengine.runner import find_latest_checkpoint

from reelkit.apis import load_config
from reelkit.datasets.synth_motion import SYNTH_MOTION_CLASSES, generate_synth_motion
from reelkit.engine import ReelkitRunner
from reelkit.utils.errors import ConfigError, ReelkitError

QUICKSTART_CONFIG = 'recognition/tsm/tsm_r18_1xb16-1x1x8-8e_synthmotion-rgb.py'
DEFAULT_DATA_ROOT = 'data/synth_motion'
# dataset type -> (data_prefix key, suffix of the SynthMotion lists it reads)
SYNTH_MOTION_LISTS = {'VideoDataset': ('video', ''), 'RawframeDataset': ('img', '_rawframes')}


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'quickstart', parents=parents,
        help='train and test TSM on the embedded SynthMotion data (minutes on a CPU)')
    parser.add_argument('--work-dir', default='work_dirs/quickstart',
                        help='where logs and checkpoints go')
    parser.add_argument('--data-root', default=DEFAULT_DATA_ROOT,
                        help='SynthMotion folder; generated there if it lacks the lists the config reads')
    parser.add_argument('--config', default=QUICKSTART_CONFIG,
                        help='config to train (default: the shipped TSM SynthMotion config)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. train_cfg.max_epochs=2')
    parser.set_defaults(func=run)


def point_to_data_root(cfg, data_root: str) -> bool:
    """Aim every split of ``cfg`` at the SynthMotion lists in ``data_root``.

    Returns whether the config reads rawframe lists. Raises ``ConfigError`` for a dataset type
    SynthMotion has no lists for.
    """
    types = {cfg[f'{split}_dataloader'].dataset.type for split in ('train', 'val', 'test')}
    unknown = types - set(SYNTH_MOTION_LISTS)
    if len(types) != 1 or unknown:
        raise ConfigError(f'{cfg.filename}: quickstart trains on SynthMotion, which has lists for '
                          f'{sorted(SYNTH_MOTION_LISTS)}; the config\'s dataloaders use {sorted(types)}')
    prefix_key, suffix = SYNTH_MOTION_LISTS[types.pop()]
    for split in ('train', 'val', 'test'):
        dataset = cfg[f'{split}_dataloader'].dataset
        dataset.ann_file = osp.join(data_root, f'{split}{suffix}.txt')
        dataset.data_prefix = {prefix_key: data_root}
    return bool(suffix)


def tested_checkpoint(runner, work_dir: str) -> str:
    """The best checkpoint of the run; the latest one, said aloud, when validation chose none."""
    best = runner.message_hub.get_info('best_ckpt')
    if best:
        return best
    latest = find_latest_checkpoint(work_dir)
    if not latest:
        raise ReelkitError(f'{work_dir}: training wrote no checkpoint to test (check default_hooks.checkpoint)')
    print(f'No best checkpoint was recorded (no validation with save_best); testing the latest, {latest}')
    return latest


def build_quiet_runner(cfg) -> ReelkitRunner:
    """``Runner.from_cfg(cfg)`` whose console shows warnings only; the log file in the work dir keeps
    every line, the environment and config dumps of the runner's construction included."""
    with contextlib.redirect_stdout(io.StringIO()):  # the runner's logger is made, and talks, in here
        runner = ReelkitRunner.from_cfg(cfg)
    for handler in runner.logger.handlers:
        if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
            handler.setStream(sys.stdout)
            handler.setLevel(logging.WARNING)
    return runner


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args.config, args.cfg_options)
    rawframes = point_to_data_root(cfg, args.data_root)
    if not all(osp.isfile(cfg[f'{split}_dataloader'].dataset.ann_file) for split in ('train', 'val', 'test')):
        print(f'Generating SynthMotion in {args.data_root} ...')
        generate_synth_motion(args.data_root, rawframes=rawframes, progress=True)
    cfg.work_dir = args.work_dir
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [dict(type='RichProgressBarHook')]
    runner = build_quiet_runner(cfg)
    runner.train()

    checkpoint = tested_checkpoint(runner, args.work_dir)
    cfg.load_from = checkpoint
    cfg.experiment_name = f'{runner.experiment_name}_test'
    cfg.test_evaluator = [dict(type='AccMetric'), dict(type='ConfusionMatrix')]
    metrics = build_quiet_runner(cfg).test()
    print_summary(args, metrics, checkpoint, runner.log_dir)
    return 0


def print_summary(args: argparse.Namespace, metrics: dict, checkpoint: str, log_dir: str) -> None:
    """Test top-1, where things are, and what to try next."""
    from reelkit.visualization.confusion_matrix import save_confusion_matrix
    top1 = metrics['acc/top1']
    picture = save_confusion_matrix(osp.join(args.work_dir, 'confusion_matrix.png'),
                                    metrics['confusion_matrix/result'].numpy(), SYNTH_MOTION_CLASSES,
                                    title=f'SynthMotion test split, top-1 {top1:.3f}')
    lines = [
        f'SynthMotion test top-1 of {osp.basename(checkpoint)}: {top1:.4f} (held-out test split)',
        f'  best checkpoint   {checkpoint}',
        f'  confusion matrix  {picture}',
        f'  full log          {log_dir}',
        'Next:',
        f'  reelkit test {args.config} {checkpoint}',
        '  reelkit quickstart --config recognition/tsn/tsn_r18_1xb16-1x1x8-8e_synthmotion-rgb.py '
        '--work-dir work_dirs/tsn   # TSN cannot see frame order',
        f'  reelkit train {args.config} --cfg-options train_cfg.max_epochs=12',
    ]
    print('\n'.join(lines))
