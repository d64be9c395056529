"""``reelkit demo --camera-id``: a fake OpenCV camera (generated frames, then no more) scored window
by window with the tiny TSM, whose test pipeline samples 4 frames per clip: windows of 4 frames."""
import re

import av
import cv2
import numpy as np
import pytest
import torch

from reelkit.apis import inference_recognizer, init_recognizer
from reelkit.cli import main
from reelkit.visualization.action_visualizer import decode_video

WINDOW = 4  # clip_len 1 x frame_interval 1 x num_clips 4 in the tiny config's SampleFrames


class FakeCamera:
    """Stands in for ``cv2.VideoCapture``: gives ``frames`` (BGR, as cameras do), then ``False``."""
    frames: list = []
    opened: list = []  # (camera id, the camera) of each VideoCapture made

    def __init__(self, camera_id):
        self.remaining = list(self.frames)
        self.reads = 0
        self.released = False
        self.opened.append((camera_id, self))

    def isOpened(self):
        return True

    def read(self):
        if not self.remaining:
            return False, None
        self.reads += 1
        return True, self.remaining.pop(0)

    def get(self, prop):
        return 8.0 if prop == cv2.CAP_PROP_FPS else 0.0

    def release(self):
        self.released = True


class ClosedCamera(FakeCamera):
    def isOpened(self):
        return False


pytestmark = pytest.mark.usefixtures('single_thread')


@pytest.fixture
def tsm(tiny_config, tmp_path):
    """``(config, checkpoint)`` of the tiny TSM with seeded fresh weights."""
    config = tiny_config()
    torch.manual_seed(0)
    checkpoint = str(tmp_path / 'fresh.pth')
    torch.save(dict(state_dict=init_recognizer(config).state_dict()), checkpoint)
    return config, checkpoint


@pytest.fixture
def camera(monkeypatch, tiny_motion):
    """12 RGB frames (two SynthMotion clips cut to 6 frames each), served by a fake camera."""
    frames = np.concatenate([np.stack(decode_video(str(tiny_motion / 'videos' / f'{i:05}.mp4')))[:6]
                             for i in (0, 7)])
    monkeypatch.setattr(FakeCamera, 'frames', [frame[..., ::-1].copy() for frame in frames])
    monkeypatch.setattr(FakeCamera, 'opened', [])
    monkeypatch.setattr(cv2, 'VideoCapture', FakeCamera)
    return frames


def printed_windows(text):
    """``[(first frame, last frame, name, score), ...]`` of the ``window k (frames a-b): name: s`` lines."""
    return [(int(first), int(last), name, float(score)) for first, last, name, score in
            re.findall(r'^window \d+ \(frames (\d+)-(\d+)\): (\S+): ([\d.]+)$', text, re.M)]


def test_camera_windows_slide_by_the_stride_and_print_each_top_label(
        tsm, camera, tiny_motion, tmp_path, capsys):
    config, checkpoint = tsm
    out_file = str(tmp_path / 'camera.mp4')
    assert main(['demo', config, checkpoint, '--camera-id', '2', '--stride', '2',
                 '--label-map', str(tiny_motion / 'classes.txt'), '--out-file', out_file]) == 0
    windows = printed_windows(capsys.readouterr().out)
    # 12 frames, windows of 4 every 2 new frames: frames 0-3, 2-5, 4-7, 6-9, 8-11
    assert [(first, last) for first, last, _, _ in windows] == [(i, i + 3) for i in range(0, 9, 2)]

    # each label is the one the model gives the window's RGB frames
    classes = (tiny_motion / 'classes.txt').read_text().split()
    model = init_recognizer(config, checkpoint)
    results = inference_recognizer(model, [camera[first:last + 1] for first, last, _, _ in windows])
    assert [name for _, _, name, _ in windows] == [classes[int(r.pred_label)] for r in results]
    np.testing.assert_allclose([score for *_, score in windows],
                               [float(r.pred_score.max()) for r in results], atol=1e-4)

    ((camera_id, fake), ) = FakeCamera.opened
    assert camera_id == 2 and fake.released
    with av.open(out_file) as container:
        assert sum(1 for _ in container.decode(video=0)) == len(camera)


def test_max_windows_stops_reading_the_camera(tsm, camera, tiny_motion, capsys):
    config, checkpoint = tsm
    assert main(['demo', config, checkpoint, '--camera-id', '0', '--max-windows', '2',
                 '--label-map', str(tiny_motion / 'classes.txt')]) == 0
    windows = printed_windows(capsys.readouterr().out)
    assert [(first, last) for first, last, _, _ in windows] == [(0, 3), (4, 7)]  # stride = window
    ((_, fake), ) = FakeCamera.opened
    assert fake.reads == 2 * WINDOW and fake.released


def test_a_camera_that_does_not_open_is_a_one_line_error(tsm, tiny_motion, monkeypatch, capsys):
    monkeypatch.setattr(cv2, 'VideoCapture', ClosedCamera)
    config, checkpoint = tsm
    assert main(['demo', config, checkpoint, '--camera-id', '5',
                 '--label-map', str(tiny_motion / 'classes.txt')]) == 2
    error = capsys.readouterr().err
    assert '--camera-id 5: no camera opens there' in error and len(error.strip().splitlines()) == 1


@pytest.mark.parametrize('with_video, arguments, message', [
    (False, [], 'give the video file before CONFIG, or --camera-id N'),
    (False, ['--camera-id', '0', '--long-video', 't.json'], '--long-video scores a video file'),
    (True, ['--stride', '2'], '--stride and --max-windows go with --camera-id'),
])
def test_video_or_camera_options_are_checked(tsm, tiny_motion, with_video, arguments, message,
                                             capsys):
    video = [str(tiny_motion / 'videos' / '00000.mp4')] if with_video else []
    assert main(['demo', *video, *tsm, '--label-map', str(tiny_motion / 'classes.txt')]
                + arguments) == 2
    assert message in capsys.readouterr().err


def test_a_video_and_a_camera_together_are_refused(tsm, tiny_motion, capsys):
    config, checkpoint = tsm
    video = str(tiny_motion / 'videos' / '00000.mp4')
    assert main(['demo', video, config, checkpoint, '--camera-id', '0',
                 '--label-map', str(tiny_motion / 'classes.txt')]) == 2
    assert f'{video}: give a video file or --camera-id 0, not both' in capsys.readouterr().err
