"""Backbones: feature extractors registered in MODELS."""
from .resnet import BasicBlock, Bottleneck, ResNet, resnet_key_map
from .resnet_tsm import NonLocalBlock2d, ResNetTSM, TemporalPool, TemporalShift, temporal_shift

__all__ = [
    'ResNet', 'BasicBlock', 'Bottleneck', 'resnet_key_map', 'ResNetTSM', 'TemporalShift', 'TemporalPool',
    'NonLocalBlock2d', 'temporal_shift'
]
