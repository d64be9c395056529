"""VideoDataset: annotation parsing, prefixes, multi-class labels, errors naming file:line."""
import pytest
import torch

from reelkit.datasets import VideoDataset
from reelkit.utils.errors import AnnotationError, ConfigError


@pytest.fixture
def video_dir(tmp_path):
    videos = tmp_path / 'videos'
    (videos / 'sub').mkdir(parents=True)
    for name in ('a.mp4', 'b.mp4', 'sub/c.mp4'):
        (videos / name).write_bytes(b'')  # existence is all loading checks
    return videos


def write_ann(tmp_path, text, name='ann.txt'):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_entries_hold_prefixed_filename_and_int_label(tmp_path, video_dir):
    ann = write_ann(tmp_path, 'a.mp4 3\n\nsub/c.mp4 0\n')
    dataset = VideoDataset(ann, pipeline=[], data_prefix=dict(video=str(video_dir)))
    assert len(dataset) == 2
    info = dataset.get_data_info(1)
    assert info['filename'] == str(video_dir / 'sub/c.mp4')
    assert info['label'] == 0 and isinstance(info['label'], int)


def test_data_info_adds_modality_and_start_index(tmp_path, video_dir):
    ann = write_ann(tmp_path, 'a.mp4 1\n')
    dataset = VideoDataset(ann, pipeline=[], data_prefix=dict(video=str(video_dir)), start_index=2)
    info = dataset.get_data_info(0)
    assert (info['modality'], info['start_index']) == ('RGB', 2)


def test_data_root_joins_ann_file_and_prefix(tmp_path, video_dir):
    write_ann(tmp_path, 'a.mp4 1\n')
    dataset = VideoDataset('ann.txt', pipeline=[], data_root=str(tmp_path),
                           data_prefix=dict(video='videos'))
    assert dataset.get_data_info(0)['filename'] == str(video_dir / 'a.mp4')


def test_multi_class_label_becomes_float_onehot(tmp_path, video_dir):
    ann = write_ann(tmp_path, 'a.mp4 0 2\nb.mp4 3\n')
    dataset = VideoDataset(ann, pipeline=[], data_prefix=dict(video=str(video_dir)),
                           multi_class=True, num_classes=4)
    assert dataset.get_data_info(0)['label'].tolist() == [1., 0., 1., 0.]
    assert dataset.get_data_info(1)['label'].dtype == torch.float32


def test_multi_class_without_num_classes_is_refused(tmp_path, video_dir):
    ann = write_ann(tmp_path, 'a.mp4 0 2\n')
    with pytest.raises(ConfigError, match='num_classes'):
        VideoDataset(ann, pipeline=[], multi_class=True)


def test_custom_delimiter_splits_exactly(tmp_path, video_dir):
    (video_dir / 'with space.mp4').write_bytes(b'')
    ann = write_ann(tmp_path, 'with space.mp4, 5\n')
    dataset = VideoDataset(ann, pipeline=[], data_prefix=dict(video=str(video_dir)), delimiter=',')
    assert dataset.get_data_info(0)['filename'].endswith('with space.mp4')
    assert dataset.get_data_info(0)['label'] == 5


def test_line_without_label_names_file_and_line(tmp_path, video_dir):
    ann = write_ann(tmp_path, 'a.mp4 1\nb.mp4 2\nsub/c.mp4\n')
    expected = r"ann\.txt:3: expected '<path> <label>', got 'sub/c.mp4'"
    with pytest.raises(AnnotationError, match=expected):
        VideoDataset(ann, pipeline=[], data_prefix=dict(video=str(video_dir)))


def test_non_integer_label_names_file_line_and_field(tmp_path, video_dir):
    ann = write_ann(tmp_path, 'a.mp4 1\nb.mp4 2\nsub/c.mp4 walking\n')
    expected = r"ann\.txt:3: label must be an integer, got 'walking'"
    with pytest.raises(AnnotationError, match=expected):
        VideoDataset(ann, pipeline=[], data_prefix=dict(video=str(video_dir)))


def test_several_labels_without_multi_class_suggest_it(tmp_path, video_dir):
    ann = write_ann(tmp_path, 'a.mp4 1 2\n')
    with pytest.raises(AnnotationError, match=r'ann\.txt:1: .*multi_class=True'):
        VideoDataset(ann, pipeline=[], data_prefix=dict(video=str(video_dir)))


def test_label_outside_num_classes_is_refused(tmp_path, video_dir):
    ann = write_ann(tmp_path, 'a.mp4 1\nb.mp4 7\n')
    with pytest.raises(AnnotationError, match=r'ann\.txt:2: label 7 is outside \[0, 5\)'):
        VideoDataset(ann, pipeline=[], data_prefix=dict(video=str(video_dir)), num_classes=5)


def test_missing_annotation_file_says_so(tmp_path):
    with pytest.raises(AnnotationError, match=r'nope\.txt: annotation file not found'):
        VideoDataset(str(tmp_path / 'nope.txt'), pipeline=[])


def test_missing_videos_are_counted_and_named(tmp_path, video_dir):
    ann = write_ann(tmp_path, 'a.mp4 1\ngone.mp4 2\nb.mp4 0\nlost.mp4 1\n')
    with pytest.raises(AnnotationError) as error:
        VideoDataset(ann, pipeline=[], data_prefix=dict(video=str(video_dir)))
    message = str(error.value)
    assert message.startswith('2 of 4 videos')
    assert f'ann.txt:2: missing video {video_dir / "gone.mp4"}' in message
    assert f'ann.txt:4: missing video {video_dir / "lost.mp4"}' in message
    assert 'check_paths=False' in message


def test_check_paths_false_skips_existence_check(tmp_path):
    ann = write_ann(tmp_path, 'gone.mp4 2\n')
    assert len(VideoDataset(ann, pipeline=[], check_paths=False)) == 1


def test_data_prefix_without_video_key_names_the_key(tmp_path, video_dir):
    ann = write_ann(tmp_path, 'a.mp4 1\n')
    with pytest.raises(ConfigError, match=r"no 'video' key"):
        VideoDataset(ann, pipeline=[], data_prefix=dict(img=str(video_dir)))
