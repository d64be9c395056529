"""Spatio-temporal action detectors (MMAction2's AVA models; MMDetection's ``FastRCNN`` name)."""
from .fast_rcnn import FastRCNN

__all__ = ['FastRCNN']
