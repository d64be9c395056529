"""Visualizers registered in ``reelkit.registry.VISUALIZERS``.

Vis backends (``LocalVisBackend``, ``TensorboardVisBackend``, ...) are MMEngine's; the
``reelkit`` VISBACKENDS registry is a child of MMEngine's and finds them there.
"""
from .action_visualizer import ActionVisualizer

__all__ = ['ActionVisualizer']
from . import gen  # noqa: F401,E402  (GenVisualizer, GenVisBackend)
