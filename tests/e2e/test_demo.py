"""``reelkit demo`` on tiny generated clips: the labels ``reelkit test`` predicts, drawn videos."""
import json
import os.path as osp
import pickle
import re

import av
import numpy as np
import pytest
import torch

from reelkit.apis import inference_recognizer, init_recognizer
from reelkit.cli import main
from reelkit.datasets.synth_motion import write_mp4
from reelkit.visualization.action_visualizer import decode_video


pytestmark = pytest.mark.usefixtures('single_thread')


def frame_count(path):
    with av.open(path) as container:
        return sum(1 for _ in container.decode(video=0))


def printed_labels(text):
    """``[(name, score), ...]`` from the ``1. name: score`` lines demo prints."""
    return [(name, float(score)) for name, score in re.findall(r'^\d+\. (\S+): ([\d.]+)$', text, re.M)]


def test_demo_prints_the_label_reelkit_test_predicts_and_writes_the_clip(
        tiny_config, tiny_motion, tmp_path, capsys):
    config, work_dir = tiny_config(max_epochs=1), str(tmp_path / 'train')
    assert main(['train', config, '--work-dir', work_dir]) == 0
    checkpoint, dump = osp.join(work_dir, 'epoch_1.pth'), str(tmp_path / 'preds.pkl')
    assert main(['test', config, checkpoint, '--work-dir', str(tmp_path / 'test'),
                 '--dump', dump]) == 0
    with open(dump, 'rb') as stream:
        dumped = torch.stack([torch.as_tensor(p['pred_score']) for p in pickle.load(stream)])
    videos = [str(tiny_motion / line.split()[0])
              for line in (tiny_motion / 'test.txt').read_text().splitlines()]
    classes = (tiny_motion / 'classes.txt').read_text().split()

    # the Python API gives every test clip the score reelkit test gave it
    model = init_recognizer(config, checkpoint)
    scores = torch.stack([s.pred_score for s in inference_recognizer(model, videos)])
    torch.testing.assert_close(scores, dumped, rtol=0, atol=1e-5)

    capsys.readouterr()
    out_file = str(tmp_path / 'demo.mp4')
    assert main(['demo', videos[0], config, checkpoint, '--label-map',
                 str(tiny_motion / 'classes.txt'), '--out-file', out_file, '--topk', '3']) == 0
    labels = printed_labels(capsys.readouterr().out)
    assert len(labels) == 3
    top = dumped[0].topk(3)
    assert [name for name, _ in labels] == [classes[i] for i in top.indices.tolist()]
    np.testing.assert_allclose([score for _, score in labels], top.values.numpy(), atol=1e-4)
    assert frame_count(out_file) == frame_count(videos[0]) == 8


def test_long_video_writes_a_timeline_per_second_and_a_gif(tiny_config, tiny_motion, tmp_path):
    config = tiny_config()
    torch.manual_seed(0)
    model = init_recognizer(config)
    checkpoint = str(tmp_path / 'fresh.pth')
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    # two 8-frame clips back to back: two seconds at SynthMotion's 8 fps
    frames = np.concatenate([np.stack(decode_video(str(tiny_motion / 'videos' / f'{i:05}.mp4')))
                             for i in (0, 7)])
    video = str(tmp_path / 'long.mp4')
    write_mp4(video, frames, fps=8)
    frames = np.stack(decode_video(video))  # what demo decodes

    timeline, gif = str(tmp_path / 'timeline.json'), str(tmp_path / 'long.gif')
    assert main(['demo', video, config, checkpoint, '--label-map', str(tiny_motion / 'classes.txt'),
                 '--long-video', timeline, '--out-file', gif, '--topk', '2']) == 0
    with open(timeline) as stream:
        seconds = json.load(stream)['seconds']
    assert [(s['start_frame'], s['end_frame'], s['start'], s['end']) for s in seconds] == [
        (0, 8, 0.0, 1.0), (8, 16, 1.0, 2.0)]
    classes = (tiny_motion / 'classes.txt').read_text().split()
    for second, start in zip(seconds, (0, 8)):
        score = inference_recognizer(model, frames[start:start + 8]).pred_score
        assert [label['name'] for label in second['labels']] == [
            classes[i] for i in score.topk(2).indices.tolist()]
    assert frame_count(gif) == 16


def test_demo_names_a_missing_video(tmp_path, capsys):
    missing = str(tmp_path / 'absent_clip.mp4')
    assert main(['demo', missing, 'config.py', 'model.pth', '--label-map', 'classes.txt']) == 2
    assert f'reelkit demo: error: {missing}: no such video file' in capsys.readouterr().err


def test_demo_refuses_an_output_it_cannot_write(tiny_motion, capsys):
    video = str(tiny_motion / 'videos' / '00000.mp4')
    assert main(['demo', video, 'config.py', 'model.pth', '--label-map', 'classes.txt',
                 '--out-file', 'out.avi']) == 2
    assert '--out-file out.avi: expected a .mp4 or .gif file' in capsys.readouterr().err
