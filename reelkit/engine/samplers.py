"""Samplers that resume at an exact position, and random numbers drawn per sample and per step.

Exact resume needs two things MMEngine does not keep in a checkpoint: where inside an epoch the
run stopped, and the state of the random generators (Python's, NumPy's global one that reelkit's
transforms draw from, torch's), in the main process and in every dataloader worker. Instead of
saving those states, a deterministic run re-derives them from the seed: each sample's
augmentation from ``(seed, rank, epoch, position in the epoch)``, each training step's from
``(seed, iteration)``. The numbers then depend neither on the worker count nor on where a run was
stopped and resumed.

- :class:`ResumableSampler` (MMEngine's ``DefaultSampler`` order) can start its next epoch
  ``num_samples`` indices in; :class:`ResumableInfiniteSampler` is ``InfiniteSampler``.
- With ``sample_seeds=True`` both yield :class:`SeededIndex` (an ``int`` carrying its key), and
  :class:`SeededDataset` seeds the generators from that key before loading the sample.

``ReelkitRunner`` swaps these in for the train dataloader; see its docstring.
"""
import copy
import logging
import random
from typing import Iterator, Optional, Sized, Tuple

import numpy as np
import torch
from mmengine.dataset import DefaultSampler, InfiniteSampler
from mmengine.logging import print_log
from torch.utils.data import Dataset

from reelkit.registry import DATA_SAMPLERS, DATASETS

SAMPLE_STREAM, STEP_STREAM = 0, 1  # keeps the per-sample and per-step seeds apart


def derive_seed(seed: int, *key: int) -> np.ndarray:
    """Two well-mixed 32-bit words from ``seed`` and ``key`` (NumPy's ``SeedSequence``)."""
    return np.random.SeedSequence([seed, *key]).generate_state(2)


def seed_global_rngs(words: np.ndarray) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU, CUDA) from ``words``."""
    value = int(words[0]) << 32 | int(words[1])
    random.seed(value)
    np.random.seed(words)
    torch.manual_seed(value)


class SeededIndex(int):
    """A dataset index with the key its sample's random numbers are seeded from.

    An ``int``, so batch samplers and datasets that look at indices see an index.
    """

    def __new__(cls, index: int, key: Tuple[int, ...]):
        obj = super().__new__(cls, index)
        obj.key = key
        return obj

    def __getnewargs__(self):  # pickled to the dataloader workers with its key
        return int(self), self.key


def seeded(indices, seed: int, rank: int, epoch: int, start: int = 0) -> Iterator[SeededIndex]:
    """``indices`` as :class:`SeededIndex`, keyed by their position counted from ``start``."""
    for position, index in enumerate(indices, start):
        yield SeededIndex(index, (seed, SAMPLE_STREAM, rank, epoch, position))


@DATA_SAMPLERS.register_module()
class ResumableSampler(DefaultSampler):
    """``DefaultSampler`` (same indices for the same seed and epoch) that can start its next
    epoch part-way through, where an interrupted run stopped.

    Args:
        dataset: the dataset.
        shuffle: shuffle each epoch (by ``seed + epoch``).
        seed: shuffling seed, the same on every rank.
        round_up: pad the indices to a multiple of the world size.
        sample_seeds: yield :class:`SeededIndex`, for :class:`SeededDataset`.
    """

    def __init__(self, dataset: Sized, shuffle: bool = True, seed: Optional[int] = None,
                 round_up: bool = True, sample_seeds: bool = False) -> None:
        super().__init__(dataset, shuffle=shuffle, seed=seed, round_up=round_up)
        self.sample_seeds = sample_seeds
        self._start = 0

    def skip(self, num_samples: int) -> None:
        """Let the next epoch begin at its ``num_samples``-th index (the ones before it were
        trained before the resume); the epochs after it are whole again."""
        if not 0 <= num_samples <= self.num_samples:
            raise ValueError(f'skip({num_samples}): expected 0 to {self.num_samples}, the '
                             'indices of one epoch on this rank')
        self._start = num_samples

    def __iter__(self) -> Iterator[int]:
        indices = list(super().__iter__())
        start, self._start = self._start, 0
        if self.sample_seeds:
            return seeded(indices[start:], self.seed, self.rank, self.epoch, start)
        return iter(indices[start:])


@DATA_SAMPLERS.register_module()
class ResumableInfiniteSampler(InfiniteSampler):
    """``InfiniteSampler`` (same indices for the same seed; ``skip`` as MMEngine's) that can key
    each index for :class:`SeededDataset`.

    Args:
        dataset: the dataset.
        shuffle: shuffle each pass over the dataset.
        seed: shuffling seed, the same on every rank.
        sample_seeds: yield :class:`SeededIndex`, keyed by their position in the stream.
    """

    def __init__(self, dataset: Sized, shuffle: bool = True, seed: Optional[int] = None,
                 sample_seeds: bool = False) -> None:
        self.sample_seeds = sample_seeds  # read when the stream starts, inside super().__init__
        super().__init__(dataset, shuffle=shuffle, seed=seed)

    def _indices_of_rank(self) -> Iterator[int]:
        indices = super()._indices_of_rank()
        # `skip` slices this stream, so the positions stay counted from its start
        return seeded(indices, self.seed, self.rank, 0) if self.sample_seeds else indices


@DATASETS.register_module()
class SeededDataset(Dataset):
    """``dataset``, with Python, NumPy and torch seeded from each :class:`SeededIndex`'s key
    before its sample is loaded; a plain index loads as it would without the wrapper.

    Attributes the wrapper lacks (``metainfo``, ...) are the wrapped dataset's.

    Args:
        dataset: the dataset, or its config.
    """

    def __init__(self, dataset) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset

    def full_init(self) -> None:
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int):
        if isinstance(index, SeededIndex):
            seed, *key = index.key
            seed_global_rngs(derive_seed(seed, *key))
        return self.dataset[int(index)]

    def __getattr__(self, name: str):
        if name == 'dataset':  # not set yet (unpickling): no recursion through __getattr__
            raise AttributeError(name)
        return getattr(self.dataset, name)


RESUMABLE = {DefaultSampler: ResumableSampler, InfiniteSampler: ResumableInfiniteSampler}


def resumable_dataloader(dataloader, sample_seeds: bool = False):
    """A copy of a ``train_dataloader`` config whose MMEngine sampler is made resumable; with
    ``sample_seeds``, its samples seeded as well (:class:`SeededDataset`). Built dataloaders, and
    samplers of other kinds, are left as they are (with a warning if ``sample_seeds``)."""
    if not isinstance(dataloader, dict) or not isinstance(dataloader.get('sampler'), dict):
        return dataloader
    kind = dataloader['sampler'].get('type')
    kind = DATA_SAMPLERS.get(kind) if isinstance(kind, str) else kind
    kind = RESUMABLE.get(kind, kind)
    if kind not in RESUMABLE.values():
        if sample_seeds:
            print_log(f'train_dataloader.sampler: {getattr(kind, "__name__", kind)} has no '
                      'per-sample seeds, so a resumed deterministic run may draw other '
                      'augmentations than an uninterrupted one; use DefaultSampler or '
                      'InfiniteSampler for exact resume', logger='current', level=logging.WARNING)
        return dataloader
    dataloader = copy.deepcopy(dataloader)
    dataloader['sampler']['type'] = kind
    if sample_seeds:
        dataloader['sampler']['sample_seeds'] = True
        dataloader['dataset'] = dict(type=SeededDataset, dataset=dataloader['dataset'])
    return dataloader
