"""SynthSkeleton: determinism, PoseDataset format and splits, balance, geometry, class pairs, CLI."""
import argparse
import filecmp
import pickle
from collections import Counter

import numpy as np
import pytest

from reelkit.cli import data as data_cli
from reelkit.datasets import PoseDataset
from reelkit.datasets.synth_skeleton import (IMG_SHAPE, LEFT_ANKLE, LEFT_HIP, LEFT_KNEE, LEFT_WRIST,
                                             MIRROR_ORDER, NOSE, RIGHT_ANKLE, RIGHT_HIP, RIGHT_WRIST,
                                             SYNTH_SKELETON_CLASSES, generate_synth_skeleton,
                                             sample_skeletons)
from reelkit.utils.errors import ReelkitError

NUM_SAMPLES = 40  # 5 per class: 3 train, 1 val, 1 test
GCN_PIPELINE = [
    dict(type='PreNormalize2D'),
    dict(type='GenSkeFeat', dataset='coco', feats=['j']),
    dict(type='UniformSampleFrames', clip_len=32),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]


@pytest.fixture(scope='module')
def synth(tmp_path_factory):
    return generate_synth_skeleton(str(tmp_path_factory.mktemp('skeleton')), num_samples=NUM_SAMPLES)


@pytest.fixture(scope='module')
def content(synth):
    with open(synth['ann_file'], 'rb') as stream:
        return pickle.load(stream)


def label_of(name):
    return SYNTH_SKELETON_CLASSES.index(name)


def actor(name, seed=5, num_frames=48, num_person=2):
    """Keypoints and scores of one sample of class ``name``, the same draws for every class."""
    return sample_skeletons(label_of(name), num_frames, num_person, np.random.default_rng(seed))


def test_same_seed_writes_the_same_pickle(synth, tmp_path):
    again = generate_synth_skeleton(str(tmp_path), num_samples=NUM_SAMPLES)
    assert filecmp.cmp(synth['ann_file'], again['ann_file'], shallow=False)
    assert filecmp.cmp(synth['classes'], again['classes'], shallow=False)


def test_another_seed_draws_other_skeletons(content, tmp_path):
    other = generate_synth_skeleton(str(tmp_path), num_samples=NUM_SAMPLES, seed=1)
    with open(other['ann_file'], 'rb') as stream:
        first = pickle.load(stream)['annotations'][0]
    assert first['frame_dir'] == content['annotations'][0]['frame_dir']
    assert not np.array_equal(first['keypoint'], content['annotations'][0]['keypoint'])


def test_pose_dataset_reads_each_split_with_disjoint_samples(synth):
    names = {}
    for split, size in (('train', 24), ('val', 8), ('test', 8)):
        dataset = PoseDataset(synth['ann_file'], pipeline=[], split=split)
        assert len(dataset) == size
        names[split] = {dataset.get_data_info(i)['frame_dir'] for i in range(len(dataset))}
    assert not (names['train'] & names['val'] or names['train'] & names['test']
                or names['val'] & names['test'])


def test_every_split_holds_every_class_equally(content):
    labels = {item['frame_dir']: item['label'] for item in content['annotations']}
    for split, per_class in (('train', 3), ('val', 1), ('test', 1)):
        counts = Counter(labels[name] for name in content['split'][split])
        assert counts == {label: per_class for label in range(len(SYNTH_SKELETON_CLASSES))}


def test_annotations_have_the_pose_dataset_keys_shapes_and_ranges(content):
    img_h, img_w = IMG_SHAPE
    persons = set()
    for item in content['annotations']:
        keypoint, score = item['keypoint'], item['keypoint_score']
        num_person, num_frames = keypoint.shape[:2]
        assert keypoint.shape == (num_person, num_frames, 17, 2) and keypoint.dtype == np.float32
        assert score.shape == (num_person, num_frames, 17) and score.dtype == np.float32
        assert item['total_frames'] == num_frames and 40 <= num_frames <= 60
        assert item['img_shape'] == item['original_shape'] == IMG_SHAPE
        assert (keypoint[..., 0] >= 0).all() and (keypoint[..., 0] <= img_w).all()
        assert (keypoint[..., 1] >= 0).all() and (keypoint[..., 1] <= img_h).all()
        assert (score > 0).all() and (score <= 1).all()
        persons.add(num_person)
    assert persons == {1, 2}


def test_the_gcn_pipeline_turns_a_sample_into_stgcn_input(synth):
    sample = PoseDataset(synth['ann_file'], pipeline=GCN_PIPELINE, split='train')[0]
    assert tuple(sample['inputs'].shape) == (1, 2, 32, 17, 3)  # clips, persons, frames, joints, (x, y, score)
    assert sample['inputs'][..., :2].abs().max() <= 1  # PreNormalize2D: inside the frame -> [-1, 1]


def test_wave_right_hand_is_wave_left_hand_mirrored():
    left_keypoint, left_score = actor('wave_left_hand')
    right_keypoint, right_score = actor('wave_right_hand')
    mirrored = left_keypoint[:, :, MIRROR_ORDER].copy()
    mirrored[..., 0] = IMG_SHAPE[1] - mirrored[..., 0]
    np.testing.assert_allclose(right_keypoint, mirrored, atol=1e-3)
    np.testing.assert_array_equal(right_score, left_score[:, :, MIRROR_ORDER])


@pytest.mark.parametrize('forward, backward', [('sit_down', 'stand_up'), ('walk_left', 'walk_right')])
def test_second_class_of_a_pair_is_the_first_played_backwards(forward, backward):
    ahead, behind = actor(forward), actor(backward)
    np.testing.assert_array_equal(behind[0], ahead[0][:, ::-1])
    np.testing.assert_array_equal(behind[1], ahead[1][:, ::-1])


@pytest.mark.parametrize('name, moving, still', [('wave_left_hand', LEFT_WRIST, RIGHT_WRIST),
                                                 ('wave_right_hand', RIGHT_WRIST, LEFT_WRIST)])
def test_the_waving_wrist_moves_above_the_head(name, moving, still):
    for seed in range(5):
        keypoint = actor(name, seed)[0][0]
        assert np.median(keypoint[:, moving, 1]) < np.median(keypoint[:, NOSE, 1])  # image y points down
        assert np.ptp(keypoint[:, moving, 0]) > 2 * np.ptp(keypoint[:, still, 0])


@pytest.mark.parametrize('name, sign', [('walk_left', -1), ('walk_right', 1)])
def test_walkers_travel_the_way_their_class_says(name, sign):
    for seed in range(5):
        hips = actor(name, seed)[0][0][:, [LEFT_HIP, RIGHT_HIP], 0].mean(1)
        assert sign * (hips[-5:].mean() - hips[:5].mean()) > 100  # pixels


def ankle_heights(pose):
    return pose[:, [LEFT_ANKLE, RIGHT_ANKLE], 1].mean(1)


def test_jumps_leave_the_ground_and_squats_bend_the_knees():
    for seed in range(5):
        jump, squat = actor('jump', seed)[0][0], actor('squat', seed)[0][0]
        height = ankle_heights(squat).max() - squat[:, NOSE, 1].min()
        assert np.ptp(ankle_heights(jump)) > 0.08 * height > np.ptp(ankle_heights(squat))
        thigh = squat[:, LEFT_KNEE, 1] - squat[:, LEFT_HIP, 1]
        assert thigh.min() < 0.5 * thigh.max()  # foreshortened at the bottom of a squat


def test_sitting_down_ends_lower_than_it_starts():
    for seed in range(5):
        hips = actor('sit_down', seed)[0][0][:, [LEFT_HIP, RIGHT_HIP], 1].mean(1)
        assert hips[-3:].mean() - hips[:3].mean() > 50  # pixels, image y points down


def test_num_samples_not_a_multiple_of_classes_is_refused(tmp_path):
    with pytest.raises(ReelkitError, match='num_samples=30: expected a multiple of 8'):
        generate_synth_skeleton(str(tmp_path), num_samples=30)


def test_fractions_that_leave_no_training_sample_are_refused(tmp_path):
    with pytest.raises(ReelkitError, match='leave training samples'):
        generate_synth_skeleton(str(tmp_path), num_samples=24, val_fraction=0.5, test_fraction=0.5)


def test_cli_writes_synth_skeleton(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    data_cli.add_parser(parser.add_subparsers(dest='command'), [])
    args = parser.parse_args(['data', 'synth-skeleton', str(tmp_path / 'out'), '--num-samples', '24',
                              '--seed', '2'])
    assert args.func(args) == 0
    with open(tmp_path / 'out' / 'synth_skeleton_2d.pkl', 'rb') as stream:
        assert {split: len(names) for split, names in pickle.load(stream)['split'].items()} == \
            {'train': 8, 'val': 8, 'test': 8}
    assert open(tmp_path / 'out' / 'classes.txt').read().split() == list(SYNTH_SKELETON_CLASSES)
    assert 'SynthSkeleton: 24 samples' in capsys.readouterr().out
