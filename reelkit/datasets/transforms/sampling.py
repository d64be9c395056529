"""Temporal sampling: which frame indices of a video a sample uses.

Each transform is a thin wrapper over a pure function of ``num_frames`` and an ``rng`` (see
:mod:`.functional` for why the transforms draw from NumPy's global generator). The index math
is MMAction2 1.x's, so a config trained there samples the same frames here, and the same
numbers under the same seed.
"""
from typing import Optional, Tuple

import numpy as np

from reelkit.registry import TRANSFORMS
from reelkit.utils.errors import VideoReadError
from .base import BaseTransform, check_choice, check_int
from .functional import RNG, global_rng, randint

OUT_OF_BOUND_OPTS = ('loop', 'repeat_last')


# ----------------------------------------------------------------------------- pure cores
def train_clip_offsets(num_frames: int, span: float, num_clips: int, keep_tail_frames: bool,
                       rng: RNG) -> np.ndarray:
    """Random first-frame offsets of ``num_clips`` clips, one per equal segment.

    A clip spans ``span`` frames (``clip_len * frame_interval``). The video is cut into ``num_clips``
    segments of the room left for clip starts; each clip starts at a random offset in its
    segment. Videos too short for that fall back, in order, to sorted random starts, evenly
    spread starts, and all-zero starts. ``keep_tail_frames`` uses fractional segments, so
    the last frames can be sampled too.
    """
    if keep_tail_frames:
        avg_interval = (num_frames - span + 1) / float(num_clips)
        if num_frames > span - 1:
            base = np.arange(num_clips) * avg_interval
            return (base + rng.uniform(0, avg_interval, num_clips)).astype(np.int32)
        return np.zeros(num_clips, dtype=np.int32)
    avg_interval = (num_frames - span + 1) // num_clips
    if avg_interval > 0:
        return np.arange(num_clips) * avg_interval + randint(rng, avg_interval, size=num_clips)
    if num_frames > max(num_clips, span):
        return np.sort(randint(rng, num_frames - span + 1, size=num_clips))
    if avg_interval == 0:
        ratio = (num_frames - span + 1.0) / num_clips
        return np.around(np.arange(num_clips) * ratio)
    return np.zeros(num_clips, dtype=np.int32)


def test_clip_offsets(num_frames: int, clip_len: int, span: float, num_clips: int,
                      twice_sample: bool, floor_spacing: bool = False) -> np.ndarray:
    """Deterministic first-frame offsets for testing (float offsets are floored later).

    With ``clip_len == 1`` (2D models) each clip takes the centre of its segment;
    ``twice_sample`` appends the segment starts. With longer clips the ``num_clips`` starts are
    spread evenly over ``[0, num_frames - span]`` (one clip: the middle), where ``span`` is
    ``(clip_len - 1) * frame_interval + 1``; ``twice_sample`` continues the same spacing for
    ``num_clips`` more starts (the indices past the end are then wrapped by ``out_of_bound_opt``).
    ``floor_spacing`` floors the spacing instead of rounding the starts (PySlowFast's, used with
    ``target_fps``).
    """
    if clip_len == 1:
        avg_interval = num_frames / float(num_clips)
        base = np.arange(num_clips) * avg_interval
        offsets = base + avg_interval / 2.0
        return np.concatenate([offsets, base]) if twice_sample else offsets
    max_offset = max(num_frames - span, 0)
    total = num_clips * (2 if twice_sample else 1)
    if total == 1:
        return np.array([max_offset // 2])
    if floor_spacing:
        return np.arange(total) * np.floor(max_offset / float(num_clips - 1))
    return np.round(np.arange(total) * (max_offset / float(num_clips - 1)))


def expand_clips(offsets: np.ndarray, num_frames: int, clip_len: int, frame_interval: int,
                 out_of_bound_opt: str, temporal_jitter: bool, rng: RNG,
                 steps: Optional[np.ndarray] = None) -> np.ndarray:
    """Frame indices of clips starting at ``offsets``: shape ``(len(offsets) * clip_len,)``.

    A clip's frames are ``steps`` (``clip_len`` ints) past its offset, by default
    ``frame_interval`` apart. ``temporal_jitter`` adds a random ``[0, frame_interval)`` shift to every index. Indices
    past the end either wrap (``'loop'``) or repeat the clip's last valid index
    (``'repeat_last'``). Fractional offsets are floored.
    """
    steps = np.arange(clip_len) * frame_interval if steps is None else steps
    inds = (offsets[:, None] + steps[None, :]).reshape(-1)
    if temporal_jitter:
        inds = inds + randint(rng, frame_interval, size=len(inds))
    inds = inds.reshape(-1, clip_len)
    if out_of_bound_opt == 'loop':
        inds = np.mod(inds, num_frames)
    else:
        valid = inds < num_frames
        last_valid = np.max(valid * inds, axis=1)
        inds = np.where(valid, inds, last_valid[:, None])
    return inds.reshape(-1).astype(np.int32)


def sample_frames(num_frames: int, clip_len: int, frame_interval: int = 1, num_clips: int = 1,
                  temporal_jitter: bool = False, twice_sample: bool = False,
                  out_of_bound_opt: str = 'loop', test_mode: bool = False,
                  keep_tail_frames: bool = False, rng: Optional[RNG] = None,
                  fps_scale: Optional[float] = None) -> np.ndarray:
    """0-based frame indices of ``num_clips`` clips of ``clip_len`` frames (see SampleFrames).

    ``fps_scale`` (video fps / target fps, with ``target_fps``) stretches each clip to
    ``clip_len * frame_interval * fps_scale`` video frames and takes ``clip_len`` frames evenly
    over them, as MMAction2 does. Returns an int32 array of shape ``(num_clips * clip_len,)``,
    or twice that with ``test_mode`` and ``twice_sample``.
    """
    rng = global_rng() if rng is None else rng
    steps = None
    if fps_scale is not None:
        span = max(1.0, clip_len * frame_interval * fps_scale)
        steps = np.linspace(0, span - 1, clip_len).astype(np.int32)
    elif test_mode:
        span = (clip_len - 1) * frame_interval + 1
    else:
        span = clip_len * frame_interval
    if test_mode:
        offsets = test_clip_offsets(num_frames, clip_len, span, num_clips, twice_sample,
                                    floor_spacing=fps_scale is not None)
    else:
        offsets = train_clip_offsets(num_frames, span, num_clips, keep_tail_frames, rng)
    return expand_clips(offsets, num_frames, clip_len, frame_interval, out_of_bound_opt,
                        temporal_jitter, rng, steps)


def dense_sample_frames(num_frames: int, clip_len: int, frame_interval: int = 1,
                        num_clips: int = 1, sample_range: int = 64,
                        num_sample_positions: int = 10, temporal_jitter: bool = False,
                        out_of_bound_opt: str = 'loop', test_mode: bool = False,
                        rng: Optional[RNG] = None) -> np.ndarray:
    """Clips packed into one window of ``sample_range`` frames (see DenseSampleFrames).

    Clip starts are ``sample_range // num_clips`` apart from a window start, modulo
    ``num_frames``. Training draws the window start in ``[0, num_frames - sample_range)``;
    testing repeats the clips from ``num_sample_positions`` evenly spaced window starts.
    """
    rng = global_rng() if rng is None else rng
    last_start = max(0, num_frames - sample_range)
    base = np.arange(num_clips) * (sample_range // num_clips)
    if test_mode:
        starts = np.linspace(0, last_start, num=num_sample_positions, dtype=int)
    else:
        starts = [0 if last_start == 0 else int(randint(rng, 0, last_start))]
    offsets = np.concatenate([(base + start) % num_frames for start in starts])
    return expand_clips(offsets, num_frames, clip_len, frame_interval, out_of_bound_opt,
                        temporal_jitter, rng)


def _segment_bounds(num_frames: int, clip_len: int):
    """Rounded ``(starts, ends)`` of ``clip_len`` equal segments of ``[0, num_frames - 1]``."""
    size = float(num_frames - 1) / clip_len
    starts = [int(np.round(size * i)) for i in range(clip_len)]
    ends = [int(np.round(size * (i + 1))) for i in range(clip_len)]
    return size, starts, ends


def uniform_sample(num_frames: int, clip_len: int, num_clips: int = 1, test_mode: bool = False,
                   rng: Optional[RNG] = None) -> np.ndarray:
    """One frame from each of ``clip_len`` equal segments, for each clip (see UniformSample).

    Training draws uniformly within each segment (one clip). Testing takes, for clip ``k``,
    the frame ``(k + 1) / (num_clips + 1)`` of a segment past each segment start. Short videos
    repeat frames instead of wrapping.
    """
    size, starts, ends = _segment_bounds(num_frames, clip_len)
    if not test_mode:
        rng = global_rng() if rng is None else rng
        return np.array([int(randint(rng, s, e + 1)) for s, e in zip(starts, ends)])
    step = size / (num_clips + 1)
    return np.array([s + int(step * (k + 1)) for k in range(num_clips) for s in starts])


def uniform_sample_frames(num_frames: int, clip_len: int, num_clips: int = 1,
                          test_mode: bool = False, seed: int = 255,
                          out_of_bound_opt: str = 'loop',
                          rng: Optional[RNG] = None) -> np.ndarray:
    """One random frame from each of ``clip_len`` equal segments (see UniformSampleFrames).

    Testing draws from ``np.random.RandomState(seed)`` (a private generator: the global state
    is left alone), so test indices are the same on every call and equal MMAction2's.
    ``rng`` is used for training only.
    """
    if out_of_bound_opt == 'repeat_frame':
        size, starts, ends = _segment_bounds(num_frames, clip_len)
        if test_mode:
            return np.array([(s + e) // 2 for s, e in zip(starts, ends)])
        rng = global_rng() if rng is None else rng
        return np.array([int(randint(rng, s, e + 1)) for s, e in zip(starts, ends)])
    if test_mode:
        rng = np.random.RandomState(seed)
    else:
        rng, num_clips = (global_rng() if rng is None else rng), 1
    if num_frames < clip_len:
        if not test_mode:
            starts = [int(randint(rng, 0, num_frames))]
        elif num_frames < num_clips:
            starts = list(range(num_clips))
        else:
            starts = [i * num_frames // num_clips for i in range(num_clips)]
        inds = np.concatenate([np.arange(s, s + clip_len) for s in starts])
    elif num_frames < 2 * clip_len:
        clips = []
        for _ in range(num_clips):
            # Spread the num_frames - clip_len spare frames over clip_len + 1 gaps at random.
            gaps = np.zeros(clip_len + 1, dtype=np.int64)
            gaps[rng.choice(clip_len + 1, num_frames - clip_len, replace=False)] = 1
            clips.append(np.arange(clip_len) + np.cumsum(gaps)[:-1])
        inds = np.concatenate(clips)
    else:
        bounds = np.array([i * num_frames // clip_len for i in range(clip_len + 1)])
        sizes, seg_starts = np.diff(bounds), bounds[:-1]
        inds = np.concatenate([seg_starts + randint(rng, sizes) for _ in range(num_clips)])
    return np.mod(inds, num_frames)


def sample_ava_frames(center_index: int, clip_len: int, frame_interval: int,
                      shot_info: Tuple[int, int], test_mode: bool, rng: RNG) -> np.ndarray:
    """Indices of one clip of ``clip_len`` frames, ``frame_interval`` apart, around a keyframe.

    The clip spans ``[center - (clip_len // 2) * interval, center + ((clip_len + 1) // 2) *
    interval)``; training shifts each index by a random ``[-interval // 2, (interval + 1) // 2)``.
    Indices are clipped to ``[shot_info[0], shot_info[1] - 1]``. Returns int32 ``(clip_len,)``.
    """
    offsets = randint(rng, -frame_interval // 2, (frame_interval + 1) // 2, size=clip_len)
    start = center_index - (clip_len // 2) * frame_interval
    inds = start + np.arange(clip_len) * frame_interval
    if not test_mode:
        inds = inds + offsets
    return np.clip(inds, shot_info[0], shot_info[1] - 1).astype(np.int32)


# ----------------------------------------------------------------------------- transforms
def _total_frames(owner: str, results: dict) -> int:
    total = results['total_frames']
    if total is None or total <= 0:
        source = results.get('filename', results.get('frame_dir', '<unknown video>'))
        raise VideoReadError(source, f'{owner}: total_frames={total!r}, nothing to sample')
    return int(total)


def _write_indices(results: dict, inds: np.ndarray, clip_len: int,
                   frame_interval: Optional[int], num_clips: int) -> dict:
    results['frame_inds'] = (inds + results['start_index']).astype(np.int32)
    results['clip_len'] = clip_len
    results['frame_interval'] = frame_interval
    results['num_clips'] = num_clips
    return results


@TRANSFORMS.register_module()
class SampleFrames(BaseTransform):
    """Sample ``num_clips`` clips of ``clip_len`` frames, ``frame_interval`` apart.

    Training: the video is split into ``num_clips`` segments and each clip starts at a random
    offset within its segment (TSN-style ``1x1x8`` takes one random frame per segment).
    Testing: deterministic. 2D models (``clip_len == 1``) take each segment's centre frame;
    3D models spread the clips evenly, a single clip sitting in the middle.

    Required Keys:
        - total_frames
        - start_index
        - avg_fps (optional: read with ``target_fps``)

    Added Keys:
        - frame_inds
        - clip_len
        - frame_interval
        - num_clips

    ``frame_inds`` is an int32 array of ``num_clips * clip_len`` indices (twice that with
    ``twice_sample`` in test mode), ``start_index`` already added. ``num_clips`` is the
    argument, also with ``twice_sample`` (``FormatShape`` infers the extra clips).

    Args:
        clip_len (int): Frames per clip.
        frame_interval (int): Step between the frames of a clip. Defaults to 1.
        num_clips (int): Clips per sample. Defaults to 1.
        temporal_jitter (bool): Shift each index by a random ``[0, frame_interval)``.
            Defaults to False.
        twice_sample (bool): In test mode, also sample the clips shifted by half a segment
            (the TSM test protocol). Defaults to False.
        out_of_bound_opt (str): What indices past the end become: ``'loop'`` wraps them,
            ``'repeat_last'`` repeats the clip's last valid frame. Defaults to ``'loop'``.
        test_mode (bool): Deterministic sampling for validation and testing. Defaults to False.
        keep_tail_frames (bool): In training, use fractional segments so that the tail of
            the video can be sampled. Defaults to False.
        target_fps (float | None): Sample as if the video ran at this frame rate: a clip covers
            ``clip_len * frame_interval * avg_fps / target_fps`` frames, ``clip_len`` of them taken
            evenly (PySlowFast's protocol; without ``avg_fps`` the rate is taken as the target).
            Defaults to None (the video's own frames).
    """

    def __init__(self,
                 clip_len: int,
                 frame_interval: int = 1,
                 num_clips: int = 1,
                 temporal_jitter: bool = False,
                 twice_sample: bool = False,
                 out_of_bound_opt: str = 'loop',
                 test_mode: bool = False,
                 keep_tail_frames: bool = False,
                 target_fps: Optional[float] = None) -> None:
        name = type(self).__name__
        self.clip_len = check_int(name, 'clip_len', clip_len)
        self.frame_interval = check_int(name, 'frame_interval', frame_interval)
        self.num_clips = check_int(name, 'num_clips', num_clips)
        self.temporal_jitter = bool(temporal_jitter)
        self.twice_sample = bool(twice_sample)
        self.out_of_bound_opt = check_choice(name, 'out_of_bound_opt', out_of_bound_opt,
                                             OUT_OF_BOUND_OPTS)
        self.test_mode = bool(test_mode)
        self.keep_tail_frames = bool(keep_tail_frames)
        if target_fps is not None and not (isinstance(target_fps, (int, float)) and target_fps > 0):
            raise ValueError(f'{name}: target_fps={target_fps!r}; expected a positive number or None')
        self.target_fps = target_fps
        if twice_sample and test_mode and clip_len > 1 and num_clips == 1:
            raise ValueError(f'{name}: twice_sample=True with clip_len={clip_len} needs '
                             'num_clips >= 2 (the second set of clips is spaced like the first)')

    def transform(self, results: dict) -> dict:
        fps_scale = None
        if self.target_fps is not None:
            fps_scale = results['avg_fps'] / self.target_fps if results.get('avg_fps') else 1.0
        inds = sample_frames(_total_frames(type(self).__name__, results), self.clip_len,
                             self.frame_interval, self.num_clips, self.temporal_jitter,
                             self.twice_sample, self.out_of_bound_opt, self.test_mode,
                             self.keep_tail_frames, rng=global_rng(), fps_scale=fps_scale)
        return _write_indices(results, inds, self.clip_len, self.frame_interval, self.num_clips)


@TRANSFORMS.register_module()
class DenseSampleFrames(BaseTransform):
    """Sample clips close together inside one window of ``sample_range`` frames.

    Clip starts are ``sample_range // num_clips`` apart from the window start. Training
    picks a random window; testing uses ``num_sample_positions`` evenly spaced windows, so
    a test sample holds ``num_sample_positions * num_clips`` clips.

    Required Keys:
        - total_frames
        - start_index

    Added Keys:
        - frame_inds
        - clip_len
        - frame_interval
        - num_clips

    Args:
        clip_len (int): Frames per clip.
        frame_interval (int): Step between the frames of a clip. Defaults to 1.
        num_clips (int): Clips per window. Defaults to 1.
        sample_range (int): Window length in frames. Defaults to 64.
        num_sample_positions (int): Windows per test sample. Defaults to 10.
        temporal_jitter (bool): Shift each index by a random ``[0, frame_interval)``.
            Defaults to False.
        out_of_bound_opt (str): ``'loop'`` or ``'repeat_last'``, as in SampleFrames.
            Defaults to ``'loop'``.
        test_mode (bool): Deterministic sampling for validation and testing. Defaults to False.
    """

    def __init__(self,
                 clip_len: int,
                 frame_interval: int = 1,
                 num_clips: int = 1,
                 sample_range: int = 64,
                 num_sample_positions: int = 10,
                 temporal_jitter: bool = False,
                 out_of_bound_opt: str = 'loop',
                 test_mode: bool = False) -> None:
        name = type(self).__name__
        self.clip_len = check_int(name, 'clip_len', clip_len)
        self.frame_interval = check_int(name, 'frame_interval', frame_interval)
        self.num_clips = check_int(name, 'num_clips', num_clips)
        self.sample_range = check_int(name, 'sample_range', sample_range)
        self.num_sample_positions = check_int(name, 'num_sample_positions', num_sample_positions)
        self.temporal_jitter = bool(temporal_jitter)
        self.out_of_bound_opt = check_choice(name, 'out_of_bound_opt', out_of_bound_opt,
                                             OUT_OF_BOUND_OPTS)
        self.test_mode = bool(test_mode)

    def transform(self, results: dict) -> dict:
        inds = dense_sample_frames(_total_frames(type(self).__name__, results), self.clip_len,
                                   self.frame_interval, self.num_clips, self.sample_range,
                                   self.num_sample_positions, self.temporal_jitter,
                                   self.out_of_bound_opt, self.test_mode, rng=global_rng())
        return _write_indices(results, inds, self.clip_len, self.frame_interval, self.num_clips)


@TRANSFORMS.register_module()
class UniformSample(BaseTransform):
    """Take one frame from each of ``clip_len`` equal segments (the SlowFast SSv2 sampler).

    Training draws a random frame per segment; testing is deterministic, clip ``k`` of
    ``num_clips`` taking the frame ``(k + 1) / (num_clips + 1)`` of the way into each segment.
    Videos shorter than ``clip_len`` repeat frames rather than wrap.

    Required Keys:
        - total_frames
        - start_index

    Added Keys:
        - frame_inds
        - clip_len
        - frame_interval
        - num_clips

    ``frame_interval`` is None (segments have no fixed step).

    Args:
        clip_len (int): Frames per clip (= segments).
        num_clips (int): Clips per sample; more than one only in test mode. Defaults to 1.
        test_mode (bool): Deterministic sampling for validation and testing. Defaults to False.
    """

    def __init__(self, clip_len: int, num_clips: int = 1, test_mode: bool = False) -> None:
        name = type(self).__name__
        self.clip_len = check_int(name, 'clip_len', clip_len)
        self.num_clips = check_int(name, 'num_clips', num_clips)
        self.test_mode = bool(test_mode)
        if num_clips > 1 and not test_mode:
            raise ValueError(f'{name}: num_clips={num_clips} needs test_mode=True '
                             '(training samples one clip)')

    def transform(self, results: dict) -> dict:
        inds = uniform_sample(_total_frames(type(self).__name__, results), self.clip_len,
                              self.num_clips, self.test_mode, rng=global_rng())
        return _write_indices(results, inds, self.clip_len, None, self.num_clips)


@TRANSFORMS.register_module()
class UniformSampleFrames(BaseTransform):
    """Take one random frame from each of ``clip_len`` equal segments (the PoseC3D sampler).

    Testing draws from a private ``np.random.RandomState(seed)`` created per call, so every
    test sample of a video gets the same indices (MMAction2 reseeds the global generator
    instead; the indices are the same). Videos shorter than ``clip_len`` take consecutive
    frames, wrapped by ``out_of_bound_opt='loop'``; ``'repeat_frame'`` switches to
    UniformSample's segment rule, which repeats frames instead.

    Required Keys:
        - total_frames
        - start_index

    Added Keys:
        - frame_inds
        - clip_len
        - frame_interval
        - num_clips

    ``frame_interval`` is None.

    Args:
        clip_len (int): Frames per clip (= segments).
        num_clips (int): Clips per sample; more than one only in test mode. Defaults to 1.
        test_mode (bool): Seeded sampling for validation and testing. Defaults to False.
        seed (int): Seed of the test-mode generator. Defaults to 255.
        out_of_bound_opt (str): ``'loop'`` or ``'repeat_frame'``. Defaults to ``'loop'``.
    """

    def __init__(self,
                 clip_len: int,
                 num_clips: int = 1,
                 test_mode: bool = False,
                 seed: int = 255,
                 out_of_bound_opt: str = 'loop') -> None:
        name = type(self).__name__
        self.clip_len = check_int(name, 'clip_len', clip_len)
        self.num_clips = check_int(name, 'num_clips', num_clips)
        self.test_mode = bool(test_mode)
        self.seed = check_int(name, 'seed', seed, minimum=0)
        self.out_of_bound_opt = check_choice(name, 'out_of_bound_opt', out_of_bound_opt,
                                             ('loop', 'repeat_frame'))
        if num_clips > 1 and (not test_mode or out_of_bound_opt == 'repeat_frame'):
            raise ValueError(f'{name}: num_clips={num_clips} needs test_mode=True and '
                             "out_of_bound_opt='loop'")

    def transform(self, results: dict) -> dict:
        inds = uniform_sample_frames(_total_frames(type(self).__name__, results), self.clip_len,
                                     self.num_clips, self.test_mode, self.seed,
                                     self.out_of_bound_opt, rng=global_rng())
        return _write_indices(results, inds, self.clip_len, None, self.num_clips)


@TRANSFORMS.register_module()
class SampleAVAFrames(BaseTransform):
    """Sample one clip centred on an AVA keyframe (``timestamp``).

    The keyframe is frame ``fps * (timestamp - timestamp_start) + start_index``; the clip's
    indices are clipped to the shot (``(0, total_frames)`` when ``total_frames`` is known, else
    ``shot_info``) and ``start_index`` is added to them once more, as MMAction2 does, so the
    same config reads the same frame files in both.

    Required Keys:
        - fps
        - timestamp
        - timestamp_start
        - start_index (optional: 0 when absent)
        - total_frames (optional: else shot_info)
        - shot_info (optional: read without total_frames)

    Added Keys:
        - frame_inds
        - clip_len
        - frame_interval
        - num_clips
        - crop_quadruple

    ``num_clips`` is 1; ``crop_quadruple`` is ``[0, 0, 1, 1]`` (the whole frame, as ``x, y, w,
    h`` fractions), which the crops then narrow.

    Args:
        clip_len (int): Frames in the clip.
        frame_interval (int): Step between its frames. Defaults to 2.
        test_mode (bool): No random shifts. Defaults to False.
    """

    def __init__(self, clip_len: int, frame_interval: int = 2, test_mode: bool = False) -> None:
        name = type(self).__name__
        self.clip_len = check_int(name, 'clip_len', clip_len)
        self.frame_interval = check_int(name, 'frame_interval', frame_interval)
        self.test_mode = bool(test_mode)

    def transform(self, results: dict) -> dict:
        start_index = results.get('start_index', 0)
        if results.get('total_frames') is not None:
            shot_info = (0, results['total_frames'])
        else:
            shot_info = results['shot_info']
        center = results['fps'] * (results['timestamp'] - results['timestamp_start']) + start_index
        inds = sample_ava_frames(center, self.clip_len, self.frame_interval, shot_info,
                                 self.test_mode, global_rng())
        results['frame_inds'] = inds + np.int32(start_index)
        results['clip_len'] = self.clip_len
        results['frame_interval'] = self.frame_interval
        results['num_clips'] = 1
        results['crop_quadruple'] = np.array([0, 0, 1, 1], dtype=np.float32)
        return results
