"""Temporal localization: load per-video snippet features, ground-truth boxes and BSN proposals.

Times in ``gt_bbox`` are normalised to the part of the video the features cover: 0 is the first
snippet's start and 1 the last one's end.
"""
import os.path as osp
import pickle

import numpy as np

from reelkit.registry import TRANSFORMS
from reelkit.utils.errors import AnnotationError, VideoReadError
from .base import BaseTransform, check_choice, check_int


def read_feature_array(path: str) -> np.ndarray:
    """A ``(T, C)`` float32 array from a csv (a header row, then one row per snippet), an
    ``.npy`` or a ``.pkl`` file; VideoReadError naming the file if it cannot be read."""
    if not osp.isfile(path):
        raise VideoReadError(path, 'no such feature file')
    try:
        if path.endswith('.npy'):
            array = np.load(path, allow_pickle=False)
        elif path.endswith('.pkl'):
            with open(path, 'rb') as stream:
                array = pickle.load(stream)
        else:
            array = np.loadtxt(path, dtype=np.float32, delimiter=',', skiprows=1, ndmin=2)
        array = np.asarray(array, dtype=np.float32)
    except (ValueError, OSError, EOFError, pickle.UnpicklingError) as error:
        raise VideoReadError(path, f'cannot read the features ({error})') from None
    if array.ndim != 2 or 0 in array.shape:
        raise VideoReadError(path, f'expected a (snippets, channels) array, got shape {array.shape}')
    return array


def normalised_segments(annotations, feature_second: float) -> np.ndarray:
    """(G, 2) ``[start, end]`` of the annotations' segments over ``feature_second``, clipped to [0, 1]."""
    segments = np.array([annotation['segment'] for annotation in annotations],
                        dtype=np.float64).reshape(-1, 2)
    return np.clip(segments / feature_second, 0., 1.)


@TRANSFORMS.register_module()
class LoadLocalizationFeature(BaseTransform):
    """Load a video's snippet features as ``raw_feature`` (C, T) float32.

    The file type follows ``feature_path``'s extension (see :func:`read_feature_array`); a
    missing or unreadable file raises VideoReadError, so the dataset can skip it.

    Required Keys:
        - feature_path

    Added Keys:
        - raw_feature
    """

    def transform(self, results: dict) -> dict:
        results['raw_feature'] = np.ascontiguousarray(read_feature_array(results['feature_path']).T)
        return results


@TRANSFORMS.register_module()
class GenerateLocalizationLabels(BaseTransform):
    """The ground-truth segments in normalised time, as ``gt_bbox`` (G, 2) float64.

    The features cover ``feature_frame / duration_frame * duration_second`` seconds; each
    segment is divided by that and clipped to [0, 1].

    Required Keys:
        - duration_frame
        - duration_second
        - feature_frame
        - annotations
        - video_name (optional: named in errors)

    Added Keys:
        - gt_bbox
    """

    def transform(self, results: dict) -> dict:
        missing = [key for key in ('duration_frame', 'duration_second', 'feature_frame',
                                   'annotations') if key not in results]
        if missing:
            raise AnnotationError(f"GenerateLocalizationLabels: video "
                                  f"{results.get('video_name', '?')!r} has no {missing[0]!r}")
        feature_second = (float(results['feature_frame']) / results['duration_frame']
                          * results['duration_second'])
        results['gt_bbox'] = normalised_segments(results['annotations'], feature_second)
        return results


@TRANSFORMS.register_module()
class LoadProposals(BaseTransform):
    """Load BSN's candidate proposals (PGM output) and their boundary-sensitive features.

    ``pgm_proposals_dir/<video_name>.csv`` has a header row and one proposal per row, columns
    ``tmin, tmax, tmin_score, tmax_score, score, match_iou, match_ioa``;
    ``pgm_features_dir/<video_name>.npy`` is (P, D), one row per proposal. The first
    ``top_k`` of each are kept.

    Required Keys:
        - video_name

    Added Keys:
        - bsp_feature
        - tmin
        - tmax
        - tmin_score
        - tmax_score
        - reference_temporal_iou

    Args:
        top_k (int): Proposals kept per video.
        pgm_proposals_dir (str): Folder of the proposal csv files.
        pgm_features_dir (str): Folder of the proposal feature files.
        proposal_ext (str): ``'.csv'``, the only proposal format. Defaults to ``'.csv'``.
        feature_ext (str): ``'.npy'``, the only feature format. Defaults to ``'.npy'``.
    """

    def __init__(self,
                 top_k: int,
                 pgm_proposals_dir: str,
                 pgm_features_dir: str,
                 proposal_ext: str = '.csv',
                 feature_ext: str = '.npy') -> None:
        name = type(self).__name__
        self.top_k = check_int(name, 'top_k', top_k)
        self.pgm_proposals_dir = pgm_proposals_dir
        self.pgm_features_dir = pgm_features_dir
        self.proposal_ext = check_choice(name, 'proposal_ext', proposal_ext, ('.csv', ))
        self.feature_ext = check_choice(name, 'feature_ext', feature_ext, ('.npy', ))

    def transform(self, results: dict) -> dict:
        video_name = results['video_name']
        proposal_path = osp.join(self.pgm_proposals_dir, video_name + self.proposal_ext)
        proposals = read_feature_array(proposal_path)[:self.top_k]
        if proposals.shape[1] < 6:
            raise VideoReadError(proposal_path, f'expected 7 columns (tmin, tmax, tmin_score, '
                                 f'tmax_score, score, match_iou, match_ioa), got {proposals.shape[1]}')
        feature_path = osp.join(self.pgm_features_dir, video_name + self.feature_ext)
        bsp_feature = read_feature_array(feature_path)[:self.top_k]
        if len(bsp_feature) != len(proposals):
            raise VideoReadError(feature_path, f'{len(bsp_feature)} feature rows for '
                                 f'{len(proposals)} proposals in {proposal_path}')
        results['bsp_feature'] = bsp_feature
        for column, key in ((0, 'tmin'), (1, 'tmax'), (2, 'tmin_score'), (3, 'tmax_score'),
                            (5, 'reference_temporal_iou')):
            results[key] = np.ascontiguousarray(proposals[:, column])
        return results
