"""AVADataset / AVAKineticsDataset parsing, SampleAVAFrames, boxes through the AVA pipeline,
and the SynthAVA generator."""
import pickle

import numpy as np
import pytest
from mmengine.dataset import Compose

from reelkit.cli import main
from reelkit.datasets import AVADataset, AVAKineticsDataset
from reelkit.datasets.synth_ava import RED, BLUE, generate_synth_ava
from reelkit.datasets.transforms import (Flip, FormatShape, PackActionInputs, RandomCrop, RawFrameDecode,
                                         Resize, SampleAVAFrames)
from reelkit.utils.errors import AnnotationError, ConfigError

TIMING = dict(timestamp_start=900, timestamp_end=904, fps=8)


@pytest.fixture(scope='module')
def synth(tmp_path_factory):
    """3 videos of 4 s at 8 fps, 32 x 32: 2 train, 1 val; keyframes 901 and 903."""
    return generate_synth_ava(str(tmp_path_factory.mktemp('synth_ava')), num_videos=3, size=32,
                              duration=4, seed=1)


def train_set(synth, pipeline=(), **kwargs):
    return AVADataset(synth['train_csv'], list(pipeline), exclude_file=synth['train_excluded'],
                      label_file=synth['label_map'], proposal_file=synth['train_proposals'],
                      data_prefix=dict(img=synth['frames']), **{'num_classes': 4, **TIMING, **kwargs})


def write(path, text):
    path.write_text(text)
    return str(path)


# ----------------------------------------------------------------------------- parsing
def test_generated_csv_gives_one_entry_per_keyframe_without_the_excluded_one(synth):
    dataset = train_set(synth)
    # 2 videos x 2 keyframes, less the excluded last keyframe of the first video
    assert len(dataset) == 3
    keys = {dataset.get_data_info(i)['img_key'] for i in range(len(dataset))}
    assert 'synth_ava_000,0903' not in keys and 'synth_ava_001,0903' in keys


def test_rows_of_one_box_merge_into_a_multi_hot_label(synth):
    rows = [line.split(',') for line in open(synth['train_csv']).read().split()]
    dataset = train_set(synth)
    info = next(dataset.get_data_info(i) for i in range(len(dataset))
                if dataset.get_data_info(i)['img_key'] == 'synth_ava_001,0901')
    expected = {}
    for video, ts, *box, action, person in rows:
        if (video, ts) == ('synth_ava_001', '901'):
            expected.setdefault(int(person), (list(map(float, box)), set()))[1].add(int(action))
    assert len(info['gt_bboxes']) == len(expected)
    for box, labels, person in zip(info['gt_bboxes'], info['gt_labels'], info['entity_ids']):
        assert box.tolist() == expected[person][0]
        assert labels.shape == (4, ) and set(np.flatnonzero(labels)) == expected[person][1]
    assert info['frame_dir'].endswith('synth_ava_001') and info['fps'] == 8
    assert info['shot_info'] == (0, 32) and info['timestamp_start'] == 900


def test_proposals_are_thresholded_and_missing_keyframes_get_the_whole_frame(tmp_path):
    ann = write(tmp_path / 'a.csv', 'v,901,0.1,0.1,0.5,0.5,1,0\nv,902,0.1,0.1,0.5,0.5,1,0\n'
                'v,903,0.1,0.1,0.5,0.5,1,0\n')
    proposals = {'v,0901': np.array([[0, 0, .5, .5, .95], [.5, .5, 1, 1, .5]]),
                 'v,0902': np.array([[0, 0, .5, .5, .6], [.5, .5, 1, 1, .7]])}
    with open(tmp_path / 'p.pkl', 'wb') as stream:
        pickle.dump(proposals, stream)
    dataset = AVADataset(ann, [], proposal_file=str(tmp_path / 'p.pkl'), num_classes=4, **TIMING)
    infos = {dataset.get_data_info(i)['timestamp']: dataset.get_data_info(i) for i in range(3)}
    assert infos[901]['proposals'].tolist() == [[0, 0, .5, .5]] and infos[901]['scores'].tolist() == [.95]
    assert infos[902]['proposals'].tolist() == [[.5, .5, 1, 1]]  # none reaches 0.9: the best one
    assert infos[903]['proposals'].tolist() == [[0, 0, 1, 1]]


def test_custom_classes_remap_labels_and_drop_other_actions(tmp_path, synth):
    ann = write(tmp_path / 'a.csv', 'v,901,0.1,0.1,0.4,0.4,1,0\nv,901,0.1,0.1,0.4,0.4,3,0\n'
                'v,901,0.5,0.5,0.9,0.9,2,1\nv,902,0.5,0.5,0.9,0.9,2,1\n')
    dataset = AVADataset(ann, [], label_file=synth['label_map'], custom_classes=[3], num_classes=2)
    assert len(dataset) == 1  # keyframe 902 has no action 3
    info = dataset.get_data_info(0)
    assert info['gt_bboxes'].tolist() == [[0.1, 0.1, 0.4, 0.4]]
    assert info['gt_labels'].tolist() == [[0., 1.]]  # column 1 is action 3
    with pytest.raises(ConfigError, match='len\\(custom_classes\\) \\+ 1'):
        train_set(synth, custom_classes=[3], num_classes=4)
    with pytest.raises(ConfigError, match='custom_classes \\[7\\] are not in'):
        train_set(synth, custom_classes=[7], num_classes=2)


@pytest.mark.parametrize('line, problem', [
    ('v,901,0.1,0.1,0.5,0.5,1', "expected 'video_id,timestamp"),
    ('v,901,0.1,0.1,1.5,0.5,1,0', 'must be x1,y1,x2,y2 fractions'),
    ('v,90x,0.1,0.1,0.5,0.5,1,0', 'integer timestamp'),
    ('v,901,0.1,0.1,0.5,0.5,9,0', 'action_id 9 is outside'),
])
def test_bad_annotation_row_names_file_and_line(tmp_path, line, problem):
    ann = write(tmp_path / 'a.csv', 'v,901,0.1,0.1,0.5,0.5,1,0\n' + line + '\n')
    with pytest.raises(AnnotationError, match=f'a.csv:2: .*{problem}'):
        AVADataset(ann, [], num_classes=4)


def test_ava_kinetics_reads_the_span_from_the_clip_id(tmp_path):
    ann = write(tmp_path / 'a.csv', 'abcdefghijk_000010_000020,15,0.1,0.1,0.5,0.5,1,0\n'
                                    'AVAmovie123,902,0.1,0.1,0.5,0.5,2,0\n')
    proposals = {'abcdefghijk,0015': np.array([[0, 0, .5, .5, .99]])}
    with open(tmp_path / 'p.pkl', 'wb') as stream:
        pickle.dump(proposals, stream)
    dataset = AVAKineticsDataset(ann, None, [], write(tmp_path / 'l.pbtxt', 'item {\n  name: "a"\n  id: 1\n}\n'),
                                 proposal_file=str(tmp_path / 'p.pkl'), num_classes=4, fps=30)
    kinetics, ava = (dataset.get_data_info(i) for i in range(2))
    assert (kinetics['timestamp_start'], kinetics['timestamp_end'], kinetics['shot_info']) == (10, 20, (1, 301))
    assert kinetics['proposals'].tolist() == [[0, 0, .5, .5]]
    assert (ava['timestamp_start'], ava['shot_info']) == (900, (1, 27001))
    assert ava['proposals'].tolist() == [[0, 0, 1, 1]] and dataset.start_index == 0


# ----------------------------------------------------------------------------- sampling, boxes
def test_sample_ava_frames_centres_the_clip_on_the_keyframe():
    results = dict(fps=30, timestamp=902, timestamp_start=900, start_index=1, shot_info=(0, 300))
    out = SampleAVAFrames(4, 2, test_mode=True)(dict(results))
    # keyframe 30 * 2 + 1 = 61; clip 61 - 4 ... 61 + 2 every 2, then start_index once more
    assert out['frame_inds'].tolist() == [58, 60, 62, 64]
    assert out['num_clips'] == 1 and out['crop_quadruple'].tolist() == [0, 0, 1, 1]
    np.random.seed(0)
    train = SampleAVAFrames(4, 2)(dict(results))['frame_inds']
    assert np.all(np.abs(train - np.array([58, 60, 62, 64])) <= 1)
    edge = SampleAVAFrames(4, 2, test_mode=True)(dict(results, timestamp=900))['frame_inds']
    assert edge.tolist() == [1, 1, 2, 4]  # clipped to the shot's first frame


def test_boxes_follow_decode_resize_crop_and_flip(synth):
    info = train_set(synth).get_data_info(0)
    fractions = info['gt_bboxes'].copy()
    results = RawFrameDecode()(SampleAVAFrames(4, 4, test_mode=True)(info))
    assert np.allclose(results['gt_bboxes'], fractions * 32, atol=1e-5)
    results['gt_bboxes'] = np.array([[4., 6., 20., 30.]], np.float32)
    results['proposals'] = np.array([[0., 0., 31., 31.]], np.float32)
    results = Resize((-1, 64))(results)
    assert results['gt_bboxes'].tolist() == [[8., 12., 40., 60.]]
    np.random.seed(3)
    results = RandomCrop(48)(results)
    x1, y1 = results['crop_bbox'][:2]
    assert results['gt_bboxes'].tolist() == [np.clip([8 - x1, 12 - y1, 40 - x1, 60 - y1], 0, 47).tolist()]
    before = results['gt_bboxes'].copy()
    results = Flip(flip_ratio=1.0)(results)
    assert results['gt_bboxes'].tolist() == [[48 - before[0, 2], before[0, 1], 48 - before[0, 0], before[0, 3]]]
    with pytest.raises(NotImplementedError, match='vertical'):
        Flip(flip_ratio=1.0, direction='vertical')(results)


def test_shipped_train_pipeline_keeps_boxes_on_the_people(synth):
    """After rescale, crop and flip, every ground-truth box centre is a person's colour."""
    pipeline = [dict(type='SampleAVAFrames', clip_len=4, frame_interval=4),
                dict(type='RawFrameDecode'), dict(type='RandomRescale', scale_range=(32, 40)),
                dict(type='RandomCrop', size=32), dict(type='Flip', flip_ratio=0.5)]
    dataset = train_set(synth, pipeline)
    np.random.seed(0)
    for index in range(len(dataset)):
        results = dataset[index]
        keyframe = results['imgs'][2]  # the clip's third frame is nearest the keyframe
        for x1, y1, x2, y2 in results['gt_bboxes']:
            colour = keyframe[int((y1 + y2) / 2), int((x1 + x2) / 2)].astype(int)
            assert min(np.abs(colour - RED).max(), np.abs(colour - BLUE).max()) < 40
        packed = Compose([FormatShape('NCTHW', collapse=True), PackActionInputs()])(results)
        assert packed['inputs'].shape == (3, 4, 32, 32)
        assert packed['data_samples'].gt_instances.labels.shape[1] == 4
        assert len(packed['data_samples'].proposals.bboxes) >= 1


# ----------------------------------------------------------------------------- generator, CLI
def test_synth_ava_cli_writes_a_dataset_that_loads(tmp_path, capsys):
    out = tmp_path / 'ava'
    assert main(['data', 'synth-ava', str(out), '--num-videos', '2']) == 0
    assert 'SynthAVA: 2 videos' in capsys.readouterr().out
    dataset = AVADataset(str(out / 'annotations/ava_val.csv'), [],
                         exclude_file=str(out / 'annotations/ava_val_excluded_timestamps.csv'),
                         num_classes=4, timestamp_start=900, timestamp_end=910, fps=8)
    assert len(dataset) == 4  # keyframes 901, 903, ... 909, one excluded
    assert sorted(out.joinpath('rawframes/synth_ava_001').iterdir())[-1].name == 'img_00080.jpg'


def test_synth_ava_is_reproducible(tmp_path):
    first = generate_synth_ava(str(tmp_path / 'a'), num_videos=2, size=16, duration=2, seed=4)
    second = generate_synth_ava(str(tmp_path / 'b'), num_videos=2, size=16, duration=2, seed=4)
    assert open(first['train_csv']).read() == open(second['train_csv']).read()
