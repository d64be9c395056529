"""Metrics registered in ``reelkit.registry.METRICS``."""
from .acc_metric import AccMetric, ConfusionMatrix

__all__ = ['AccMetric', 'ConfusionMatrix']
