"""``reelkit quickstart``: generate SynthMotion (SynthSkeleton for a PoseDataset config), train on it,
test the best checkpoint on the held-out split.

The console shows one progress bar and a closing summary; the full log goes to the work dir.
"""
import argparse
import contextlib
import io
import logging
import os.path as osp
import sys
from functools import partial
from typing import Callable, NamedTuple, Optional, Tuple

from mmengine.config import DictAction
from mmengine.runner import find_latest_checkpoint

from reelkit.apis import load_config
from reelkit.datasets.synth_motion import SYNTH_MOTION_CLASSES, generate_synth_motion
from reelkit.datasets.synth_skeleton import ANN_FILE as SYNTH_SKELETON_ANN_FILE
from reelkit.datasets.synth_skeleton import SYNTH_SKELETON_CLASSES, generate_synth_skeleton
from reelkit.engine import ReelkitRunner
from reelkit.utils.errors import ConfigError, ReelkitError

QUICKSTART_CONFIG = 'recognition/slowonly/slowonly_r18_1xb16-8x1x1-10e_synthmotion-rgb.py'
# The same network with temporal kernels of size 1: it cannot see frame order.
CONTROL_CONFIG = 'recognition/slowonly/slowonly-c2d_r18_1xb16-8x1x1-10e_synthmotion-rgb.py'


class SynthData(NamedTuple):
    """The generated set quickstart trains a config on, chosen by the config's dataset type."""
    name: str
    classes: Tuple[str, ...]
    default_root: str
    generate: Callable[[str], object]  # data_root -> None; writes the set
    ann_file: Callable[[str, str], str]  # (data_root, split) -> the split's annotation file
    prefix_key: Optional[str]  # the data_prefix key aimed at data_root; None: no prefix
    hint: str  # a next step for the summary


def _split_list(suffix: str, data_root: str, split: str) -> str:
    return osp.join(data_root, f'{split}{suffix}.txt')


def _skeleton_pickle(data_root: str, split: str) -> str:
    return osp.join(data_root, SYNTH_SKELETON_ANN_FILE)  # one pickle holds every split


SYNTH_MOTION_HINT = (f'reelkit quickstart --config {CONTROL_CONFIG} --work-dir work_dirs/control   '
                     '# the same network blind to frame order')
SYNTH_DATA = {
    'VideoDataset': SynthData('SynthMotion', SYNTH_MOTION_CLASSES, 'data/synth_motion',
                              partial(generate_synth_motion, progress=True), partial(_split_list, ''),
                              'video', SYNTH_MOTION_HINT),
    'RawframeDataset': SynthData('SynthMotion', SYNTH_MOTION_CLASSES, 'data/synth_motion',
                                 partial(generate_synth_motion, rawframes=True, progress=True),
                                 partial(_split_list, '_rawframes'), 'img', SYNTH_MOTION_HINT),
    'PoseDataset': SynthData('SynthSkeleton', SYNTH_SKELETON_CLASSES, 'data/synth_skeleton',
                             partial(generate_synth_skeleton, progress=True),
                             _skeleton_pickle, None,
                             'reelkit data synth-skeleton data/synth_skeleton --num-samples 1600   '
                             '# twice the samples, then quickstart again'),
}


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'quickstart', parents=parents,
        help='train and test a 3D CNN on the embedded SynthMotion data (minutes on a CPU)')
    parser.add_argument('--work-dir', default='work_dirs/quickstart',
                        help='where logs and checkpoints go')
    parser.add_argument('--data-root', default=None,
                        help='SynthMotion (SynthSkeleton) folder; generated there if it lacks the files the '
                        'config reads (default: data/synth_motion, data/synth_skeleton)')
    parser.add_argument('--config', default=QUICKSTART_CONFIG,
                        help='config to train (default: the shipped SlowOnly SynthMotion config)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. train_cfg.max_epochs=2')
    parser.set_defaults(func=run)


def synth_data_of(cfg) -> SynthData:
    """The generated set for the dataset type all three dataloaders of ``cfg`` share.

    Raises ``ConfigError`` for mixed types or a type no generated set is written for.
    """
    types = {cfg[f'{split}_dataloader'].dataset.type for split in ('train', 'val', 'test')}
    if len(types) != 1 or types - set(SYNTH_DATA):
        raise ConfigError(f'{cfg.filename}: quickstart trains on SynthMotion, which has lists for '
                          "['RawframeDataset', 'VideoDataset'], or on SynthSkeleton, for ['PoseDataset']; "
                          f"the config's dataloaders use {sorted(types)}")
    return SYNTH_DATA[types.pop()]


def point_to_data_root(cfg, synth: SynthData, data_root: str) -> None:
    """Aim every split of ``cfg`` at the ``synth`` files in ``data_root`` (a PoseDataset also
    at the split of the same name in the pickle)."""
    for split in ('train', 'val', 'test'):
        dataset = cfg[f'{split}_dataloader'].dataset
        dataset.ann_file = synth.ann_file(data_root, split)
        if synth.prefix_key is None:
            dataset.split = split
        else:
            dataset.data_prefix = {synth.prefix_key: data_root}


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


def not_a_deprecation_notice(record: logging.LogRecord) -> bool:
    """False for MMEngine's notices about its own deprecated internals (the ``FileClient`` its
    hooks still make), which a quickstart user can do nothing about; they stay in the log file."""
    return 'will be deprecated' not in record.getMessage()


def build_quiet_runner(cfg) -> ReelkitRunner:
    """``Runner.from_cfg(cfg)`` whose console shows warnings only; the log file in the work dir keeps
    every line, the environment and config dumps of the runner's construction included."""
    with contextlib.redirect_stdout(io.StringIO()):  # the runner's logger is made, and talks, in here
        runner = ReelkitRunner.from_cfg(cfg)
    for handler in runner.logger.handlers:
        if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
            handler.setStream(sys.stdout)
            handler.setLevel(logging.WARNING)
            handler.addFilter(not_a_deprecation_notice)
    return runner


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args.config, args.cfg_options)
    synth = synth_data_of(cfg)
    data_root = args.data_root or synth.default_root
    point_to_data_root(cfg, synth, data_root)
    if not all(osp.isfile(cfg[f'{split}_dataloader'].dataset.ann_file) for split in ('train', 'val', 'test')):
        print(f'Generating {synth.name} in {data_root} ...')
        synth.generate(data_root)
    cfg.work_dir = args.work_dir
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [dict(type='RichProgressBarHook')]
    runner = build_quiet_runner(cfg)
    runner.train()

    checkpoint = tested_checkpoint(runner, args.work_dir)
    cfg.load_from = checkpoint
    cfg.experiment_name = f'{runner.experiment_name}_test'
    cfg.test_evaluator = [dict(type='AccMetric'), dict(type='ConfusionMatrix')]
    metrics = build_quiet_runner(cfg).test()
    print_summary(args, synth, metrics, checkpoint, runner.log_dir)
    return 0


def print_summary(args: argparse.Namespace, synth: SynthData, metrics: dict, checkpoint: str,
                  log_dir: str) -> None:
    """Test top-1, where things are, and what to try next."""
    from reelkit.visualization.confusion_matrix import save_confusion_matrix
    top1 = metrics['acc/top1']
    picture = save_confusion_matrix(osp.join(args.work_dir, 'confusion_matrix.png'),
                                    metrics['confusion_matrix/result'].numpy(), synth.classes,
                                    title=f'{synth.name} test split, top-1 {top1:.3f}')
    lines = [
        f'{synth.name} test top-1 of {osp.basename(checkpoint)}: {top1:.4f} (held-out test split)',
        f'  best checkpoint   {checkpoint}',
        f'  confusion matrix  {picture}',
        f'  full log          {log_dir}',
        'Next:',
        f'  reelkit test {args.config} {checkpoint}',
        f'  {synth.hint}',
        f'  reelkit train {args.config} --cfg-options train_cfg.max_epochs=12',
    ]
    print('\n'.join(lines))
