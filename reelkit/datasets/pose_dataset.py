"""``PoseDataset``: skeleton sequences from one pickle file (the PYSKL / MMAction2 format)."""
import numbers
from typing import Callable, Dict, List, Optional, Sequence, Union

import mmengine
import numpy as np
from mmengine.logging import print_log

from reelkit.registry import DATASETS
from reelkit.utils.errors import AnnotationError, ConfigError, VideoReadError
from .base import BaseActionDataset

BOX_THRESHOLDS = (.5, .6, .7, .8, .9)


@DATASETS.register_module()
class PoseDataset(BaseActionDataset):
    """Skeleton samples stored in a pickle: ``dict(split=..., annotations=[...])``.

    ``split`` maps a split name (``'xsub_train'``, ``'xsub_val'``, ...) to the identifiers of its
    samples; each annotation is a dict naming its sample by ``frame_dir`` (or ``filename``) and
    holding the skeletons: ``keypoint`` ``(M, T, V, C)`` (persons, frames, joints, coordinates),
    optionally ``keypoint_score`` ``(M, T, V)``, and ``total_frames``, ``img_shape``,
    ``original_shape``, ``label``. A pickle holding only the list of annotations is read as is
    (``split`` must then be None). Entries keep every key of their annotation.

    Kinetics-style annotations store one row per detected box instead (see ``DecompressPose``):
    ``valid_ratio`` then keeps the videos where at least that fraction of frames has a box
    scoring ``box_thr`` or more (``valid[box_thr] / total_frames``), and gives each entry
    ``anno_inds``, the mask of its boxes scoring ``>= box_thr``.

    Args:
        ann_file (str): The ``.pkl`` annotation file.
        pipeline (list[dict | callable]): The transforms applied to each sample.
        split (str | None): The split to load; None loads every annotation. Defaults to None.
        valid_ratio (float | None): Keep videos whose fraction of frames with a confident box
            reaches this (a positive float); None or 0 keeps all. Defaults to None.
        box_thr (float): The box score threshold of ``valid_ratio``: 0.5, 0.6, 0.7, 0.8 or 0.9.
            Defaults to 0.5.
        data_prefix (dict | None): ``video=DIR`` is joined to each ``filename`` and
            ``frame_dir`` (for the RGB frames of RGBPoseConv3D); ``skeleton=DIR`` makes each
            sample load ``DIR/<frame_dir>.pkl`` and add its keys. Defaults to ``dict(prefix='')``.
        start_index (int): Index of the first frame. Defaults to 0.
        modality (str): Only ``'Pose'``. Defaults to ``'Pose'``.
        **kwargs: Passed to :class:`BaseActionDataset` (``test_mode``, ``num_classes``,
            ``data_root``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: Sequence[Union[dict, Callable]],
                 split: Optional[str] = None,
                 valid_ratio: Optional[float] = None,
                 box_thr: float = 0.5,
                 data_prefix: Optional[dict] = None,
                 start_index: int = 0,
                 modality: str = 'Pose',
                 **kwargs) -> None:
        if box_thr not in BOX_THRESHOLDS:
            raise ConfigError(f'PoseDataset: box_thr={box_thr!r}; expected one of '
                              f'{list(BOX_THRESHOLDS)} (the thresholds the annotations count)')
        if modality != 'Pose':
            raise ConfigError(f"PoseDataset: modality={modality!r}; skeleton datasets are 'Pose'")
        self.split = split
        self.valid_ratio = valid_ratio
        self.box_thr = box_thr
        super().__init__(ann_file, pipeline, data_prefix=data_prefix, start_index=start_index,
                         modality=modality, **kwargs)

    def load_data_list(self) -> List[dict]:
        """The annotations of ``split``, paths joined with ``data_prefix['video']``."""
        annotations = self._select_split(self._load_pickle())
        for number, item in enumerate(annotations):
            if 'label' in item and not self.multi_class:
                where = f'{self.ann_file}: annotation {number}'
                self.check_labels([class_index(item['label'], where)], where)
            if 'video' in self.data_prefix:
                for key in ('filename', 'frame_dir'):
                    if key in item:
                        item[key] = self.prefixed('video', item[key])
        return annotations

    def _load_pickle(self):
        if not self.ann_file.endswith('.pkl'):
            raise AnnotationError(f'{self.ann_file}: PoseDataset reads a .pkl annotation file')
        if not mmengine.exists(self.ann_file):
            raise AnnotationError(f'{self.ann_file}: annotation file not found '
                                  '(check ann_file and data_root)')
        try:
            return mmengine.load(self.ann_file)
        except Exception as error:  # a damaged pickle raises any of a dozen types
            raise AnnotationError(f'{self.ann_file}: cannot read the pickle '
                                  f'({type(error).__name__}: {error})') from error

    def _select_split(self, content) -> List[dict]:
        """The annotations named by ``split`` (all of them when ``split`` is None)."""
        if isinstance(content, list):
            if self.split is not None:
                raise AnnotationError(f"{self.ann_file}: holds a list of annotations without a "
                                      f"'split' key, so split={self.split!r} cannot be selected; "
                                      'pass split=None')
            return self._checked_annotations(content)
        if not isinstance(content, dict) or 'annotations' not in content:
            raise AnnotationError(f"{self.ann_file}: expected dict(split=..., annotations=[...]); "
                                  f"the 'annotations' key is missing")
        annotations = self._checked_annotations(content['annotations'])
        if self.split is None:
            return annotations
        names = self._split_names(content)
        key = 'filename' if 'filename' in annotations[0] else 'frame_dir'
        for number, item in enumerate(annotations):
            if key not in item:
                raise AnnotationError(f'{self.ann_file}: annotation {number} has no {key!r} key, '
                                      'which names it in the split lists')
        selected = [item for item in annotations if item[key] in names]
        if not selected:
            raise AnnotationError(f'{self.ann_file}: none of its annotations is in split '
                                  f'{self.split!r} (matched by {key!r})')
        return selected

    def _checked_annotations(self, annotations) -> List[dict]:
        """``annotations`` as a list, if it is a non-empty list of dicts named by strings."""
        if not isinstance(annotations, (list, tuple)):
            raise AnnotationError(f'{self.ann_file}: its annotations are a '
                                  f'{type(annotations).__name__}, expected a list of dicts')
        if not annotations:
            raise AnnotationError(f'{self.ann_file}: holds no annotations')
        for number, item in enumerate(annotations):
            if not isinstance(item, dict):
                raise AnnotationError(f'{self.ann_file}: annotation {number} is a '
                                      f'{type(item).__name__}, expected a dict')
            for key in ('filename', 'frame_dir'):
                if key in item and not isinstance(item[key], str):
                    raise AnnotationError(f'{self.ann_file}: annotation {number}: {key} is a '
                                          f'{type(item[key]).__name__}, expected a string')
        return list(annotations)

    def _split_names(self, content: dict) -> set:
        """The sample names ``content['split'][self.split]`` lists."""
        if 'split' not in content:
            raise AnnotationError(f"{self.ann_file}: has no 'split' key, so split={self.split!r} "
                                  'cannot be selected; pass split=None')
        splits = content['split']
        if not isinstance(splits, dict):
            raise AnnotationError(f"{self.ann_file}: its 'split' is a {type(splits).__name__}, "
                                  'expected a dict of sample-name lists')
        if self.split not in splits:
            raise AnnotationError(f"{self.ann_file}: split {self.split!r} is not in its 'split' "
                                  f"dict (it has {sorted(splits, key=str)})")
        names = splits[self.split]
        if not isinstance(names, (list, tuple, set)):
            raise AnnotationError(f'{self.ann_file}: split {self.split!r} is a '
                                  f'{type(names).__name__}, expected a list of sample names')
        return {name for name in names if isinstance(name, str)}  # others name no annotation

    def filter_data(self) -> List[dict]:
        """Apply ``valid_ratio`` (when positive) and give the kept entries ``anno_inds``."""
        if not (isinstance(self.valid_ratio, float) and self.valid_ratio > 0):
            return self.data_list
        box_scores = [self._box_scores(number, item) for number, item in enumerate(self.data_list)]
        kept = [(item, scores) for item, scores in zip(self.data_list, box_scores)
                if item['valid'][self.box_thr] / item['total_frames'] >= self.valid_ratio]
        if not kept:
            raise AnnotationError(
                f'{self.ann_file}: no video has a box scoring >= {self.box_thr} in >= '
                f'{self.valid_ratio:.0%} of its frames; lower valid_ratio or box_thr')
        for item, scores in kept:
            item['anno_inds'] = scores >= self.box_thr
        print_log(f'{len(kept)} of {len(self.data_list)} videos have a box scoring '
                  f'>= {self.box_thr} in >= {self.valid_ratio:.0%} of their frames',
                  logger='current')
        return [item for item, _ in kept]

    def _box_scores(self, number: int, item: dict) -> np.ndarray:
        """Check the keys ``valid_ratio`` reads from annotation ``number``; its box scores."""
        where = f'{self.ann_file}: annotation {number}'
        for key in ('valid', 'total_frames', 'box_score'):
            if key not in item:
                raise AnnotationError(f'{where} has no {key!r} key, which valid_ratio='
                                      f'{self.valid_ratio} needs (or pass valid_ratio=None)')
        valid, total = item['valid'], item['total_frames']
        if not (isinstance(valid, dict) and isinstance(valid.get(self.box_thr), numbers.Real)):
            raise AnnotationError(f'{where}: valid must be a dict counting the frames with a box '
                                  f'scoring >= {self.box_thr} (key {self.box_thr})')
        if isinstance(total, bool) or not isinstance(total, numbers.Integral):
            raise AnnotationError(f'{where}: total_frames is a {type(total).__name__}, expected '
                                  'a positive integer')
        if total < 1:
            raise AnnotationError(f'{where}: total_frames={total}; expected a positive integer')
        try:
            return np.asarray(item['box_score'], dtype=np.float64)
        except (TypeError, ValueError):
            raise AnnotationError(f'{where}: box_score must be an array of box scores') from None

    def get_data_info(self, idx: int) -> Dict:
        """Entry ``idx``; with ``data_prefix['skeleton']`` its keys from the sample's own pickle."""
        info = super().get_data_info(idx)
        if 'skeleton' in self.data_prefix:
            name = info['filename'] if 'filename' in info else info['frame_dir']
            path = self.prefixed('skeleton', name + '.pkl')
            if not mmengine.exists(path):
                raise VideoReadError(path, 'skeleton file not found')
            info.update(mmengine.load(path))
        return info


def class_index(label, where: str) -> int:
    """``label`` if it is a non-negative integer, else an AnnotationError naming ``where``."""
    if isinstance(label, bool) or not isinstance(label, numbers.Integral):
        raise AnnotationError(f'{where}: label is a {type(label).__name__}, expected an integer '
                              'class index')
    if label < 0:
        raise AnnotationError(f'{where}: label {label} is negative')
    return label
