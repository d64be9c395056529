"""RawframeDataset: frame folders, offsets, templates, multi-class labels and file:line errors."""
import pytest

from reelkit.datasets import RawframeDataset
from reelkit.utils.errors import AnnotationError


@pytest.fixture
def frame_root(tmp_path):
    for name in ('v1', 'v2', 'v3'):
        (tmp_path / 'frames' / name).mkdir(parents=True)
    return tmp_path / 'frames'


def write_ann(tmp_path, text):
    path = tmp_path / 'ann.txt'
    path.write_text(text)
    return str(path)


def test_entries_hold_frame_dir_total_frames_label_and_template(tmp_path, frame_root):
    ann = write_ann(tmp_path, 'v1 30 2\nv2 12 0\n')
    dataset = RawframeDataset(ann, pipeline=[], data_prefix=dict(img=str(frame_root)),
                              filename_tmpl='{:06}.png')
    info = dataset.get_data_info(0)
    assert info['frame_dir'] == str(frame_root / 'v1')
    assert (info['total_frames'], info['label'], info['filename_tmpl']) == (30, 2, '{:06}.png')
    assert 'offset' not in info


def test_start_index_defaults_to_one(tmp_path, frame_root):
    ann = write_ann(tmp_path, 'v1 30 2\n')
    dataset = RawframeDataset(ann, pipeline=[], data_prefix=dict(img=str(frame_root)))
    info = dataset.get_data_info(0)
    assert (info['start_index'], info['filename_tmpl']) == (1, 'img_{:05}.jpg')


def test_with_offset_reads_offset_before_total_frames(tmp_path, frame_root):
    ann = write_ann(tmp_path, 'v1 100 24 3\n')
    dataset = RawframeDataset(ann, pipeline=[], data_prefix=dict(img=str(frame_root)),
                              with_offset=True)
    info = dataset.get_data_info(0)
    assert (info['offset'], info['total_frames'], info['label']) == (100, 24, 3)


def test_multi_class_labels_become_onehot(tmp_path, frame_root):
    ann = write_ann(tmp_path, 'v1 30 0 3\n')
    dataset = RawframeDataset(ann, pipeline=[], data_prefix=dict(img=str(frame_root)),
                              multi_class=True, num_classes=5)
    assert dataset.get_data_info(0)['label'].tolist() == [1., 0., 0., 1., 0.]


def test_non_integer_total_frames_names_file_and_line(tmp_path, frame_root):
    ann = write_ann(tmp_path, 'v1 30 1\nv2 12 0\nv3 many 1\n')
    with pytest.raises(AnnotationError,
                       match=r"ann\.txt:3: total_frames must be an integer, got 'many'; "
                       r"expected '<frame_dir> <total_frames> <label>'"):
        RawframeDataset(ann, pipeline=[], data_prefix=dict(img=str(frame_root)))


def test_missing_label_with_offset_names_expected_format(tmp_path, frame_root):
    ann = write_ann(tmp_path, 'v1 0 30 1\nv2 0 12 0\nv3 5 12\n')
    with pytest.raises(AnnotationError,
                       match=r"ann\.txt:3: expected '<frame_dir> <offset> <total_frames> <label>'"):
        RawframeDataset(ann, pipeline=[], data_prefix=dict(img=str(frame_root)), with_offset=True)


def test_missing_frame_folder_is_named(tmp_path, frame_root):
    ann = write_ann(tmp_path, 'v1 30 1\nv9 12 0\n')
    with pytest.raises(AnnotationError, match=r'ann\.txt:2: missing frame folder .*v9'):
        RawframeDataset(ann, pipeline=[], data_prefix=dict(img=str(frame_root)))
