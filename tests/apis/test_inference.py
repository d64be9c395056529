"""init_recognizer / inference_recognizer / ActionRecogInferencer on tiny generated clips."""
import argparse
import pickle

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from reelkit.apis import ActionRecogInferencer, inference_recognizer, init_recognizer
from reelkit.datasets.synth_motion import SYNTH_MOTION_CLASSES, generate_synth_motion, write_mp4
from reelkit.registry import DATASETS, INFERENCERS
from reelkit.utils.checkpoint import unsafe_checkpoint_loading
from reelkit.utils.errors import CheckpointError, ConfigError, VideoReadError
from reelkit.visualization.action_visualizer import decode_video

TSN_CONFIG = 'recognition/tsn/tsn_r18_1xb16-1x1x8-8e_synthmotion-rgb.py'


@pytest.fixture(scope='module')
def clips(tmp_path_factory):
    """Eight 24x24 SynthMotion clips of 8 frames, and their class-name file."""
    root = tmp_path_factory.mktemp('synth_motion')
    generate_synth_motion(str(root), num_videos=24, size=24, num_frames=8)
    return [str(root / 'videos' / f'{i:05}.mp4') for i in range(8)], str(root / 'classes.txt')


@pytest.fixture(scope='module')
def tsn():
    """The shipped SynthMotion TSN with seeded fresh weights (eval mode, CPU)."""
    torch.manual_seed(0)
    return init_recognizer(TSN_CONFIG)


@pytest.fixture(scope='module')
def tsn_checkpoint(tsn, tmp_path_factory):
    path = tmp_path_factory.mktemp('ckpt') / 'tsn.pth'
    torch.save(dict(state_dict=tsn.state_dict(), meta=dict()), path)
    return str(path)


def scores(samples):
    return torch.stack([sample.pred_score for sample in samples])


def test_a_list_of_videos_scores_like_single_calls(tsn, clips):
    videos, _ = clips
    singles = scores([inference_recognizer(tsn, video) for video in videos])
    for batch_size in (8, 3):
        batched = inference_recognizer(tsn, videos, batch_size=batch_size)
        assert len(batched) == 8
        torch.testing.assert_close(scores(batched), singles, rtol=0, atol=1e-5)
    # the scores differ between clips, so the order of the list is checked too
    assert not torch.allclose(singles[0], singles[1], rtol=0, atol=1e-5)


def test_a_frame_array_scores_like_its_file(tsn, clips):
    video = clips[0][3]
    frames = np.stack(decode_video(video))
    assert frames.shape == (8, 24, 24, 3)
    from_file, from_array = inference_recognizer(tsn, video), inference_recognizer(tsn, frames)
    torch.testing.assert_close(from_array.pred_score, from_file.pred_score, rtol=0, atol=1e-5)
    assert from_array.pred_label.tolist() == [int(from_file.pred_score.argmax())]


def test_clips_of_different_sizes_share_no_padded_batch(tsn, clips, tmp_path):
    """Without Resize the inputs differ in shape; each gets its own pass, so scores match."""
    pipeline = [dict(type='PyAVInit'),
                dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True),
                dict(type='PyAVDecode'),
                dict(type='FormatShape', input_format='NCHW'),
                dict(type='PackActionInputs')]
    larger = str(tmp_path / 'larger.mp4')
    write_mp4(larger, np.random.default_rng(0).integers(0, 256, (8, 40, 32, 3), dtype=np.uint8))
    videos = [clips[0][0], larger, clips[0][1]]
    batched = inference_recognizer(tsn, videos, test_pipeline=pipeline)
    singles = [inference_recognizer(tsn, video, test_pipeline=pipeline) for video in videos]
    torch.testing.assert_close(scores(batched), scores(singles), rtol=0, atol=1e-5)


def test_a_missing_video_is_named_in_the_error(tsn, clips, tmp_path):
    missing = str(tmp_path / 'no_such_clip.mp4')
    with pytest.raises(VideoReadError, match='no_such_clip.mp4: no such video file'):
        inference_recognizer(tsn, [clips[0][0], missing])


def test_a_frame_array_of_the_wrong_shape_is_refused(tsn):
    with pytest.raises(ValueError, match=r'\(T, H, W, 3\) uint8.*float32 of shape \(8, 24, 24\)'):
        inference_recognizer(tsn, np.zeros((8, 24, 24), np.float32))


def test_init_recognizer_loads_the_checkpoint_in_eval_mode(tsn, tsn_checkpoint):
    torch.manual_seed(1)  # other fresh weights: the checkpoint must replace them
    model = init_recognizer(TSN_CONFIG, tsn_checkpoint)
    assert not model.training and model.cfg.model.type == 'Recognizer2D'
    for key, value in tsn.state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value, msg=key)


def test_init_recognizer_loads_strictly_and_names_the_checkpoint(tsn, tmp_path):
    state = dict(tsn.state_dict())
    state.pop('cls_head.fc_cls.bias')
    path = tmp_path / 'partial.pth'
    torch.save(dict(state_dict=state), path)
    with pytest.raises(ConfigError, match=r'partial.pth: cannot load it .*cls_head\.fc_cls\.bias'):
        init_recognizer(TSN_CONFIG, str(path))
    with pytest.raises(ConfigError, match='absent.pth: no such checkpoint file'):
        init_recognizer(TSN_CONFIG, str(tmp_path / 'absent.pth'))


def test_init_recognizer_refuses_a_checkpoint_that_would_run_code(tsn, tmp_path):
    path = tmp_path / 'pickled.pth'
    torch.save(dict(state_dict=tsn.state_dict(), meta=argparse.Namespace(seed=0)), path)
    with pytest.raises(CheckpointError, match=r'pickled.pth: refused to load: it holds a pickled argparse.Namespace'):
        init_recognizer(TSN_CONFIG, str(path))
    with unsafe_checkpoint_loading():
        assert not init_recognizer(TSN_CONFIG, str(path)).training


def test_init_recognizer_takes_a_config_object_and_cfg_options(tsn):
    cfg = Config.fromfile(tsn.cfg.filename)
    model = init_recognizer(cfg, cfg_options={'model.cls_head.num_classes': 5})
    assert model.cls_head.num_classes == 5 and cfg.model.cls_head.num_classes == 8


def test_the_inferencer_returns_labels_scores_and_names(tsn, tsn_checkpoint, clips):
    videos, classes = clips
    assert INFERENCERS.get('action-recognition') is ActionRecogInferencer
    inferencer = ActionRecogInferencer(TSN_CONFIG, tsn_checkpoint, label_file=classes)
    predictions = inferencer(videos[:2])['predictions']
    assert len(predictions) == 2
    for video, prediction in zip(videos, predictions):
        expected = inference_recognizer(tsn, video).pred_score
        np.testing.assert_allclose(prediction['pred_scores'], expected.numpy(), atol=1e-5)
        label = int(expected.argmax())
        assert prediction['pred_labels'] == [label]
        assert prediction['pred_label_names'] == [SYNTH_MOTION_CLASSES[label]]
    single = inferencer(videos[0])['predictions']
    assert len(single) == 1 and single[0]['pred_labels'] == predictions[0]['pred_labels']


def test_the_inferencer_rejects_a_label_map_shorter_than_the_classes(tsn, clips, tmp_path):
    short = tmp_path / 'two.txt'
    short.write_text('a\nb\n')
    inferencer = ActionRecogInferencer(tsn, label_file=str(short))
    label = int(inference_recognizer(tsn, clips[0][0]).pred_score.argmax())
    if label < 2:
        pytest.skip('the top class has a name in the short map')
    with pytest.raises(ConfigError, match=f'two.txt: has 2 class names, .*class {label}'):
        inferencer(clips[0][0])


# ----------------------------------------------------------------------------- skeletons
GCN_CONFIG = '''
model = dict(type='RecognizerGCN',
             backbone=dict(type='STGCN', graph_cfg=dict(layout='coco', mode='stgcn_spatial'),
                           base_channels=8, num_stages=2, inflate_stages=[], down_stages=[]),
             cls_head=dict(type='GCNHead', num_classes=4, in_channels=8))
pipeline = [dict(type='PreNormalize2D'),
            dict(type='GenSkeFeat', dataset='coco', feats=['j']),
            dict(type='UniformSampleFrames', clip_len=8, num_clips=2, test_mode=True),
            dict(type='PoseDecode'),
            dict(type='FormatGCNInput', num_person=2),
            dict(type='PackActionInputs')]
test_dataloader = dict(batch_size=2, dataset=dict(type='PoseDataset', ann_file='{ann_file}',
                                                  pipeline=pipeline, test_mode=True))
'''


def skeleton(seed):
    """One person, 12 frames of COCO-17 keypoints in a 64x64 frame, as PoseDataset stores it."""
    rng = np.random.default_rng(seed)
    return dict(frame_dir=f'clip{seed}', label=seed % 4, img_shape=(64, 64),
                original_shape=(64, 64), total_frames=12,
                keypoint=rng.uniform(0, 64, (1, 12, 17, 2)).astype(np.float32),
                keypoint_score=rng.uniform(0.5, 1, (1, 12, 17)).astype(np.float32))


def test_a_skeleton_dict_scores_like_the_pose_dataset_sample(tmp_path):
    annotations = [skeleton(0), skeleton(1)]
    ann_file = tmp_path / 'poses.pkl'
    ann_file.write_bytes(pickle.dumps(annotations))
    config = tmp_path / 'gcn.py'
    config.write_text(GCN_CONFIG.format(ann_file=ann_file))
    torch.manual_seed(0)
    model = init_recognizer(str(config))
    dataset = DATASETS.build(model.cfg.test_dataloader.dataset)
    with torch.no_grad():
        expected = scores(model.test_step(pseudo_collate([dataset[0], dataset[1]])))
    given = [{key: value for key, value in item.items() if key != 'label'} for item in annotations]
    torch.testing.assert_close(scores(inference_recognizer(model, given)), expected,
                               rtol=0, atol=1e-5)
