"""Losses, registered in MODELS."""
from .base import BaseWeightedLoss
from .binary_logistic_regression_loss import BinaryLogisticRegressionLoss
from .bmn_loss import BMNLoss
from .cross_entropy_loss import BCELossWithLogits, CBFocalLoss, CrossEntropyLoss
from .hvu_loss import HVULoss
from .nll_loss import NLLLoss

__all__ = ['BaseWeightedLoss', 'CrossEntropyLoss', 'BCELossWithLogits', 'CBFocalLoss', 'NLLLoss', 'HVULoss',
           'BinaryLogisticRegressionLoss', 'BMNLoss']
from . import gan_auxiliary_loss, gan_loss  # noqa: F401,E402  GAN losses, registered in MODELS
