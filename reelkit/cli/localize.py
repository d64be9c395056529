"""``reelkit localize CONFIG CHECKPOINT --out result.json``: a localizer's proposals on the test split,
written as the ActivityNet result JSON (``{"version", "results": {video_id: [{"segment",
"score"}, ...]}, "external_data"}``)."""
import argparse
import json
import os.path as osp

from reelkit.cli.runner_args import add_runner_arguments, checkpoint_loading, config_from_args
from reelkit.engine import ReelkitRunner
from reelkit.utils.errors import ConfigError

EXAMPLE = '''The proposals are those of the config's test dataloader (an ActivityNetDataset); each video
needs duration_second and duration_frame in the annotation file, and its annotations only to be
evaluated: AR@AN and AUC are printed unless --no-eval.

example:
  reelkit data synth-anet data/synth_anet
  reelkit train localization/bmn/bmn_1xb8-32x32-10e_synth-anet-feature.py
  reelkit localize localization/bmn/bmn_1xb8-32x32-10e_synth-anet-feature.py \\
      work_dirs/bmn_1xb8-32x32-10e_synth-anet-feature/epoch_10.pth --out result.json
  reelkit localize CONFIG CKPT --out mine.json --ann-file mine.json --feature-dir feats/ --no-eval
'''


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'localize', parents=parents, epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help='write a temporal localizer\'s proposals as an ActivityNet result JSON')
    parser.add_argument('config', help='config file (a path, or the name of a shipped config)')
    parser.add_argument('checkpoint', help='checkpoint file written by reelkit train (or MMAction2)')
    parser.add_argument('--out', required=True, metavar='RESULT.json', help='the JSON file to write')
    parser.add_argument('--ann-file', help='ActivityNet-format annotation file of the videos '
                        '(default: the config\'s test ann_file)')
    parser.add_argument('--feature-dir', help='folder of the videos\' feature files '
                        '(default: the config\'s test data_prefix)')
    parser.add_argument('--no-eval', action='store_true',
                        help='only write the proposals (for videos without annotations)')
    add_runner_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not osp.isfile(args.checkpoint):
        raise ConfigError(f'{args.checkpoint}: no such checkpoint file')
    if not args.out.endswith('.json'):
        raise ConfigError(f'--out {args.out}: the file must end with .json')
    cfg = config_from_args(args)
    cfg.load_from = args.checkpoint
    dataset = cfg.test_dataloader.dataset
    if args.ann_file:
        dataset.ann_file = args.ann_file
    if args.feature_dir:
        dataset.data_prefix = dict(video=args.feature_dir)
    cfg.test_evaluator = dict(type='ANetMetric', metric_type='TEM' if args.no_eval else 'AR@AN',
                              dump_config=dict(out=args.out, output_format='json'))
    with checkpoint_loading(args):
        metrics = ReelkitRunner.from_cfg(cfg).test()
    with open(args.out, encoding='utf-8') as stream:
        num_videos = len(json.load(stream)['results'])
    print(f'Wrote the proposals of {num_videos} videos to {args.out}')
    for name, value in (metrics or {}).items():
        print(f'  {name:8s} {value:.4f}')
    return 0
