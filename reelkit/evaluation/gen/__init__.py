"""Metrics of generative models and their evaluator (MMGeneration 1.x names and results).

Importing registers ``GenEvaluator`` and the metrics (with their aliases ``FID``, ``IS``,
``PR``, ``MS_SSIM``, ``SWD``); :mod:`.functional` holds the mathematics on plain arrays.
"""
from .base import GenerativeMetric, GenMetric
from .evaluator import GenEvaluator
from .feature_nets import (FeatureNetworkNotFound, SeededFeatureNet, StyleGANInception, StyleGANVGG16,
                           cache_dir)
from .fid import FrechetInceptionDistance
from .inception_score import InceptionScore
from .ms_ssim import MultiScaleStructureSimilarity
from .precision_recall import PrecisionAndRecall
from .swd import SlicedWassersteinDistance

__all__ = [
    'GenEvaluator', 'GenMetric', 'GenerativeMetric', 'FrechetInceptionDistance', 'InceptionScore',
    'PrecisionAndRecall', 'MultiScaleStructureSimilarity', 'SlicedWassersteinDistance',
    'SeededFeatureNet', 'StyleGANInception', 'StyleGANVGG16', 'FeatureNetworkNotFound', 'cache_dir'
]
