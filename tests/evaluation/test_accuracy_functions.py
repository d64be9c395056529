"""The metric functions against numbers worked out by hand."""
import numpy as np
import pytest

from reelkit.evaluation.functional import (binary_average_precision, confusion_matrix,
                                           mean_average_precision, mean_class_accuracy,
                                           mmit_mean_average_precision, top_k_accuracy)

# 4 clips, 3 classes. Top-1 predictions: 0, 0, 2, 1; labels: 0, 1, 2, 2.
SCORES = np.array([[0.7, 0.2, 0.1],
                   [0.5, 0.3, 0.2],
                   [0.1, 0.3, 0.6],
                   [0.2, 0.5, 0.3]])
LABELS = [0, 1, 2, 2]

# 4 clips, 3 classes, multi-label. Class 2 has no positive.
ML_SCORES = np.array([[0.9, 0.2, 0.5],
                      [0.8, 0.6, 0.1],
                      [0.3, 0.7, 0.2],
                      [0.1, 0.4, 0.05]])
ML_LABELS = np.array([[1, 0, 0],
                      [0, 1, 0],
                      [1, 0, 0],
                      [0, 1, 0]], dtype=np.float32)


def test_top_k_accuracy_counts_label_among_k_best():
    # top-1 hits clips 0 and 2; top-2 also hits clip 1 (2nd is class 1) and clip 3 (2nd is class 2)
    assert top_k_accuracy(SCORES, LABELS, topk=(1, 2, 3)) == [0.5, 1.0, 1.0]


def test_top_k_accuracy_accepts_a_list_of_score_vectors():
    assert top_k_accuracy(list(SCORES), np.array(LABELS), topk=(1, )) == [0.5]


def test_top_k_accuracy_rejects_k_below_one():
    with pytest.raises(ValueError, match='every k must be an int >= 1'):
        top_k_accuracy(SCORES, LABELS, topk=(0, ))


def test_top_k_accuracy_rejects_length_mismatch():
    with pytest.raises(ValueError, match='4 score vectors but 3 labels'):
        top_k_accuracy(SCORES, LABELS[:3])


def test_top_k_accuracy_rejects_float_labels():
    with pytest.raises(TypeError, match='integer class indices'):
        top_k_accuracy(SCORES, [0.0, 1.0, 2.0, 2.0])


def test_confusion_matrix_rows_are_true_classes():
    expected = np.array([[1, 0, 0],
                         [1, 0, 0],
                         [0, 1, 1]])
    np.testing.assert_array_equal(confusion_matrix([0, 0, 2, 1], LABELS), expected)


def test_confusion_matrix_keeps_only_seen_classes_by_default():
    # classes 1 and 3 never occur: a 3x3 matrix over classes 0, 2, 4
    np.testing.assert_array_equal(confusion_matrix([0, 4, 2], [0, 2, 2]),
                                  [[1, 0, 0], [0, 1, 1], [0, 0, 0]])


def test_confusion_matrix_with_num_classes_is_indexed_by_class():
    matrix = confusion_matrix([0, 4, 2], [0, 2, 2], num_classes=5)
    assert matrix.shape == (5, 5)
    assert matrix[0, 0] == 1 and matrix[2, 2] == 1 and matrix[2, 4] == 1 and matrix.sum() == 3


def test_confusion_matrix_normalize_true_divides_rows():
    np.testing.assert_allclose(confusion_matrix([0, 0, 2, 1], LABELS, normalize='true'),
                               [[1, 0, 0], [1, 0, 0], [0, 0.5, 0.5]])


def test_confusion_matrix_normalize_pred_leaves_empty_column_zero():
    np.testing.assert_allclose(confusion_matrix([0, 0], [0, 1], normalize='pred'),
                               [[0.5, 0], [0.5, 0]])


def test_confusion_matrix_rejects_unknown_normalize():
    with pytest.raises(ValueError, match="normalize='rows'"):
        confusion_matrix([0], [0], normalize='rows')


def test_confusion_matrix_rejects_index_outside_num_classes():
    with pytest.raises(ValueError, match=r'class index 3 is outside \[0, num_classes=3\)'):
        confusion_matrix([0, 3], [0, 1], num_classes=3)


def test_mean_class_accuracy_averages_per_class_recall():
    # class 0: 1/1, class 1: 0/1, class 2: 1/2
    assert mean_class_accuracy(SCORES, LABELS) == pytest.approx(0.5)


def test_mean_class_accuracy_counts_predicted_only_class_as_zero():
    # labels only class 0 (recall 1/2); class 1 is predicted, never a label, and counts as 0
    scores = np.array([[0.9, 0.1], [0.2, 0.8]])
    assert mean_class_accuracy(scores, [0, 0]) == pytest.approx(0.25)


def test_binary_average_precision_by_hand():
    # ranking P, N, P, N: precision 1/1 and 2/3 at the two positives
    ap = binary_average_precision(np.array([0.9, 0.8, 0.3, 0.1]), np.array([1, 0, 1, 0]))
    assert ap == pytest.approx(5 / 6)


def test_binary_average_precision_treats_tied_scores_as_one_threshold():
    # 0.5 and 0.5 tie: at that threshold 1 of 2 is positive
    ap = binary_average_precision(np.array([0.5, 0.5, 0.1]), np.array([1, 0, 0]))
    assert ap == pytest.approx(0.5)


def test_binary_average_precision_without_positive_is_nan():
    assert np.isnan(binary_average_precision(np.array([0.5, 0.1]), np.array([0, 0])))


def test_mean_average_precision_skips_classes_without_positive():
    # class 0 ranks P N P N -> 5/6; class 1 ranks N P P N -> (1/2 + 2/3) / 2 = 7/12
    assert mean_average_precision(ML_SCORES, ML_LABELS) == pytest.approx((5 / 6 + 7 / 12) / 2)


def test_mean_average_precision_is_nan_without_any_positive():
    assert np.isnan(mean_average_precision(ML_SCORES, np.zeros_like(ML_LABELS)))


def test_mmit_mean_average_precision_averages_over_samples():
    # per-clip AP: 1, 1/2 (class 0 ranks above class 1), 1/2, 1
    assert mmit_mean_average_precision(ML_SCORES, ML_LABELS) == pytest.approx(0.75)


def test_mmit_mean_average_precision_is_nan_when_a_sample_has_no_positive():
    labels = ML_LABELS.copy()
    labels[3] = 0
    assert np.isnan(mmit_mean_average_precision(ML_SCORES, labels))


def test_mean_average_precision_rejects_index_labels():
    with pytest.raises(ValueError, match='multi-hot vectors shaped like the scores'):
        mean_average_precision(ML_SCORES, [0, 1, 0, 1])
