"""Temporal action localizers (MMAction2 1.x names and checkpoint layouts), registered in MODELS."""
from .bmn import BMN
from .bsn import PEM, TEM
from .drn import DRN
from .tcanet import TCANet

__all__ = ['BMN', 'TEM', 'PEM', 'TCANet', 'DRN']
