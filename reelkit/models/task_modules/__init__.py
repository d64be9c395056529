"""Assigners and samplers of the RoI heads (MMDetection's ``task_modules``), in ``TASK_UTILS``."""
from .assigners import AssignResult, MaxIoUAssignerAVA
from .samplers import RandomSampler, SamplingResult

__all__ = ['AssignResult', 'MaxIoUAssignerAVA', 'RandomSampler', 'SamplingResult']
