"""``ActivityNetDataset``: per-video snippet features and ActivityNet-format annotations.

The annotation file is a JSON object keyed by video name (MMAction2's processed ActivityNet
annotations)::

    {"v_--1DO2V4K74": {"duration_second": 211.53, "duration_frame": 6337, "feature_frame": 6336,
                       "fps": 30.0, "rfps": 29.96,
                       "annotations": [{"segment": [30.03, 205.23], "label": "Rock climbing"}]},
     ...}

``feature_frame`` is the number of frames the features cover; segments are in seconds. Each
video's features are ``data_prefix['video']/<video name><feature_ext>``: a csv with a header
row and one row of ``C`` values per snippet (the official ``csv_mean_100`` files), or an
``.npy`` / ``.pkl`` array of the same ``(T, C)`` layout.
"""
import json
import math
import os.path as osp
from numbers import Real
from typing import Callable, Dict, List, Optional, Sequence, Union

from reelkit.registry import DATASETS
from reelkit.utils.errors import AnnotationError, ConfigError, VideoReadError
from .base import BaseActionDataset

FEATURE_EXTENSIONS = ('.csv', '.npy', '.pkl')
REQUIRED_KEYS = ('duration_second', 'duration_frame')


@DATASETS.register_module()
class ActivityNetDataset(BaseActionDataset):
    """Temporal action localization on per-video features (format in the module docstring).

    Each entry is the video's annotation dict plus ``video_name`` and ``feature_path``.

    Args:
        ann_file (str): The JSON annotation file.
        pipeline (list[dict | callable]): The transforms (``LoadLocalizationFeature``, ...).
        data_prefix (dict | None): ``dict(video=DIR)``, the folder of the feature files.
            Defaults to ``dict(video='')``.
        test_mode (bool): Build a validation/test dataset. Defaults to False.
        feature_ext (str): The feature files' extension: ``'.csv'``, ``'.npy'`` or ``'.pkl'``.
            Defaults to ``'.csv'``.
        **kwargs: Passed to :class:`BaseActionDataset`.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: Sequence[Union[dict, Callable]],
                 data_prefix: Optional[dict] = None,
                 test_mode: bool = False,
                 feature_ext: str = '.csv',
                 **kwargs) -> None:
        if feature_ext not in FEATURE_EXTENSIONS:
            raise ConfigError(f'ActivityNetDataset: feature_ext={feature_ext!r}; '
                              f'expected one of {FEATURE_EXTENSIONS}')
        self.feature_ext = feature_ext
        self._any_feature_file: Optional[bool] = None
        super().__init__(ann_file, pipeline=pipeline,
                         data_prefix=dict(video='') if data_prefix is None else data_prefix,
                         test_mode=test_mode, **kwargs)

    def load_data_list(self) -> List[dict]:
        """One entry per video of the JSON object, in file order."""
        return [dict(video_info, video_name=video_name, feature_path=self.prefixed(
                    'video', video_name + self.feature_ext))
                for video_name, video_info in load_activitynet_annotations(self.ann_file).items()]

    def describe_sample(self, idx: int) -> str:
        return f'{super().describe_sample(idx)} ({self.get_data_info(idx)["feature_path"]})'

    def apply_pipeline(self, data_info: dict):
        """The pipeline's output. With ``skip_corrupt``, a missing feature file when none of the
        videos has one (a wrong feature folder) raises ConfigError instead of being skipped like a
        single bad file (until MMEngine gives up after ``max_refetch`` tries)."""
        try:
            return super().apply_pipeline(data_info)
        except VideoReadError as error:
            if (self.skip_corrupt and error.filename == data_info['feature_path']
                    and not self.any_feature_file()):
                raise ConfigError(
                    f"ActivityNetDataset {self.ann_file}: none of the {len(self)} feature files is "
                    f"in the folder {osp.dirname(error.filename) or '.'!r} (the first, "
                    f"{error.filename}, is missing); check data_prefix=dict(video=...) and "
                    f"feature_ext={self.feature_ext!r}") from None
            raise

    def any_feature_file(self) -> bool:
        """Whether at least one video's feature file exists (checked once, when a file is missing)."""
        if self._any_feature_file is None:
            self._any_feature_file = any(osp.isfile(self.get_data_info(idx)['feature_path'])
                                         for idx in range(len(self)))
        return self._any_feature_file


def load_activitynet_annotations(ann_file: str) -> Dict[str, dict]:
    """``{video_name: video_info}`` of an annotation file (format in the module docstring), each
    entry checked by :func:`check_video_info`; AnnotationError naming the file and video if not."""
    if not osp.isfile(ann_file):
        raise AnnotationError(f'{ann_file}: no such annotation file')
    try:
        with open(ann_file, encoding='utf-8') as stream:
            database = json.load(stream)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise AnnotationError(f'{ann_file}: not valid JSON ({error})') from None
    except RecursionError:
        raise AnnotationError(f'{ann_file}: JSON nested too deeply to read') from None
    if not isinstance(database, dict):
        raise AnnotationError(f'{ann_file}: expected a JSON object keyed by video name, '
                              f'got a {type(database).__name__}')
    for video_name, video_info in database.items():
        check_video_info(ann_file, video_name, video_info)
    return database


def check_video_info(ann_file: str, video_name: str, video_info) -> None:
    """Raise AnnotationError naming the file, video and key unless the entry is well formed."""
    where = f'{ann_file}: video {video_name!r}'
    if not isinstance(video_info, dict):
        raise AnnotationError(f'{where}: expected an object, got {type(video_info).__name__}')
    missing = [key for key in REQUIRED_KEYS if key not in video_info]
    if missing:
        raise AnnotationError(f'{where}: missing key {missing[0]!r}')
    for key in REQUIRED_KEYS + ('feature_frame', ):
        if key in video_info and not _positive(video_info[key]):
            raise AnnotationError(f'{where}: {key}={video_info[key]!r}; expected a number > 0')
    annotations = video_info.get('annotations', [])
    if not isinstance(annotations, list):
        raise AnnotationError(f'{where}: "annotations" must be a list, got '
                              f'{type(annotations).__name__}')
    for index, annotation in enumerate(annotations):
        at = f'{where}: annotations[{index}]'
        if not isinstance(annotation, dict) or 'segment' not in annotation or 'label' not in annotation:
            raise AnnotationError(f'{at}: expected {{"segment": [start, end], "label": name}}, '
                                  f'got {annotation!r}')
        segment = annotation['segment']
        if (not isinstance(segment, list) or len(segment) != 2
                or not all(_number(t) for t in segment) or segment[0] > segment[1]):
            raise AnnotationError(f'{at}.segment={segment!r}; expected [start, end] in seconds '
                                  'with start <= end')


def _number(value) -> bool:
    """A finite JSON number: not a bool, NaN, Infinity or an integer beyond float range."""
    if not isinstance(value, Real) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _positive(value) -> bool:
    return _number(value) and value > 0
