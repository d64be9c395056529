"""Metrics registered in ``reelkit.registry.METRICS``."""
from .acc_metric import AccMetric, ConfusionMatrix
from .anet_metric import ANetMetric
from .ava_metric import AVAMetric

__all__ = ['AccMetric', 'ANetMetric', 'AVAMetric', 'ConfusionMatrix']
