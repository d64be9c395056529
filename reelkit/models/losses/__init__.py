"""Losses, registered in MODELS."""
from .base import BaseWeightedLoss
from .cross_entropy_loss import BCELossWithLogits, CrossEntropyLoss

__all__ = ['BaseWeightedLoss', 'CrossEntropyLoss', 'BCELossWithLogits']
from . import gan_auxiliary_loss, gan_loss  # noqa: F401,E402  GAN losses, registered in MODELS
