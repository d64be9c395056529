"""``reelkit bsn-proposals CONFIG``: BSN's proposal generation, between TEM and PEM.

For every video of the config's annotation files it reads the TEM csv that ``reelkit test`` on a
TEM config dumped (``<tem_results>/<video_name>.csv``, columns ``action,start,end,tmin,tmax``)
and writes what ``LoadProposals`` reads to train and test PEM:

- ``<out_proposals>/<video_name>.csv``: a header row, then one candidate proposal per row,
  ``tmin,tmax,tmin_score,tmax_score,score,match_iou,match_ioa``, best ``score`` first;
- ``<out_features>/<video_name>.npy``: (P, D) float boundary-sensitive features of the first
  ``top_k`` of those proposals.
"""
import argparse
import os
import os.path as osp
from functools import partial
from typing import Dict, Tuple

import numpy as np

from reelkit.apis import load_config
from reelkit.datasets.activitynet_dataset import load_activitynet_annotations
from reelkit.datasets.transforms.localization import read_feature_array
from reelkit.models.localizers.utils import generate_bsp_feature, generate_candidate_proposals
from reelkit.utils.errors import AnnotationError, ConfigError, ReelkitError, VideoReadError
from reelkit.utils.parallel import map_in_processes

PROPOSAL_CSV_HEADER = 'tmin,tmax,tmin_score,tmax_score,score,match_iou,match_ioa'
TEM_COLUMNS = 5  # action, start, end, tmin, tmax
# --mode -> (annotation file key, feature options key) in the config, as MMAction2's PGM config names them.
SPLITS = {'train': ('ann_file_train', 'pgm_features_train_cfg'),
          'test': ('ann_file_val', 'pgm_features_test_cfg')}
BSP_OPTIONS = ('bsp_boundary_ratio', 'num_sample_start', 'num_sample_end', 'num_sample_action',
               'num_sample_interp')

EXAMPLE = '''The config is a BSN proposal-generation config: ann_file_train / ann_file_val,
pgm_proposals_cfg (peak_threshold) and pgm_features_train_cfg / pgm_features_test_cfg (top_k and
the bsp sampling options), and optionally tem_results_dir, pgm_proposals_dir, pgm_features_dir
as the defaults of the three folders. --mode train uses the training videos and options, test the
validation ones, both (the default) both.

example (BSN on SynthANet: TEM, proposals, PEM):
  reelkit data synth-anet data/synth_anet
  reelkit train localization/bsn/bsn_tem_1xb16-32x32-20e_synth-anet-feature.py
  reelkit test localization/bsn/bsn_tem_1xb16-32x32-20e_synth-anet-feature.py \\
      work_dirs/bsn_32x32_synth-anet-feature/tem_epoch_20.pth
  reelkit bsn-proposals localization/bsn/bsn_pgm_32x32_synth-anet-feature.py \\
      --tem-results work_dirs/bsn_32x32_synth-anet-feature/tem_results \\
      --out-proposals work_dirs/bsn_32x32_synth-anet-feature/pgm_proposals \\
      --out-features work_dirs/bsn_32x32_synth-anet-feature/pgm_features
  reelkit train localization/bsn/bsn_pem_1xb16-32x32-10e_synth-anet-feature.py
'''


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'bsn-proposals', parents=parents, epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="BSN's proposal generation: TEM csv files -> PEM's proposals and features")
    parser.add_argument('config', help='BSN proposal-generation config (a path, or a shipped name)')
    parser.add_argument('--tem-results', metavar='DIR',
                        help="folder of TEM's csv files (default: the config's tem_results_dir)")
    parser.add_argument('--out-proposals', metavar='DIR',
                        help="folder to write the proposal csv files (default: pgm_proposals_dir)")
    parser.add_argument('--out-features', metavar='DIR',
                        help="folder to write the feature npy files (default: pgm_features_dir)")
    parser.add_argument('--mode', choices=('train', 'test', 'both'), default='both',
                        help='which videos: train, test (the validation split) or both (default)')
    parser.add_argument('--workers', type=int, default=os.cpu_count(),
                        help='processes to use (default: one per CPU core; the config\'s '
                        '*_thread keys are not read)')
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args.config)
    folders = {}
    for name, flag, key in (('tem_results', '--tem-results', 'tem_results_dir'),
                            ('proposals', '--out-proposals', 'pgm_proposals_dir'),
                            ('features', '--out-features', 'pgm_features_dir')):
        folders[name] = getattr(args, flag[2:].replace('-', '_')) or cfg.get(key)
        if not folders[name]:
            raise ConfigError(f'{args.config}: no {key!r}; give {flag} DIR')
    if not osp.isdir(folders['tem_results']):
        raise ConfigError(f'--tem-results {folders["tem_results"]}: no such folder; run '
                          '`reelkit test` on the TEM config first (its ANetMetric dumps the csv files)')
    peak_threshold = config_section(cfg, args.config, 'pgm_proposals_cfg')['peak_threshold']
    os.makedirs(folders['proposals'], exist_ok=True)
    os.makedirs(folders['features'], exist_ok=True)
    for mode in (('train', 'test') if args.mode == 'both' else (args.mode, )):
        ann_key, features_key = SPLITS[mode]
        if ann_key not in cfg:
            raise ConfigError(f'{args.config}: no {ann_key!r} (the annotation file of --mode {mode})')
        features_cfg = config_section(cfg, args.config, features_key)
        videos = list(load_activitynet_annotations(cfg[ann_key]).items())
        job = partial(write_video_proposals, tem_results_dir=folders['tem_results'],
                      proposals_dir=folders['proposals'], features_dir=folders['features'],
                      peak_threshold=peak_threshold, top_k=features_cfg['top_k'],
                      bsp_options={key: features_cfg[key] for key in BSP_OPTIONS if key in features_cfg})
        counts = map_in_processes(job, videos, workers=args.workers,
                                  description=f'BSN proposals ({mode})')
        print(f'{mode}: {sum(counts)} proposals of {len(videos)} videos from {cfg[ann_key]} written '
              f'to {folders["proposals"]}, features to {folders["features"]}')
    return 0


def config_section(cfg, config_path: str, key: str) -> dict:
    """``cfg[key]`` as a dict; ConfigError naming the config and key if it is absent."""
    if not isinstance(cfg.get(key), dict):
        raise ConfigError(f'{config_path}: no {key!r} dict (see configs/localization/bsn/ '
                          'bsn_pgm_32x32_synth-anet-feature.py)')
    return dict(cfg[key])


def read_tem_result(path: str) -> np.ndarray:
    """(T, 5) ``[action, start, end, tmin, tmax]`` rows of a TEM csv; VideoReadError naming it if not."""
    tem_result = read_feature_array(path)
    if tem_result.shape[1] != TEM_COLUMNS:
        raise VideoReadError(path, f'expected the {TEM_COLUMNS} TEM columns action,start,end,tmin,'
                             f'tmax, got {tem_result.shape[1]}')
    return tem_result.astype(np.float64)


def write_video_proposals(video: Tuple[str, Dict], tem_results_dir: str, proposals_dir: str,
                          features_dir: str, peak_threshold: float, top_k: int,
                          bsp_options: Dict) -> int:
    """Write one video's proposal csv and feature npy (formats in the module docstring).

    Args:
        video: ``(video_name, video_info)`` from the annotation file.
        top_k: how many of the best proposals get features.
        bsp_options: keyword arguments of :func:`generate_bsp_feature`.

    Returns:
        The number of proposals written.
    """
    video_name, video_info = video
    missing = [key for key in ('feature_frame', 'annotations') if key not in video_info]
    if missing:  # both are optional for ActivityNetDataset; the proposals' match needs them
        raise AnnotationError(f'bsn-proposals: video {video_name!r} has no {missing[0]!r} in its '
                              'annotation entry')
    tem_path = osp.join(tem_results_dir, video_name + '.csv')
    try:
        tem_result = read_tem_result(tem_path)
    except VideoReadError as error:  # a missing video is an error here: PEM would skip it silently
        raise ReelkitError(f'bsn-proposals: video {video_name!r}: {error}') from None
    proposals = generate_candidate_proposals(tem_result, video_info, peak_threshold)
    np.savetxt(osp.join(proposals_dir, video_name + '.csv'), proposals,
               header=PROPOSAL_CSV_HEADER, delimiter=',', comments='')
    features = generate_bsp_feature(tem_result, proposals[:top_k], **bsp_options)
    np.save(osp.join(features_dir, video_name + '.npy'), features)
    return len(proposals)
