"""reelkit browse-dataset: one GIF per sample holding the frames the pipeline outputs."""
import numpy as np
import pytest
import torch
from _data_fixtures import decode, random_clip

from reelkit.cli import main
from reelkit.cli.browse_dataset import inputs_to_frames
from reelkit.datasets import SYNTH_MOTION_CLASSES, generate_synth_motion
from reelkit.datasets.transforms import FormatShape

TSM_CONFIG = 'recognition/tsm/tsm_r18_1xb16-1x1x8-8e_synthmotion-rgb.py'

# A 3D-model pipeline: 2 clips of 4 frames, resized to 20 x 12, laid out as NCTHW.
NCTHW_CONFIG = '''
val_pipeline = [
    dict(type='PyAVInit'),
    dict(type='SampleFrames', clip_len=4, frame_interval=1, num_clips=2, test_mode=True),
    dict(type='PyAVDecode'),
    dict(type='Resize', scale=(20, 12), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
val_dataloader = dict(dataset=dict(type='VideoDataset', ann_file={ann_file!r},
                                   data_prefix=dict(video={root!r}), pipeline=val_pipeline,
                                   test_mode=True))
'''


@pytest.fixture(scope='module')
def synth(tmp_path_factory):
    return generate_synth_motion(str(tmp_path_factory.mktemp('browse')), num_videos=24, size=24,
                                 num_frames=8)


def gifs(folder):
    return sorted(folder.glob('*.gif'))


def test_nchw_samples_become_gifs_named_by_class(synth, tmp_path):
    out = tmp_path / 'gifs'
    code = main(['browse-dataset', TSM_CONFIG, '--out', str(out), '--split', 'val', '--num', '3',
                 '--cfg-options', f'val_dataloader.dataset.ann_file={synth["val"]}',
                 f'val_dataloader.dataset.data_prefix.video={synth["root"]}',
                 f'val_dataloader.dataset.metainfo.classes={list(SYNTH_MOTION_CLASSES)}'])
    assert code == 0
    written = gifs(out)
    assert len(written) == 3
    val_lines = open(synth['val']).read().split('\n')
    for index, gif in enumerate(written):
        label = int(val_lines[index].split()[1])
        assert gif.name == f'{index:05d}_label-{label}_{SYNTH_MOTION_CLASSES[label]}.gif'
        frames = decode(gif)
        # The TSM pipeline samples 8 segments of 1 frame and resizes them to 32 x 32.
        assert len(frames) == 8 and all(frame.shape == (32, 32, 3) for frame in frames)


def test_ncthw_samples_hold_every_clip(synth, tmp_path):
    config = tmp_path / 'ncthw.py'
    config.write_text(NCTHW_CONFIG.format(ann_file=synth['val'], root=synth['root']))
    out = tmp_path / 'gifs'
    assert main(['browse-dataset', str(config), '--out', str(out), '--split', 'val',
                 '--num', '2']) == 0
    written = gifs(out)
    assert [gif.name.split('_')[0] for gif in written] == ['00000', '00001']
    for gif in written:
        frames = decode(gif)
        assert len(frames) == 2 * 4 and all(frame.shape == (12, 20, 3) for frame in frames)


@pytest.mark.parametrize('input_format, collapse, num_clips, clip_len', [
    ('NCHW', False, 6, 1), ('NCTHW', False, 2, 3), ('NCTHW', True, 1, 6)])
def test_inputs_to_frames_undoes_format_shape(input_format, collapse, num_clips, clip_len):
    frames = random_clip(6, 4, 6, seed=1)
    results = dict(imgs=list(frames), num_clips=num_clips, clip_len=clip_len)
    packed = FormatShape(input_format, collapse=collapse)(results)['imgs']
    inputs = torch.from_numpy(packed.astype(np.float32))  # PackActionInputs keeps the values
    np.testing.assert_array_equal(inputs_to_frames(inputs, input_format, collapse), frames)


def test_split_without_dataloader_is_named(tmp_path, capsys):
    config = tmp_path / 'only_val.py'
    config.write_text("val_dataloader = dict(dataset=dict(type='VideoDataset', ann_file='x.txt', "
                      "pipeline=[]))\n")
    assert main(['browse-dataset', str(config), '--out', str(tmp_path / 'gifs')]) == 2
    assert 'train_dataloader.dataset is not set' in capsys.readouterr().err
