"""ActionVisualizer: registry building, label text, drawn pixels and the files it writes."""
import glob
import json
import os.path as osp

import av
import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import DefaultScope
from mmengine.visualization import LocalVisBackend, TensorboardVisBackend
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from reelkit.registry import VISBACKENDS, VISUALIZERS
from reelkit.structures.action_data_sample import ActionDataSample
from reelkit.utils.errors import VideoReadError
from reelkit.visualization import ActionVisualizer
from reelkit.visualization.action_visualizer import label_lines

CLASSES = ['run', 'jump', 'sit']
GRAY = 128


@pytest.fixture
def visualizer(tmp_path, request):
    vis = ActionVisualizer(name=f'vis-{request.node.name}', vis_backends=[dict(type='LocalVisBackend')],
                           save_dir=str(tmp_path))
    vis.dataset_meta = dict(classes=CLASSES)
    yield vis
    vis.close()


def gray_clip(num_frames=3, height=112, width=160):
    return np.full((num_frames, height, width, 3), GRAY, np.uint8)


def sample():
    return ActionDataSample().set_gt_label(1).set_pred_score(torch.tensor([0.1, 0.7, 0.2]))


def write_clip(path, num_frames=8, size=32):
    """An 8-frame 32x32 MP4 whose frames get brighter."""
    with av.open(str(path), 'w') as container:
        stream = container.add_stream('mpeg4', rate=4)
        stream.width = stream.height = size
        stream.pix_fmt = 'yuv420p'
        for i in range(num_frames):
            frame = np.full((size, size, 3), 20 * i, np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format='rgb24')))
        container.mux(stream.encode())


def test_builds_from_reelkit_scope_with_local_and_tensorboard(tmp_path):
    backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
    cfg = dict(type='ActionVisualizer', name='vis-build', vis_backends=backends, save_dir=str(tmp_path))
    with DefaultScope.overwrite_default_scope('reelkit'):
        vis = VISUALIZERS.build(cfg)
    assert isinstance(vis, ActionVisualizer)
    assert [type(b) for b in vis._vis_backends.values()] == [LocalVisBackend, TensorboardVisBackend]
    assert backends == [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]  # not mutated
    vis.close()


def test_reelkit_visbackends_resolve_mmengine_backends(tmp_path):
    assert isinstance(VISBACKENDS.build(dict(type='LocalVisBackend', save_dir=str(tmp_path))), LocalVisBackend)
    with DefaultScope.overwrite_default_scope('reelkit'):
        backend = MMENGINE_VISBACKENDS.build(dict(type='TensorboardVisBackend', save_dir=str(tmp_path)))
    assert isinstance(backend, TensorboardVisBackend)


def test_scalars_reach_scalars_json_and_tensorboard_events(tmp_path):
    backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
    vis = VISUALIZERS.build(dict(type='ActionVisualizer', name='vis-scalars', save_dir=str(tmp_path),
                                 vis_backends=backends))
    vis.add_scalars({'acc/top1': 0.5, 'loss': 1.25}, step=3)
    vis.close()
    with open(tmp_path / 'vis_data' / 'scalars.json') as f:
        assert json.loads(f.readline()) == {'acc/top1': 0.5, 'loss': 1.25, 'step': 3}
    events = glob.glob(str(tmp_path / 'vis_data' / 'events.out.tfevents.*'))
    assert len(events) == 1
    accumulator = EventAccumulator(events[0])
    accumulator.Reload()
    [event] = accumulator.Scalars('acc/top1')
    assert (event.step, event.value) == (3, 0.5)


def test_label_lines_name_classes_and_scores():
    assert label_lines(sample(), CLASSES, True, True, True) == [
        'Ground truth: 1 (jump)', 'Prediction: 1 (jump): 0.70']
    assert label_lines(sample(), None, False, True, False) == ['Prediction: 1']


def test_label_lines_multi_label_and_pred_label():
    data_sample = ActionDataSample().set_gt_label(np.array([1., 0., 1.], np.float32)).set_pred_label(2)
    assert label_lines(data_sample, CLASSES, True, True, True) == [
        'Ground truth: 0 (run), 2 (sit)', 'Prediction: 2 (sit)']


def test_label_lines_reject_label_without_class_name():
    with pytest.raises(ValueError, match=r"label 1 has no name in dataset_meta\['classes'\] \(1 classes\)"):
        label_lines(sample(), ['run'], True, False, False)


def test_add_datasample_changes_pixels_only_where_text_is(visualizer):
    drawn = visualizer.add_datasample('clip', gray_clip(), sample())
    assert drawn.shape == (3, 112, 160, 3) and drawn.dtype == np.uint8
    changed = np.any(drawn[0] != GRAY, axis=-1)
    assert changed[:40, :120].mean() > 0.5  # darkened box and text in the top-left corner
    assert not changed[60:, :].any() and not changed[:, 140:].any()
    assert (drawn[0] > GRAY).any()  # white text on the box


def test_more_labels_cover_more_rows(visualizer):
    def covered_rows(**flags):
        drawn = visualizer.add_datasample('clip', gray_clip(1), sample(), **flags)
        return int(np.any(drawn[0] != GRAY, axis=(1, 2)).sum())
    assert covered_rows(draw_gt=False, draw_pred=False) < covered_rows(draw_pred=False) < covered_rows()


def test_add_datasample_writes_each_frame_through_the_backends(visualizer, tmp_path):
    drawn = visualizer.add_datasample('clip', list(gray_clip()), sample(), step=2)
    for i in range(3):
        saved = cv2.imread(str(tmp_path / 'vis_data' / 'vis_image' / f'clip_frame_{i}_2.png'))
        np.testing.assert_array_equal(saved[..., ::-1], drawn[i])


def test_add_datasample_decodes_a_video_file(visualizer, tmp_path):
    write_clip(tmp_path / 'clip.mp4')
    drawn = visualizer.add_datasample('clip', str(tmp_path / 'clip.mp4'), sample())
    assert drawn.shape == (8, 32, 32, 3)
    assert drawn[7, -1, -1].mean() > drawn[0, -1, -1].mean() + 100  # frames keep their order


@pytest.mark.parametrize('out_type,target,size', [('video', 'out.mp4', (32, 46)), ('gif', 'out.gif', (31, 45))])
def test_out_path_writes_a_video_file(visualizer, tmp_path, out_type, target, size):
    # MP4 (H.264, yuv420p) needs even sizes: the odd 31x45 frames are padded by one row and column
    visualizer.add_datasample('clip', gray_clip(4, 31, 45), sample(), out_path=str(tmp_path / 'out.mp4'),
                              out_type=out_type)
    with av.open(str(tmp_path / target)) as container:
        frames = [f.to_ndarray(format='rgb24') for f in container.decode(video=0)]
    assert len(frames) == 4 and frames[0].shape[:2] == size
    assert not osp.exists(tmp_path / 'vis_data' / 'vis_image')  # backends are bypassed


def test_out_path_img_writes_png_frames(visualizer, tmp_path):
    visualizer.add_datasample('clip', gray_clip(2), sample(), out_path=str(tmp_path / 'out'), step=1)
    assert sorted(p.name for p in (tmp_path / 'out' / 'frames_1').iterdir()) == ['0.png', '1.png']


def test_rescale_factor_resizes_before_drawing(visualizer):
    assert visualizer.add_datasample('clip', gray_clip(1), sample(), rescale_factor=0.5).shape == (1, 56, 80, 3)


def test_show_frames_plays_each_frame(visualizer, monkeypatch):
    delays = []
    monkeypatch.setattr(cv2, 'imshow', lambda name, frame: None)
    monkeypatch.setattr(cv2, 'waitKey', lambda ms: delays.append(ms))
    visualizer.add_datasample('clip', gray_clip(), sample(), show_frames=True, fps=4, wait_time=0.1)
    assert delays == [250, 250, 100]


def test_show_frames_without_gui_explains_the_fix(visualizer, monkeypatch):
    def no_gui(name, frame):
        raise cv2.error('The function is not implemented')
    monkeypatch.setattr(cv2, 'imshow', no_gui)
    with pytest.raises(RuntimeError, match='opencv-python-headless.*out_path'):
        visualizer.add_datasample('clip', gray_clip(), sample(), show_frames=True)


def test_video_out_type_needs_out_path(visualizer):
    with pytest.raises(ValueError, match="out_type='video' needs out_path"):
        visualizer.add_datasample('clip', gray_clip(), sample(), out_type='video')


def test_unknown_text_cfg_key_lists_valid_keys(visualizer):
    message = r"unknown text_cfg key\(s\) \['font_sizes'\]; valid keys are font_scale"
    with pytest.raises(ValueError, match=message):
        visualizer.add_datasample('clip', gray_clip(), sample(), text_cfg=dict(font_sizes=7))


def test_frames_must_be_rgb_uint8(visualizer):
    with pytest.raises(ValueError, match=r'frame 0 must be an RGB uint8 array of shape \(H, W, 3\)'):
        visualizer.add_datasample('clip', np.zeros((2, 8, 8, 3), np.float32))


def test_missing_video_file_is_named(visualizer, tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.mp4'):
        visualizer.add_datasample('clip', str(tmp_path / 'missing.mp4'))


def test_corrupt_video_file_raises_video_read_error(visualizer, tmp_path):
    (tmp_path / 'broken.mp4').write_bytes(b'not a video')
    with pytest.raises(VideoReadError, match='broken.mp4: PyAV cannot decode it'):
        visualizer.add_datasample('clip', str(tmp_path / 'broken.mp4'))
