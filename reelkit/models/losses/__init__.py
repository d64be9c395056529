"""Losses, registered in MODELS."""
from .base import BaseWeightedLoss
from .cross_entropy_loss import BCELossWithLogits, CrossEntropyLoss

__all__ = ['BaseWeightedLoss', 'CrossEntropyLoss', 'BCELossWithLogits']
