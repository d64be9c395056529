"""Proposal arithmetic shared by the temporal action localizers (plain numpy).

Times are normalised to the feature sequence: 0 is its first snippet's start, 1 its last's end.
A proposal array holds one proposal per row, ``[start, end, ..., score]`` (score last).
What the localizers return per video is ANetMetric's input:
``dict(video_name=..., proposal_list=[dict(segment=[start_s, end_s], score=...), ...])``.
"""
from typing import Dict, List, Mapping

import numpy as np

ArrayLike = np.ndarray


def temporal_iou(proposal_min: ArrayLike, proposal_max: ArrayLike,
                 gt_min: ArrayLike, gt_max: ArrayLike) -> np.ndarray:
    """Intersection over union of 1-D segments, broadcast over the arguments."""
    inter = np.maximum(np.minimum(proposal_max, gt_max) - np.maximum(proposal_min, gt_min), 0.)
    union = (np.asarray(proposal_max) - proposal_min) + (np.asarray(gt_max) - gt_min) - inter
    return np.divide(inter, union)


def temporal_iop(proposal_min: ArrayLike, proposal_max: ArrayLike,
                 gt_min: ArrayLike, gt_max: ArrayLike) -> np.ndarray:
    """Intersection over the proposal's own length, broadcast over the arguments."""
    inter = np.maximum(np.minimum(proposal_max, gt_max) - np.maximum(proposal_min, gt_min), 0.)
    return np.divide(inter, np.asarray(proposal_max) - proposal_min)


def soft_nms(proposals: np.ndarray, alpha: float, low_threshold: float, high_threshold: float,
             top_k: int) -> np.ndarray:
    """Gaussian soft-NMS of proposals (P, >=3) ``[start, end, ..., score]`` -> (M, 3) ``[start, end, score]``.

    Repeatedly keeps the highest-scoring proposal; every other proposal whose IoU with it exceeds
    ``low_threshold + (high_threshold - low_threshold) * width`` (``width`` of the kept one, so
    long proposals tolerate more overlap) has its score multiplied by ``exp(-iou**2 / alpha)``.
    Stops after ``top_k + 1`` proposals (MMAction2 keeps one more than ``top_k``), rows in the
    order kept.
    """
    order = proposals[:, -1].argsort()[::-1]
    starts, ends = proposals[order, 0].astype(np.float64), proposals[order, 1].astype(np.float64)
    scores = proposals[order, -1].astype(np.float64)
    remaining = np.ones(len(scores), dtype=bool)
    kept = []
    while remaining.any() and len(kept) <= top_k:
        best = np.flatnonzero(remaining)[np.argmax(scores[remaining])]
        remaining[best] = False
        kept.append([starts[best], ends[best], scores[best]])
        iou = temporal_iou(starts[best], ends[best], starts, ends)
        threshold = low_threshold + (high_threshold - low_threshold) * (ends[best] - starts[best])
        decayed = remaining & (iou > threshold)
        scores[decayed] *= np.exp(-np.square(iou[decayed]) / alpha)
    return np.array(kept, dtype=np.float64).reshape(-1, 3)


def post_processing(proposals: np.ndarray, video_info: Mapping, soft_nms_alpha: float,
                    soft_nms_low_threshold: float, soft_nms_high_threshold: float,
                    post_process_top_k: int, feature_extraction_interval: int) -> List[Dict]:
    """Soft-NMS, then the ``post_process_top_k`` best proposals in seconds, best first.

    Args:
        proposals: (P, >=3) ``[start, end, ..., score]`` in normalised time.
        video_info: needs ``duration_frame`` and ``duration_second``. Features cover the video's
            first ``duration_frame // feature_extraction_interval * feature_extraction_interval``
            frames, so normalised time 1 is that many frames in seconds.
        soft_nms_alpha, soft_nms_low_threshold, soft_nms_high_threshold: see :func:`soft_nms`.
        post_process_top_k: how many proposals to return.
        feature_extraction_interval: frames per feature snippet.

    Returns:
        ``[dict(segment=[start_s, end_s], score=s), ...]``, segments clipped to the video.
    """
    if len(proposals) > 1:
        proposals = soft_nms(proposals, soft_nms_alpha, soft_nms_low_threshold,
                             soft_nms_high_threshold, post_process_top_k)
    proposals = proposals[proposals[:, -1].argsort()[::-1]][:post_process_top_k]
    frames = video_info['duration_frame']
    covered_frames = frames // feature_extraction_interval * feature_extraction_interval
    duration = float(covered_frames) / frames * video_info['duration_second']
    return [dict(segment=[float(max(0., start)) * duration, float(min(1., end)) * duration],
                 score=float(score))
            for start, end, score in zip(proposals[:, 0], proposals[:, 1], proposals[:, -1])]


def boundary_peaks(scores: np.ndarray, peak_threshold: float) -> np.ndarray:
    """Boolean mask (T,) of interior positions that are local maxima of ``scores`` (T,) or
    exceed ``peak_threshold * scores.max()``; the two end positions are left to the caller."""
    inner = scores[1:-1]
    peaks = np.zeros(len(scores), dtype=bool)
    peaks[1:-1] = ((inner > scores[2:]) & (inner > scores[:-2])) | (inner > peak_threshold * scores.max())
    return peaks


def boundary_map_proposals(start: np.ndarray, end: np.ndarray, confidence_map: np.ndarray,
                           peak_threshold: float = 0.5) -> np.ndarray:
    """BMN's candidate proposals from its start/end scores (T,) and confidence map (2, T, T).

    ``confidence_map[:, d, s]`` (regression, classification) scores the segment from snippet
    ``s`` to ``s + d + 1``. Candidates start at snippet 0 or a start peak and end at the last
    snippet or an end peak (:func:`boundary_peaks`), with ``s + d + 1 < T``.

    Returns:
        (P, 7) ``[start, end, start_score, end_score, cls_score, reg_score, score]``, ``score``
        the product of the four, rows ordered by duration then start.
    """
    tscale = len(start)
    starts = boundary_peaks(start, peak_threshold)
    starts[0] = True
    ends = boundary_peaks(end, peak_threshold)
    ends[-1] = True
    duration, first = np.meshgrid(np.arange(tscale), np.arange(tscale), indexing='ij')
    last = first + duration + 1
    valid = (last < tscale) & starts[first] & ends[np.minimum(last, tscale - 1)]
    d, s = np.nonzero(valid)
    e = s + d + 1
    reg, cls = confidence_map[0, d, s], confidence_map[1, d, s]
    score = start[s] * end[e] * cls * reg
    return np.stack([s / tscale, e / tscale, start[s], end[e], cls, reg, score], axis=1)


def generate_candidate_proposals(tem_result: np.ndarray, video_info: Mapping,
                                 peak_threshold: float) -> np.ndarray:
    """BSN's proposal generation from one video's TEM output, with the match to its ground truth.

    Args:
        tem_result: (T, >=3) ``[action, start, end, ...]`` scores per snippet (TEM's predict rows).
        video_info: ``duration_frame``, ``duration_second``, ``feature_frame`` (frames the
            features cover) and ``annotations`` (``[dict(segment=[start_s, end_s]), ...]``).
        peak_threshold: fraction of the maximal boundary score above which a snippet is a
            boundary candidate (besides local maxima and the two ends).

    Returns:
        (P, 7) ``[tmin, tmax, tmin_score, tmax_score, score, match_iou, match_ioa]`` with
        ``tmin < tmax`` at snippet centres, best ``score = tmin_score * tmax_score`` first;
        ``match_*`` are the best IoU and IoA with a ground-truth segment.
    """
    start, end = tem_result[:, 1], tem_result[:, 2]
    tscale = len(start)
    centres = (np.arange(tscale) + 0.5) / tscale
    starts, ends = boundary_peaks(start, peak_threshold), boundary_peaks(end, peak_threshold)
    starts[[0, -1]] = ends[[0, -1]] = True
    last, first = np.meshgrid(np.flatnonzero(ends), np.flatnonzero(starts), indexing='ij')
    keep = first < last  # rows ordered by end, then start
    first, last = first[keep], last[keep]
    proposals = np.stack([centres[first], centres[last], start[first], end[last],
                          start[first] * end[last]], axis=1)
    proposals = proposals[proposals[:, -1].argsort()[::-1]]
    seconds = float(video_info['feature_frame']) / video_info['duration_frame'] * video_info['duration_second']
    gt = np.array([ann['segment'] for ann in video_info['annotations']], dtype=np.float64).reshape(-1, 2) / seconds
    iou = temporal_iou(proposals[:, :1], proposals[:, 1:2], gt[None, :, 0], gt[None, :, 1]).max(axis=1)
    ioa = temporal_iop(proposals[:, :1], proposals[:, 1:2], gt[None, :, 0], gt[None, :, 1]).max(axis=1)
    return np.concatenate([proposals, iou[:, None], ioa[:, None]], axis=1)


def _sample_region(times: np.ndarray, scores: np.ndarray, region_start: np.ndarray,
                   region_end: np.ndarray, num_samples: int, num_interp: int) -> np.ndarray:
    """Mean of ``scores`` (sampled at ``times``, linearly interpolated) around ``num_samples``
    points spread evenly over each region [start, end] (P,): (P, num_samples).

    Each sample averages ``num_interp + 1`` interpolated values over one sample spacing.
    """
    spacing = (region_end - region_start) / (num_samples - 1)
    offsets = np.arange(num_samples * num_interp + 1) / num_interp - 0.5
    points = region_start[:, None] + spacing[:, None] * offsets
    values = np.interp(points.ravel(), times, scores).reshape(points.shape)
    windows = np.arange(num_samples)[:, None] * num_interp + np.arange(num_interp + 1)
    return values[:, windows].mean(axis=-1)


def generate_bsp_feature(tem_result: np.ndarray, proposals: np.ndarray, bsp_boundary_ratio: float = 0.2,
                         num_sample_start: int = 8, num_sample_end: int = 8,
                         num_sample_action: int = 16, num_sample_interp: int = 3) -> np.ndarray:
    """BSN's boundary-sensitive proposal features: PEM's input.

    Args:
        tem_result: (T, 5) TEM predict rows ``[action, start, end, tmin, tmax]``.
        proposals: (P, >=2) ``[tmin, tmax, ...]`` in normalised time.
        bsp_boundary_ratio: half-width of the start and end regions, as a fraction of the length.
        num_sample_start, num_sample_end, num_sample_action: samples per region.
        num_sample_interp: interpolated values averaged per sample.

    Returns:
        (P, num_sample_action + num_sample_start + num_sample_end) actionness samples inside the
        proposal, then around its start, then around its end. Actionness is 0 outside the video.
    """
    tscale = len(tem_result)
    gap = tem_result[0, 4] - tem_result[0, 3]
    pad = int(tscale / 4 + 10)
    times = (np.arange(-pad, tscale + pad) + 0.5) * gap
    action = np.concatenate([np.zeros(pad), tem_result[:, 0], np.zeros(pad)])
    tmin, tmax = proposals[:, 0].astype(np.float64), proposals[:, 1].astype(np.float64)
    margin = (tmax - tmin) * bsp_boundary_ratio
    return np.concatenate([
        _sample_region(times, action, tmin, tmax, num_sample_action, num_sample_interp),
        _sample_region(times, action, tmin - margin, tmin + margin, num_sample_start, num_sample_interp),
        _sample_region(times, action, tmax - margin, tmax + margin, num_sample_end, num_sample_interp),
    ], axis=1)
