"""Keep the memory a process frees for what it allocates next (glibc's allocator settings).

Video training allocates and frees the same large arrays over and over: a sample's decoded
frames, resized copies and stacked clip (tens of MiB in pieces of a few hundred KiB), a training
step's activations and gradients (hundreds of MiB in pieces of a few MiB). With glibc's
defaults such arrays are mapped from the kernel one by one and the heap is trimmed back as soon
as more than twice its adaptive threshold (at most 64 MiB) lies free at its top, so each sample
and each step writes to fresh pages and pays a page fault per 4 KiB. Measured on this project's
2-core machine: a fifth of the dense I3D train pipeline's time (``benchmarks/pipeline.py``) and
7-10% of a TSN-R50 training step (``benchmarks/train_step.py``). Raising the two thresholds
keeps that memory in the process for reuse: the resident size stays at its high-water mark
between samples and steps instead of falling back (the high-water mark itself is unchanged).

Only glibc has these settings; elsewhere nothing changes. Where the user set them
(``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_`` or ``GLIBC_TUNABLES``), theirs stand.
"""
import ctypes
import os
from typing import Optional

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)
MMAP_THRESHOLD = 32 << 20  # arrays below this come from the heap (frames, most activations)
TRIM_THRESHOLD = 1 << 30  # free heap kept mapped: more than a training step allocates
USER_SETTINGS = ('MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'GLIBC_TUNABLES')

_checked_pid: Optional[int] = None  # the process whose allocator was last checked
_in_effect = False


def keep_freed_memory() -> bool:
    """Set glibc's thresholds once per process (a spawned DataLoader worker sets its own; a
    forked one inherits them); returns whether reelkit's settings are in effect."""
    global _checked_pid, _in_effect
    pid = os.getpid()
    if _checked_pid != pid:
        _checked_pid, _in_effect = pid, _set_thresholds()
    return _in_effect


def _set_thresholds() -> bool:
    if any(name in os.environ for name in USER_SETTINGS):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError, TypeError):  # not glibc (macOS, Windows)
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
