"""``AVADataset`` and ``AVAKineticsDataset``: keyframes of person boxes and their actions.

The files are AVA's (https://research.google.com/ava/download.html), comma-separated:

- ``ann_file``: ``video_id,timestamp,x1,y1,x2,y2,action_id,person_id`` per line, a box
  (fractions of the frame) and one of its actions; a person with several actions has several
  lines with the same box.
- ``exclude_file``: ``video_id,timestamp`` of keyframes to leave out.
- ``label_file``: the ``.pbtxt`` label map (``item { name: "..." id: N }``).
- ``proposal_file``: a pickle of ``{'video_id,0902': (k, 5) array}``, person boxes
  ``x1, y1, x2, y2`` (fractions) and a detection score (or ``(k, 4)`` without scores).

One entry per keyframe (``video_id,timestamp``). Frames live in ``data_prefix['img']/video_id/``,
named by ``filename_tmpl``; the keyframe of ``timestamp`` is frame
``fps * (timestamp - timestamp_start)`` (see ``SampleAVAFrames``).
"""
from collections import defaultdict
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.fileio import load
from mmengine.logging import print_log

from reelkit.evaluation.functional.ava import (make_image_key, parse_ava_row, read_exclusions,
                                               read_labelmap)
from reelkit.registry import DATASETS
from reelkit.utils.errors import AnnotationError, ConfigError
from .base import BaseActionDataset, read_annotation_lines

AVA_COLUMNS = 'video_id,timestamp,x1,y1,x2,y2,action_id,person_id'


@DATASETS.register_module()
class AVADataset(BaseActionDataset):
    """AVA keyframes with their ground-truth boxes, action labels and person proposals.

    Each entry holds ``frame_dir`` (``filename`` without ``use_frames``), ``video_id``,
    ``timestamp``, ``img_key``, ``shot_info`` (the frame range, ``(0, (timestamp_end -
    timestamp_start) * fps)``), ``fps``, and, when fetched, ``filename_tmpl``,
    ``timestamp_start``, ``timestamp_end``, ``gt_bboxes`` ``(n, 4)`` float (fractions),
    ``gt_labels`` (``(n, num_classes)`` multi-hot float32, or ``(n, k)`` ids without
    ``multilabel``), ``entity_ids`` ``(n,)`` and, with a proposal file, ``proposals``
    ``(k, 4)`` and ``scores`` ``(k,)``. Labels are action ids, column 0 left for the
    background; with ``custom_classes`` they are indices into ``[0] + custom_classes``.

    Args:
        ann_file (str): The annotation csv.
        pipeline (list[dict | callable]): The transforms applied to each keyframe.
        exclude_file (str | None): The excluded-timestamps csv. Defaults to None.
        label_file (str | None): The ``.pbtxt`` label map; needed with ``custom_classes``.
            Defaults to None.
        filename_tmpl (str): Frame file names. Defaults to ``'img_{:05}.jpg'``.
        start_index (int): Index of the first frame file. Defaults to 1.
        proposal_file (str | None): The proposal pickle. Defaults to None.
        person_det_score_thr (float): Proposals scored below this are dropped (when none
            reaches it, those with the best score are kept). In ``[0, 1]``. Defaults to 0.9.
        num_classes (int): Label columns, background included. Defaults to 81.
        custom_classes (list[int] | None): Train on these action ids only; ``num_classes``
            must be ``len(custom_classes) + 1``. Defaults to None.
        data_prefix (dict | None): ``dict(img=DIR)``, where the frame folders are.
            None means ``dict(img='')``.
        modality (str): ``'RGB'`` or ``'Flow'``. Defaults to ``'RGB'``.
        test_mode (bool): Validation/test dataset. Defaults to False.
        num_max_proposals (int): Proposals kept per keyframe. Defaults to 1000.
        timestamp_start (int): The first second of the annotated span. Defaults to 900.
        timestamp_end (int): The end of the annotated span. Defaults to 1800.
        use_frames (bool): Frame folders (True) or videos (``filename``). Defaults to True.
        fps (int): Frames per second of the frame folders (1: timestamps count frames).
            Defaults to 30.
        multilabel (bool): Multi-hot ``gt_labels``. Defaults to True.
        **kwargs: Passed to :class:`BaseActionDataset`.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: Sequence[Union[dict, Callable]],
                 exclude_file: Optional[str] = None,
                 label_file: Optional[str] = None,
                 filename_tmpl: str = 'img_{:05}.jpg',
                 start_index: int = 1,
                 proposal_file: Optional[str] = None,
                 person_det_score_thr: float = 0.9,
                 num_classes: int = 81,
                 custom_classes: Optional[List[int]] = None,
                 data_prefix: Optional[dict] = None,
                 modality: str = 'RGB',
                 test_mode: bool = False,
                 num_max_proposals: int = 1000,
                 timestamp_start: int = 900,
                 timestamp_end: int = 1800,
                 use_frames: bool = True,
                 fps: int = 30,
                 multilabel: bool = True,
                 **kwargs) -> None:
        name = type(self).__name__
        if not 0 <= person_det_score_thr <= 1:
            raise ConfigError(f'{name}: person_det_score_thr={person_det_score_thr!r}; '
                              'expected a value in [0, 1]')
        self.custom_classes = self._check_custom_classes(custom_classes, num_classes, label_file)
        self.exclude_file = exclude_file
        self.label_file = label_file
        self.proposal_file = proposal_file
        self.person_det_score_thr = person_det_score_thr
        self.timestamp_start = timestamp_start
        self.timestamp_end = timestamp_end
        self.num_max_proposals = num_max_proposals
        self.filename_tmpl = filename_tmpl
        self.use_frames = use_frames
        self.multilabel = multilabel
        self._FPS = fps  # MMAction2's attribute name
        super().__init__(
            ann_file,
            pipeline,
            data_prefix=dict(img='') if data_prefix is None else data_prefix,
            test_mode=test_mode,
            num_classes=num_classes,
            start_index=start_index,
            modality=modality,
            **kwargs)
        self.proposals = None if proposal_file is None else self._load_proposals(proposal_file)

    def _check_custom_classes(self, custom_classes: Optional[List[int]], num_classes: int,
                              label_file: Optional[str]) -> Optional[List[int]]:
        """``[0] + custom_classes`` (label index -> action id), checked; or None."""
        if custom_classes is None:
            return None
        name = type(self).__name__
        if num_classes != len(custom_classes) + 1 or 0 in custom_classes:
            raise ConfigError(f'{name}: custom_classes={custom_classes!r} must leave out 0 (the '
                              f'background) and num_classes={num_classes} must be '
                              f'len(custom_classes) + 1')
        if label_file is None:
            raise ConfigError(f'{name}: custom_classes needs label_file (the .pbtxt label map)')
        unknown = sorted(set(custom_classes) - read_labelmap(label_file)[1])
        if unknown:
            raise ConfigError(f'{name}: custom_classes {unknown} are not in {label_file}')
        return [0] + list(custom_classes)

    # ------------------------------------------------------------------------- loading
    def load_data_list(self) -> List[dict]:
        """One entry per keyframe of the annotation csv (rows of one box merged)."""
        records: Dict[str, Dict[tuple, dict]] = defaultdict(dict)
        for where, line in read_annotation_lines(self.ann_file):
            video_id, timestamp, box, action_id, person = self._parse_row(where, line)
            label = self._label_index(action_id, where)
            if label is None:
                continue
            record = records[make_image_key(video_id, timestamp)].setdefault(
                tuple(box), dict(box=box, labels=[], entity_id=person))
            record['labels'].append(label)
        return [self._keyframe_entry(img_key, list(boxes.values()))
                for img_key, boxes in records.items()]

    def _parse_row(self, where: str, line: str) -> Tuple[str, int, np.ndarray, int, int]:
        fields = [field.strip() for field in line.split(',')]
        if len(fields) != 8:
            raise AnnotationError(f'{where}: expected {AVA_COLUMNS!r}, got {line!r}')
        video_id, timestamp, box, action_id, person = parse_ava_row(where, fields)
        if not person.lstrip('-').isdigit():
            raise AnnotationError(f'{where}: person_id must be an integer, got {person!r}')
        # written so that NaN fails it too
        if not (np.all(box >= 0) and np.all(box <= 1) and np.all(box[2:] >= box[:2])):
            raise AnnotationError(f'{where}: the box {box.tolist()} must be x1,y1,x2,y2 '
                                  'fractions of the frame (0 <= x1 <= x2 <= 1, same for y)')
        return video_id, timestamp, box, action_id, int(person)

    def _label_index(self, action_id: int, where: str) -> Optional[int]:
        """The label column of ``action_id``; None for an action outside ``custom_classes``."""
        if self.custom_classes is not None:
            return self.custom_classes.index(action_id) if action_id in self.custom_classes else None
        if not 0 < action_id < self.num_classes:
            raise AnnotationError(f'{where}: action_id {action_id} is outside [1, '
                                  f'{self.num_classes}) (num_classes={self.num_classes}, '
                                  'background included)')
        return action_id

    def _keyframe_entry(self, img_key: str, boxes: List[dict]) -> dict:
        video_id, timestamp = img_key.rsplit(',', 1)
        start, end = self._timestamp_range(video_id)
        entry = dict(video_id=video_id, timestamp=int(timestamp), img_key=img_key,
                     shot_info=self._shot_info(start, end), fps=self._FPS,
                     ann=dict(gt_bboxes=np.stack([b['box'] for b in boxes]),
                              gt_labels=np.stack([self._encode(b['labels']) for b in boxes]),
                              entity_ids=np.array([b['entity_id'] for b in boxes])))
        location = self.prefixed('img', video_id)
        entry['frame_dir' if self.use_frames else 'filename'] = location
        return entry

    def _encode(self, labels: List[int]) -> np.ndarray:
        if not self.multilabel:
            return np.array(labels)
        onehot = np.zeros(self.num_classes, dtype=np.float32)
        onehot[labels] = 1.
        return onehot

    def _timestamp_range(self, video_id: str) -> Tuple[int, int]:
        """The annotated span ``(timestamp_start, timestamp_end)`` of a video."""
        return self.timestamp_start, self.timestamp_end

    def _shot_info(self, start: int, end: int) -> Optional[Tuple[int, int]]:
        """The frame range sampled from; None for videos (their length is read when decoded)."""
        return (0, (end - start) * self._FPS) if self.use_frames else None

    def filter_data(self) -> List[dict]:
        """The entries whose keyframe is not in ``exclude_file``."""
        excluded = read_exclusions(self.exclude_file)
        kept = [entry for entry in self.data_list if entry['img_key'] not in excluded]
        print_log(f'{len(kept)} out of {len(self.data_list)} frames are valid.', logger='current')
        return kept

    def _load_proposals(self, path: str) -> dict:
        proposals = load(path)
        if not isinstance(proposals, dict):
            raise AnnotationError(f'{path}: expected a dict {{"video_id,timestamp": (k, 5) array}}, '
                                  f'got {type(proposals).__name__}')
        return proposals

    # ------------------------------------------------------------------------- fetching
    def get_data_info(self, idx: int) -> dict:
        """Entry ``idx`` with its ground truth, proposals and frame layout."""
        data_info = super().get_data_info(idx)
        data_info['filename_tmpl'] = self.filename_tmpl
        data_info.setdefault('timestamp_start', self.timestamp_start)
        data_info.setdefault('timestamp_end', self.timestamp_end)
        if self.proposals is not None:
            data_info.update(self._keyframe_proposals(data_info['img_key']))
        ann = data_info.pop('ann')
        data_info.update(gt_bboxes=ann['gt_bboxes'], gt_labels=ann['gt_labels'],
                         entity_ids=ann['entity_ids'])
        return data_info

    def _proposal_key(self, img_key: str) -> str:
        return img_key

    def _keyframe_proposals(self, img_key: str) -> dict:
        """``proposals`` ``(k, 4)`` (and ``scores``): those scored at least
        ``min(person_det_score_thr, best score)``, at most ``num_max_proposals``; the whole
        frame, scored 1, for a keyframe without proposals."""
        key = self._proposal_key(img_key)
        if key not in self.proposals:
            return dict(proposals=np.array([[0, 0, 1, 1]]), scores=np.array([1]))
        proposals = np.asarray(self.proposals[key])
        if proposals.ndim != 2 or proposals.shape[1] not in (4, 5):
            raise AnnotationError(f'{self.proposal_file}: proposals of {key!r} have shape '
                                  f'{proposals.shape}; expected (k, 4) or (k, 5)')
        self._check_proposal_range(key, proposals[:, :4])
        if proposals.shape[1] == 4:
            return dict(proposals=proposals[:self.num_max_proposals])
        threshold = min(self.person_det_score_thr, proposals[:, 4].max())
        kept = proposals[proposals[:, 4] >= threshold][:self.num_max_proposals]
        return dict(proposals=kept[:, :4], scores=kept[:, 4])

    def _check_proposal_range(self, key: str, boxes: np.ndarray) -> None:
        if boxes.size and (boxes.min() < 0 or boxes.max() > 1):
            raise AnnotationError(f'{self.proposal_file}: proposals of {key!r} span '
                                  f'[{boxes.min()}, {boxes.max()}]; expected fractions of the '
                                  'frame in [0, 1]')


@DATASETS.register_module()
class AVAKineticsDataset(AVADataset):
    """AVA-Kinetics: AVA's movies plus Kinetics clips annotated the AVA way.

    A Kinetics clip's ``video_id`` reads ``<youtube_id>_<start>_<end>``: its annotated span is
    ``(start, end)`` (an 11-character AVA id takes ``timestamp_start``/``timestamp_end``), its
    frames run from 1 to ``(end - start) * fps + 1`` (``shot_info``), and its proposals are
    keyed by ``<youtube_id>,timestamp``. Entries carry their own ``timestamp_start`` and
    ``timestamp_end``. Frames are always read from folders, labels are always multi-hot, and
    proposals are not range-checked (MMAction2's AVA-Kinetics proposals are not all fractions).

    Args:
        ann_file (str): The annotation csv.
        exclude_file (str): The excluded-timestamps csv.
        pipeline (list[dict | callable]): The transforms applied to each keyframe.
        label_file (str): The ``.pbtxt`` label map.
        start_index (int): Index of the first frame file. Defaults to 0.
        **kwargs: The other arguments of :class:`AVADataset` (``filename_tmpl``,
            ``proposal_file``, ``person_det_score_thr``, ``num_classes``, ``custom_classes``,
            ``data_prefix``, ``modality``, ``test_mode``, ``num_max_proposals``,
            ``timestamp_start``, ``timestamp_end``, ``fps``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 exclude_file: str,
                 pipeline: Sequence[Union[dict, Callable]],
                 label_file: str,
                 start_index: int = 0,
                 **kwargs) -> None:
        super().__init__(ann_file, pipeline, exclude_file=exclude_file, label_file=label_file,
                         start_index=start_index, **kwargs)

    def _timestamp_range(self, video_id: str) -> Tuple[int, int]:
        parts = video_id.split('_')
        if len(video_id) == 11 or len(parts) < 3:
            return self.timestamp_start, self.timestamp_end
        try:
            return int(parts[-2]), int(parts[-1])
        except ValueError:
            raise AnnotationError(f'{self.ann_file}: video_id {video_id!r} should end in '
                                  '_<start>_<end> (integer seconds)') from None

    def _shot_info(self, start: int, end: int) -> Tuple[int, int]:
        return 1, (end - start) * self._FPS + 1

    def _keyframe_entry(self, img_key: str, boxes: List[dict]) -> dict:
        entry = super()._keyframe_entry(img_key, boxes)
        entry['timestamp_start'], entry['timestamp_end'] = self._timestamp_range(entry['video_id'])
        return entry

    def _proposal_key(self, img_key: str) -> str:
        if len(img_key) == 16:  # an AVA id: 11 characters, a comma and 4 digits
            return img_key
        video_id, timestamp = img_key.rsplit(',', 1)
        return make_image_key('_'.join(video_id.split('_')[:-2]), timestamp)

    def _check_proposal_range(self, key: str, boxes: np.ndarray) -> None:
        """No check (see the class docstring)."""
