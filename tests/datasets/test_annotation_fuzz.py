"""Hostile annotation files: loading either succeeds or raises an AnnotationError that names the
file (and, for the line lists, the line); no other exception escapes.

Each test is a Hypothesis property (``FUZZ`` settings: 250 examples, no deadline, no example
database). ``pytest -s`` prints how many generated files each test loaded ("fuzz cases run").
"""
import os
import pickle
import re
import tempfile
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.extra import numpy as hnp

from reelkit.datasets import AudioDataset, PoseDataset, RawframeDataset, VideoDataset
from reelkit.utils.errors import AnnotationError

set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), 'reelkit-hypothesis'))  # not in the tree
FUZZ = settings(max_examples=250, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CASES: Counter = Counter()  # generated files loaded, by test

# serialize_data=False: MMEngine's serialisation ends in gc.collect(), a quarter second per dataset
# inside a test session; the parsing is what is tested here.
LIST_DATASETS = {
    'video': lambda ann, **kw: VideoDataset(ann, [], check_paths=False, serialize_data=False, **kw),
    'rawframe': lambda ann, **kw: RawframeDataset(ann, [], check_paths=False, serialize_data=False,
                                                  **kw),
    'rawframe_offset': lambda ann, **kw: RawframeDataset(ann, [], check_paths=False, with_offset=True,
                                                         serialize_data=False, **kw),
    'audio': lambda ann, **kw: AudioDataset(ann, [], serialize_data=False, **kw),
}
# The integer fields before the label(s), by list format.
NUMBER_FIELDS = {'video': 0, 'rawframe': 1, 'rawframe_offset': 2, 'audio': 1}
NUM_CLASSES = 5


@pytest.fixture(scope='module', autouse=True)
def report_fuzz_cases():
    yield
    print('\nfuzz cases run: ' + ', '.join(f'{name} {count}' for name, count in CASES.items()))


def line_named(message: str, path: str) -> int:
    """The line number the message gives after ``path:``; fails if it names none."""
    found = re.search(re.escape(path) + r':(\d+)', message)
    assert found, message
    return int(found.group(1))


def label_options():
    """Dataset arguments: single-label or multi-class, with or without ``num_classes``."""
    return st.sampled_from([dict(), dict(num_classes=NUM_CLASSES),
                            dict(multi_class=True, num_classes=NUM_CLASSES)])


# ----------------------------------------------------------------------------- text lists
# Text lines, each ended by a newline, CRLF or a lone CR.
hostile_text = st.lists(st.tuples(st.text(max_size=30), st.sampled_from(['\n', '\r\n', '\r'])),
                        max_size=8).map(lambda lines: ''.join(a + b for a, b in lines).encode())


@FUZZ
@given(kind=st.sampled_from(sorted(LIST_DATASETS)), options=label_options(),
       content=st.one_of(st.binary(max_size=200), hostile_text))
def test_random_bytes_and_text_load_or_name_the_line(tmp_path, kind, options, content):
    CASES['random bytes/text lists'] += 1
    ann = tmp_path / 'ann.txt'
    ann.write_bytes(content)
    try:
        LIST_DATASETS[kind](str(ann), **options)
    except AnnotationError as error:
        if str(error).startswith(f'{ann}: the annotation file has no entries'):
            assert not content.decode('utf-8-sig').split()  # only blank lines
            return
        line = line_named(str(error), str(ann))
        assert 1 <= line <= content.count(b'\n') + content.count(b'\r') + 1


# Path fields: no whitespace, so each is one field of a whitespace-split line.
paths = st.text(st.characters(blacklist_categories=('Z', 'C')), min_size=1, max_size=12)


def expected_outcome(fields, kind, multi_class):
    """What a line of these (whitespace-free) fields must parse to, from the documented format:
    ``('entry', (path, numbers, labels))`` or ``('bad', )``."""
    num_labels = len(fields) - 1 - NUMBER_FIELDS[kind]
    if num_labels < 1 or (num_labels > 1 and not multi_class):
        return ('bad', )
    if not all(re.fullmatch('[0-9]+', field) for field in fields[1:]):
        return ('bad', )  # not an integer, or negative
    values = [int(field) for field in fields[1:]]
    numbers, labels = values[:NUMBER_FIELDS[kind]], values[NUMBER_FIELDS[kind]:]
    if max(labels) >= NUM_CLASSES:
        return ('bad', )
    return ('entry', (fields[0], numbers, labels))


@st.composite
def near_valid_line(draw, kind, multi_class):
    """A valid line, a blank one, or one with a field dropped or added, a field that is no
    integer, a negative number or a label >= NUM_CLASSES; and what it must parse to
    (``('blank', )`` or see :func:`expected_outcome`)."""
    how = draw(st.sampled_from(['entry', 'entry', 'blank', 'drop', 'add', 'not_integer',
                                'negative', 'large']))
    if how == 'blank':
        return draw(st.sampled_from(['', ' ', '\t', '\u3000'])), ('blank', )
    fields = [draw(paths)] + [str(draw(st.integers(0, 500))) for _ in range(NUMBER_FIELDS[kind])]
    fields += [str(draw(st.integers(0, NUM_CLASSES - 1)))
               for _ in range(draw(st.integers(1, 3 if multi_class else 1)))]
    index = draw(st.integers(1, len(fields) - 1))
    if how == 'drop':
        del fields[index]
    elif how == 'add':
        fields.insert(index, str(draw(st.integers(0, NUM_CLASSES - 1))))
    elif how == 'not_integer':
        fields[index] = draw(st.sampled_from(['x', '1.5', '3a', '0x1', '1e3', 'None', '½']))
    elif how == 'negative':
        fields[index] = str(-draw(st.integers(1, 9)))
    elif how == 'large':
        fields[index] = str(draw(st.integers(NUM_CLASSES, 10 ** 6)))
    sep = draw(st.sampled_from([' ', '\t', '  ', ' \t ']))
    return sep.join(fields), expected_outcome(fields, kind, multi_class)


@st.composite
def near_valid_file(draw):
    kind = draw(st.sampled_from(sorted(LIST_DATASETS)))
    multi_class = draw(st.booleans())
    lines = draw(st.lists(near_valid_line(kind, multi_class), min_size=1, max_size=8))
    endings = draw(st.lists(st.sampled_from(['\n', '\r\n']), min_size=len(lines),
                            max_size=len(lines)))
    bom = draw(st.sampled_from(['', '\ufeff']))
    text = bom + ''.join(line + end for (line, _), end in zip(lines, endings))
    return kind, multi_class, text, [outcome for _, outcome in lines]


@FUZZ
@given(case=near_valid_file())
def test_near_valid_lists_parse_exactly_or_name_the_first_bad_line(tmp_path, case):
    CASES['near-valid lists'] += 1
    kind, multi_class, text, outcomes = case
    ann = tmp_path / 'ann.txt'
    ann.write_bytes(text.encode('utf-8'))
    options = dict(multi_class=multi_class, num_classes=NUM_CLASSES)
    bad = [number for number, outcome in enumerate(outcomes, 1) if outcome[0] == 'bad']
    if not bad and all(outcome[0] == 'blank' for outcome in outcomes):
        with pytest.raises(AnnotationError, match='the annotation file has no entries'):
            LIST_DATASETS[kind](str(ann), **options)
        return
    if bad:
        with pytest.raises(AnnotationError) as error:
            LIST_DATASETS[kind](str(ann), **options)
        assert line_named(str(error.value), str(ann)) == bad[0]
        return
    dataset = LIST_DATASETS[kind](str(ann), **options)
    expected = [outcome[1] for outcome in outcomes if outcome[0] == 'entry']
    assert len(dataset) == len(expected)
    for index, (path, numbers, labels) in enumerate(expected):
        info = dataset.get_data_info(index)
        name = {'video': 'filename', 'audio': 'audio_path'}.get(kind, 'frame_dir')
        assert info[name] == path
        if numbers:
            assert info['total_frames'] == numbers[-1]
        if kind == 'rawframe_offset':
            assert info['offset'] == numbers[0]
        if multi_class:
            assert info['label'].nonzero().flatten().tolist() == sorted(set(labels))
        else:
            assert info['label'] == labels[0]


# ----------------------------------------------------------------------------- pose pickles
POSE_KEYS = ('split', 'annotations', 'frame_dir', 'filename', 'label', 'keypoint',
             'keypoint_score', 'total_frames', 'img_shape', 'valid', 'box_score', 'train', 'val')
small_arrays = hnp.arrays(st.sampled_from([np.float32, np.int64, np.bool_]),
                          hnp.array_shapes(max_dims=3, max_side=3))
pose_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 10),
                         st.floats(-2, 2, allow_nan=False), st.sampled_from(POSE_KEYS),
                         st.text(max_size=5), small_arrays)
pose_values = st.recursive(pose_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner), st.dictionaries(
        st.one_of(st.sampled_from(POSE_KEYS), st.floats(0.5, 0.9), st.integers(0, 3)), inner,
        max_size=5)), max_leaves=15)


@st.composite
def pose_annotation(draw):
    """An annotation dict with some of the keys it should have, each maybe of the wrong type."""
    item = draw(st.dictionaries(st.sampled_from(POSE_KEYS), pose_values, max_size=4))
    if draw(st.booleans()):
        item['frame_dir'] = draw(st.sampled_from(['a', 'b', 'c']))
    if draw(st.booleans()):
        item['label'] = draw(st.integers(-1, 6))
    if draw(st.booleans()):
        item.update(total_frames=draw(st.integers(0, 4)), valid={0.5: draw(st.integers(0, 4))},
                    box_score=draw(small_arrays))
    return item


pose_contents = st.one_of(
    pose_values,
    st.lists(pose_annotation(), max_size=4),
    st.fixed_dictionaries({'annotations': st.one_of(st.lists(pose_annotation(), max_size=4),
                                                    pose_values)},
                          optional={'split': st.one_of(st.dictionaries(
                              st.sampled_from(['train', 'val']), st.one_of(
                                  st.lists(st.sampled_from(['a', 'b', 'c']), max_size=3),
                                  pose_values)), pose_values)}))
pose_options = st.fixed_dictionaries({}, optional={
    'split': st.sampled_from([None, 'train', 'val']), 'valid_ratio': st.sampled_from([None, .5]),
    'num_classes': st.just(NUM_CLASSES), 'data_prefix': st.just(dict(video='videos'))})


def pickled_bytes(content, cut, flip):
    """``content`` pickled, then maybe cut short or with one byte changed."""
    data = pickle.dumps(content)
    if cut is not None:
        data = data[:cut % (len(data) + 1)]
    if flip is not None and data:
        position = flip % len(data)
        data = data[:position] + bytes([(data[position] + 1) % 256]) + data[position + 1:]
    return data


@FUZZ
@given(content=pose_contents, options=pose_options,
       cut=st.one_of(st.none(), st.none(), st.integers(0, 10 ** 6)),
       flip=st.one_of(st.none(), st.none(), st.integers(0, 10 ** 6)))
def test_random_pose_pickles_load_or_name_the_file(tmp_path, content, options, cut, flip):
    CASES['pose pickles'] += 1
    data = pickled_bytes(content, cut, flip)
    ann = tmp_path / 'poses.pkl'
    ann.write_bytes(data)
    try:
        dataset = PoseDataset(str(ann), [], serialize_data=False, **options)
    except AnnotationError as error:
        assert str(error).startswith(f'{ann}: '), str(error)
        return
    for index in range(len(dataset)):  # what loaded is a dict per sample, with a usable label
        info = dataset.get_data_info(index)
        assert isinstance(info, dict) and info['modality'] == 'Pose'
        if 'label' in info:
            assert 0 <= info['label'] < options.get('num_classes', np.inf)


# GLOBAL, INST and STACK_GLOBAL import by name: random bytes must not get to run code.
IMPORTING_OPCODES = {ord('c'), ord('i'), 0x93}


@FUZZ
@given(data=st.lists(st.integers(0, 255).filter(lambda byte: byte not in IMPORTING_OPCODES),
                    max_size=200).map(bytes))
def test_random_bytes_as_a_pose_pickle_name_the_file(tmp_path, data):
    CASES['pose random bytes'] += 1
    ann = tmp_path / 'poses.pkl'
    ann.write_bytes(data)
    try:
        PoseDataset(str(ann), [], serialize_data=False)
    except AnnotationError as error:
        assert str(error).startswith(f'{ann}: '), str(error)
