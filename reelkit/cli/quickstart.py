"""``reelkit quickstart``: generate SynthMotion, train TSM on it, test the best checkpoint."""
import argparse
import os.path as osp

from mmengine.config import DictAction
from mmengine.runner import Runner, find_latest_checkpoint

from reelkit.datasets.synth_motion import generate_synth_motion
from reelkit.utils.config import load_config

QUICKSTART_CONFIG = 'recognition/tsm/tsm_r18_1xb16-1x1x8-8e_synthmotion-rgb.py'
DEFAULT_DATA_ROOT = 'data/synth_motion'


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'quickstart', parents=parents,
        help='train and test TSM on the embedded SynthMotion data (minutes on a CPU)')
    parser.add_argument('--work-dir', default='work_dirs/quickstart',
                        help='where logs and checkpoints go')
    parser.add_argument('--data-root', default=DEFAULT_DATA_ROOT,
                        help='SynthMotion folder; generated there if it has no train.txt')
    parser.add_argument('--config', default=QUICKSTART_CONFIG,
                        help='config to train (default: the shipped TSM SynthMotion config)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. train_cfg.max_epochs=2')
    parser.set_defaults(func=run)


def point_to_data_root(cfg, data_root: str) -> None:
    """Aim every split of ``cfg`` at ``data_root``, keeping the annotation file names."""
    for split in ('train', 'val', 'test'):
        dataset = cfg[f'{split}_dataloader'].dataset
        dataset.ann_file = osp.join(data_root, osp.basename(dataset.ann_file))
        dataset.data_prefix = dict(video=data_root)


def run(args: argparse.Namespace) -> int:
    if not osp.isfile(osp.join(args.data_root, 'train.txt')):
        print(f'Generating SynthMotion in {args.data_root} ...')
        generate_synth_motion(args.data_root, progress=True)
    cfg = load_config(args.config, args.cfg_options)
    point_to_data_root(cfg, args.data_root)
    cfg.work_dir = args.work_dir
    runner = Runner.from_cfg(cfg)
    runner.train()
    best = runner.message_hub.get_info('best_ckpt') or find_latest_checkpoint(args.work_dir)
    cfg.load_from = best
    cfg.experiment_name = f'{runner.experiment_name}_test'
    metrics = Runner.from_cfg(cfg).test()
    print(f'SynthMotion test top-1 of {osp.basename(best)}: {metrics["acc/top1"]:.4f}')
    return 0
