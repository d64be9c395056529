"""Classification accuracy on numpy arrays, with MMAction2's numerics.

``scores`` is an ``(N, C)`` array (or a list of ``N`` score vectors of length ``C``).
Single-label ``labels`` are ``N`` class indices; multi-label ``labels`` are ``N`` multi-hot
vectors of length ``C`` in which ``1`` marks a positive class.
"""
from typing import Optional, Sequence, Tuple, Union

import numpy as np

ArrayLike = Union[np.ndarray, Sequence]

NORMALIZE_MODES = ('true', 'pred', 'all', None)


def _as_score_matrix(scores: ArrayLike, name: str) -> np.ndarray:
    """``scores`` as a float ``(N, C)`` array; raises if it has another shape."""
    matrix = np.asarray(scores)
    if matrix.ndim != 2 or matrix.shape[0] == 0:
        raise ValueError(f'{name}: scores must be N >= 1 score vectors of equal length (N, C), '
                         f'got shape {matrix.shape}')
    return matrix


def _as_index_vector(values: ArrayLike, name: str) -> np.ndarray:
    """``values`` as a 1-D int64 array of class indices; raises on other dtypes."""
    vector = np.asarray(values)
    if vector.ndim != 1 or not np.issubdtype(vector.dtype, np.integer):
        raise TypeError(f'{name}: expected a 1-D sequence of integer class indices, '
                        f'got dtype {vector.dtype} and shape {vector.shape}')
    return vector.astype(np.int64)


def _check_same_length(scores: np.ndarray, labels: np.ndarray, name: str) -> None:
    if len(scores) != len(labels):
        raise ValueError(f'{name}: {len(scores)} score vectors but {len(labels)} labels')


def confusion_matrix(y_pred: ArrayLike, y_real: ArrayLike, normalize: Optional[str] = None,
                     num_classes: Optional[int] = None) -> np.ndarray:
    """Count how often each real class (rows) was predicted as each class (columns).

    Args:
        y_pred: Predicted class indices, shape ``(N,)``.
        y_real: Ground-truth class indices, shape ``(N,)``.
        normalize: ``'true'`` divides each row by its sum, ``'pred'`` each column, ``'all'``
            the whole matrix; ``None`` keeps counts. Empty rows or columns stay 0.
        num_classes: ``None`` (MMAction2's behaviour) keeps only the classes that occur in
            ``y_pred`` or ``y_real``, in ascending order; an int gives the full
            ``(num_classes, num_classes)`` matrix indexed by class.

    Returns:
        A ``(K, K)`` int64 array of counts, or float64 when normalized.
    """
    if normalize not in NORMALIZE_MODES:
        raise ValueError(f"confusion_matrix: normalize={normalize!r}; expected 'true', 'pred', 'all' or None")
    pred = _as_index_vector(y_pred, 'confusion_matrix: y_pred')
    real = _as_index_vector(y_real, 'confusion_matrix: y_real')
    if len(pred) != len(real):
        raise ValueError(f'confusion_matrix: {len(pred)} predictions but {len(real)} labels')
    if num_classes is None:
        classes, codes = np.unique(np.concatenate([real, pred]), return_inverse=True)
        size = len(classes)
        real, pred = codes[:len(real)], codes[len(real):]
    else:
        size = num_classes
        out_of_range = np.concatenate([real, pred])
        out_of_range = out_of_range[(out_of_range < 0) | (out_of_range >= num_classes)]
        if out_of_range.size:
            raise ValueError(f'confusion_matrix: class index {out_of_range[0]} is outside '
                             f'[0, num_classes={num_classes})')
    counts = np.bincount(size * real + pred, minlength=size * size).reshape(size, size)
    return counts if normalize is None else _normalize(counts, normalize)


def _normalize(counts: np.ndarray, mode: str) -> np.ndarray:
    """Divide ``counts`` by its row sums, column sums or total; 0/0 becomes 0."""
    totals = {'true': counts.sum(axis=1, keepdims=True),
              'pred': counts.sum(axis=0, keepdims=True),
              'all': counts.sum()}[mode]
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.nan_to_num(counts / totals)


def top_k_accuracy(scores: ArrayLike, labels: ArrayLike, topk: Tuple[int, ...] = (1, )) -> list:
    """Fraction of samples whose label is among the ``k`` highest scores, for each ``k``.

    Ties are broken as ``np.argsort`` orders them, as in MMAction2.

    Returns:
        A list of floats, one per entry of ``topk``.
    """
    matrix = _as_score_matrix(scores, 'top_k_accuracy')
    targets = _as_index_vector(labels, 'top_k_accuracy: labels')
    _check_same_length(matrix, targets, 'top_k_accuracy')
    for k in topk:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f'top_k_accuracy: topk={tuple(topk)!r}; every k must be an int >= 1')
    ranked = np.argsort(matrix, axis=1)[:, ::-1]
    return [float(np.mean(np.any(ranked[:, :k] == targets[:, None], axis=1))) for k in topk]


def mean_class_accuracy(scores: ArrayLike, labels: ArrayLike) -> float:
    """Top-1 accuracy of each class, averaged over classes.

    As in MMAction2, the classes averaged over are those that occur among the labels *or*
    the top-1 predictions; a class that is predicted but never a label counts as 0.
    """
    matrix = _as_score_matrix(scores, 'mean_class_accuracy')
    targets = _as_index_vector(labels, 'mean_class_accuracy: labels')
    _check_same_length(matrix, targets, 'mean_class_accuracy')
    counts = confusion_matrix(np.argmax(matrix, axis=1), targets)
    per_class = _normalize(counts, 'true')
    return float(np.mean(np.diag(per_class)))


def binary_average_precision(scores: np.ndarray, positives: np.ndarray) -> float:
    """Area under the step-wise precision-recall curve of one binary ranking.

    Sums ``(R_i - R_{i-1}) * P_i`` over the distinct score thresholds, from the highest
    down (scikit-learn's ``average_precision_score``). NaN when there is no positive.
    """
    order = np.argsort(-scores, kind='stable')
    ranked_scores, ranked_pos = scores[order], positives[order]
    cut = np.r_[np.flatnonzero(np.diff(ranked_scores)), ranked_scores.size - 1]
    true_pos = np.cumsum(ranked_pos)[cut]
    if true_pos[-1] == 0:
        return float('nan')
    precision = true_pos / (cut + 1)
    recall_gain = np.diff(np.r_[0, true_pos]) / true_pos[-1]
    return float(np.sum(recall_gain * precision))


def _multi_hot(labels: ArrayLike, shape: tuple, name: str) -> np.ndarray:
    """``labels`` as a boolean ``shape`` array, True where the label equals 1."""
    hot = np.asarray(labels)
    if hot.shape != shape:
        raise ValueError(f'{name}: labels must be multi-hot vectors shaped like the scores {shape}, '
                         f'got shape {hot.shape}')
    return hot == 1


def mean_average_precision(scores: ArrayLike, labels: ArrayLike) -> float:
    """Average precision of each class over the samples, averaged over classes.

    Classes without any positive sample are left out; NaN if no class has one.
    """
    matrix = _as_score_matrix(scores, 'mean_average_precision')
    hot = _multi_hot(labels, matrix.shape, 'mean_average_precision')
    per_class = [binary_average_precision(s, p) for s, p in zip(matrix.T, hot.T)]
    per_class = [ap for ap in per_class if not np.isnan(ap)]
    return float(np.mean(per_class)) if per_class else float('nan')


def mmit_mean_average_precision(scores: ArrayLike, labels: ArrayLike) -> float:
    """Average precision of each sample over the classes, averaged over samples.

    The Multi-Moments in Time protocol. A sample without any positive class makes the
    result NaN, as in MMAction2.
    """
    matrix = _as_score_matrix(scores, 'mmit_mean_average_precision')
    hot = _multi_hot(labels, matrix.shape, 'mmit_mean_average_precision')
    return float(np.mean([binary_average_precision(s, p) for s, p in zip(matrix, hot)]))
