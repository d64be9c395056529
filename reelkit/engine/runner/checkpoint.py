"""Checkpoint files that a crash cannot half-write.

A file is written beside its target under a hidden name, flushed to disk and renamed over the
target (:func:`commit_file`, :func:`write_text_atomically`). A reader, or a run killed at any
moment, sees the old file or the new one, never a part. ``ReelkitRunner.save_checkpoint`` and
reelkit's ``CheckpointHook`` write every checkpoint and ``last_checkpoint`` this way. Reading
(weights only) is :mod:`reelkit.utils.checkpoint`.
"""
import contextlib
import os
import os.path as osp

def temporary_path(path: str) -> str:
    """The hidden file beside ``path`` that a write goes to before it is renamed to ``path``.

    Fixed per target, so a write that a crash left behind is overwritten by the next one.
    """
    folder, name = osp.split(path)
    return osp.join(folder, f'.{name}.partial')


def commit_file(partial: str, path: str) -> None:
    """Flush ``partial`` to disk and rename it to ``path`` in one step (``os.replace``)."""
    with open(partial, 'ab') as stream:
        os.fsync(stream.fileno())
    os.replace(partial, path)
    if os.name == 'posix':  # the rename lives in the folder's entry; Windows cannot open folders
        folder = os.open(osp.dirname(osp.abspath(path)), os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def discard(partial: str) -> None:
    """Remove ``partial`` if it is there."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(partial)


def write_text_atomically(path: str, text: str) -> None:
    """Replace the file ``path`` with ``text``; a crash leaves the old text or the new one."""
    partial = temporary_path(path)
    try:
        with open(partial, 'w') as stream:
            stream.write(text)
        commit_file(partial, path)
    finally:
        discard(partial)  # what a failed write left; gone already after a commit
