"""AudioDataset and the audio transforms, on spectrogram files written here."""
import numpy as np
import pytest

from reelkit.datasets import AudioDataset
from reelkit.datasets.transforms import AudioFeatureSelector, FormatAudioShape, LoadAudioFeature
from reelkit.datasets.transforms import audio as audio_module
from reelkit.utils.errors import AnnotationError

# The official recognition_audio/resnet pipelines.
TRAIN_PIPELINE = [
    dict(type='LoadAudioFeature'),
    dict(type='SampleFrames', clip_len=64, frame_interval=1, num_clips=1),
    dict(type='AudioFeatureSelector'),
    dict(type='FormatAudioShape', input_format='NCTF'),
    dict(type='PackActionInputs'),
]
TEST_PIPELINE = [dict(TRAIN_PIPELINE[0]), dict(TRAIN_PIPELINE[1], num_clips=10, test_mode=True),
                 *TRAIN_PIPELINE[2:]]


@pytest.fixture
def audio_root(tmp_path):
    """Two feature files (rows count the time steps) and a list naming them and a missing one."""
    for name, steps in (('a.npy', 200), ('b.npy', 90)):
        np.save(tmp_path / name, np.arange(steps, dtype=np.float32)[:, None].repeat(80, axis=1))
    (tmp_path / 'list.txt').write_text('a.npy 100 1\nb.npy 45 0\nsilent.npy 120 2\n')
    return tmp_path


@pytest.mark.parametrize('pipeline, views', [(TRAIN_PIPELINE, 1), (TEST_PIPELINE, 10)], ids=['train', 'test'])
def test_official_pipelines_give_nctf_inputs(audio_root, pipeline, views):
    dataset = AudioDataset(str(audio_root / 'list.txt'), pipeline, data_prefix=dict(audio=str(audio_root)),
                           test_mode=views > 1)
    assert len(dataset) == 3
    for index, label in enumerate((1, 0, 2)):
        sample = dataset[index]
        assert tuple(sample['inputs'].shape) == (views, 1, 128, 80)
        assert sample['data_samples'].gt_label.item() == label


def test_selector_maps_frames_onto_the_time_axis_and_pads():
    audios = np.arange(200, dtype=np.float32)[:, None].repeat(3, axis=1)
    results = dict(audios=audios, length=200, total_frames=100, num_clips=1, frame_inds=np.arange(10, 74))
    out = AudioFeatureSelector()(results)['audios']
    # frames 10..73 of 100 -> steps round(11 / 100 * 200) = 22 to round(74 / 100 * 200) = 148
    assert out.shape == (1, 128, 3)
    np.testing.assert_array_equal(out[0, :126, 0], np.arange(22, 148))
    assert not out[0, 126:].any()
    assert FormatAudioShape('NCTF')(dict(audios=out))['audios'].shape == (1, 1, 128, 3)


def test_selector_truncates_long_spans():
    results = dict(audios=np.ones((1000, 2), np.float32), length=1000, total_frames=100, num_clips=2,
                   frame_inds=np.concatenate([np.arange(0, 50), np.arange(50, 100)]))
    assert AudioFeatureSelector(fixed_length=64)(results)['audios'].shape == (2, 64, 2)


def test_missing_feature_file_is_padded_and_reported_once(monkeypatch, tmp_path):
    notices = []
    monkeypatch.setattr(audio_module, 'print_log', lambda message, **kwargs: notices.append(message))
    audio_module._report_missing.cache_clear()
    path = str(tmp_path / 'none.npy')
    for _ in range(3):
        results = LoadAudioFeature()(dict(audio_path=path))
    assert results['audios'].shape == (640, 80) and not results['audios'].any()
    assert len(notices) == 1 and path in notices[0]
    random = LoadAudioFeature(pad_method='random')(dict(audio_path=path))['audios']
    assert 0 <= random.min() and random.max() < 1 and random.std() > 0


def test_bad_arguments_and_lines_are_named(tmp_path):
    with pytest.raises(ValueError, match="pad_method='noise'"):
        LoadAudioFeature(pad_method='noise')
    with pytest.raises(ValueError, match="input_format='NCHW'"):
        FormatAudioShape('NCHW')
    (tmp_path / 'bad.txt').write_text('a.npy 100 1\na.npy x 1\n')
    with pytest.raises(AnnotationError, match=r'bad.txt:2: total_frames must be an integer'):
        AudioDataset(str(tmp_path / 'bad.txt'), [])
