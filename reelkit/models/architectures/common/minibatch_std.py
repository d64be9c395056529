"""Minibatch standard deviation (Karras et al., PGGAN; StyleGAN2's grouped variant).

Appends the mean standard deviation over a group of samples as extra feature maps, so the
discriminator can see how varied a batch is. Samples are grouped with stride ``N / group_size``
(sample n belongs to group ``n % (N / group_size)``); N must be at most ``group_size`` or a multiple
of it.
"""
from typing import Optional

import torch
import torch.nn as nn
from torch import Tensor


def minibatch_stddev(x: Tensor, group_size: int = 4, channel_groups: int = 1, eps: float = 1e-8) -> Tensor:
    """(N, C, H, W) -> (N, C + channel_groups, H, W): the population std over each group of samples,
    averaged over (C / channel_groups, H, W), appended per channel group."""
    N, C, H, W = x.shape
    if N > group_size and N % group_size:
        raise ValueError(f'batch size {N} must be at most group_size={group_size} or a multiple of it')
    if C % channel_groups:
        raise ValueError(f'channels {C} must be divisible by channel_groups={channel_groups}')
    group = min(N, group_size)
    y = x.reshape(group, -1, channel_groups, C // channel_groups, H, W)
    y = torch.sqrt(torch.var(y, dim=0, unbiased=False) + eps)  # (M, G_c, C', H, W)
    y = y.mean(dim=(2, 3, 4), keepdim=True).squeeze(2)  # (M, G_c, 1, 1)
    return torch.cat([x, y.repeat(group, 1, H, W)], dim=1)


def _gathered(x: Tensor) -> Tensor:
    """``x`` from every process, concatenated along the batch (gradients flow back to each)."""
    from torch.distributed.nn.functional import all_gather
    return torch.cat(all_gather(x), dim=0)


def _check_distributed(flag: str) -> None:
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        raise RuntimeError(f'{flag}=True needs an initialised torch.distributed process group')


class MiniBatchStddevLayer(nn.Module):
    """PGGAN's layer: (N, C, H, W) -> (N, C + 1, H, W).

    Args:
        group_size: Samples per group.
        eps: Added to the variance.
        gather_all_batch: Use the samples of all processes (the output then covers all of them).
    """

    def __init__(self, group_size: int = 4, eps: float = 1e-8, gather_all_batch: bool = False):
        super().__init__()
        self.group_size = group_size
        self.eps = eps
        self.gather_all_batch = gather_all_batch
        if gather_all_batch:
            _check_distributed('gather_all_batch')

    def forward(self, x: Tensor) -> Tensor:
        if self.gather_all_batch:
            x = _gathered(x)
        return minibatch_stddev(x, self.group_size, 1, self.eps)


class ModMBStddevLayer(nn.Module):
    """StyleGAN2's layer with channel groups: (N, C, H, W) -> (N, C + channel_groups, H, W).

    Args:
        group_size: Samples per group.
        channel_groups: Groups of channels, each getting its own std map.
        sync_std: Take the statistics over the ``sync_groups`` samples around this process's slice of the
            batch gathered from all processes.
        sync_groups: Samples used with ``sync_std``; ``None`` means ``group_size``.
        eps: Added to the variance.
    """

    def __init__(self,
                 group_size: int = 4,
                 channel_groups: int = 1,
                 sync_std: bool = False,
                 sync_groups: Optional[int] = None,
                 eps: float = 1e-8):
        super().__init__()
        self.group_size = group_size
        self.channel_groups = channel_groups
        self.sync_std = sync_std
        self.sync_groups = group_size if sync_groups is None else sync_groups
        self.eps = eps
        if sync_std:
            _check_distributed('sync_std')

    def forward(self, x: Tensor) -> Tensor:
        if self.sync_std:
            features = _gathered(x)
            rank, world = torch.distributed.get_rank(), torch.distributed.get_world_size()
            start = min(features.shape[0] // world * rank, features.shape[0] - self.sync_groups)
            x = features[start:start + self.sync_groups]
        return minibatch_stddev(x, self.group_size, self.channel_groups, self.eps)
