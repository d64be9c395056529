"""reelkit: video understanding and generative models on MMEngine."""
__version__ = '0.1.0'
