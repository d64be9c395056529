"""``PoseDataset``: skeleton sequences from one pickle file (the PYSKL / MMAction2 format)."""
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
            if not isinstance(item, dict):
                raise AnnotationError(f'{self.ann_file}: annotation {number} is a '
                                      f'{type(item).__name__}, expected a dict')
            if 'label' in item and not self.multi_class:
                self.check_labels([item['label']], f'{self.ann_file}: annotation {number}')
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
        return mmengine.load(self.ann_file)

    def _select_split(self, content) -> List[dict]:
        """The annotations named by ``split`` (all of them when ``split`` is None)."""
        if isinstance(content, list):
            if self.split is not None:
                raise AnnotationError(f"{self.ann_file}: holds a list of annotations without a "
                                      f"'split' key, so split={self.split!r} cannot be selected; "
                                      'pass split=None')
            return content
        if not isinstance(content, dict) or 'annotations' not in content:
            raise AnnotationError(f"{self.ann_file}: expected dict(split=..., annotations=[...]); "
                                  f"the 'annotations' key is missing")
        annotations = content['annotations']
        if self.split is None:
            return list(annotations)
        if 'split' not in content:
            raise AnnotationError(f"{self.ann_file}: has no 'split' key, so split={self.split!r} "
                                  'cannot be selected; pass split=None')
        if self.split not in content['split']:
            raise AnnotationError(f"{self.ann_file}: split {self.split!r} is not in its 'split' "
                                  f"dict (it has {sorted(content['split'])})")
        wanted = set(content['split'][self.split])
        key = 'filename' if annotations and 'filename' in annotations[0] else 'frame_dir'
        for number, item in enumerate(annotations):
            if key not in item:
                raise AnnotationError(f'{self.ann_file}: annotation {number} has no {key!r} key, '
                                      'which names it in the split lists')
        selected = [item for item in annotations if item[key] in wanted]
        if not selected:
            raise AnnotationError(f'{self.ann_file}: none of its annotations is in split '
                                  f'{self.split!r} (matched by {key!r})')
        return selected

    def filter_data(self) -> List[dict]:
        """Apply ``valid_ratio`` (when positive) and give the kept entries ``anno_inds``."""
        if not (isinstance(self.valid_ratio, float) and self.valid_ratio > 0):
            return self.data_list
        for key in ('valid', 'total_frames', 'box_score'):
            for number, item in enumerate(self.data_list):
                if key not in item:
                    raise AnnotationError(
                        f'{self.ann_file}: annotation {number} has no {key!r} key, which '
                        f'valid_ratio={self.valid_ratio} needs (or pass valid_ratio=None)')
        kept = [item for item in self.data_list
                if item['valid'][self.box_thr] / item['total_frames'] >= self.valid_ratio]
        if not kept:
            raise AnnotationError(
                f'{self.ann_file}: no video has a box scoring >= {self.box_thr} in >= '
                f'{self.valid_ratio:.0%} of its frames; lower valid_ratio or box_thr')
        for item in kept:
            item['anno_inds'] = np.asarray(item['box_score']) >= self.box_thr
        print_log(f'{len(kept)} of {len(self.data_list)} videos have a box scoring '
                  f'>= {self.box_thr} in >= {self.valid_ratio:.0%} of their frames',
                  logger='current')
        return kept

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
