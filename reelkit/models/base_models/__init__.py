"""Building blocks shared by the generative models: weight averages of a generator."""
from .average_model import ExponentialMovingAverage, RampUpEMA

__all__ = ['ExponentialMovingAverage', 'RampUpEMA']
