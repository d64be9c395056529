"""Skeleton transforms: the pipelines of ST-GCN, ST-GCN++, 2s-AGCN, PoseC3D and RGBPoseConv3D.

A skeleton sample holds ``keypoint``, an ``(M, T, V, C)`` array (persons, frames, joints,
coordinates: ``C = 2`` for 2D poses in pixels, 3 for NTU's 3D joints in metres), and for 2D
poses ``keypoint_score`` ``(M, T, V)``. A joint at ``(0, 0)`` is missing: PoseCompact, MMCompact
and Flip leave zero coordinates alone, while the crops of :mod:`.processing` move every joint,
as MMAction2 does (missing joints keep a zero score, so no heatmap draws them). The GCN
pipelines turn the sequence into joint, bone and motion features and format them as
``(num_clips, M, T, V, C)``; the PoseC3D pipelines crop the poses (PoseCompact, then Resize,
RandomResizedCrop, CenterCrop and Flip of :mod:`.processing`, which move keypoints), render them
as Gaussian heatmaps (``GeneratePoseTarget``) and feed those to a 3D CNN.
``MMUniformSampleFrames`` / ``MMDecode`` / ``MMCompact`` sample, decode and crop RGB frames and
poses together for RGBPoseConv3D.

Everything is NumPy; argument names, defaults and result keys are MMAction2 1.x's, and the
arithmetic too, so a sample comes out with the same values.
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np

from reelkit.registry import TRANSFORMS
from .base import BaseTransform, check_choice, check_int
from .decoding import DecordInit
from .processing import left_right_order
from .sampling import _total_frames, uniform_sample_frames

# Which joint each joint's bone starts from, per skeleton layout: (joint, parent) pairs.
BONE_PAIRS = {
    'nturgb+d': ((0, 1), (1, 20), (2, 20), (3, 2), (4, 20), (5, 4), (6, 5), (7, 6), (8, 20),
                 (9, 8), (10, 9), (11, 10), (12, 0), (13, 12), (14, 13), (15, 14), (16, 0),
                 (17, 16), (18, 17), (19, 18), (21, 22), (20, 20), (22, 7), (23, 24), (24, 11)),
    'openpose': ((0, 0), (1, 0), (2, 1), (3, 2), (4, 3), (5, 1), (6, 5), (7, 6), (8, 2), (9, 8),
                 (10, 9), (11, 5), (12, 11), (13, 12), (14, 0), (15, 0), (16, 14), (17, 15)),
    'coco': ((0, 0), (1, 0), (2, 0), (3, 1), (4, 2), (5, 0), (6, 0), (7, 5), (8, 6), (9, 7),
             (10, 8), (11, 0), (12, 0), (13, 11), (14, 12), (15, 13), (16, 14)),
}
SKELETON_DATASETS = tuple(BONE_PAIRS)
# Layouts whose third channel is a detection score (2D poses), not a z coordinate.
SCORED_DATASETS = ('openpose', 'coco')
SKELETON_FEATS = ('j', 'b', 'jm', 'bm')
COCO_LIMBS = ((0, 1), (0, 2), (1, 3), (2, 4), (0, 5), (5, 7), (7, 9), (0, 6), (6, 8), (8, 10),
              (5, 11), (11, 13), (13, 15), (6, 12), (12, 14), (14, 16), (11, 12))
COCO_LEFT_KP = (1, 3, 5, 7, 9, 11, 13, 15)
COCO_RIGHT_KP = (2, 4, 6, 8, 10, 12, 14, 16)
COCO_LEFT_LIMB = (0, 2, 4, 5, 6, 10, 11, 12)
COCO_RIGHT_LIMB = (1, 3, 7, 8, 9, 13, 14, 15)
# Heatmap values (scores) below this draw nothing.
MIN_HEATMAP_VALUE = 1e-4

Box = Tuple[int, int, int, int]


def _check_keypoint(owner: str, keypoint: np.ndarray, channels: Sequence[int] = (2, 3)) -> None:
    if keypoint.ndim != 4 or keypoint.shape[-1] not in channels:
        raise ValueError(f'{owner}: keypoint has shape {keypoint.shape}; expected '
                         f'(persons, frames, joints, C) with C in {list(channels)}')


def _pair_ratio(owner: str, hw_ratio) -> Optional[Tuple[float, float]]:
    """``hw_ratio`` as a ``(min, max)`` pair of height/width ratios (None: no constraint)."""
    if hw_ratio is None:
        return None
    pair = (hw_ratio, hw_ratio) if np.isscalar(hw_ratio) else tuple(hw_ratio)
    if len(pair) != 2 or not all(r > 0 for r in pair):
        raise ValueError(f'{owner}: hw_ratio={hw_ratio!r}; expected a positive number, a '
                         '(min, max) pair of them, or None')
    return pair


# ----------------------------------------------------------------------------- decoding
@TRANSFORMS.register_module()
class PoseDecode(BaseTransform):
    """Keep the frames at ``frame_inds`` of ``keypoint`` (and ``keypoint_score``), as float32.

    Required Keys:
        - keypoint
        - keypoint_score (optional)
        - frame_inds (optional: all frames when absent)
        - total_frames (optional: ``keypoint.shape[1]`` when absent)
        - offset (optional: added to the indices)

    Modified Keys:
        - keypoint (``(M, len(frame_inds), V, C)`` float32)
        - keypoint_score (optional)

    Added Keys:
        - frame_inds (when absent)
        - total_frames (when absent)

    ``frame_inds`` that is not 1-D (``(num_clips, clip_len)``) is flattened in place.
    """

    def transform(self, results: dict) -> dict:
        if 'total_frames' not in results:
            results['total_frames'] = results['keypoint'].shape[1]
        if 'frame_inds' not in results:
            results['frame_inds'] = np.arange(results['total_frames'])
        if np.ndim(results['frame_inds']) != 1:
            results['frame_inds'] = np.asarray(results['frame_inds']).reshape(-1)
        inds = np.asarray(results['frame_inds']) + results.get('offset', 0)
        if 'keypoint_score' in results:
            results['keypoint_score'] = results['keypoint_score'][:, inds].astype(np.float32)
        results['keypoint'] = results['keypoint'][:, inds].astype(np.float32)
        return results


@TRANSFORMS.register_module()
class DecompressPose(BaseTransform):
    """Turn per-box keypoints (Kinetics-style) into a ``(persons, frames, V, 2)`` array.

    Box ``i`` is a ``(V, 3)`` row ``keypoint[i]`` (x, y, score) detected in frame
    ``frame_inds[i]``; boxes of the same frame become persons 0, 1, ... in the order listed.
    ``anno_inds`` (set by ``PoseDataset(valid_ratio=...)``) keeps only the confident boxes.
    With ``squeeze`` the frames without any box are dropped. When a frame holds more than
    ``max_person`` boxes, each frame's persons are sorted by total score and the first
    ``max_person`` kept.

    Required Keys:
        - keypoint (``(num_boxes, V, 3)``)
        - frame_inds (``(num_boxes,)``, non-decreasing)
        - total_frames
        - anno_inds (optional)

    Modified Keys:
        - keypoint (``(num_person, total_frames, V, 2)`` float16)
        - total_frames

    Added Keys:
        - keypoint_score (``(num_person, total_frames, V)`` float16)
        - num_person

    Removed Keys:
        - frame_inds

    Args:
        squeeze (bool): Drop the frames with no box. Defaults to True.
        max_person (int): Most persons kept per frame. Defaults to 10.
    """

    def __init__(self, squeeze: bool = True, max_person: int = 10) -> None:
        self.squeeze = bool(squeeze)
        self.max_person = check_int(type(self).__name__, 'max_person', max_person)

    def transform(self, results: dict) -> dict:
        frame_inds = np.asarray(results.pop('frame_inds'))
        boxes = results['keypoint']
        if 'anno_inds' in results:
            frame_inds, boxes = frame_inds[results['anno_inds']], boxes[results['anno_inds']]
        if np.any(np.diff(frame_inds) < 0):
            raise ValueError(f'{type(self).__name__}: frame_inds must be non-decreasing '
                             '(boxes listed frame by frame)')
        total_frames = results['total_frames']
        if self.squeeze:
            frame_inds = np.unique(frame_inds, return_inverse=True)[1].reshape(-1)
            total_frames = int(frame_inds.max()) + 1
        num_person = int(np.bincount(frame_inds).max())
        num_joints = boxes.shape[1]
        keypoint = np.zeros((num_person, total_frames, num_joints, 2), np.float16)
        score = np.zeros((num_person, total_frames, num_joints), np.float16)
        seen = np.zeros(total_frames, np.int64)
        for frame, box in zip(frame_inds, boxes):
            keypoint[seen[frame], frame] = box[:, :2]
            score[seen[frame], frame] = box[:, 2]
            seen[frame] += 1
        if num_person > self.max_person:
            for frame in range(total_frames):
                count = seen[frame]
                order = np.argsort(-score[:count, frame].sum(-1), kind='stable')
                keypoint[:count, frame] = keypoint[order, frame]
                score[:count, frame] = score[order, frame]
            num_person = self.max_person
        results['total_frames'] = total_frames
        results['keypoint'] = keypoint[:num_person]
        results['keypoint_score'] = score[:num_person]
        results['num_person'] = num_person
        return results


# ----------------------------------------------------------------------------- cropping
def compact_box(keypoint: np.ndarray, img_shape: Tuple[int, int], padding: float,
                threshold: int, hw_ratio: Optional[Tuple[float, float]],
                allow_imgpad: bool) -> Optional[Box]:
    """``(x1, y1, x2, y2)`` around all non-zero joints of all frames, grown by ``padding``.

    The tight box is scaled by ``1 + padding`` about its centre, then the shorter side is
    grown until ``hw_ratio[0] <= h / w <= hw_ratio[1]``. Without ``allow_imgpad`` the box is
    clipped to the image. None when the tight box is narrower or lower than ``threshold``.
    """
    img_h, img_w = img_shape
    xs, ys = keypoint[..., 0], keypoint[..., 1]
    min_x, max_x = np.min(xs[xs != 0], initial=np.inf), np.max(xs[xs != 0], initial=-np.inf)
    min_y, max_y = np.min(ys[ys != 0], initial=np.inf), np.max(ys[ys != 0], initial=-np.inf)
    if max_x - min_x < threshold or max_y - min_y < threshold:
        return None
    center_x, center_y = (max_x + min_x) / 2, (max_y + min_y) / 2
    half_w = (max_x - min_x) / 2 * (1 + padding)
    half_h = (max_y - min_y) / 2 * (1 + padding)
    if hw_ratio is not None:
        half_h = max(hw_ratio[0] * half_w, half_h)
        half_w = max(1 / hw_ratio[1] * half_h, half_w)
    x1, x2 = center_x - half_w, center_x + half_w
    y1, y2 = center_y - half_h, center_y + half_h
    if not allow_imgpad:
        x1, y1, x2, y2 = max(0, x1), max(0, y1), min(img_w, x2), min(img_h, y2)
    return int(x1), int(y1), int(x2), int(y2)


def shift_keypoint(keypoint: np.ndarray, x: float, y: float) -> np.ndarray:
    """A copy of ``keypoint`` with ``(x, y)`` subtracted from the non-zero coordinates."""
    keypoint = keypoint.copy()
    xs, ys = keypoint[..., 0], keypoint[..., 1]
    xs[xs != 0] -= x
    ys[ys != 0] -= y
    return keypoint


def crop_padded(img: np.ndarray, box: Box) -> np.ndarray:
    """The ``box`` region of ``img``, the parts outside the image filled with zeros."""
    img_h, img_w = img.shape[:2]
    x1, y1, x2, y2 = box
    left, top = max(0, -x1), max(0, -y1)
    right, bottom = max(0, x2 - img_w), max(0, y2 - img_h)
    if left or top or right or bottom:
        img = np.pad(img, ((top, bottom), (left, right)) + ((0, 0), ) * (img.ndim - 2))
    return img[y1 + top:y2 + top, x1 + left:x2 + left]


@TRANSFORMS.register_module()
class PoseCompact(BaseTransform):
    """Crop the (virtual) frame to a box around the poses of all frames.

    The tight box around every non-zero joint is grown by ``padding`` about its centre and,
    with ``hw_ratio``, to that height/width ratio; keypoints are moved into the box and
    ``img_shape`` becomes its size. Nothing changes when the tight box is smaller than
    ``threshold`` pixels on a side. Only coordinates change: the heatmaps are drawn later.

    Required Keys:
        - keypoint
        - img_shape
        - crop_quadruple (optional: composed with, or created when absent)

    Modified Keys:
        - keypoint
        - img_shape

    Added Keys:
        - crop_quadruple (the box as ``(x, y, w, h)`` fractions of the original frame)

    Args:
        padding (float): Relative growth of each side of the tight box. Defaults to 0.25.
        threshold (int): Smallest tight box side (pixels) worth cropping to. Defaults to 10.
        hw_ratio (float | tuple[float, float] | None): Height/width ratio (or range) the box
            is grown to; None keeps its shape. Defaults to None.
        allow_imgpad (bool): Let the box extend past the frame. Defaults to True.
    """

    def __init__(self,
                 padding: float = 0.25,
                 threshold: int = 10,
                 hw_ratio: Optional[Union[float, Tuple[float, float]]] = None,
                 allow_imgpad: bool = True) -> None:
        name = type(self).__name__
        if padding < 0:
            raise ValueError(f'{name}: padding={padding!r}; expected a number >= 0')
        self.padding = padding
        self.threshold = threshold
        self.hw_ratio = _pair_ratio(name, hw_ratio)
        self.allow_imgpad = bool(allow_imgpad)

    def compact(self, results: dict) -> Tuple[np.ndarray, Optional[Box]]:
        """The keypoints (NaN joints zeroed) and the box (None: too small to crop to)."""
        keypoint = results['keypoint']
        keypoint = np.where(np.isnan(keypoint), 0, keypoint).astype(keypoint.dtype)
        box = compact_box(keypoint, results['img_shape'], self.padding, self.threshold,
                          self.hw_ratio, self.allow_imgpad)
        return keypoint, box

    def transform(self, results: dict) -> dict:
        keypoint, box = self.compact(results)
        results['keypoint'] = keypoint
        if box is None:
            return results
        img_h, img_w = results['img_shape']
        x1, y1, x2, y2 = box
        results['keypoint'] = shift_keypoint(keypoint, x1, y1)
        results['img_shape'] = (y2 - y1, x2 - x1)
        old = results.get('crop_quadruple', (0., 0., 1., 1.))
        new = (x1 / img_w, y1 / img_h, (x2 - x1) / img_w, (y2 - y1) / img_h)
        results['crop_quadruple'] = np.array(
            [old[0] + old[2] * new[0], old[1] + old[3] * new[1], old[2] * new[2],
             old[3] * new[3]], dtype=np.float32)
        return results


@TRANSFORMS.register_module()
class MMCompact(PoseCompact):
    """PoseCompact for RGB frames and poses together: the frames are cropped to the box too.

    Parts of the box outside the frames are filled with black. When the poses are too small
    to crop to, the frames and keypoints are kept as they are.

    Required Keys:
        - imgs
        - keypoint
        - img_shape

    Modified Keys:
        - imgs
        - keypoint
        - img_shape

    Args:
        padding (float): Relative growth of each side of the tight box. Defaults to 0.25.
        threshold (int): Smallest tight box side (pixels) worth cropping to. Defaults to 10.
        hw_ratio (float | tuple[float, float] | None): Height/width ratio (or range) of the
            box. Defaults to 1 (square).
        allow_imgpad (bool): Let the box extend past the frames. Defaults to True.
    """

    def __init__(self,
                 padding: float = 0.25,
                 threshold: int = 10,
                 hw_ratio: Optional[Union[float, Tuple[float, float]]] = 1,
                 allow_imgpad: bool = True) -> None:
        super().__init__(padding, threshold, hw_ratio, allow_imgpad)

    def transform(self, results: dict) -> dict:
        keypoint, box = self.compact(results)
        if box is None:
            img_h, img_w = results['img_shape']
            box = (0, 0, img_w, img_h)
        x1, y1, x2, y2 = box
        results['keypoint'] = shift_keypoint(keypoint, x1, y1)
        results['img_shape'] = (y2 - y1, x2 - x1)
        results['imgs'] = [crop_padded(img, box) for img in results['imgs']]
        return results


# ----------------------------------------------------------------------------- heatmaps
def draw_gaussians(heatmap: np.ndarray, centers: np.ndarray, values: np.ndarray,
                   sigma: float) -> None:
    """Raise ``heatmap`` ``(H, W)`` in place to ``value * exp(-d^2 / 2 sigma^2)`` around each
    centre (one per person), within 3 sigma."""
    img_h, img_w = heatmap.shape
    for (mu_x, mu_y), value in zip(centers, values):
        if value < MIN_HEATMAP_VALUE:
            continue
        x1, x2 = max(int(mu_x - 3 * sigma), 0), min(int(mu_x + 3 * sigma) + 1, img_w)
        y1, y2 = max(int(mu_y - 3 * sigma), 0), min(int(mu_y + 3 * sigma) + 1, img_h)
        if x1 >= x2 or y1 >= y2:  # the joint is outside the heatmap
            continue
        x = np.arange(x1, x2, dtype=np.float32)
        y = np.arange(y1, y2, dtype=np.float32)[:, None]
        patch = np.exp(-((x - mu_x) ** 2 + (y - mu_y) ** 2) / 2 / sigma ** 2) * value
        heatmap[y1:y2, x1:x2] = np.maximum(heatmap[y1:y2, x1:x2], patch)


def draw_limbs(heatmap: np.ndarray, starts: np.ndarray, ends: np.ndarray,
               start_values: np.ndarray, end_values: np.ndarray, sigma: float) -> None:
    """Raise ``heatmap`` in place to a Gaussian of the distance to each limb segment, scaled by
    the lower score of its two joints. A limb shorter than a pixel is drawn as its start."""
    img_h, img_w = heatmap.shape
    for start, end, start_value, end_value in zip(starts, ends, start_values, end_values):
        value = min(start_value, end_value)
        if value < MIN_HEATMAP_VALUE:
            continue
        x1 = max(int(min(start[0], end[0]) - 3 * sigma), 0)
        x2 = min(int(max(start[0], end[0]) + 3 * sigma) + 1, img_w)
        y1 = max(int(min(start[1], end[1]) - 3 * sigma), 0)
        y2 = min(int(max(start[1], end[1]) + 3 * sigma) + 1, img_h)
        if x1 >= x2 or y1 >= y2:
            continue
        x = np.arange(x1, x2, dtype=np.float32)
        y = np.arange(y1, y2, dtype=np.float32)[:, None]
        d2_start = (x - start[0]) ** 2 + (y - start[1]) ** 2
        d2_end = (x - end[0]) ** 2 + (y - end[1]) ** 2
        length2 = (start[0] - end[0]) ** 2 + (start[1] - end[1]) ** 2
        if length2 < 1:
            draw_gaussians(heatmap, start[None], start_value[None], sigma)
            continue
        # Where each pixel projects on the line, 0 at the start and 1 at the end.
        t = (d2_start - d2_end + length2) / 2. / length2
        d2_line = ((x - (start[0] + t * (end[0] - start[0]))) ** 2
                   + (y - (start[1] + t * (end[1] - start[1]))) ** 2)
        d2 = np.where(t <= 0, d2_start, np.where(t >= 1, d2_end, d2_line))
        # The exponential in float64, as MMAction2 computes it, so the values match exactly.
        patch = np.exp(-d2.astype(np.float64) / 2. / sigma ** 2) * value
        heatmap[y1:y2, x1:x2] = np.maximum(heatmap[y1:y2, x1:x2], patch)


@TRANSFORMS.register_module()
class GeneratePoseTarget(BaseTransform):
    """Render the poses as pseudo heatmaps: one channel per joint and/or per limb.

    Joint channel ``v`` of frame ``t`` holds, for every person, a Gaussian of std ``sigma``
    (pixels) centred on the joint, peaking at its score (1 without ``use_score``); limb
    channels hold a Gaussian of the distance to the segment between two joints. Overlapping
    persons take the maximum. ``scaling`` renders at ``scaling`` times ``img_shape``.

    The heatmaps go to ``imgs``, or to ``heatmap_imgs`` when ``imgs`` already holds RGB frames
    (RGBPoseConv3D). ``double`` appends the horizontally flipped heatmaps (channels of left
    and right swapped) as a second set of frames: the flip test of PoseC3D.

    Required Keys:
        - keypoint (``(M, T, V, 2)``)
        - keypoint_score (optional: 1 for every joint when absent)
        - img_shape

    Added Keys:
        - imgs (or heatmap_imgs) ``(T, channels, H, W)`` float32, ``2 T`` frames with ``double``

    Args:
        sigma (float): Std of the Gaussians, in pixels. Defaults to 0.6.
        use_score (bool): Peak at the joint's score rather than 1. Defaults to True.
        with_kp (bool): Draw a channel per joint. Defaults to True.
        with_limb (bool): Draw a channel per limb of ``skeletons``. Defaults to False.
        skeletons (tuple[tuple[int, int]]): The limbs as joint pairs. Defaults to COCO's 17
            limbs.
        double (bool): Also output the flipped heatmaps. Defaults to False.
        left_kp (tuple[int]): Left joints, swapped with ``right_kp`` by the flip. Defaults to
            COCO's.
        right_kp (tuple[int]): Right joints. Defaults to COCO's.
        left_limb (tuple[int]): Left limbs (indices in ``skeletons``), used by the flip when
            only limbs are drawn. Defaults to COCO's.
        right_limb (tuple[int]): Right limbs. Defaults to COCO's.
        scaling (float): Heatmap size relative to ``img_shape``. Defaults to 1.
    """

    def __init__(self,
                 sigma: float = 0.6,
                 use_score: bool = True,
                 with_kp: bool = True,
                 with_limb: bool = False,
                 skeletons: Sequence[Tuple[int, int]] = COCO_LIMBS,
                 double: bool = False,
                 left_kp: Sequence[int] = COCO_LEFT_KP,
                 right_kp: Sequence[int] = COCO_RIGHT_KP,
                 left_limb: Sequence[int] = COCO_LEFT_LIMB,
                 right_limb: Sequence[int] = COCO_RIGHT_LIMB,
                 scaling: float = 1.) -> None:
        name = type(self).__name__
        if not (with_kp or with_limb):
            raise ValueError(f'{name}: with_kp=False and with_limb=False draw nothing; '
                             'set at least one to True')
        for arg, left, right in (('kp', left_kp, right_kp), ('limb', left_limb, right_limb)):
            if len(left) != len(right):
                raise ValueError(f'{name}: left_{arg} and right_{arg} pair up, but have '
                                 f'{len(left)} and {len(right)} entries')
        self.sigma = sigma
        self.use_score = bool(use_score)
        self.with_kp = bool(with_kp)
        self.with_limb = bool(with_limb)
        self.skeletons = tuple(tuple(limb) for limb in skeletons)
        self.double = bool(double)
        self.left_kp, self.right_kp = tuple(left_kp), tuple(right_kp)
        self.left_limb, self.right_limb = tuple(left_limb), tuple(right_limb)
        self.scaling = scaling

    def draw_frame(self, heatmaps: np.ndarray, keypoint: np.ndarray, score: np.ndarray) -> None:
        """Fill ``heatmaps`` ``(channels, H, W)`` from one frame's ``(M, V, 2)`` poses."""
        channel = 0
        if self.with_kp:
            for joint in range(keypoint.shape[1]):
                draw_gaussians(heatmaps[joint], keypoint[:, joint], score[:, joint], self.sigma)
            channel = keypoint.shape[1]
        if self.with_limb:
            for offset, (a, b) in enumerate(self.skeletons):
                draw_limbs(heatmaps[channel + offset], keypoint[:, a], keypoint[:, b],
                           score[:, a], score[:, b], self.sigma)

    def heatmaps(self, results: dict) -> np.ndarray:
        """The ``(T, channels, H, W)`` heatmaps of a sample."""
        keypoint = results['keypoint'].astype(np.float32)
        _check_keypoint(type(self).__name__, keypoint)
        if 'keypoint_score' in results and self.use_score:
            score = results['keypoint_score']
        else:
            score = np.ones(keypoint.shape[:-1], dtype=np.float32)
        img_h, img_w = results['img_shape']
        img_h, img_w = int(img_h * self.scaling + 0.5), int(img_w * self.scaling + 0.5)
        keypoint[..., :2] *= self.scaling
        num_channels = (keypoint.shape[2] if self.with_kp else 0) + \
            (len(self.skeletons) if self.with_limb else 0)
        out = np.zeros((keypoint.shape[1], num_channels, img_h, img_w), dtype=np.float32)
        for frame in range(keypoint.shape[1]):
            self.draw_frame(out[frame], keypoint[:, frame], score[:, frame])
        return out

    def transform(self, results: dict) -> dict:
        heatmaps = self.heatmaps(results)
        if self.double:
            left, right = ((self.left_kp, self.right_kp) if self.with_kp
                           else (self.left_limb, self.right_limb))
            order = left_right_order(heatmaps.shape[1], left, right)
            heatmaps = np.concatenate([heatmaps, heatmaps[..., ::-1][:, order]])
        results['heatmap_imgs' if 'imgs' in results else 'imgs'] = heatmaps
        return results


# ----------------------------------------------------------------------------- normalization
def unit_angle(v1: np.ndarray, v2: np.ndarray) -> float:
    """The angle between two vectors in radians (0 if either is about zero)."""
    if np.abs(v1).sum() < 1e-6 or np.abs(v2).sum() < 1e-6:
        return 0.
    cos = np.dot(v1 / np.linalg.norm(v1), v2 / np.linalg.norm(v2))
    return float(np.arccos(np.clip(cos, -1.0, 1.0)))


def rotation_matrix(axis: np.ndarray, theta: float) -> np.ndarray:
    """The 3x3 matrix of a counterclockwise rotation by ``theta`` about ``axis``.

    Built from the Euler-Rodrigues parameters (the unit quaternion of the rotation), the form
    MMAction2 uses, so the entries round the same way. The identity when the axis or the angle
    is about zero.
    """
    axis = np.asarray(axis)
    if np.abs(axis).sum() < 1e-6 or abs(theta) < 1e-6:
        return np.eye(3)
    axis = axis / np.sqrt(np.dot(axis, axis))
    a = np.cos(theta / 2.0)
    b, c, d = -axis * np.sin(theta / 2.0)
    return np.array([
        [a * a + b * b - c * c - d * d, 2 * (b * c + a * d), 2 * (b * d - a * c)],
        [2 * (b * c - a * d), a * a + c * c - b * b - d * d, 2 * (c * d + a * b)],
        [2 * (b * d + a * c), 2 * (c * d - a * b), a * a + d * d - b * b - c * c]])


def rotate(skeleton: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``(M, T, V, 3)`` joints times ``matrix`` (``x -> matrix @ x``), summed as MMAction2 sums."""
    return np.einsum('mtvc,kc->mtvk', skeleton, matrix)


def align_rotation(vector: np.ndarray, target: Sequence[float]) -> np.ndarray:
    """The rotation that turns ``vector``'s direction into ``target``'s."""
    return rotation_matrix(np.cross(vector, target), unit_angle(vector, target))


@TRANSFORMS.register_module()
class PreNormalize3D(BaseTransform):
    """Centre and rotate NTU RGB+D 3D skeletons into a body-aligned frame (as 2s-AGCN does).

    Frames where the main person is all zeros are dropped first; with two persons the one
    seen in more frames becomes the main (first) person. Then, all from the main person's
    first kept frame: the spine joint (joint 1 of NTU's 25, else the last joint) is moved to
    the origin, zero joints staying zero (``align_center``); the skeleton is rotated so that
    the vector from joint ``zaxis[0]`` to ``zaxis[1]`` (hip to spine) points along +z
    (``align_spine``); then so that the vector from ``xaxis[1]`` to ``xaxis[0]`` (left to right
    shoulder) points along +x (``align_shoulder``).

    Required Keys:
        - keypoint (``(M, T, V, 3)`` with ``M`` 1 or 2)
        - total_frames (optional)

    Modified Keys:
        - keypoint
        - total_frames

    Added Keys:
        - body_center (with ``align_center``)

    An all-zero sample is returned unchanged.

    Args:
        zaxis (list[int]): ``[from, to]`` joints of the direction made +z. Defaults to
            ``[0, 1]``.
        xaxis (list[int]): ``[to, from]`` joints of the direction made +x. Defaults to
            ``[8, 4]``.
        align_spine (bool): Do the z rotation. Defaults to True.
        align_shoulder (bool): Do the x rotation. Defaults to True.
        align_center (bool): Move the centre joint to the origin. Defaults to True.
    """

    def __init__(self,
                 zaxis: Sequence[int] = (0, 1),
                 xaxis: Sequence[int] = (8, 4),
                 align_spine: bool = True,
                 align_shoulder: bool = True,
                 align_center: bool = True) -> None:
        self.zaxis = list(zaxis)
        self.xaxis = list(xaxis)
        self.align_spine = bool(align_spine)
        self.align_shoulder = bool(align_shoulder)
        self.align_center = bool(align_center)

    @staticmethod
    def _main_person_first(skeleton: np.ndarray) -> np.ndarray:
        """The frames where the main person is visible; the more visible person first."""
        visible = [~np.all(np.isclose(person, 0), axis=(1, 2)) for person in skeleton]
        if len(skeleton) == 2 and visible[0].sum() < visible[1].sum():
            return skeleton[::-1][:, visible[1]]
        return skeleton[:, visible[0]]

    def transform(self, results: dict) -> dict:
        name = type(self).__name__
        skeleton = results['keypoint']
        _check_keypoint(name, skeleton, channels=(3, ))
        num_person, num_frames = skeleton.shape[:2]
        if num_frames != results.get('total_frames', num_frames):
            raise ValueError(f"{name}: keypoint has {num_frames} frames but total_frames is "
                             f"{results['total_frames']}")
        if num_person not in (1, 2):
            raise ValueError(f'{name}: keypoint has {num_person} persons; NTU skeletons have '
                             '1 or 2')
        if skeleton.sum() == 0:
            return results
        skeleton = self._main_person_first(skeleton)
        if self.align_center:
            center = skeleton[0, 0, 1 if skeleton.shape[2] == 25 else -1].copy()
            present = (skeleton != 0).sum(-1, keepdims=True) > 0
            skeleton = (skeleton - center) * present
            results['body_center'] = center
        first = skeleton[0, 0]
        if self.align_spine:  # zaxis[0] -> zaxis[1] along +z
            spine = first[self.zaxis[1]] - first[self.zaxis[0]]
            skeleton = rotate(skeleton, align_rotation(spine, (0, 0, 1)))
        first = skeleton[0, 0]
        if self.align_shoulder:  # xaxis[1] -> xaxis[0] along +x
            shoulders = first[self.xaxis[0]] - first[self.xaxis[1]]
            skeleton = rotate(skeleton, align_rotation(shoulders, (1, 0, 0)))
        results['keypoint'] = skeleton
        results['total_frames'] = skeleton.shape[1]
        return results


@TRANSFORMS.register_module()
class PreNormalize2D(BaseTransform):
    """Map 2D pixel coordinates to ``[-1, 1]``: ``x -> (x - w/2) / (w/2)``, same for ``y``.

    Required Keys:
        - keypoint
        - img_shape (optional: the ``img_shape`` argument when absent)

    Modified Keys:
        - keypoint

    Args:
        img_shape (tuple[int, int]): ``(h, w)`` of samples without ``img_shape``.
            Defaults to ``(1080, 1920)``.
    """

    def __init__(self, img_shape: Tuple[int, int] = (1080, 1920)) -> None:
        self.img_shape = tuple(img_shape)

    def transform(self, results: dict) -> dict:
        img_h, img_w = results.get('img_shape', self.img_shape)
        keypoint = results['keypoint'].copy()
        keypoint[..., 0] = (keypoint[..., 0] - (img_w / 2)) / (img_w / 2)
        keypoint[..., 1] = (keypoint[..., 1] - (img_h / 2)) / (img_h / 2)
        results['keypoint'] = keypoint
        return results


# ----------------------------------------------------------------------------- GCN features
@TRANSFORMS.register_module()
class JointToBone(BaseTransform):
    """Bones: each joint minus its parent joint (the root's bone is zero).

    For 2D layouts (``'openpose'``, ``'coco'``) with a score channel (``C == 3``), a bone's
    third channel is the mean score of its two joints.

    Required Keys:
        - keypoint (``(M, T, V, C)``, ``C`` 2 or 3)

    Modified Keys:
        - keypoint (the bones, float32; another ``target`` key is added instead)

    Args:
        dataset (str): The joint layout: ``'nturgb+d'``, ``'openpose'`` or ``'coco'``.
            Defaults to ``'nturgb+d'``.
        target (str): Where the bones go. Defaults to ``'keypoint'``.
    """

    def __init__(self, dataset: str = 'nturgb+d', target: str = 'keypoint') -> None:
        self.dataset = check_choice(type(self).__name__, 'dataset', dataset, SKELETON_DATASETS)
        self.target = target
        self.pairs = BONE_PAIRS[dataset]

    def transform(self, results: dict) -> dict:
        keypoint = results['keypoint']
        _check_keypoint(type(self).__name__, keypoint)
        joints, parents = (list(column) for column in zip(*self.pairs))
        bone = np.zeros(keypoint.shape, dtype=np.float32)
        bone[..., joints, :] = keypoint[..., joints, :] - keypoint[..., parents, :]
        if keypoint.shape[-1] == 3 and self.dataset in SCORED_DATASETS:
            bone[..., joints, 2] = (keypoint[..., joints, 2] + keypoint[..., parents, 2]) / 2
        results[self.target] = bone
        return results


@TRANSFORMS.register_module()
class ToMotion(BaseTransform):
    """Motion: each frame's difference to the next (the last frame's motion is zero).

    For 2D layouts with a score channel, the third channel is the mean score of the two frames.

    Required Keys:
        - keypoint (the ``source`` key) ``(M, T, V, C)``, ``C`` 2 or 3

    Added Keys:
        - motion (the ``target`` key) same shape and dtype

    Args:
        dataset (str): ``'nturgb+d'``, ``'openpose'`` or ``'coco'``. Defaults to ``'nturgb+d'``.
        source (str): The joints or bones to differentiate. Defaults to ``'keypoint'``.
        target (str): Where the motion goes. Defaults to ``'motion'``.
    """

    def __init__(self, dataset: str = 'nturgb+d', source: str = 'keypoint',
                 target: str = 'motion') -> None:
        self.dataset = check_choice(type(self).__name__, 'dataset', dataset, SKELETON_DATASETS)
        self.source = source
        self.target = target

    def transform(self, results: dict) -> dict:
        data = results[self.source]
        _check_keypoint(type(self).__name__, data)
        motion = np.zeros_like(data)
        motion[:, :-1] = np.diff(data, axis=1)
        if data.shape[-1] == 3 and self.dataset in SCORED_DATASETS:
            motion[:, :-1, :, 2] = (data[:, :-1, :, 2] + data[:, 1:, :, 2]) / 2
        results[self.target] = motion
        return results


@TRANSFORMS.register_module()
class MergeSkeFeat(BaseTransform):
    """Concatenate several feature keys into one (and remove them).

    Required Keys:
        - keypoint (the ``feat_list`` keys)

    Modified Keys:
        - keypoint (the ``target`` key: the concatenation)

    Removed Keys:
        - keypoint (the ``feat_list`` keys; a ``target`` among them is written back)

    Args:
        feat_list (list[str]): The keys, in order. Defaults to ``['keypoint']``.
        target (str): Where the result goes. Defaults to ``'keypoint'``.
        axis (int): The axis to concatenate along. Defaults to -1 (channels).
    """

    def __init__(self, feat_list: Sequence[str] = ('keypoint', ), target: str = 'keypoint',
                 axis: int = -1) -> None:
        self.feat_list = list(feat_list)
        self.target = target
        self.axis = axis

    def transform(self, results: dict) -> dict:
        feats = [results.pop(name) for name in self.feat_list]
        results[self.target] = np.concatenate(feats, axis=self.axis)
        return results


@TRANSFORMS.register_module()
class GenSkeFeat(BaseTransform):
    """Joint (``'j'``), bone (``'b'``), joint motion (``'jm'``) and bone motion (``'bm'``)
    features, concatenated in ``feats`` order into ``keypoint``.

    2D poses (``'coco'``, ``'openpose'``) first get their score appended as a third channel
    (``keypoint_score`` is consumed). MMAction2 also leaves the intermediate joints and bones
    in the results (under ``'j'`` and ``'b'``); nothing reads them, so they are not kept here.

    Required Keys:
        - keypoint
        - keypoint_score (optional; not for ``'nturgb+d'``)

    Modified Keys:
        - keypoint (``(M, T, V, C * len(feats))``)

    Removed Keys:
        - keypoint_score

    Args:
        dataset (str): ``'nturgb+d'``, ``'openpose'`` or ``'coco'``. Defaults to ``'nturgb+d'``.
        feats (list[str]): Features among ``'j'``, ``'b'``, ``'jm'``, ``'bm'``.
            Defaults to ``['j']``.
        axis (int): The axis to concatenate along. Defaults to -1.
    """

    def __init__(self, dataset: str = 'nturgb+d', feats: Sequence[str] = ('j', ),
                 axis: int = -1) -> None:
        name = type(self).__name__
        self.dataset = check_choice(name, 'dataset', dataset, SKELETON_DATASETS)
        for feat in feats:
            check_choice(name, 'feats', feat, SKELETON_FEATS)
        self.feats = list(feats)
        self.axis = axis
        # The steps work on a private dict of features: {'keypoint': joints} -> j, b, jm, bm.
        steps = [JointToBone(dataset, target='b')] if {'b', 'bm'} & set(feats) else []
        steps.append(MergeSkeFeat(['keypoint'], target='j'))
        steps += [ToMotion(dataset, source=feat[0], target=feat)
                  for feat in ('jm', 'bm') if feat in feats]
        self.steps = steps + [MergeSkeFeat(self.feats, axis=axis)]

    def transform(self, results: dict) -> dict:
        keypoint = results['keypoint']
        if 'keypoint_score' in results:
            if self.dataset not in SCORED_DATASETS or keypoint.shape[-1] != 2:
                raise ValueError(f"{type(self).__name__}: keypoint_score is only for 2D poses "
                                 f"('coco', 'openpose'); got dataset={self.dataset!r} and "
                                 f'keypoint of shape {keypoint.shape}')
            score = results.pop('keypoint_score')
            keypoint = np.concatenate([keypoint, score[..., None]], axis=-1)
        feats = dict(keypoint=keypoint)
        for step in self.steps:
            feats = step(feats)
        results['keypoint'] = feats['keypoint']
        return results


# ----------------------------------------------------------------------------- length, layout
@TRANSFORMS.register_module()
class PadTo(BaseTransform):
    """Bring a sequence to ``length`` frames by repeating it (``'loop'``) or adding zeros.

    ``keypoint_score`` is padded the same way when present (MMAction2 pads only ``keypoint``).

    Required Keys:
        - keypoint
        - total_frames (``<= length``)
        - start_index (optional: the first frame taken, 0 when absent)
        - keypoint_score (optional)

    Modified Keys:
        - keypoint
        - keypoint_score (optional)
        - total_frames

    Args:
        length (int): Frames after padding.
        mode (str): ``'loop'`` or ``'zero'``. Defaults to ``'loop'``.
    """

    def __init__(self, length: int, mode: str = 'loop') -> None:
        self.length = check_int(type(self).__name__, 'length', length)
        self.mode = check_choice(type(self).__name__, 'mode', mode, ('loop', 'zero'))

    def transform(self, results: dict) -> dict:
        total = results['total_frames']
        if total > self.length:
            raise ValueError(f'{type(self).__name__}: total_frames={total} is longer than '
                             f'length={self.length}; PadTo only pads')
        start = results.get('start_index', 0)
        inds = np.mod(np.arange(start, start + self.length), total)
        for key in ('keypoint', 'keypoint_score'):
            if key in results:
                padded = results[key][:, inds].copy()
                if self.mode == 'zero':
                    padded[:, total:] = 0
                results[key] = padded
        results['total_frames'] = self.length
        return results


@TRANSFORMS.register_module()
class FormatGCNInput(BaseTransform):
    """Arrange skeletons as a GCN's input: ``(num_clips, num_person, T, V, C)``.

    ``keypoint_score`` (when present) becomes the last channel. Samples with fewer persons are
    padded with zeros (``'loop'`` copies a single person instead); extra persons are dropped.
    The ``num_clips`` clips of ``T`` frames each are split off the frame axis.

    Required Keys:
        - keypoint (``(M, num_clips * T, V, C)``)
        - keypoint_score (optional)
        - num_clips (optional: 1 when absent)

    Modified Keys:
        - keypoint (``(num_clips, num_person, T, V, C)``, ``C + 1`` with scores)

    Args:
        num_person (int): Persons per sample. Defaults to 2.
        mode (str): ``'zero'`` or ``'loop'``. Defaults to ``'zero'``.
    """

    def __init__(self, num_person: int = 2, mode: str = 'zero') -> None:
        self.num_person = check_int(type(self).__name__, 'num_person', num_person)
        self.mode = check_choice(type(self).__name__, 'mode', mode, ('zero', 'loop'))

    def transform(self, results: dict) -> dict:
        keypoint = results['keypoint']
        if 'keypoint_score' in results:
            keypoint = np.concatenate((keypoint, results['keypoint_score'][..., None]), axis=-1)
        present = keypoint.shape[0]
        if present < self.num_person:
            if self.mode == 'loop' and present == 1:
                fill = np.repeat(keypoint, self.num_person - 1, axis=0)
            else:
                fill = np.zeros((self.num_person - present, ) + keypoint.shape[1:],
                                dtype=keypoint.dtype)
            keypoint = np.concatenate((keypoint, fill), axis=0)
        keypoint = keypoint[:self.num_person]
        persons, frames, joints, channels = keypoint.shape
        num_clips = results.get('num_clips', 1)
        if frames % num_clips:
            raise ValueError(f'{type(self).__name__}: {frames} frames do not split into '
                             f'num_clips={num_clips} clips')
        keypoint = keypoint.reshape(persons, num_clips, frames // num_clips, joints, channels)
        results['keypoint'] = np.ascontiguousarray(keypoint.transpose(1, 0, 2, 3, 4))
        return results


# ----------------------------------------------------------------------------- RGB + pose
@TRANSFORMS.register_module()
class MMUniformSampleFrames(BaseTransform):
    """UniformSampleFrames for several modalities at once, each with its own clip length.

    ``{modality}_inds`` holds the indices of each modality, sampled as UniformSampleFrames
    does (in test mode each modality from a fresh ``seed``). ``start_index`` is not added.

    Required Keys:
        - total_frames
        - modality

    Modified Keys:
        - modality (the list of ``clip_len``'s modalities, unless already a list)

    Added Keys:
        - RGB_inds (int32, with ``clip_len['RGB']``)
        - Pose_inds (int32, with ``clip_len['Pose']``)
        - clip_len (the dict)
        - frame_interval (None)
        - num_clips

    Args:
        clip_len (dict[str, int]): Frames per clip by modality, e.g. ``dict(RGB=8, Pose=32)``.
        num_clips (int): Clips per sample; more than one only in test mode. Defaults to 1.
        test_mode (bool): Seeded sampling for validation and testing. Defaults to False.
        seed (int): Seed of the test-mode generator. Defaults to 255.
    """

    def __init__(self, clip_len: Dict[str, int], num_clips: int = 1, test_mode: bool = False,
                 seed: int = 255) -> None:
        name = type(self).__name__
        if not isinstance(clip_len, dict) or not clip_len:
            raise TypeError(f'{name}: clip_len={clip_len!r}; expected a dict of clip lengths '
                            'by modality, e.g. dict(RGB=8, Pose=32)')
        self.clip_len = {mod: check_int(name, f'clip_len[{mod!r}]', length)
                         for mod, length in clip_len.items()}
        self.num_clips = check_int(name, 'num_clips', num_clips)
        self.test_mode = bool(test_mode)
        self.seed = check_int(name, 'seed', seed, minimum=0)
        if num_clips > 1 and not test_mode:
            raise ValueError(f'{name}: num_clips={num_clips} needs test_mode=True')

    def transform(self, results: dict) -> dict:
        total = _total_frames(type(self).__name__, results)
        for mod, clip_len in self.clip_len.items():
            inds = uniform_sample_frames(total, clip_len, self.num_clips, self.test_mode,
                                         self.seed)
            results[f'{mod}_inds'] = inds.astype(np.int32)
        results['clip_len'] = dict(self.clip_len)
        results['frame_interval'] = None
        results['num_clips'] = self.num_clips
        if not isinstance(results.get('modality'), list):
            results['modality'] = list(self.clip_len)
        return results


@TRANSFORMS.register_module()
class MMDecode(DecordInit):
    """Decode the RGB frames at ``RGB_inds`` and the poses at ``Pose_inds``.

    The video is ``filename`` (``frame_dir + '.mp4'`` when absent), opened as DecordInit
    opens it (PyAV where decord is missing). Poses are decoded as PoseDecode does; missing
    ``keypoint_score`` become ones. When the decoded frames are not ``img_shape`` big,
    the keypoints are rescaled to them and ``img_shape`` / ``original_shape`` updated.

    Required Keys:
        - modality (a list of ``'RGB'`` / ``'Pose'``)
        - RGB_inds (optional: with RGB)
        - filename (optional: with RGB; else ``frame_dir + '.mp4'``)
        - frame_dir (optional: with RGB and no filename)
        - Pose_inds (optional: with Pose)
        - keypoint (optional: with Pose)
        - keypoint_score (optional)
        - img_shape (optional: the frames' size when absent)

    Modified Keys:
        - keypoint (float32, the frames of ``Pose_inds``; rescaled to the frames' size)
        - keypoint_score (float32, the frames of ``Pose_inds``; ones when absent)
        - img_shape (when the frames are of another size)

    Added Keys:
        - imgs (list of ``H x W x 3`` uint8 RGB frames)
        - original_shape (when the frames are not ``img_shape`` big)

    ``filename`` is added when made from ``frame_dir``; without ``img_shape`` both
    ``img_shape`` and ``original_shape`` are added (the frames' size).

    Args:
        io_backend (str): ``'disk'`` or an MMEngine file backend. Defaults to ``'disk'``.
        num_threads (int): Decoding threads of decord. Defaults to 1.
        **backend_args: Arguments of the remote file backend.
    """

    def transform(self, results: dict) -> dict:
        for mod in results['modality']:
            inds = np.asarray(results[f'{mod}_inds']).reshape(-1)
            if mod == 'RGB':
                self._decode_rgb(results, inds)
            elif mod == 'Pose':
                self._decode_pose(results, inds)
            else:
                raise ValueError(f"{type(self).__name__}: modality {mod!r}; expected 'RGB' "
                                 "or 'Pose'")
        if 'imgs' in results and 'keypoint' in results:
            self._fit_keypoint_to_frames(results)
        return results

    def _decode_rgb(self, results: dict, inds: np.ndarray) -> None:
        if 'filename' not in results:
            results['filename'] = results['frame_dir'] + '.mp4'
        reader = self.open(results['filename'])
        try:
            results['imgs'] = reader.read(inds, accurate=True)
        finally:
            reader.close()

    @staticmethod
    def _decode_pose(results: dict, inds: np.ndarray) -> None:
        keypoint = results['keypoint']
        score = results.get('keypoint_score')
        if score is None:
            score = np.ones(keypoint.shape[:-1], dtype=np.float32)
        results['keypoint'] = keypoint[:, inds].astype(np.float32)
        results['keypoint_score'] = score[:, inds].astype(np.float32)

    @staticmethod
    def _fit_keypoint_to_frames(results: dict) -> None:
        frame_hw = tuple(results['imgs'][0].shape[:2])
        if 'img_shape' not in results:
            results['img_shape'] = results['original_shape'] = frame_hw
            return
        ann_h, ann_w = results['img_shape']
        if frame_hw == (ann_h, ann_w):
            return
        _check_keypoint('MMDecode', results['keypoint'])
        keypoint = results['keypoint'].copy()
        keypoint[..., 0] *= frame_hw[1] / ann_w
        keypoint[..., 1] *= frame_hw[0] / ann_h
        results['keypoint'] = keypoint
        results['img_shape'] = results['original_shape'] = frame_hw
