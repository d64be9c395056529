"""SynthMotion: determinism, balance, pairs that differ only in temporal order, and its CLI."""
import argparse
import filecmp
from collections import Counter
from pathlib import Path

import av
import numpy as np
import pytest

from reelkit.cli import data as data_cli
from reelkit.datasets import (SYNTH_MOTION_CLASSES, RawframeDataset, VideoDataset,
                              generate_synth_motion)
from reelkit.datasets.synth_motion import CLASS_MOTIONS, CX, CY, render_clip, sample_trajectory
from reelkit.utils.errors import ReelkitError

SMALL = dict(num_videos=24, size=32, num_frames=8)
PAIRS = [('move_right', 'move_left'), ('move_down', 'move_up'),
         ('rotate_clockwise', 'rotate_counterclockwise'), ('grow', 'shrink')]


@pytest.fixture(scope='module')
def synth(tmp_path_factory):
    return generate_synth_motion(str(tmp_path_factory.mktemp('synth')), rawframes=True, **SMALL)


def decoded_frames(path):
    with av.open(path) as container:
        return np.stack([frame.to_ndarray(format='rgb24') for frame in container.decode(video=0)])


def test_same_seed_writes_identical_lists(synth, tmp_path):
    again = generate_synth_motion(str(tmp_path), rawframes=True, **SMALL)
    for key in ('train', 'val', 'test', 'classes', 'train_rawframes', 'val_rawframes'):
        assert filecmp.cmp(synth[key], again[key], shallow=False), key


@pytest.mark.parametrize('index', [0, 13])
def test_videos_hold_the_clip_their_seed_renders(synth, index):
    # Rendering is exact for a seed; the H.264 bytes are the encoder's affair, so the decoded
    # frames are held to the rendered ones within the codec's loss: a mean error of 3-11 on these
    # noisy 32x32 clips, where another seed's clip is 55-130 away.
    rendered = render_clip(index % 8, SMALL['num_frames'], SMALL['size'],
                           np.random.default_rng([0, index]))
    np.testing.assert_array_equal(
        rendered, render_clip(index % 8, SMALL['num_frames'], SMALL['size'],
                              np.random.default_rng([0, index])))
    decoded = decoded_frames(f'{synth["videos"]}/{index:05d}.mp4').astype(np.float32)
    assert decoded.shape == rendered.shape
    assert np.abs(decoded - rendered).mean() < 20


def test_another_seed_draws_other_pixels(synth, tmp_path):
    other = generate_synth_motion(str(tmp_path), seed=1, **SMALL)
    assert not np.array_equal(decoded_frames(f'{synth["videos"]}/00000.mp4'),
                              decoded_frames(f'{other["videos"]}/00000.mp4'))


def test_splits_are_balanced_per_class(synth):
    for split in ('train', 'val', 'test'):  # 24 videos: one per class in each split
        labels = Counter(int(line.split()[1]) for line in open(synth[split]))
        assert labels == {label: 1 for label in range(len(SYNTH_MOTION_CLASSES))}
    assert open(synth['classes']).read().split() == list(SYNTH_MOTION_CLASSES)


def test_videos_have_the_asked_size_and_length(synth):
    with av.open(f'{synth["videos"]}/00003.mp4') as container:
        frames = [frame.to_ndarray(format='rgb24') for frame in container.decode(video=0)]
        assert container.streams.video[0].codec_context.pix_fmt == 'yuv420p'
    assert len(frames) == SMALL['num_frames'] and frames[0].shape == (32, 32, 3)


def test_lists_load_as_video_and_rawframe_datasets(synth):
    videos = VideoDataset(synth['train'], pipeline=[], data_prefix=dict(video=synth['root']))
    frames = RawframeDataset(synth['train_rawframes'], pipeline=[],
                             data_prefix=dict(img=synth['root']))
    assert len(videos) == len(frames) == 8
    info = frames.get_data_info(0)
    assert info['total_frames'] == SMALL['num_frames']
    assert info['label'] == videos.get_data_info(0)['label']


def test_rawframes_are_numbered_from_one(synth):
    frame_dir = open(synth['train_rawframes']).readline().split()[0]
    names = sorted(path.name for path in (Path(synth['root']) / frame_dir).iterdir())
    assert names[0] == 'img_00001.jpg' and names[-1] == f'img_{SMALL["num_frames"]:05}.jpg'


@pytest.mark.parametrize('forward, backward', PAIRS)
def test_pair_classes_differ_only_in_temporal_order(forward, backward):
    labels = SYNTH_MOTION_CLASSES.index(forward), SYNTH_MOTION_CLASSES.index(backward)
    for seed in range(5):
        ahead = sample_trajectory(labels[0], 16, 64, np.random.default_rng(seed))
        behind = sample_trajectory(labels[1], 16, 64, np.random.default_rng(seed))
        np.testing.assert_array_equal(behind, ahead[::-1])


@pytest.mark.parametrize('forward, backward', PAIRS)
def test_pair_clips_are_each_other_reversed(forward, backward):
    clips = [render_clip(SYNTH_MOTION_CLASSES.index(name), 8, 32, np.random.default_rng(11))
             for name in (forward, backward)]
    np.testing.assert_array_equal(clips[1], clips[0][::-1])


def test_split_sizes_follow_val_and_test_fractions(tmp_path):
    paths = generate_synth_motion(str(tmp_path), num_videos=80, size=16, num_frames=2, test_fraction=0.3)
    assert [len(open(paths[split]).readlines()) for split in ('train', 'val', 'test')] == [40, 16, 24]


def test_test_split_shares_no_clip_with_train_or_val(tmp_path):
    """The test clips neither train the model nor choose its checkpoint (the quickstart's split sizes)."""
    paths = generate_synth_motion(str(tmp_path), num_videos=80, size=16, num_frames=2, rawframes=True)
    for suffix in ('', '_rawframes'):
        clips = {split: {line.split()[0] for line in open(paths[split + suffix])} for split in ('train', 'val', 'test')}
        assert clips['test'] and not clips['test'] & (clips['train'] | clips['val'])
        assert not clips['train'] & clips['val']
        assert sum(map(len, clips.values())) == 80


def test_fractions_that_leave_no_training_clip_are_refused(tmp_path):
    with pytest.raises(ReelkitError, match='leave training clips'):
        generate_synth_motion(str(tmp_path), num_videos=24, val_fraction=0.5, test_fraction=0.5)


@pytest.mark.parametrize('name', SYNTH_MOTION_CLASSES)
def test_motion_direction_matches_class_name(name):
    column, backwards = CLASS_MOTIONS[name]
    trajectory = sample_trajectory(SYNTH_MOTION_CLASSES.index(name), 16, 64,
                                   np.random.default_rng(3))
    steps = np.diff(trajectory[:, column])
    if column in (CX, CY):  # positions wrap around the canvas
        steps = (steps + 32) % 64 - 32
    assert (steps < 0).all() if backwards else (steps > 0).all()


def test_pair_first_frame_positions_share_one_distribution():
    left, right = (SYNTH_MOTION_CLASSES.index(name) for name in ('move_left', 'move_right'))
    starts = {label: [sample_trajectory(label, 16, 64, np.random.default_rng([7, seed]))[0, CX]
                      for seed in range(400)] for label in (left, right)}
    # Wrapping positions are uniform on [0, 64) in every frame, whichever the direction.
    for label in (left, right):
        assert abs(np.mean(starts[label]) - 32) < 3 and abs(np.std(starts[label]) - 64 / 12**.5) < 2


def test_num_videos_not_a_multiple_of_classes_is_refused(tmp_path):
    with pytest.raises(ReelkitError, match='num_videos=20: expected a multiple of 8'):
        generate_synth_motion(str(tmp_path), num_videos=20)


def test_cli_writes_synth_motion(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    data_cli.add_parser(parser.add_subparsers(dest='command'), [])
    args = parser.parse_args(['data', 'synth-motion', str(tmp_path / 'out'), '--num-videos', '24',
                              '--seed', '2', '--rawframes'])
    assert args.func(args) == 0
    assert len(open(tmp_path / 'out' / 'train.txt').readlines()) == 8
    assert len(open(tmp_path / 'out' / 'test.txt').readlines()) == 8
    assert (tmp_path / 'out' / 'val_rawframes.txt').is_file()
    assert 'SynthMotion: 24 videos' in capsys.readouterr().out
