"""ActivityNetDataset, the localization transforms and SynthANet on small generated files."""
import json
import pickle

import numpy as np
import pytest
import torch

from reelkit.cli import main
from reelkit.datasets import ActivityNetDataset
from reelkit.datasets.synth_anet import SIGNAL, generate_synth_anet
from reelkit.datasets.transforms import (GenerateLocalizationLabels, LoadLocalizationFeature,
                                         LoadProposals, PackLocalizationInputs)
from reelkit.utils.errors import AnnotationError, ConfigError, VideoReadError

TRAIN_PIPELINE = [
    dict(type='LoadLocalizationFeature'),
    dict(type='GenerateLocalizationLabels'),
    dict(type='PackLocalizationInputs', keys=('gt_bbox', ),
         meta_keys=('video_name', 'duration_second', 'duration_frame', 'annotations'))
]
VIDEO = dict(duration_second=100., duration_frame=1000, feature_frame=800, fps=10., rfps=10.,
             annotations=[dict(segment=[20., 100.], label='jump'),
                          dict(segment=[4., 8.], label='run')])


@pytest.fixture(scope='module')
def synth(tmp_path_factory):
    return generate_synth_anet(str(tmp_path_factory.mktemp('synth_anet')), num_videos=8,
                               temporal_scale=16, feat_dim=8, seed=3)


def write_ann(path, database):
    path.write_text(json.dumps(database))
    return str(path)


def test_synth_anet_dataset_packs_features_and_normalised_boxes(synth):
    dataset = ActivityNetDataset(synth['train'], TRAIN_PIPELINE,
                                 data_prefix=dict(video=synth['features']))
    database = json.load(open(synth['train']))
    assert len(dataset) == 6  # 8 videos, a quarter for val
    packed = dataset[0]
    video_name = packed['data_samples'].metainfo['video_name']
    info = database[video_name]
    assert packed['inputs'].shape == (8, 16) and packed['inputs'].dtype == torch.float32
    expected = np.array([a['segment'] for a in info['annotations']]) / info['duration_second']
    np.testing.assert_allclose(packed['data_samples'].gt_instances['gt_bbox'].numpy(), expected)
    assert packed['data_samples'].metainfo['annotations'] == info['annotations']


def test_synth_anet_actions_show_in_the_features(synth):
    """Snippets inside an action sit about SIGNAL away from the background; others do not."""
    database = json.load(open(synth['train']))
    inside_distance, outside_distance = [], []
    for video_name, info in database.items():
        features = np.loadtxt(f"{synth['features']}/{video_name}.csv", delimiter=',', skiprows=1)
        inside = np.zeros(len(features), dtype=bool)
        for annotation in info['annotations']:
            start, end = (np.array(annotation['segment']) / info['duration_second'] * 16).round()
            inside[int(start):int(end)] = True
        background = features[~inside].mean(axis=0)
        distance = np.linalg.norm(features - background, axis=1)
        inside_distance += list(distance[inside])
        outside_distance += list(distance[~inside])
    assert np.mean(inside_distance) > np.mean(outside_distance) + 0.5 * SIGNAL


def test_generated_files_are_the_same_for_the_same_seed(tmp_path, synth):
    again = generate_synth_anet(str(tmp_path), num_videos=8, temporal_scale=16, feat_dim=8, seed=3)
    assert open(again['val']).read() == open(synth['val']).read()
    name = next(iter(json.load(open(synth['val']))))
    assert open(f"{again['features']}/{name}.csv").read() == \
        open(f"{synth['features']}/{name}.csv").read()


def test_npy_and_pkl_features_load_as_channels_by_snippets(tmp_path):
    features = np.arange(24, dtype=np.float32).reshape(6, 4)  # 6 snippets, 4 channels
    np.save(tmp_path / 'v_x.npy', features)
    with open(tmp_path / 'v_x.pkl', 'wb') as stream:
        pickle.dump(features, stream)
    ann_file = write_ann(tmp_path / 'ann.json', {'v_x': VIDEO})
    for ext in ('.npy', '.pkl'):
        dataset = ActivityNetDataset(ann_file, TRAIN_PIPELINE, data_prefix=dict(video=str(tmp_path)),
                                     feature_ext=ext)
        np.testing.assert_array_equal(dataset[0]['inputs'].numpy(), features.T)


def test_csv_features_skip_the_header_row(tmp_path):
    (tmp_path / 'v_x.csv').write_text('a,b,c\n1,2,3\n4,5,6\n')
    loaded = LoadLocalizationFeature()(dict(feature_path=str(tmp_path / 'v_x.csv')))
    np.testing.assert_array_equal(loaded['raw_feature'], [[1, 4], [2, 5], [3, 6]])


def test_labels_are_normalised_to_the_frames_the_features_cover():
    # The features cover 800 of 1000 frames: 80 s. [20, 100] -> [0.25, 1] (clipped), [4, 8] -> [0.05, 0.1].
    labels = GenerateLocalizationLabels()(dict(VIDEO, video_name='v_x'))
    np.testing.assert_allclose(labels['gt_bbox'], [[0.25, 1.0], [0.05, 0.1]])


def test_load_proposals_keeps_the_top_k_columns(tmp_path):
    rows = np.arange(4 * 7, dtype=np.float32).reshape(4, 7) / 100
    header = 'tmin,tmax,tmin_score,tmax_score,score,match_iou,match_ioa'
    np.savetxt(tmp_path / 'v_x.csv', rows, delimiter=',', header=header, comments='')
    np.save(tmp_path / 'v_x.npy', np.ones((4, 5), dtype=np.float32))
    results = LoadProposals(3, str(tmp_path), str(tmp_path))(dict(video_name='v_x'))
    np.testing.assert_allclose(results['tmin'], rows[:3, 0])
    np.testing.assert_allclose(results['reference_temporal_iou'], rows[:3, 5])
    assert results['bsp_feature'].shape == (3, 5)
    packed = PackLocalizationInputs(keys=('reference_temporal_iou', 'bsp_feature'),
                                    meta_keys=())(results)
    assert packed['inputs'].shape == () and packed['data_samples'].gt_instances['bsp_feature'].shape == (3, 5)


def test_pack_puts_proposals_apart_and_needs_features():
    results = dict(raw_feature=np.zeros((4, 6), dtype=np.float32), gt_bbox=np.array([[0.1, 0.2]]),
                   proposals=np.array([[0.1, 0.3], [0.2, 0.5]]), video_name='v_x', fps=30.)
    packed = PackLocalizationInputs(keys=('gt_bbox', 'proposals'))(results)
    sample = packed['data_samples']
    assert sample.proposals['proposals'].shape == (2, 2) and 'proposals' not in sample.gt_instances
    assert sample.metainfo == dict(video_name='v_x')
    with pytest.raises(KeyError, match='raw_feature'):
        PackLocalizationInputs()(dict(video_name='v_x'))


@pytest.mark.parametrize('entry, message', [
    ([1, 2], "video 'v_x': expected an object"),
    ({k: v for k, v in VIDEO.items() if k != 'duration_second'}, "missing key 'duration_second'"),
    (dict(VIDEO, duration_frame=0), 'duration_frame=0; expected a number > 0'),
    (dict(VIDEO, annotations=[dict(segment=[5., 1.], label='jump')]),
     r'annotations\[0\].segment=\[5.0, 1.0\]'),
    (dict(VIDEO, annotations=[dict(segment=[1., 2.])]), r'annotations\[0\]: expected'),
])
def test_malformed_annotations_name_file_video_and_key(tmp_path, entry, message):
    ann_file = write_ann(tmp_path / 'ann.json', {'v_x': entry})
    with pytest.raises(AnnotationError, match=f'ann.json: .*{message}'):
        ActivityNetDataset(ann_file, TRAIN_PIPELINE)


def test_unreadable_files_are_named(tmp_path):
    (tmp_path / 'bad.json').write_text('{"v_x": ')
    with pytest.raises(AnnotationError, match='bad.json: not valid JSON'):
        ActivityNetDataset(str(tmp_path / 'bad.json'), TRAIN_PIPELINE)
    with pytest.raises(ConfigError, match="feature_ext='.mp4'"):
        ActivityNetDataset(str(tmp_path / 'bad.json'), TRAIN_PIPELINE, feature_ext='.mp4')
    dataset = ActivityNetDataset(write_ann(tmp_path / 'ann.json', {'v_x': VIDEO}), TRAIN_PIPELINE,
                                 data_prefix=dict(video=str(tmp_path)), skip_corrupt=False)
    with pytest.raises(VideoReadError, match='v_x.csv: no such feature file'):
        dataset[0]
    (tmp_path / 'v_x.csv').write_text('a,b\n1,oops\n')
    with pytest.raises(VideoReadError, match='v_x.csv: cannot read the features'):
        dataset[0]


def test_cli_writes_synth_anet(tmp_path, capsys):
    out = tmp_path / 'anet'
    assert main(['data', 'synth-anet', str(out), '--num-videos', '4', '--temporal-scale', '8',
                 '--feat-dim', '3']) == 0
    assert 'SynthANet: 4 videos' in capsys.readouterr().out
    val = json.load(open(out / 'anet_anno_val.json'))
    assert len(val) == 1 and len(json.load(open(out / 'anet_anno_train.json'))) == 3
    name = next(iter(val))
    assert np.loadtxt(out / 'features' / f'{name}.csv', delimiter=',', skiprows=1).shape == (8, 3)
