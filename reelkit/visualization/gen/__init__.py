"""Visualization of generative models: image grids of samples."""
from .gen_visualizer import GenVisBackend, GenVisualizer, image_grid

__all__ = ['GenVisualizer', 'GenVisBackend', 'image_grid']
