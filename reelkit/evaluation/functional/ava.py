"""Frame-level AVA evaluation: frame mAP at IoU 0.5, and the AVA csv files it reads and writes.

The protocol is the official AVA one (the ActivityNet challenge's ``get_ava_performance.py``,
a PASCAL VOC evaluation per action class):

- a frame is a key ``'video_id,timestamp'`` (timestamp zero-padded to 4 digits);
- only the action ids of the label map count (AVA evaluates 60 of its 80 classes);
- frames in the excluded-timestamps csv are dropped from ground truth and detections;
- each frame keeps its ``DETECTIONS_PER_FRAME`` highest-scored detection rows;
- in each frame and class, detections in descending score order take the still-unmatched
  ground-truth box they overlap most when that IoU is at least 0.5 (a true positive); the
  others, duplicates and detections in frames without ground truth included, are false
  positives;
- a class's AP is the area under its precision envelope (VOC's all-point interpolation) over
  all frames; a class with no ground truth has no AP (NaN) and is left out of the mean, a class
  with ground truth but no detections has AP 0.

MMAction2 1.2's own ``ava_eval`` differs in three corner cases: it keeps every detection of a
frame, ignores detections in frames without ground truth, and leaves out classes that have no
detections at all.

File formats (comma-separated, no header):

- annotations: ``video_id,timestamp,x1,y1,x2,y2,action_id,person_id``
- results: ``video_id,timestamp,x1,y1,x2,y2,action_id,score``
- excluded timestamps: ``video_id,timestamp``

Boxes are ``x1, y1, x2, y2`` fractions of the frame width and height.
"""
import csv
from collections import defaultdict
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

import numpy as np
import torch

from reelkit.utils.errors import AnnotationError

IOU_THRESHOLD = 0.5
DETECTIONS_PER_FRAME = 50
CSV_COLUMNS = 'video_id,timestamp,x1,y1,x2,y2,action_id[,score or person_id]'
# AVA's action groups by id (the label map orders the 80 actions by group).
ACTION_GROUPS = {
    'person_movement': (1, 14),
    'object_manipulation': (15, 63),
    'person_interaction': (64, 80),
}

FrameBoxes = Dict[str, Tuple[np.ndarray, np.ndarray, np.ndarray]]


def make_image_key(video_id: str, timestamp) -> str:
    """The frame key ``'video_id,0902'``."""
    return f'{video_id},{int(timestamp):04d}'


# ----------------------------------------------------------------------------- reading files
def read_labelmap(path: str) -> Tuple[List[dict], Set[int]]:
    """The classes of a ``.pbtxt`` label map: ``[{'id': 1, 'name': 'bend/bow'}, ...]`` and the
    set of ids.

    Each ``item { name: "..." id: N }`` block gives one class (``label_id: N`` is read too).
    """
    categories, name = [], None
    for number, line in _text_lines(path):
        field, _, value = line.strip().partition(':')
        if field == 'name':
            name = value.strip().strip('"')
        elif field in ('id', 'label_id'):
            try:
                class_id = int(value)
            except ValueError:
                raise AnnotationError(f'{path}:{number}: {field} must be an integer, got '
                                      f'{value.strip()!r}') from None
            categories.append({'id': class_id, 'name': name})
            name = None
    if not categories:
        raise AnnotationError(f'{path}: the label map has no "id: N" entries (expected '
                              'item { name: "..." id: N } blocks)')
    return categories, {category['id'] for category in categories}


def _text_lines(path: str) -> Iterator[Tuple[int, str]]:
    """``(number, line)`` of a UTF-8 text file; an AnnotationError names the file (and the line
    that is not UTF-8) when it cannot be read."""
    try:
        # surrogateescape keeps undecodable bytes, so the line at fault can be named
        stream = open(path, encoding='utf-8', errors='surrogateescape', newline='')
    except OSError as error:
        raise AnnotationError(f'{path}: cannot read the file ({error.strerror})') from None
    with stream:
        for number, line in enumerate(stream, start=1):
            try:
                line.encode('utf-8')
            except UnicodeEncodeError:
                raise AnnotationError(f'{path}:{number}: the line is not UTF-8 text') from None
            yield number, line


def _csv_rows(path: str) -> Iterable[Tuple[str, List[str]]]:
    """``(file:line, fields)`` for each non-blank row (AVA csvs quote no line breaks, so each
    line is one row)."""
    for number, line in _text_lines(path):
        try:
            row = next(csv.reader([line]), [])
        except csv.Error as error:
            raise AnnotationError(f'{path}:{number}: {error}') from None
        if any(field.strip() for field in row):
            yield f'{path}:{number}', [field.strip() for field in row]


def parse_ava_row(where: str, row: List[str]) -> Tuple[str, int, np.ndarray, int, Optional[str]]:
    """``(video_id, timestamp, box, action_id, last)`` of one AVA csv row; ``last`` is the 8th
    field (a score or a person id) or None. Raises naming ``where`` (``file:line``)."""
    if len(row) not in (7, 8):
        raise AnnotationError(f'{where}: expected {CSV_COLUMNS!r} (7 or 8 fields), got '
                              f'{",".join(row)!r}')
    try:
        timestamp, action_id = int(row[1]), int(row[6])
        box = np.array([float(value) for value in row[2:6]], dtype=np.float64)
        if len(row) == 8:
            float(row[7])
    except ValueError:
        raise AnnotationError(f'{where}: expected {CSV_COLUMNS!r} with an integer timestamp and '
                              f'action_id and numeric box, got {",".join(row)!r}') from None
    return row[0], timestamp, box, action_id, row[7] if len(row) == 8 else None


def read_ava_csv(path: str, class_whitelist: Optional[Set[int]] = None,
                 capacity: int = 0) -> FrameBoxes:
    """Boxes by frame from an AVA annotation or result csv.

    Args:
        path: the csv file.
        class_whitelist: keep only these action ids (None keeps all).
        capacity: keep each frame's ``capacity`` highest-scored rows (0 keeps all).

    Returns:
        ``{frame key: (boxes (N, 4) x1y1x2y2, action ids (N,), scores (N,))}``, each frame's rows
        in descending score order. The 8th field is the score of a result row; annotation rows
        (whose 8th field is a person id) should be read with ``capacity=0`` and their scores
        ignored. 7-field rows have score 1.
    """
    rows = []
    for where, row in _csv_rows(path):
        video_id, timestamp, box, action_id, last = parse_ava_row(where, row)
        rows.append((video_id, timestamp, *box.tolist(), action_id,
                     1.0 if last is None else float(last)))
    return rows_to_frames(rows, class_whitelist, capacity)


def _stack_rows(entries: List[tuple], capacity: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(boxes, ids, scores)`` arrays of ``(score, id, box)`` rows, best first, capped."""
    entries = sorted(entries, key=lambda entry: -entry[0])
    if capacity > 0:
        entries = entries[:capacity]
    return (np.stack([entry[2] for entry in entries]).reshape(-1, 4),
            np.array([entry[1] for entry in entries], dtype=np.int64),
            np.array([entry[0] for entry in entries], dtype=np.float64))


def read_exclusions(path: Optional[str]) -> Set[str]:
    """The frame keys of an excluded-timestamps csv (``video_id,timestamp`` rows); an empty
    set for None."""
    if path is None:
        return set()
    excluded = set()
    for where, row in _csv_rows(path):
        if len(row) != 2 or not row[1].lstrip('-').isdigit():
            raise AnnotationError(f'{where}: expected "video_id,timestamp", got {",".join(row)!r}')
        excluded.add(make_image_key(row[0], row[1]))
    return excluded


# ----------------------------------------------------------------------------- matching and AP
def box_iou(boxes1: np.ndarray, boxes2: np.ndarray) -> np.ndarray:
    """IoU of ``(N, 4)`` and ``(M, 4)`` x1y1x2y2 boxes: ``(N, M)`` (areas without a +1)."""
    top_left = np.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    bottom_right = np.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    intersection = np.prod(np.clip(bottom_right - top_left, 0, None), axis=2)
    area1 = np.prod(boxes1[:, 2:] - boxes1[:, :2], axis=1)
    area2 = np.prod(boxes2[:, 2:] - boxes2[:, :2], axis=1)
    union = area1[:, None] + area2[None, :] - intersection
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.where(union > 0, intersection / union, 0.0)


def match_detections(det_boxes: np.ndarray, gt_boxes: np.ndarray,
                     iou_threshold: float = IOU_THRESHOLD) -> np.ndarray:
    """True-positive flags ``(N,)`` of one frame's detections of one class, given in
    descending score order: each takes the ground-truth box it overlaps most, if that IoU is
    at least ``iou_threshold`` and the box is not taken yet."""
    is_tp = np.zeros(len(det_boxes), dtype=bool)
    if len(det_boxes) == 0 or len(gt_boxes) == 0:
        return is_tp
    iou = box_iou(det_boxes, gt_boxes)
    best = iou.argmax(axis=1)
    taken = np.zeros(len(gt_boxes), dtype=bool)
    for index, gt_index in enumerate(best):
        if iou[index, gt_index] >= iou_threshold and not taken[gt_index]:
            is_tp[index] = taken[gt_index] = True
    return is_tp


def average_precision(scores: np.ndarray, is_tp: np.ndarray, num_gt: int) -> float:
    """VOC all-point AP of detections ``scores (N,)`` with true-positive flags ``(N,)`` against
    ``num_gt`` ground-truth boxes; NaN when ``num_gt`` is 0, 0 when there are no detections."""
    if num_gt == 0:
        return float('nan')
    if len(scores) == 0:
        return 0.0
    order = np.argsort(-scores, kind='stable')
    true_positives = np.cumsum(is_tp[order])
    precision = true_positives / np.arange(1, len(order) + 1)
    recall = true_positives / num_gt
    # the precision envelope: the best precision at this recall or any higher one
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    recall_steps = np.diff(np.concatenate([[0.0], recall]))
    return float(np.sum(recall_steps * envelope))


def frame_average_precisions(groundtruth: FrameBoxes, detections: FrameBoxes,
                             class_ids: Iterable[int], excluded: Set[str] = frozenset(),
                             iou_threshold: float = IOU_THRESHOLD) -> Dict[int, float]:
    """AP of each class in ``class_ids`` over all frames (see the module docstring).

    ``groundtruth`` and ``detections`` are :func:`read_ava_csv` outputs (detections in
    descending score order within each frame); frames in ``excluded`` are dropped from both.
    """
    class_ids = sorted(class_ids)
    num_gt = dict.fromkeys(class_ids, 0)
    for key, (_, labels, _) in groundtruth.items():
        if key not in excluded:
            for class_id in class_ids:
                num_gt[class_id] += int(np.sum(labels == class_id))
    scores, flags = defaultdict(list), defaultdict(list)
    empty = (np.zeros((0, 4)), np.zeros(0, np.int64), np.zeros(0))
    for key, (boxes, labels, frame_scores) in detections.items():
        if key in excluded:
            continue
        gt_boxes, gt_labels, _ = groundtruth.get(key, empty)
        for class_id in class_ids:
            mine = labels == class_id
            if mine.any():
                scores[class_id].append(frame_scores[mine])
                flags[class_id].append(match_detections(boxes[mine], gt_boxes[gt_labels == class_id],
                                                        iou_threshold))
    return {class_id: average_precision(np.concatenate(scores[class_id] or [np.zeros(0)]),
                                        np.concatenate(flags[class_id] or [np.zeros(0, bool)]),
                                        num_gt[class_id])
            for class_id in class_ids}


def summarize_average_precisions(class_aps: Dict[int, float]) -> Dict[str, float]:
    """``overall`` (the mean over classes with an AP) and the mean of each AVA action group
    that has a class with an AP."""
    def mean_of(values: List[float]) -> float:
        values = [value for value in values if not np.isnan(value)]
        return float(np.mean(values)) if values else float('nan')

    summary = {'overall': mean_of(list(class_aps.values()))}
    for group, (low, high) in ACTION_GROUPS.items():
        value = mean_of([ap for class_id, ap in class_aps.items() if low <= class_id <= high])
        if not np.isnan(value):
            summary[group] = value
    return summary


def ava_eval(result_file: str, label_file: str, ann_file: str,
             exclude_file: Optional[str] = None, custom_classes: Optional[Sequence[int]] = None,
             capacity: int = DETECTIONS_PER_FRAME) -> Tuple[Dict[str, float], Dict[int, float]]:
    """Frame mAP@0.5 of an AVA result csv against an annotation csv.

    Args:
        result_file: ``video_id,timestamp,x1,y1,x2,y2,action_id,score`` rows.
        label_file: the ``.pbtxt`` label map; its ids are the classes evaluated.
        ann_file: the ground-truth csv.
        exclude_file: the excluded-timestamps csv, or None.
        custom_classes: evaluate only these ids (a subset of the label map's).
        capacity: detection rows kept per frame (0 keeps all).

    Returns:
        ``(summary, class_aps)``: :func:`summarize_average_precisions` of the per-class APs, and
        ``{action id: AP}``.
    """
    class_ids = evaluated_class_ids(label_file, custom_classes)
    groundtruth = read_ava_csv(ann_file, class_ids)
    detections = read_ava_csv(result_file, class_ids, capacity)
    class_aps = frame_average_precisions(groundtruth, detections, class_ids,
                                         read_exclusions(exclude_file))
    return summarize_average_precisions(class_aps), class_aps


def evaluated_class_ids(label_file: str, custom_classes: Optional[Sequence[int]] = None) -> Set[int]:
    """The label map's ids, or ``custom_classes`` after checking they are among them."""
    _, class_ids = read_labelmap(label_file)
    if custom_classes is None:
        return class_ids
    unknown = sorted(set(custom_classes) - class_ids)
    if unknown:
        raise AnnotationError(f'{label_file}: custom_classes {unknown} are not in the label map '
                              f'(its ids: {sorted(class_ids)})')
    return set(custom_classes)


# ----------------------------------------------------------------------------- model outputs
def bbox2result(bboxes: torch.Tensor, scores: torch.Tensor, num_classes: int,
                thr=0.01) -> List[np.ndarray]:
    """One frame's detections split by class: ``num_classes - 1`` arrays of ``(k, 5)`` rows
    ``x1, y1, x2, y2, score`` (class 0, the background, is dropped).

    Args:
        bboxes: ``(n, 4)`` boxes.
        scores: ``(n, num_classes)`` class scores, column 0 the background.
        num_classes: classes including the background.
        thr: a box is a detection of class ``c`` when ``scores[:, c] > thr``; a sequence gives
            a threshold per class; a negative number makes each box a detection of its
            best-scored class only (single-label).
    """
    if bboxes.shape[0] == 0:
        return [np.zeros((0, 5), dtype=np.float32) for _ in range(num_classes - 1)]
    bboxes, scores = bboxes.detach().cpu().numpy(), scores.detach().cpu().numpy()
    if scores.ndim != 2 or scores.shape[1] != num_classes:
        raise ValueError(f'bbox2result: scores of shape {scores.shape}; expected '
                         f'({bboxes.shape[0]}, num_classes={num_classes})')
    single_label = np.isscalar(thr) and thr < 0
    thresholds = np.full(num_classes, thr) if np.isscalar(thr) else np.asarray(thr)
    best = scores[:, 1:].argmax(axis=1)
    result = []
    for index in range(1, num_classes):
        keep = best == index - 1 if single_label else scores[:, index] > thresholds[index]
        result.append(np.concatenate([bboxes[keep, :4], scores[keep, index:index + 1]], axis=1))
    return result


def result_rows(results: Sequence[dict], custom_classes: Optional[Sequence[int]] = None
                ) -> List[tuple]:
    """AVA result rows ``(video_id, timestamp, x1, y1, x2, y2, action_id, score)``.

    ``results`` holds one ``dict(video_id, timestamp, outputs)`` per frame, ``outputs`` a
    :func:`bbox2result` list; class index ``i`` is action id ``i + 1``, or
    ``custom_classes[i]`` when given.
    """
    rows = []
    for result in results:
        for index, detections in enumerate(result['outputs']):
            action_id = custom_classes[index] if custom_classes is not None else index + 1
            for x1, y1, x2, y2, score in np.asarray(detections, dtype=np.float64).tolist():
                rows.append((result['video_id'], int(result['timestamp']), x1, y1, x2, y2,
                             action_id, score))
    return rows


def rows_to_frames(rows: Sequence[tuple], class_whitelist: Optional[Set[int]] = None,
                   capacity: int = 0) -> FrameBoxes:
    """:func:`read_ava_csv`'s output for result rows already in memory."""
    frames = defaultdict(list)
    for video_id, timestamp, x1, y1, x2, y2, action_id, score in rows:
        if class_whitelist is None or action_id in class_whitelist:
            frames[make_image_key(video_id, timestamp)].append(
                (score, action_id, np.array([x1, y1, x2, y2], dtype=np.float64)))
    return {key: _stack_rows(entries, capacity) for key, entries in frames.items()}


def write_result_csv(rows: Sequence[tuple], out_file: str) -> None:
    """Write result rows as an AVA result csv (boxes and scores with 4 decimals, as MMAction2)."""
    with open(out_file, 'w', encoding='utf-8') as stream:
        for video_id, timestamp, *box, action_id, score in rows:
            stream.write(','.join([video_id, str(timestamp)] + [f'{v:.4f}' for v in box]
                                  + [str(action_id), f'{score:.4f}']) + '\n')
