"""RepeatAugDataset: several independently sampled clips of one video, decoded once, batched flat."""
import os.path as osp

import numpy as np
import pytest
from transforms_helpers import frame_index

from reelkit.datasets import RepeatAugDataset, repeat_pseudo_collate
from reelkit.datasets.transforms import decoding
from reelkit.registry import FUNCTIONS
from reelkit.utils.errors import ConfigError

PIPELINE = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=4, frame_interval=2, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(16, 16), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]


@pytest.fixture
def ann_file(video_path, tmp_path):
    path = tmp_path / 'train.txt'
    path.write_text(f'{osp.basename(video_path)} 3\n')
    return str(path)


def build(ann_file, video_path, **kwargs):
    return RepeatAugDataset(ann_file, PIPELINE, data_prefix=dict(video=osp.dirname(video_path)), **kwargs)


def clip_frames(sample) -> list:
    """The frame indices a packed (1, 3, T, H, W) clip shows."""
    clip = sample['inputs'][0].permute(1, 2, 3, 0).numpy()
    return [frame_index(frame) for frame in clip]


def test_repeats_are_sampled_independently_and_decoded_in_one_pass(ann_file, video_path, monkeypatch):
    np.random.seed(0)
    decodes = []
    original = decoding.DecordDecode.transform
    monkeypatch.setattr(decoding.DecordDecode, 'transform',
                        lambda self, results: decodes.append(len(results['frame_inds'])) or original(self, results))
    samples = build(ann_file, video_path, num_repeats=3)[0]
    assert len(samples) == 3 and decodes == [12]
    frames = [clip_frames(sample) for sample in samples]
    for indices in frames:
        assert np.all(np.diff(indices) == 2) and tuple(samples[0]['inputs'].shape) == (1, 3, 4, 16, 16)
    assert len({tuple(indices) for indices in frames}) > 1
    assert all(sample['data_samples'].gt_label.item() == 3 for sample in samples)


def test_sample_once_repeats_the_same_frames(ann_file, video_path):
    np.random.seed(1)
    samples = build(ann_file, video_path, num_repeats=2, sample_once=True)[0]
    assert clip_frames(samples[0]) == clip_frames(samples[1])


def test_collate_flattens_the_repeats(ann_file, video_path):
    dataset = build(ann_file, video_path, num_repeats=2)
    batch = FUNCTIONS.get('repeat_pseudo_collate')([dataset[0], dataset[0]])
    assert FUNCTIONS.get('repeat_pseudo_collate') is repeat_pseudo_collate
    assert len(batch['inputs']) == 4 and len(batch['data_samples']) == 4


def test_a_pipeline_without_init_sample_decode_is_refused(ann_file, video_path):
    with pytest.raises(ConfigError, match='must begin with an Init step'):
        RepeatAugDataset(ann_file, PIPELINE[1:], data_prefix=dict(video=osp.dirname(video_path)))
    with pytest.raises(ConfigError, match='for training'):
        build(ann_file, video_path, test_mode=True)
