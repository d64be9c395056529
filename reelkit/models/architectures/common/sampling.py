"""Noise and label inputs of GAN generators, in MMGeneration's three forms.

A generator's ``noise`` (and ``label``) argument may be a tensor (used as given), a callable that
receives the wanted shape and returns a tensor, or ``None`` (sample from the default distribution).
The last two need ``num_batches > 0``.
"""
from typing import Callable, Optional, Sequence, Union

import torch
from torch import Tensor

NoiseInput = Optional[Union[Tensor, Callable[..., Tensor]]]


def _check_num_batches(num_batches: int, what: str) -> None:
    if num_batches <= 0:
        raise ValueError(f'{what} is sampled here, so num_batches must be positive, got {num_batches}')


def sample_noise(noise: NoiseInput, num_batches: int, shape: Sequence[int], device: torch.device) -> Tensor:
    """Return a noise batch of shape ``(N, *shape)`` on ``device``.

    Args:
        noise: A tensor of shape (N, *shape), a callable called with ``(num_batches, *shape)``, or
            ``None`` for a standard normal sample.
        num_batches: N when ``noise`` is not a tensor.
        shape: Per-sample noise shape, e.g. ``(noise_size,)``.
        device: Where the batch goes.
    """
    shape = tuple(shape)
    if isinstance(noise, Tensor):
        if tuple(noise.shape[1:]) != shape:
            raise ValueError(f'noise must have shape (N, {", ".join(map(str, shape))}), got {tuple(noise.shape)}')
        batch = noise
    elif callable(noise):
        _check_num_batches(num_batches, 'noise')
        batch = noise((num_batches, *shape))
    elif noise is None:
        _check_num_batches(num_batches, 'noise')
        batch = torch.randn((num_batches, *shape), device=device)
    else:
        raise TypeError(f'noise must be a Tensor, a callable or None, got {type(noise).__name__}')
    return batch.to(device)


def sample_labels(label: NoiseInput, num_batches: int, num_classes: int,
                  device: torch.device) -> Optional[Tensor]:
    """Return class labels of shape (N,) on ``device``, or ``None`` for an unconditional model.

    Args:
        label: A tensor of shape (N,) (or (N, 1, ...)), a callable called with ``(num_batches,)``,
            or ``None`` for labels drawn uniformly from ``[0, num_classes)``.
        num_batches: N when ``label`` is not a tensor.
        num_classes: Number of classes; 0 means unconditional and always gives ``None``.
        device: Where the labels go.
    """
    if num_classes == 0:
        return None
    if isinstance(label, Tensor):
        if label.ndim > 1 and all(s == 1 for s in label.shape[1:]):
            label = label.reshape(-1)
        if label.ndim != 1:
            raise ValueError(f'label must have shape (N,), got {tuple(label.shape)}')
        batch = label
    elif callable(label):
        _check_num_batches(num_batches, 'label')
        batch = label((num_batches, ))
    elif label is None:
        _check_num_batches(num_batches, 'label')
        batch = torch.randint(0, num_classes, (num_batches, ), device=device)
    else:
        raise TypeError(f'label must be a Tensor, a callable or None, got {type(label).__name__}')
    return batch.to(device)
