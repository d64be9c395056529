"""Hostile data: a dataset holding every kind of unreadable file trains and tests to the end.

Each unreadable training file is reported once (not once per epoch or worker) and listed with its
reason when training ends; a test run leaves unreadable samples out of the metrics and names them;
videos shorter than the clip are sampled by looping their frames.
"""
import glob
import pickle
import shutil

import av
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from reelkit.cli import main
from reelkit.datasets import VideoDataset
from reelkit.datasets.synth_motion import render_clip, write_mp4
from reelkit.datasets.transforms import PyAVDecode, PyAVInit, SampleFrames
from reelkit.engine import ReelkitRunner
from reelkit.engine.runner.skip_aware_loops import drop_stand_ins
from reelkit.registry import MODELS
from reelkit.structures import ActionDataSample
from reelkit.utils.errors import VideoReadError

pytestmark = pytest.mark.usefixtures('single_thread')


def write_frameless_mp4(path):
    """An MP4 with an H.264 video track and no frame in it."""
    with av.open(str(path), 'w') as container:
        stream = container.add_stream('libx264', rate=8)
        stream.width = stream.height = 24
        container.start_encoding()


def write_audio_only_mp4(path):
    """An MP4 holding one AAC audio stream and no video stream."""
    with av.open(str(path), 'w') as container:
        stream = container.add_stream('aac', rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format='fltp',
                                           layout='mono')
        frame.sample_rate = 8000
        container.mux(stream.encode(frame))
        container.mux(stream.encode())


def write_cut_mid_stream(path, frames):
    """An MP4 whose index comes first (faststart): it opens, then its frames run out."""
    whole = path.with_suffix('.whole.mp4')
    with av.open(str(whole), 'w', options={'movflags': 'faststart'}) as container:
        stream = container.add_stream('libx264', rate=8)
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format='rgb24')))
        container.mux(stream.encode())
    data = whole.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    whole.unlink()


def write_bad_files(folder, good_video):
    """One file of each unreadable kind in ``folder``; returns their paths."""
    folder.mkdir()
    frames = render_clip(0, 8, 24, np.random.default_rng(0))
    data = good_video.read_bytes()
    (folder / 'truncated.mp4').write_bytes(data[:len(data) // 2])
    write_cut_mid_stream(folder / 'cut_mid_stream.mp4', frames)
    (folder / 'empty.mp4').write_bytes(b'')
    write_frameless_mp4(folder / 'no_frames.mp4')
    write_audio_only_mp4(folder / 'audio_only.mp4')
    (folder / 'notes.txt').write_text('not a video\n' * 20)
    return sorted(str(path) for path in folder.iterdir())


def reason_of(path):
    """Why reelkit's test pipeline cannot read ``path`` (found directly, not by a dataset)."""
    pipeline = Compose([PyAVInit(), SampleFrames(clip_len=1, num_clips=4, test_mode=True),
                        PyAVDecode()])
    with pytest.raises(VideoReadError) as caught:
        pipeline(dict(filename=path, start_index=0))
    return caught.value.reason


@pytest.fixture
def hostile(tiny_motion, tmp_path):
    """A copy of the tiny set: ``train.txt`` is 4 good clips, a 3-frame clip and each bad file;
    ``val.txt`` 4 good clips and an empty file of its own; ``test.txt`` the 8 test clips, the
    3-frame clip, then the bad files (so the last batch of 4 is all unreadable)."""
    root = tmp_path / 'data'
    shutil.copytree(tiny_motion, root)
    bad = write_bad_files(root / 'bad', root / 'videos' / '00000.mp4')
    write_mp4(str(root / 'short.mp4'), render_clip(3, 3, 24, np.random.default_rng(1)))
    (root / 'val_empty.mp4').write_bytes(b'')
    lines = {split: (root / f'{split}.txt').read_text().splitlines() for split in ('train', 'val', 'test')}
    extra = ['short.mp4 3'] + [f'{path} {i % 8}' for i, path in enumerate(bad)]
    (root / 'train.txt').write_text('\n'.join(lines['train'][:4] + extra) + '\n')
    (root / 'val.txt').write_text('\n'.join(lines['val'][:4] + ['val_empty.mp4 1']) + '\n')
    (root / 'test.txt').write_text('\n'.join(lines['test'] + extra) + '\n')
    return root, bad


def hostile_config(tiny_config, root, num_workers, **test_dataset):
    loaders = ''.join(
        f"{split}_dataloader['dataset'].update(ann_file='{root}/{split}.txt', "
        f"data_prefix=dict(video='{root}'))\n{split}_dataloader['num_workers'] = {num_workers}\n"
        for split in ('train', 'val', 'test'))
    return tiny_config(extra=loaders + f"test_dataloader['dataset'].update({test_dataset!r})\n")


def log_lines(work_dir):
    (log, ) = glob.glob(str(work_dir / '*' / '*.log'))
    return open(log).read().splitlines()


def untrained_checkpoint(config, path):
    """A checkpoint of the model of ``config`` (a path or a Config) as built, for test runs
    that need no training."""
    init_default_scope('reelkit')
    cfg = config if isinstance(config, Config) else Config.fromfile(config)
    model = MODELS.build(cfg.model)
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return str(path)


def test_video_shorter_than_the_clip_loops_its_frames(tiny_motion, tmp_path):
    write_mp4(str(tmp_path / 'short.mp4'), render_clip(0, 3, 24, np.random.default_rng(0)))
    (tmp_path / 'ann.txt').write_text('short.mp4 0\n')
    for test_mode in (False, True):
        pipeline = [dict(type='PyAVInit'),
                    dict(type='SampleFrames', clip_len=8, num_clips=1, test_mode=test_mode),
                    dict(type='PyAVDecode')]
        dataset = VideoDataset(str(tmp_path / 'ann.txt'), pipeline,
                               data_prefix=dict(video=str(tmp_path)), test_mode=test_mode)
        sample = dataset[0]
        assert sample['frame_inds'].tolist() == [0, 1, 2, 0, 1, 2, 0, 1]
        assert len(sample['imgs']) == 8


def packed_dataset(tiny_motion, tmp_path, test_mode):
    """good 0, empty.mp4 5, good 1: a dataset whose second sample is unreadable."""
    (tmp_path / 'empty.mp4').write_bytes(b'')
    first, second = (tiny_motion / 'train.txt').read_text().splitlines()[:2]
    (tmp_path / 'ann.txt').write_text(f'{first}\nempty.mp4 5\n{second}\n')
    (tmp_path / first.split()[0]).parent.mkdir(parents=True, exist_ok=True)
    for line in (first, second):
        shutil.copy(tiny_motion / line.split()[0], tmp_path / line.split()[0])
    pipeline = [dict(type='PyAVInit'),
                dict(type='SampleFrames', clip_len=1, num_clips=4, test_mode=True),
                dict(type='PyAVDecode'), dict(type='FormatShape', input_format='NCHW'),
                dict(type='PackActionInputs')]
    dataset = VideoDataset(str(tmp_path / 'ann.txt'), pipeline,
                           data_prefix=dict(video=str(tmp_path)), test_mode=test_mode)
    return dataset, str(tmp_path / 'empty.mp4'), int(second.split()[1])


def test_unreadable_test_sample_is_answered_by_a_marked_stand_in(tiny_motion, tmp_path):
    dataset, empty, next_label = packed_dataset(tiny_motion, tmp_path, test_mode=True)
    stand_in = dataset[1]['data_samples']
    assert stand_in.metainfo['stands_in_for'] == dict(index=1, filename=empty,
                                                      reason=reason_of(empty))
    assert stand_in.gt_label.item() == next_label  # the next readable sample's output
    assert 'stands_in_for' not in dataset[2]['data_samples'].metainfo


def test_replacement_training_sample_carries_the_skip_record(tiny_motion, tmp_path):
    dataset, empty, _ = packed_dataset(tiny_motion, tmp_path, test_mode=False)
    np.random.seed(0)
    (record, ) = dataset[1]['data_samples'].metainfo['skipped_samples']
    assert record == dict(index=1, filename=empty, reason=reason_of(empty), logged=True)


def test_stand_ins_are_dropped_from_stacked_and_listed_batches():
    samples = [ActionDataSample(), ActionDataSample(), ActionDataSample()]
    samples[1].set_metainfo(dict(stands_in_for=dict(index=7, filename='x.mp4', reason='r')))
    batch = dict(inputs=torch.arange(3), data_samples=samples, names=['a', 'b', 'c'])
    kept, records = drop_stand_ins(batch)
    assert kept['inputs'].tolist() == [0, 2] and kept['names'] == ['a', 'c']
    assert kept['data_samples'] == [samples[0], samples[2]]
    assert records == [dict(index=7, filename='x.mp4', reason='r')]


@pytest.mark.parametrize('num_workers', [0, 2])
def test_training_on_hostile_data_reports_each_bad_file_once(tiny_config, hostile, tmp_path,
                                                             num_workers):
    root, bad = hostile
    work_dir = tmp_path / 'w'
    assert main(['train', hostile_config(tiny_config, root, num_workers),
                 '--work-dir', str(work_dir)]) == 0
    assert (work_dir / 'epoch_2.pth').is_file()
    lines = log_lines(work_dir)
    (summary, ) = [line for line in lines if 'training skipped' in line]
    assert f'training skipped {len(bad)} unreadable file(s)' in summary
    for path in bad:
        assert summary.count(f'{path} (') == 1  # the reason may repeat the path
        reason = reason_of(path) if 'cut_mid_stream' not in path else ''  # its reason is per read
        assert f'{path} ({reason}' in summary
        mentions = [line for line in lines if path in line]
        assert len(mentions) == 2, mentions  # the first time it came up, and the summary
    assert not [line for line in lines if 'short.mp4' in line and 'WARNING' in line]
    val_mentions = [line for line in lines if 'val_empty.mp4' in line]
    assert len(val_mentions) == 1 and 'val: 1 of 5 samples skipped' in val_mentions[0]
    assert 'val: 1 of 5 samples skipped as unreadable; metrics computed on the other 4: ' \
           '1 named at an earlier val run' in '\n'.join(lines)


def test_testing_on_hostile_data_scores_the_readable_samples_and_names_the_rest(
        tiny_config, hostile, tmp_path):
    root, bad = hostile
    cfg = Config.fromfile(hostile_config(tiny_config, root, num_workers=2))
    cfg.work_dir, dump = str(tmp_path / 'w'), tmp_path / 'preds.pkl'
    cfg.load_from = untrained_checkpoint(cfg, tmp_path / 'model.pth')
    cfg.test_evaluator = [cfg.test_evaluator, dict(type='DumpResults', out_file_path=str(dump))]
    metrics = ReelkitRunner.from_cfg(cfg).test()
    assert metrics['skipped_samples'] == {path: reason_of(path) for path in bad}
    total, readable = 9 + len(bad), 9
    (summary, ) = [line for line in log_lines(tmp_path / 'w') if 'skipped as unreadable' in line]
    assert f'test: {len(bad)} of {total} samples skipped as unreadable; metrics computed on ' \
           f'the other {readable}: ' in summary
    for path in bad:
        assert summary.count(f'{path} (') == 1 and f'{path} ({reason_of(path)})' in summary
    predictions = pickle.load(open(dump, 'rb'))
    readable_labels = [int(line.split()[1]) for line in
                       (root / 'test.txt').read_text().splitlines()[:readable]]
    assert [int(p['gt_label']) for p in predictions] == readable_labels


def test_unreadable_test_sample_is_fatal_with_skip_corrupt_false(tiny_config, hostile, tmp_path,
                                                                 capsys):
    root, bad = hostile
    lines = (root / 'test.txt').read_text().splitlines()
    (root / 'test.txt').write_text('\n'.join([f'{bad[0]} 0'] + lines[:3]) + '\n')
    config = hostile_config(tiny_config, root, num_workers=0, skip_corrupt=False)
    checkpoint = untrained_checkpoint(config, tmp_path / 'model.pth')
    assert main(['test', config, checkpoint, '--work-dir', str(tmp_path / 'w')]) == 2
    assert bad[0] in capsys.readouterr().err.strip().splitlines()[-1]
