"""Temporal localization metrics as the ActivityNet challenge computes them (plain numpy).

Segments are ``[start, end]`` in seconds. Two measures:

- Proposals: the average recall (over tIoU thresholds) as a function of the average number of
  proposals per video (the AR@AN curve) and the area under it (AUC, in percent).
- Detection: per class, the interpolated average precision (VOC 2011 style: precision made
  monotone, summed over the recall steps) of the detections sorted by score, each matched
  greedily to the unmatched ground truth of its video with the highest tIoU; the mean over
  classes at each tIoU threshold is the mAP.
"""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

DEFAULT_TIOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)


def pairwise_temporal_iou(candidates: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """tIoU of every target with every candidate: (N, 2) and (M, 2) -> (N, M)."""
    candidates = np.asarray(candidates, dtype=np.float64).reshape(-1, 2)
    targets = np.asarray(targets, dtype=np.float64).reshape(-1, 2)
    start = np.maximum(targets[:, None, 0], candidates[None, :, 0])
    end = np.minimum(targets[:, None, 1], candidates[None, :, 1])
    intersection = np.clip(end - start, 0, None)
    union = ((targets[:, 1] - targets[:, 0])[:, None] + (candidates[:, 1] - candidates[:, 0])[None]
             - intersection)
    return np.divide(intersection, union, out=np.zeros_like(union), where=union > 0)


def average_recall_at_avg_proposals(
        ground_truth: Mapping[str, np.ndarray], proposals: Mapping[str, np.ndarray],
        total_num_proposals: int, max_avg_proposals: Optional[float] = None,
        temporal_iou_thresholds: np.ndarray = DEFAULT_TIOU_THRESHOLDS
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The AR@AN curve of the proposals of each ground-truth video (ActivityNet's definition).

    Each video keeps its best-scoring proposals, as many as its share of ``max_avg_proposals``
    per video allows (``len * max_avg_proposals * videos / total_num_proposals``). The curve
    has 100 points: at point ``j`` each video keeps the first ``(j + 1)%`` of those, and the
    recall counts the ground-truth segments hit by one of them at tIoU >= the threshold.

    Args:
        ground_truth: ``{video_id: (G, >=2) [start, end, ...]}``; every video here is evaluated.
        proposals: ``{video_id: (P, 3) [start, end, score]}``; a missing video has none.
        total_num_proposals: Proposals in all videos (the sum of the P).
        max_avg_proposals: The average number of proposals per video at the curve's end;
            None means all of them (``total_num_proposals / videos``).
        temporal_iou_thresholds: (K,) the tIoU thresholds averaged over.

    Returns:
        ``(recall, average_recall, proposals_per_video, auc)``: recall (K, 100) per threshold
        and point, its mean over thresholds (100,), the average proposals per video at each
        point (100,), and the area under the average-recall curve as a percentage of its
        width.
    """
    thresholds = np.asarray(temporal_iou_thresholds, dtype=np.float64)
    num_videos = len(ground_truth)
    if num_videos == 0 or total_num_proposals == 0:
        return np.zeros((len(thresholds), 100)), np.zeros(100), np.zeros(100), 0.
    if not max_avg_proposals:
        max_avg_proposals = float(total_num_proposals) / num_videos
    ratio = max_avg_proposals * float(num_videos) / total_num_proposals

    ious, num_retrieved = [], 0  # per video (G, kept) tIoU of the kept proposals, best first
    for video_id, gt in ground_truth.items():
        gt = np.asarray(gt)[:, :2].astype(np.float64).reshape(-1, 2)
        video_proposals = np.asarray(proposals.get(video_id, np.zeros((0, 3))),
                                     dtype=np.float64).reshape(-1, 3)
        if len(video_proposals) == 0:
            ious.append(np.zeros((len(gt), 1)))  # one miss, as ActivityNet scores it
            continue
        kept = min(int(len(video_proposals) * ratio), len(video_proposals))
        best_first = video_proposals[np.argsort(-video_proposals[:, 2], kind='stable')][:kept]
        num_retrieved += kept
        ious.append(pairwise_temporal_iou(best_first[:, :2], gt))
    positives = sum(iou.shape[0] for iou in ious)
    if num_retrieved == 0 or positives == 0:
        return np.zeros((len(thresholds), 100)), np.zeros(100), np.zeros(100), 0.

    fractions = np.arange(1, 101) / 100.0 * (max_avg_proposals * float(num_videos) / num_retrieved)
    recall = np.zeros((len(thresholds), len(fractions)))
    for iou in ious:
        counts = np.minimum((iou.shape[1] * fractions).astype(np.int32), iou.shape[1])
        # first_hit[k, g]: the rank of the first proposal hitting segment g at threshold k.
        hits = iou[None] >= thresholds[:, None, None]  # (K, G, kept)
        never = np.iinfo(np.int32).max
        first_hit = (np.where(hits.any(axis=2), hits.argmax(axis=2), never) if hits.shape[2]
                     else np.full(hits.shape[:2], never))
        recall += (first_hit[:, :, None] < counts[None, None, :]).sum(axis=1)
    recall /= positives
    average_recall = recall.mean(axis=0)
    proposals_per_video = fractions * (float(num_retrieved) / num_videos)
    area = np.trapezoid(average_recall, proposals_per_video)
    return recall, average_recall, proposals_per_video, 100. * float(area) / proposals_per_video[-1]


def interpolated_average_precision(precision: np.ndarray, recall: np.ndarray) -> float:
    """VOC 2011 interpolated AP of a ranked list: (D,) precision and recall after each item."""
    precision = np.concatenate([[0.], precision, [0.]])
    recall = np.concatenate([[0.], recall, [1.]])
    precision = np.maximum.accumulate(precision[::-1])[::-1]  # the best precision from here on
    steps = np.flatnonzero(recall[1:] != recall[:-1]) + 1
    return float(np.sum((recall[steps] - recall[steps - 1]) * precision[steps]))


def average_precision_detection(
        ground_truth: Sequence[Tuple[str, float, float]],
        detections: Sequence[Tuple[str, float, float, float]],
        temporal_iou_thresholds: np.ndarray = DEFAULT_TIOU_THRESHOLDS) -> np.ndarray:
    """Interpolated AP of one class's detections at each tIoU threshold.

    Detections are taken best score first; each becomes a true positive for the unmatched
    ground-truth segment of its video with the highest tIoU, if that tIoU reaches the
    threshold (a segment already matched is passed over for the next best), else a false
    positive: duplicates of a found segment count as false positives.

    Args:
        ground_truth: ``(video_id, start, end)`` of every segment of the class.
        detections: ``(video_id, start, end, score)`` of every detection of the class.
        temporal_iou_thresholds: (K,) thresholds.

    Returns:
        (K,) AP per threshold; zeros without detections or ground truth.
    """
    thresholds = np.asarray(temporal_iou_thresholds, dtype=np.float64)
    ap = np.zeros(len(thresholds))
    if len(detections) == 0 or len(ground_truth) == 0:
        return ap
    segments_of: Dict[str, List[Tuple[float, float]]] = {}
    for video_id, start, end in ground_truth:
        segments_of.setdefault(video_id, []).append((start, end))
    matched = {video: np.zeros((len(thresholds), len(segments)), dtype=bool)
               for video, segments in segments_of.items()}
    order = sorted(range(len(detections)), key=lambda i: -detections[i][3])  # stable on ties
    true_positive = np.zeros((len(thresholds), len(order)))
    for rank, index in enumerate(order):
        video_id, start, end, _ = detections[index]
        if video_id not in segments_of:
            continue
        iou = pairwise_temporal_iou(np.array([[start, end]]), np.array(segments_of[video_id]))[:, 0]
        for segment in np.argsort(-iou, kind='stable'):
            free = ~matched[video_id][:, segment] & (iou[segment] >= thresholds)
            free &= true_positive[:, rank] == 0  # thresholds already served by a better segment
            matched[video_id][free, segment] = True
            true_positive[free, rank] = 1
    tp = np.cumsum(true_positive, axis=1)
    fp = np.cumsum(1 - true_positive, axis=1)
    for k in range(len(thresholds)):
        ap[k] = interpolated_average_precision(tp[k] / (tp[k] + fp[k]), tp[k] / len(ground_truth))
    return ap


def detection_map(ground_truth: Mapping[str, Sequence[Tuple[float, float, str]]],
                  detections: Mapping[str, Sequence[Tuple[float, float, str, float]]],
                  temporal_iou_thresholds: np.ndarray = DEFAULT_TIOU_THRESHOLDS
                  ) -> Tuple[np.ndarray, np.ndarray, List[str]]:
    """Detection mAP over the ground truth's classes, as ActivityNet's evaluation does it.

    Args:
        ground_truth: ``{video_id: [(start, end, label), ...]}``.
        detections: ``{video_id: [(start, end, label, score), ...]}``; detections of a label
            absent from the ground truth are ignored, as the official code cannot index them.
        temporal_iou_thresholds: (K,) thresholds.

    Returns:
        ``(ap, mean_ap, classes)``: AP (K, C) per threshold and class (classes in order of
        first appearance in ``ground_truth``), its mean over classes (K,), and the classes.
    """
    classes: List[str] = []
    gt_by_class: Dict[str, list] = {}
    for video_id, segments in ground_truth.items():
        for start, end, label in segments:
            if label not in gt_by_class:
                classes.append(label)
                gt_by_class[label] = []
            gt_by_class[label].append((video_id, float(start), float(end)))
    detections_by_class: Dict[str, list] = {label: [] for label in classes}
    for video_id, video_detections in detections.items():
        for start, end, label, score in video_detections:
            if label in detections_by_class:
                detections_by_class[label].append((video_id, float(start), float(end), float(score)))
    ap = np.zeros((len(temporal_iou_thresholds), len(classes)))
    for column, label in enumerate(classes):
        ap[:, column] = average_precision_detection(gt_by_class[label], detections_by_class[label],
                                                    temporal_iou_thresholds)
    mean_ap = ap.mean(axis=1) if classes else np.zeros(len(temporal_iou_thresholds))
    return ap, mean_ap, classes
