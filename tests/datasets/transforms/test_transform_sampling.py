"""Frame sampling: index math checked against hand-computed expectations."""
import numpy as np
import pytest
from transforms_helpers import ScriptedRNG

from reelkit.datasets.transforms import (DenseSampleFrames, SampleFrames, UniformSample,
                                         UniformSampleFrames)
from reelkit.datasets.transforms.sampling import (dense_sample_frames, sample_frames,
                                                  uniform_sample, uniform_sample_frames)
from reelkit.utils.errors import VideoReadError


def clip(start, clip_len, interval=1):
    return list(range(start, start + clip_len * interval, interval))


# ----------------------------------------------------------------------------- SampleFrames, train
def test_sample_frames_train_offsets_one_random_start_per_segment():
    # span 4*2 = 8; segments of (100 - 8 + 1) // 3 = 31 frames start at 0, 31, 62
    rng = ScriptedRNG([5, 0, 30])
    inds = sample_frames(100, clip_len=4, frame_interval=2, num_clips=3, rng=rng)
    assert rng.calls == [('randint', (31, None), {'size': 3})]
    assert inds.tolist() == clip(5, 4, 2) + clip(31, 4, 2) + clip(92, 4, 2)


def test_sample_frames_train_short_video_sorts_random_starts():
    # (9 - 8 + 1) // 3 == 0 but 9 > max(3, 8): starts drawn in [0, 2) and sorted
    rng = ScriptedRNG([1, 0, 1])
    inds = sample_frames(9, clip_len=4, frame_interval=2, num_clips=3, rng=rng)
    assert rng.calls == [('randint', (2, None), {'size': 3})]
    assert inds.tolist() == clip(0, 4, 2) + clip(1, 4, 2) + clip(1, 4, 2)


def test_sample_frames_train_shorter_video_spreads_starts_evenly():
    # 8 frames, span 8, 3 clips: ratio 1/3 -> around([0, .33, .67]) = [0, 0, 1]
    inds = sample_frames(8, clip_len=4, frame_interval=2, num_clips=3, rng=ScriptedRNG())
    assert inds.tolist() == clip(0, 4, 2) + clip(0, 4, 2) + [1, 3, 5, 7]


def test_sample_frames_train_too_short_video_loops():
    inds = sample_frames(5, clip_len=4, frame_interval=2, rng=ScriptedRNG())
    assert inds.tolist() == [0, 2, 4, 1]  # 0, 2, 4, 6 mod 5


def test_sample_frames_repeat_last_repeats_last_valid_index():
    inds = sample_frames(5, clip_len=4, frame_interval=2, out_of_bound_opt='repeat_last',
                         rng=ScriptedRNG())
    assert inds.tolist() == [0, 2, 4, 4]


def test_sample_frames_keep_tail_frames_uses_fractional_segments():
    # avg interval (20 - 2 + 1) / 3 = 6.33: starts int([0.5, 6.33 + 6.0, 12.67 + 6.2])
    rng = ScriptedRNG([0.5, 6.0, 6.2])
    inds = sample_frames(20, clip_len=2, num_clips=3, keep_tail_frames=True, rng=rng)
    assert rng.calls[0][0] == 'uniform'
    assert inds.tolist() == [0, 1, 12, 13, 18, 19]


def test_sample_frames_temporal_jitter_shifts_each_index():
    rng = ScriptedRNG([0], [0, 1, 2, 3])  # one segment start, then per-frame shifts
    inds = sample_frames(40, clip_len=4, frame_interval=4, temporal_jitter=True, rng=rng)
    assert rng.calls[1] == ('randint', (4, None), {'size': 4})
    assert inds.tolist() == [0, 5, 10, 15]


# ----------------------------------------------------------------------------- SampleFrames, test
def test_sample_frames_test_mode_2d_takes_segment_centres():
    # segments of 10 / 3 = 3.33 frames: centres 1.67, 5, 8.33 floor to 1, 5, 8
    assert sample_frames(10, clip_len=1, num_clips=3, test_mode=True).tolist() == [1, 5, 8]


def test_sample_frames_twice_sample_2d_adds_segment_starts():
    inds = sample_frames(10, clip_len=1, num_clips=3, test_mode=True, twice_sample=True)
    assert inds.tolist() == [1, 5, 8, 0, 3, 6]


def test_sample_frames_test_mode_3d_spreads_clips_evenly():
    # span 7 * 2 + 1 = 15, max offset 85: starts round([0, 42.5, 85]) = [0, 42, 85]
    inds = sample_frames(100, clip_len=8, frame_interval=2, num_clips=3, test_mode=True)
    assert inds.tolist() == clip(0, 8, 2) + clip(42, 8, 2) + clip(85, 8, 2)


def test_sample_frames_test_mode_3d_single_clip_is_centred():
    inds = sample_frames(100, clip_len=8, frame_interval=2, test_mode=True)
    assert inds.tolist() == clip(42, 8, 2)  # max offset 85 // 2


def test_sample_frames_twice_sample_3d_continues_the_spacing():
    # max offset 46, 2 clips -> spacing 46; four starts 0, 46, 92, 138 (wrapped modulo 50)
    inds = sample_frames(50, clip_len=4, num_clips=2, test_mode=True, twice_sample=True)
    expected = [i % 50 for s in (0, 46, 92, 138) for i in clip(s, 4)]
    assert inds.tolist() == expected


def test_sample_frames_test_mode_is_deterministic():
    transform = SampleFrames(clip_len=4, frame_interval=2, num_clips=5, test_mode=True)
    first = transform(dict(total_frames=77, start_index=0))['frame_inds']
    np.random.seed(123)
    second = transform(dict(total_frames=77, start_index=0))['frame_inds']
    assert np.array_equal(first, second)


# ----------------------------------------------------------------------------- SampleFrames
def test_sample_frames_adds_start_index_and_clip_keys():
    results = SampleFrames(clip_len=2, frame_interval=3, num_clips=2, test_mode=True)(
        dict(total_frames=20, start_index=1))
    assert results['frame_inds'].dtype == np.int32
    assert results['frame_inds'].tolist() == [1, 4, 17, 20]  # starts 0 and 16, plus 1
    assert (results['clip_len'], results['frame_interval'], results['num_clips']) == (2, 3, 2)


def test_sample_frames_draws_from_the_global_numpy_rng():
    transform = SampleFrames(clip_len=4, frame_interval=2, num_clips=3)
    np.random.seed(7)
    first = transform(dict(total_frames=100, start_index=0))['frame_inds']
    np.random.seed(7)
    expected_starts = np.arange(3) * 31 + np.random.randint(31, size=3)  # MMAction2's draw
    np.random.seed(7)
    second = transform(dict(total_frames=100, start_index=0))['frame_inds']
    assert np.array_equal(first, second)
    assert first[::4].tolist() == expected_starts.tolist()


def test_sample_frames_accepts_a_numpy_generator():
    inds = sample_frames(100, 4, 2, 3, rng=np.random.default_rng(0))
    assert inds.shape == (12, ) and inds.min() >= 0 and inds.max() < 100


@pytest.mark.parametrize('kwargs, message', [
    (dict(clip_len=0), 'clip_len=0'),
    (dict(clip_len=4, frame_interval=0), 'frame_interval=0'),
    (dict(clip_len=4, num_clips=2.5), 'num_clips=2.5'),
    (dict(clip_len=4, out_of_bound_opt='wrap'), "'loop' or 'repeat_last'"),
    (dict(clip_len=4, num_clips=1, twice_sample=True, test_mode=True), 'num_clips >= 2'),
])
def test_sample_frames_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SampleFrames(**kwargs)


def test_sample_frames_empty_video_raises_video_read_error():
    with pytest.raises(VideoReadError, match='a.mp4'):
        SampleFrames(clip_len=4)(dict(total_frames=0, start_index=0, filename='a.mp4'))


# ----------------------------------------------------------------------------- DenseSampleFrames
def test_dense_sample_frames_train_packs_clips_in_one_window():
    # window start drawn in [0, 100 - 64); clips 64 // 2 = 32 apart
    rng = ScriptedRNG(10)
    inds = dense_sample_frames(100, clip_len=4, num_clips=2, rng=rng)
    assert rng.calls == [('randint', (0, 36), {'size': None})]
    assert inds.tolist() == clip(10, 4) + clip(42, 4)


def test_dense_sample_frames_train_short_video_starts_at_zero():
    inds = dense_sample_frames(50, clip_len=4, num_clips=2, rng=ScriptedRNG())
    assert inds.tolist() == clip(0, 4) + clip(32, 4)


def test_dense_sample_frames_test_mode_uses_evenly_spaced_windows():
    inds = dense_sample_frames(100, clip_len=2, num_clips=2, num_sample_positions=3,
                               test_mode=True)
    starts = [0, 32, 18, 50, 36, 68]  # windows at 0, 18, 36
    assert inds.tolist() == [i for s in starts for i in clip(s, 2)]


def test_dense_sample_frames_transform_writes_clip_keys():
    results = DenseSampleFrames(clip_len=2, num_clips=2, num_sample_positions=3,
                                test_mode=True)(dict(total_frames=100, start_index=0))
    assert results['frame_inds'].shape == (12, )
    assert results['num_clips'] == 2 and results['clip_len'] == 2


# ----------------------------------------------------------------------------- uniform samplers
def test_uniform_sample_frames_train_takes_one_frame_per_segment():
    # segments [0, 5), [5, 10), [10, 15), [15, 20)
    inds = uniform_sample_frames(20, clip_len=4, rng=ScriptedRNG([0, 1, 2, 4]))
    assert inds.tolist() == [0, 6, 12, 19]


def test_uniform_sample_frames_train_short_video_loops_consecutive_frames():
    inds = uniform_sample_frames(3, clip_len=5, rng=ScriptedRNG(1))
    assert inds.tolist() == [1, 2, 0, 1, 2]


def test_uniform_sample_frames_train_medium_video_spreads_spare_frames():
    # 6 frames, 4 wanted: the 2 spare frames go into gaps 1 and 3
    inds = uniform_sample_frames(6, clip_len=4, rng=ScriptedRNG([1, 3]))
    assert inds.tolist() == [0, 2, 3, 5]


def test_uniform_sample_frames_test_mode_is_seeded_and_leaves_global_rng_alone():
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    inds = uniform_sample_frames(20, clip_len=4, num_clips=2, test_mode=True, seed=255)
    assert np.array_equal(np.random.get_state()[1], before)
    rng = np.random.RandomState(255)
    expected = np.concatenate([[0, 5, 10, 15] + rng.randint([5, 5, 5, 5]) for _ in range(2)])
    assert inds.tolist() == expected.tolist()


def test_uniform_sample_frames_repeat_frame_test_takes_segment_middles():
    # segments of 9 / 4 = 2.25: bounds (0, 2), (2, 4), (4, 7), (7, 9)
    inds = uniform_sample_frames(10, clip_len=4, test_mode=True, out_of_bound_opt='repeat_frame')
    assert inds.tolist() == [1, 3, 5, 8]


def test_uniform_sample_test_mode_offsets_clips_within_segments():
    inds = uniform_sample(10, clip_len=4, num_clips=2, test_mode=True)
    assert inds.tolist() == [0, 2, 4, 7, 1, 3, 5, 8]


def test_uniform_sample_train_draws_within_each_segment():
    rng = ScriptedRNG(1, 4, 4, 9)
    assert uniform_sample(10, clip_len=4, rng=rng).tolist() == [1, 4, 4, 9]
    assert [call[1] for call in rng.calls] == [(0, 3), (2, 5), (4, 8), (7, 10)]


def test_uniform_sample_transforms_set_frame_interval_none():
    for transform in (UniformSample(clip_len=4), UniformSampleFrames(clip_len=4)):
        results = transform(dict(total_frames=30, start_index=0))
        assert results['frame_interval'] is None and results['frame_inds'].shape == (4, )


def test_uniform_samplers_reject_several_training_clips():
    with pytest.raises(ValueError, match='test_mode=True'):
        UniformSample(clip_len=4, num_clips=2)
    with pytest.raises(ValueError, match='test_mode=True'):
        UniformSampleFrames(clip_len=4, num_clips=2)


def test_target_fps_stretches_each_clip_to_the_target_rate():
    # X3D-S's Kinetics test protocol: 13 frames 6 apart at 30 fps, from a 25 fps video.
    results = SampleFrames(13, 6, num_clips=10, test_mode=True, target_fps=30)(
        dict(total_frames=300, start_index=0, avg_fps=25))
    span = 13 * 6 * 25 / 30  # 65 video frames per clip
    steps = np.linspace(0, span - 1, 13).astype(np.int32)
    starts = np.arange(10) * np.floor((300 - span) / 9)  # floored spacing, as PySlowFast
    assert results['frame_inds'].tolist() == (starts[:, None] + steps).reshape(-1).astype(int).tolist()


def test_target_fps_without_a_known_rate_keeps_the_clip_span():
    inds = SampleFrames(4, 2, test_mode=True, target_fps=30)(dict(total_frames=50, start_index=0))['frame_inds']
    # span 8: 4 frames evenly over 0..7 (not 2 apart), from the middle offset (50 - 8) // 2.
    assert inds.tolist() == [21, 23, 25, 28]


def test_target_fps_must_be_positive():
    with pytest.raises(ValueError, match='target_fps=0'):
        SampleFrames(4, target_fps=0)
