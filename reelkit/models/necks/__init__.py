"""Necks (between backbone and head), registered in MODELS."""
from .tpn import TPN

__all__ = ['TPN']
