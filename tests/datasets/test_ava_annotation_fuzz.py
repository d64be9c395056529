"""Hostile AVA annotation files (``AVADataset``: the box csv, the excluded-timestamps csv and the
``.pbtxt`` label map), in the manner of test_annotation_fuzz.py and with its Hypothesis settings:
loading either succeeds with boxes that are fractions of the frame and labels inside the classes,
or raises an AnnotationError that names the file (and the line, for a csv row). No other
exception escapes.
"""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from reelkit.datasets import AVADataset
from reelkit.utils.errors import AnnotationError
from tests.datasets.test_annotation_fuzz import CASES, FUZZ, line_named
from tests.datasets.test_annotation_fuzz import report_fuzz_cases as shared_report

report_fuzz_cases = shared_report  # its autouse fixture, so that `pytest -s` prints these counts too

NUM_CLASSES = 5
LABEL_MAP = ''.join(f'item {{\n  name: "action {i}"\n  id: {i}\n}}\n' for i in range(1, NUM_CLASSES))
hostile_text = st.text(st.characters(blacklist_categories=('Cs', )), max_size=200)
fields = st.one_of(st.text(max_size=6), st.sampled_from(['', '-1', '0.5', '1e999', 'nan', '902', '3']))


def write(path, content) -> str:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding='utf-8', errors='surrogatepass')
    return str(path)


def load(folder, ann: str, excluded: str = '', label_map: str = LABEL_MAP) -> AVADataset:
    return AVADataset(ann_file=ann, pipeline=[], num_classes=NUM_CLASSES,
                      exclude_file=write(folder / 'excluded.csv', excluded),
                      label_file=write(folder / 'labels.pbtxt', label_map),
                      serialize_data=False)


def assert_well_formed(dataset: AVADataset) -> None:
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        boxes = np.asarray(info['gt_bboxes'])
        assert ((0 <= boxes) & (boxes <= 1)).all()
        labels = np.asarray(info['gt_labels'])
        assert labels.shape[-1] == NUM_CLASSES and set(np.unique(labels)) <= {0, 1}


def valid_rows(count: int):
    return [f'vid_{i % 2},{902 + i},0.1,0.2,0.6,0.9,{1 + i % (NUM_CLASSES - 1)},{i}'
            for i in range(count)]


@FUZZ
@given(content=st.one_of(st.binary(max_size=200), hostile_text))
def test_random_bytes_and_text_as_the_box_csv(tmp_path, content):
    CASES['AVA box csv: random bytes/text'] += 1
    ann = write(tmp_path / 'ava.csv', content)
    try:
        assert_well_formed(load(tmp_path, ann))
    except AnnotationError as error:
        assert str(error).startswith(ann), error


@FUZZ
@given(rows=st.integers(1, 4).map(valid_rows), row=st.integers(0, 3), column=st.integers(0, 7),
       value=fields)
def test_one_bad_field_is_named_by_its_line(tmp_path, rows, row, column, value):
    CASES['AVA box csv: one field replaced'] += 1
    row = row % len(rows)
    cells = rows[row].split(',')
    cells[column] = value
    rows[row] = ','.join(cells)
    ann = write(tmp_path / 'ava.csv', '\n'.join(rows) + '\n')
    try:
        assert_well_formed(load(tmp_path, ann))
    except AnnotationError as error:
        assert line_named(str(error), ann) == row + 1


@FUZZ
@given(excluded=st.one_of(st.binary(max_size=120), hostile_text),
       label_map=st.one_of(st.just(LABEL_MAP), st.binary(max_size=120), hostile_text))
def test_random_excluded_file_and_label_map(tmp_path, excluded, label_map):
    CASES['AVA excluded csv / label map: random'] += 1
    ann = write(tmp_path / 'ava.csv', '\n'.join(valid_rows(3)) + '\n')
    try:
        assert_well_formed(load(tmp_path, ann, excluded, label_map))
    except AnnotationError as error:
        assert str(error).startswith((str(tmp_path / 'excluded.csv'),
                                      str(tmp_path / 'labels.pbtxt'))), error
