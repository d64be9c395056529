"""Metric functions on numpy arrays."""
from .accuracy import (binary_average_precision, confusion_matrix, mean_average_precision,
                       mean_class_accuracy, mmit_mean_average_precision, top_k_accuracy)
from .activitynet import (average_precision_detection, average_recall_at_avg_proposals,
                          detection_map, interpolated_average_precision, pairwise_temporal_iou)
from .ava import ava_eval, bbox2result, read_labelmap

__all__ = [
    'binary_average_precision', 'confusion_matrix', 'mean_average_precision', 'mean_class_accuracy',
    'mmit_mean_average_precision', 'top_k_accuracy',
    # temporal localization (ActivityNet)
    'average_recall_at_avg_proposals', 'average_precision_detection', 'detection_map',
    'interpolated_average_precision', 'pairwise_temporal_iou',
    # spatio-temporal detection (AVA)
    'ava_eval', 'bbox2result', 'read_labelmap'
]
