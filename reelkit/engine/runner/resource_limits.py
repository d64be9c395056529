"""Turn PyTorch's bare resource errors into a :class:`ResourceLimitError` that says what to change.

Two kinds are recognised, as RuntimeErrors raised while a train, val or test loop runs:

- A dead DataLoader worker: PyTorch says only ``DataLoader worker (pid X) is killed by signal:
  Killed`` (or ``exited unexpectedly``). The message becomes the sample the worker was loading,
  read from its dataset's shared table (:mod:`reelkit.datasets.worker_status`), and a hint: a
  SIGKILL is most often the kernel's out-of-memory killer.
- Out of memory on a batch (``torch.OutOfMemoryError``, or a RuntimeError saying ``out of
  memory`` / ``can't allocate memory``, as CUDA and the CPU allocator do): the message names the
  loader's batch size and the ways to lower the memory a step needs.

``ReelkitRunner.train`` and reelkit's val/test loops run inside :func:`resource_limits_explained`.
"""
import contextlib
import re
from typing import Iterator, Optional

import torch

from reelkit.datasets.worker_status import sample_loaded_by
from reelkit.utils.errors import ResourceLimitError

WORKER_DIED = re.compile(r'DataLoader worker \(pid(?:\(s\))? (?P<pids>[\d, ]+)\) (?P<how>[^.]*)')
OUT_OF_MEMORY_MARKERS = ('out of memory', "can't allocate memory")


@contextlib.contextmanager
def resource_limits_explained(cfg, phase: str) -> Iterator[None]:
    """Re-raise a dead-worker or out-of-memory RuntimeError as a ResourceLimitError.

    Args:
        cfg: The run's config, for ``{phase}_dataloader.batch_size``.
        phase: ``'train'``, ``'val'`` or ``'test'``: which loop runs (names the config keys).
    """
    try:
        yield
    except RuntimeError as error:
        explained = explain(error, phase, cfg.get(f'{phase}_dataloader') or {})
        if explained is None:
            raise
        raise explained from error


def explain(error: RuntimeError, phase: str, loader_cfg: dict) -> Optional[ResourceLimitError]:
    """The ResourceLimitError for ``error``, or None if it is neither kind."""
    message = str(error)
    died = WORKER_DIED.search(message)
    if died:
        return ResourceLimitError(dead_worker_message(died, phase))
    if isinstance(error, torch.OutOfMemoryError) or any(
            marker in message.lower() for marker in OUT_OF_MEMORY_MARKERS):
        return ResourceLimitError(out_of_memory_message(message, phase,
                                                        loader_cfg.get('batch_size', '?')))
    return None


def dead_worker_message(died: re.Match, phase: str) -> str:
    pids = [int(pid) for pid in died['pids'].replace(',', ' ').split()]
    how = died['how'].strip().replace('is killed', 'was killed')
    loading = [(pid, sample_loaded_by(pid)) for pid in pids]
    where = '; '.join(f'worker {pid} was loading {sample}' for pid, sample in loading if sample)
    where = where or 'the sample it was loading is unknown (it was between samples)'
    loader = f'{phase}_dataloader'
    return (f'a {loader} worker (pid {died["pids"].strip()}) {how}: {where}. A killed worker is '
            "most often the system's out-of-memory killer (see dmesg): lower "
            f'{loader}.num_workers or {loader}.batch_size, or set {loader}.num_workers=0 to see '
            "that sample's own error")


def out_of_memory_message(message: str, phase: str, batch_size) -> str:
    loader = f'{phase}_dataloader'
    what = 'a training' if phase == 'train' else f'a {phase}'
    if phase == 'train':
        fixes = (f'lower {loader}.batch_size, train with --amp (mixed precision, on a GPU), or keep '
                 f'the effective batch size with gradient accumulation: divide {loader}.batch_size '
                 'by K and set optim_wrapper.accumulative_counts=K')
    else:
        fixes = (f'lower {loader}.batch_size (clips per video in the test pipeline count too), or '
                 f'use mixed precision: {phase}_cfg.fp16=True (on a GPU)')
    said = first_sentences(message)
    return (f'out of memory on {what} batch ({loader}.batch_size={batch_size})'
            f'{": " + said if said else ""}; {fixes}')


def first_sentences(message: str, count: int = 2) -> str:
    """The first ``count`` sentences of the first line of ``message``, without the last dot
    (CUDA's message runs on with allocator statistics and advice on other settings)."""
    lines = message.strip().splitlines()
    sentences = re.split(r'(?<=\.)\s+', lines[0]) if lines else []
    return ' '.join(sentences[:count]).rstrip('.')
