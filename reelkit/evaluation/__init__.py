"""Evaluation: metric functions on arrays and the metrics a config names.

Importing this package registers every metric in ``reelkit.registry.METRICS``.
"""
from .functional import (binary_average_precision, confusion_matrix, mean_average_precision,
                         mean_class_accuracy, mmit_mean_average_precision, top_k_accuracy)
from .metrics import AccMetric, ConfusionMatrix

__all__ = [
    'AccMetric', 'ConfusionMatrix', 'binary_average_precision', 'confusion_matrix',
    'mean_average_precision', 'mean_class_accuracy', 'mmit_mean_average_precision', 'top_k_accuracy'
]
from . import gen  # noqa: F401,E402  (generative metrics and GenEvaluator)
