"""Recognition heads, registered in MODELS."""
from .base import BaseHead, stack_labels, topk_accuracy
from .tsm_head import TSMHead
from .tsn_head import AvgConsensus, TSNHead

__all__ = ['BaseHead', 'TSNHead', 'TSMHead', 'AvgConsensus', 'stack_labels', 'topk_accuracy']
