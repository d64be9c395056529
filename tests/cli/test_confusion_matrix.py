"""reelkit confusion-matrix: the printed matrix is the hand-counted one of a results file the test
writes as DumpResults does, the PNG decodes, and bad files are refused with their name."""
import datetime

import cv2
import mmengine
import numpy as np
import pytest
import torch

from reelkit.cli import main

CLASSES = ['archery', 'bowling', 'curling']
# (true class, predicted class) of 7 samples; counted by hand: rows true, columns predicted.
PAIRS = [(0, 0), (0, 1), (1, 1), (1, 1), (2, 2), (2, 0), (2, 2)]
HAND_COUNTED = [[1, 1, 0],
                [0, 2, 0],
                [1, 0, 2]]


def write_results(path, pairs, num_classes=3):
    """A results file as ``reelkit test --dump`` writes it (MMEngine's DumpResults: mmengine.dump
    of per-sample dicts), each sample's score peaked at its predicted class."""
    samples = []
    for true, predicted in pairs:
        score = torch.full((num_classes, ), 0.1)
        score[predicted] = 0.8
        samples.append(dict(img_shape=(24, 24), gt_label=torch.tensor([true]),
                            pred_label=torch.tensor([predicted]), pred_score=score))
    mmengine.dump(samples, str(path))
    return str(path)


@pytest.fixture
def label_map(tmp_path):
    path = tmp_path / 'classes.txt'
    path.write_text('\n'.join(CLASSES) + '\n')
    return str(path)


def printed_matrix(stdout):
    """The cells of the matrix ``reelkit confusion-matrix`` printed, one list per true class."""
    rows = [line.split('|')[1].split() for line in stdout.splitlines()
            if '|' in line and line.split()[0].isdigit()]
    return [[float(cell) for cell in row] for row in rows]


def test_matrix_equals_the_hand_counted_one(tmp_path, label_map, capsys):
    results, out = write_results(tmp_path / 'results.pkl', PAIRS), tmp_path / 'cm.png'
    assert main(['confusion-matrix', results, '--label-map', label_map, '--out', str(out)]) == 0
    assert printed_matrix(capsys.readouterr().out) == HAND_COUNTED
    image = cv2.imread(str(out))
    assert image is not None and image.shape[0] > 3 * 48 and image.std() > 0


def test_normalize_divides_each_true_class_row_by_its_count(tmp_path, label_map, capsys):
    results = write_results(tmp_path / 'results.pkl', PAIRS)
    assert main(['confusion-matrix', results, '--label-map', label_map,
                 '--out', str(tmp_path / 'cm.png'), '--normalize']) == 0
    expected = np.array(HAND_COUNTED) / np.array(HAND_COUNTED).sum(axis=1, keepdims=True)
    assert np.array(printed_matrix(capsys.readouterr().out)) == pytest.approx(expected, abs=0.005)
    assert cv2.imread(str(tmp_path / 'cm.png')) is not None


def test_a_results_file_with_other_pickled_objects_is_refused(tmp_path, label_map, capsys):
    path = tmp_path / 'results.pkl'
    mmengine.dump([dict(gt_label=torch.tensor([0]), when=datetime.date(2024, 1, 1))], str(path))
    assert main(['confusion-matrix', str(path), '--label-map', label_map,
                 '--out', str(tmp_path / 'cm.png')]) == 2
    error = capsys.readouterr().err
    assert f'{path}: refused to load: it names datetime.date' in error


def test_a_label_map_that_does_not_fit_the_scores_is_named(tmp_path, label_map, capsys):
    results = write_results(tmp_path / 'results.pkl', [(0, 3), (1, 1)], num_classes=4)
    assert main(['confusion-matrix', results, '--label-map', label_map,
                 '--out', str(tmp_path / 'cm.png')]) == 2
    assert 'pred_score has 4 classes, but the label map has 3' in capsys.readouterr().err
