"""Hostile ActivityNet JSON annotation files (``ActivityNetDataset``), in the manner of
test_annotation_fuzz.py and with its Hypothesis settings: loading either succeeds, and then
``GenerateLocalizationLabels`` gives each video labels in [0, 1] or an AnnotationError naming it;
or it raises an AnnotationError that names the file, and the video when the file is a JSON object.
No other exception escapes.
"""
import ast
import json
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reelkit.datasets import ActivityNetDataset
from reelkit.datasets.transforms import GenerateLocalizationLabels
from reelkit.utils.errors import AnnotationError
from tests.datasets.test_annotation_fuzz import CASES, FUZZ
from tests.datasets.test_annotation_fuzz import report_fuzz_cases as shared_report

report_fuzz_cases = shared_report  # its autouse fixture, so that `pytest -s` prints these counts too

ANET_KEYS = ('duration_second', 'duration_frame', 'feature_frame', 'fps', 'rfps', 'annotations',
             'segment', 'label')
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 10 ** 4), st.integers(10 ** 308, 10 ** 400),
    st.floats(), st.text(max_size=5), st.sampled_from(ANET_KEYS))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(ANET_KEYS), st.text(max_size=4)), inner, max_size=5)),
    max_leaves=15)
video_names = st.text(max_size=8)


@st.composite
def valid_video_info(draw) -> dict:
    """An entry of the documented format, every field well formed."""
    seconds = draw(st.floats(0.5, 500))
    frames = draw(st.integers(1, 20000))
    annotations = []
    for _ in range(draw(st.integers(0, 3))):
        start, end = sorted(draw(st.floats(-5, 600)) for _ in range(2))
        annotations.append(dict(segment=[start, end], label=draw(st.text(max_size=6))))
    info = dict(duration_second=seconds, duration_frame=frames, annotations=annotations)
    if draw(st.booleans()):
        info.update(feature_frame=draw(st.integers(1, frames)), fps=30.0, rfps=29.97)
    return info


@st.composite
def perturbed(draw, info: dict) -> dict:
    """``info`` with one field, or one field of one annotation, deleted or replaced by any JSON."""
    info = json.loads(json.dumps(info))
    target = info
    if info['annotations'] and draw(st.booleans()):
        target = info['annotations'][draw(st.integers(0, len(info['annotations']) - 1))]
    key = draw(st.sampled_from(sorted(target)))
    if draw(st.booleans()):
        del target[key]
    else:
        target[key] = draw(json_values)
    return info


@st.composite
def near_valid_database(draw):
    """``(database, names perturbed)``: valid entries, some of them perturbed once."""
    names = draw(st.lists(video_names, min_size=1, max_size=5, unique=True))
    database, touched = {}, set()
    for name in names:
        info = draw(valid_video_info())
        if draw(st.booleans()):
            info = draw(perturbed(info))
            touched.add(name)
        database[name] = info
    return database, touched


def load(ann) -> ActivityNetDataset:
    return ActivityNetDataset(str(ann), [], data_prefix=dict(video='features'), serialize_data=False)


def video_named(message: str, ann) -> str:
    """The video name an error names after ``ANN: video``; fails if it names none."""
    found = re.match(re.escape(str(ann)) + r": video ('.*?'|\".*?\")[:.]", message, re.DOTALL)
    assert found, message
    return ast.literal_eval(found.group(1))  # the repr the message quotes


def check_labels(dataset: ActivityNetDataset) -> None:
    """Labels of every loaded video in [0, 1], or an AnnotationError naming the video."""
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        try:
            gt_bbox = GenerateLocalizationLabels()(info)['gt_bbox']
        except AnnotationError as error:
            assert repr(info['video_name']) in str(error), str(error)
            continue
        assert gt_bbox.shape == (len(info['annotations']), 2)
        assert np.isfinite(gt_bbox).all() and (gt_bbox >= 0).all() and (gt_bbox <= 1).all()


@FUZZ
@given(case=near_valid_database())
def test_near_valid_annotations_load_or_name_a_perturbed_video(tmp_path, case):
    CASES['ActivityNet near-valid JSON'] += 1
    database, touched = case
    ann = tmp_path / 'anet.json'
    ann.write_text(json.dumps(database), encoding='utf-8')  # NaN and Infinity as Python writes them
    try:
        dataset = load(ann)
    except AnnotationError as error:
        assert video_named(str(error), ann) in touched
        return
    assert [dataset.get_data_info(i)['video_name'] for i in range(len(dataset))] == list(database)
    check_labels(dataset)


def truncated(text: str, cut):
    return text if cut is None else text[:cut % (len(text) + 1)]


@FUZZ
@given(content=st.one_of(json_values, st.dictionaries(video_names, json_values, max_size=4)),
       cut=st.one_of(st.none(), st.none(), st.integers(0, 10 ** 4)),
       junk=st.one_of(st.none(), st.binary(max_size=60)))
def test_any_json_or_bytes_load_or_name_the_file(tmp_path, content, cut, junk):
    CASES['ActivityNet any JSON/bytes'] += 1
    ann = tmp_path / 'anet.json'
    ann.write_bytes(junk if junk is not None else truncated(json.dumps(content), cut).encode())
    try:
        dataset = load(ann)
    except AnnotationError as error:
        message = str(error)
        assert message.startswith(f'{ann}: '), message
        if message.startswith(f'{ann}: video '):
            assert video_named(message, ann) in json.loads(ann.read_text(encoding='utf-8'))
        return
    check_labels(dataset)


def test_deep_nesting_and_out_of_range_numbers_are_annotation_errors(tmp_path):
    ann = tmp_path / 'anet.json'
    ann.write_text('[' * 100000)
    with pytest.raises(AnnotationError, match='nested too deeply'):
        load(ann)
    for value in ('1e999', 'NaN', '-Infinity', '1' * 400, 'true'):
        ann.write_text('{"v_a": {"duration_second": %s, "duration_frame": 10}}' % value)
        with pytest.raises(AnnotationError, match="video 'v_a': duration_second="):
            load(ann)
    ann.write_text('{"v_a": {"duration_second": 9, "duration_frame": 10, "annotations": '
                   '[{"segment": [1, 1e400], "label": "x"}]}}')
    with pytest.raises(AnnotationError, match=r"video 'v_a': annotations\[0\]\.segment="):
        load(ann)
