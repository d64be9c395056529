"""One function over many items in worker processes, behind a rich progress bar (count, ETA)."""
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from functools import partial
from typing import Callable, Iterable, List, Optional, TypeVar

from reelkit.utils.errors import ReelkitError

Item = TypeVar('Item')
Result = TypeVar('Result')


def progress_bar():
    """A rich ``Progress`` showing the description, a bar, ``done/total``, elapsed time and ETA."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)
    return Progress(TextColumn('[bold]{task.description}'), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TextColumn('eta'), TimeRemainingColumn())


def clean_process_context(func: Callable):
    """Where the platform has it, a ``forkserver`` context whose server has imported ``func``'s
    module: workers fork from that clean server, not from the caller, so they inherit none of
    the caller's threads or the locks those held. A child forked from a process that had
    converted frames through PyAV's shared swscale context (``to_ndarray(format=...)``, which
    starts slice threads) hangs on its next conversion, joining threads it does not have."""
    if 'forkserver' not in multiprocessing.get_all_start_methods():
        return None  # Windows: its processes are spawned, clean already
    context = multiprocessing.get_context('forkserver')
    while isinstance(func, partial):
        func = func.func
    context.set_forkserver_preload([func.__module__])  # read when this process starts the server
    return context


def map_in_processes(func: Callable[[Item], Result], items: Iterable[Item],
                     workers: Optional[int] = None, description: str = '') -> List[Result]:
    """``[func(item) for item in items]``, computed by ``workers`` processes.

    Args:
        func: A picklable callable (a module-level function, or a ``functools.partial`` of one).
        items: Its arguments, one call each; they and the results must pickle too.
        workers: Processes to start; None means ``os.cpu_count()``.
        description: The progress bar's label.

    Returns:
        The results in the order of ``items``. If a call raises, the calls not started yet
        are cancelled and the error is raised here.
    """
    workers = os.cpu_count() if workers is None else workers
    if workers < 1:
        raise ReelkitError(f'workers={workers}: expected a number of processes >= 1')
    items = list(items)
    results: List[Result] = [None] * len(items)
    pool = ProcessPoolExecutor(max_workers=min(workers, max(1, len(items))),
                               mp_context=clean_process_context(func))
    try:
        futures = {pool.submit(func, item): index for index, item in enumerate(items)}
        with progress_bar() as progress:
            task = progress.add_task(description, total=len(items))
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                progress.advance(task)
    finally:
        pool.shutdown(cancel_futures=True)
    return results
