"""inference_recognizer on a list prepares its clips in threads, ahead of the forward passes:
the same scores in the same order as single calls, errors naming the input, no thread left."""
import threading

import pytest
import torch

from reelkit.apis import inference_recognizer, init_recognizer
from reelkit.datasets.synth_motion import generate_synth_motion
from reelkit.utils.errors import VideoReadError

TSN_CONFIG = 'recognition/tsn/tsn_r18_1xb16-1x1x8-8e_synthmotion-rgb.py'
THREAD_PREFIX = 'reelkit-inference'


@pytest.fixture(scope='module')
def videos(tmp_path_factory):
    """Seven 24x24 SynthMotion clips of 8 frames."""
    root = tmp_path_factory.mktemp('synth_motion')
    generate_synth_motion(str(root), num_videos=24, size=24, num_frames=8)
    return [str(root / 'videos' / f'{i:05}.mp4') for i in range(7)]


@pytest.fixture(scope='module')
def tsn():
    torch.manual_seed(0)
    return init_recognizer(TSN_CONFIG)


class ThreadRecorder:
    """A first pipeline step that notes the thread each clip was prepared in, and fails with a
    RuntimeError on the files in ``fail_on``."""

    def __init__(self, fail_on=()):
        self.fail_on = set(fail_on)
        self.threads = set()

    def __call__(self, results):
        self.threads.add(threading.current_thread().name)
        if results.get('filename') in self.fail_on:
            raise RuntimeError('the recorder refuses this clip')
        return results


def pipeline_with(tsn, recorder):
    return [recorder] + list(tsn.cfg.test_dataloader.dataset.pipeline)


def inference_threads():
    return [thread for thread in threading.enumerate() if thread.name.startswith(THREAD_PREFIX)]


def scores(samples):
    return torch.stack([sample.pred_score for sample in samples])


def test_threaded_list_scores_like_single_calls_in_input_order(tsn, videos):
    singles = scores([inference_recognizer(tsn, video, prepare_threads=0) for video in videos])
    recorder = ThreadRecorder()
    # 3 batches (3 + 3 + 1): the later ones are prepared while the earlier ones are scored
    threaded = inference_recognizer(tsn, videos, test_pipeline=pipeline_with(tsn, recorder),
                                    batch_size=3, prepare_threads=2)
    assert recorder.threads and all(name.startswith(THREAD_PREFIX) for name in recorder.threads)
    torch.testing.assert_close(scores(threaded), singles, rtol=0, atol=1e-5)
    # the clips score differently, so a list out of order would not match
    assert len({tuple(row.tolist()) for row in singles.round(decimals=4)}) == len(videos)
    assert [sample.pred_label.item() for sample in threaded] == singles.argmax(1).tolist()
    assert not inference_threads()


def test_a_corrupt_video_in_a_list_is_named(tsn, videos, tmp_path):
    corrupt = tmp_path / 'corrupt.mp4'
    corrupt.write_bytes(b'not an mp4 file' * 64)
    listing = videos[:4] + [str(corrupt)] + videos[4:]
    with pytest.raises(VideoReadError, match='corrupt.mp4: PyAV cannot open it'):
        inference_recognizer(tsn, listing, batch_size=2, prepare_threads=2)
    assert not inference_threads()


def test_a_failing_transform_names_the_first_bad_video_in_input_order(tsn, videos):
    recorder = ThreadRecorder(fail_on=[videos[2], videos[5]])
    with pytest.raises(VideoReadError, match=f'{videos[2]}: the test pipeline failed on it '
                                             r'\(RuntimeError: the recorder refuses this clip\)'):
        inference_recognizer(tsn, videos, test_pipeline=pipeline_with(tsn, recorder),
                             batch_size=2, prepare_threads=2)
    assert not inference_threads()


def test_prepare_threads_must_be_a_count(tsn, videos):
    with pytest.raises(ValueError, match='prepare_threads=-1; expected an int >= 0'):
        inference_recognizer(tsn, videos, prepare_threads=-1)
