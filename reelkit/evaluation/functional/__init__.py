"""Metric functions on numpy arrays."""
from .accuracy import (binary_average_precision, confusion_matrix, mean_average_precision,
                       mean_class_accuracy, mmit_mean_average_precision, top_k_accuracy)

__all__ = [
    'binary_average_precision', 'confusion_matrix', 'mean_average_precision', 'mean_class_accuracy',
    'mmit_mean_average_precision', 'top_k_accuracy'
]
