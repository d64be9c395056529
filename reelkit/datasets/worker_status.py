"""Which sample each DataLoader worker is loading, readable by the main process after it dies.

PyTorch reports a worker that the kernel killed (most often its out-of-memory killer) only as
``DataLoader worker (pid X) is killed by signal: Killed``: the sample it was on is lost with the
process. Each :class:`~reelkit.datasets.BaseActionDataset` therefore keeps a
:class:`WorkerLoadingTable` in shared memory, writes the index it starts loading into its row and
clears it when done; :func:`sample_loaded_by` finds the row of a dead pid from the main process.
"""
import os
import weakref
from typing import Optional

import torch
from torch.utils.data import get_worker_info

MAX_TRACKED_WORKERS = 256  # rows of a table; workers with a higher id are not tracked
IDLE = -1  # the index column of a worker between samples

# The datasets whose tables sample_loaded_by searches; each has ``loading_table`` and
# ``describe_sample(index) -> str``. Weak: a table lives as long as its dataset.
_TRACKED_DATASETS: 'weakref.WeakSet' = weakref.WeakSet()


class WorkerLoadingTable:
    """A ``(MAX_TRACKED_WORKERS, 2)`` int64 tensor in shared memory: row ``worker id`` holds
    ``(pid, index)``, the sample that worker is loading (index ``IDLE`` between samples).

    It is made in the main process when the dataset is built, before any DataLoader starts its
    workers: forked workers write into the same memory, spawned ones receive it through PyTorch's
    tensor sharing. Loading in the main process (``num_workers=0``) writes nothing; a death there
    takes the reporting process with it.
    """

    def __init__(self) -> None:
        self.rows = torch.full((MAX_TRACKED_WORKERS, 2), IDLE, dtype=torch.int64).share_memory_()

    def start(self, index: int) -> Optional[torch.Tensor]:
        """Record that this worker starts loading ``index``; returns the row to pass to
        :meth:`finish` (None in the main process or an untracked worker)."""
        worker = get_worker_info()
        if worker is None or worker.id >= len(self.rows):
            return None
        row = self.rows[worker.id]
        row[0] = os.getpid()
        row[1] = index
        return row

    @staticmethod
    def finish(row: Optional[torch.Tensor]) -> None:
        """Mark the worker of ``row`` (from :meth:`start`) as between samples."""
        if row is not None:
            row[1] = IDLE

    def index_loaded_by(self, pid: int) -> Optional[int]:
        """The index worker ``pid`` was loading when it last wrote, None if it was idle."""
        for row_pid, index in self.rows.tolist():
            if row_pid == pid and index != IDLE:
                return index
        return None


def track(dataset) -> None:
    """Let :func:`sample_loaded_by` search ``dataset.loading_table``."""
    _TRACKED_DATASETS.add(dataset)


def sample_loaded_by(pid: int) -> Optional[str]:
    """What DataLoader worker ``pid`` was loading (``dataset.describe_sample``), or None."""
    for dataset in list(_TRACKED_DATASETS):
        index = dataset.loading_table.index_loaded_by(pid)
        if index is not None:
            return dataset.describe_sample(index)
    return None
