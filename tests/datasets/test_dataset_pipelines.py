"""Datasets with reelkit's real transforms on generated SynthMotion clips and frames."""
import logging
import shutil

import numpy as np
import pytest
from mmengine.logging import MMLogger

from reelkit.datasets import RawframeDataset, VideoDataset, generate_synth_motion, skipped_files
from reelkit.utils.errors import VideoReadError

NUM_FRAMES = 8


def pipeline(init, decode, test_mode=True):
    """``init`` steps, four 1-frame clips, ``decode`` steps, then NCHW packing."""
    sample = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=4,
                  test_mode=test_mode)
    return init + [sample] + decode + [dict(type='FormatShape', input_format='NCHW'),
                                       dict(type='PackActionInputs')]


VIDEO = dict(init=[dict(type='PyAVInit')], decode=[dict(type='PyAVDecode')])
FRAMES = dict(init=[], decode=[dict(type='RawFrameDecode')])


@pytest.fixture(scope='module')
def synth(tmp_path_factory):
    return generate_synth_motion(str(tmp_path_factory.mktemp('synth')), num_videos=24, size=32,
                                 num_frames=NUM_FRAMES, rawframes=True)


def test_video_dataset_packs_decoded_clips(synth):
    dataset = VideoDataset(synth['val'], pipeline(**VIDEO), data_prefix=dict(video=synth['root']),
                           test_mode=True)
    sample = dataset[2]
    assert tuple(sample['inputs'].shape) == (4, 3, 32, 32)
    assert sample['data_samples'].gt_label.item() == 2


def test_rawframe_dataset_packs_decoded_frames(synth):
    dataset = RawframeDataset(synth['val_rawframes'], pipeline(**FRAMES),
                              data_prefix=dict(img=synth['root']), test_mode=True)
    sample = dataset[5]
    assert tuple(sample['inputs'].shape) == (4, 3, 32, 32)
    assert sample['data_samples'].gt_label.item() == 5


@pytest.fixture
def with_corrupt(synth, tmp_path):
    shutil.copy(f'{synth["videos"]}/00000.mp4', tmp_path / 'good.mp4')
    (tmp_path / 'broken.mp4').write_bytes(b'\x00not an mp4' * 50)
    (tmp_path / 'ann.txt').write_text('good.mp4 0\nbroken.mp4 1\n')
    return tmp_path


def test_real_decoder_failure_in_training_is_skipped_and_named(with_corrupt):
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: records.append(record.getMessage())
    MMLogger.get_current_instance().addHandler(handler)
    try:
        dataset = VideoDataset(str(with_corrupt / 'ann.txt'), pipeline(**VIDEO, test_mode=False),
                               data_prefix=dict(video=str(with_corrupt)))
        np.random.seed(0)
        sample = dataset[1]
    finally:
        MMLogger.get_current_instance().removeHandler(handler)
    broken = str(with_corrupt / 'broken.mp4')
    assert sample['data_samples'].gt_label.item() == 0
    assert skipped_files()[broken] == 1
    assert len(records) == 1 and broken in records[0]


def test_real_decoder_failure_in_test_mode_raises(with_corrupt):
    dataset = VideoDataset(str(with_corrupt / 'ann.txt'), pipeline(**VIDEO),
                           data_prefix=dict(video=str(with_corrupt)), test_mode=True,
                           skip_corrupt=False)
    with pytest.raises(VideoReadError, match='broken.mp4'):
        dataset[1]
