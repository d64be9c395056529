"""Timing shared by ``pipeline.py`` (reelkit) and ``reference_pipeline.py`` (MMAction2).

Only the standard library and NumPy: the reference side runs in another interpreter that has
no reelkit. Both sides time the same thing the same way, so their figures compare.
"""
import time
from typing import Callable, Dict, List, Sequence

import numpy as np


def dataset_overrides(ann_file: str, video_dir: str) -> Dict:
    """Keys that point a config's VideoDataset at the benchmark's list file and videos."""
    return dict(ann_file=ann_file, data_prefix=dict(video=video_dir))


def best_clips_per_second(load: Callable[[int], object], indices: Sequence[int], warmup: int,
                          rounds: int, seed: int = 0) -> Dict:
    """Best-of-``rounds`` clips/s of ``load(i)`` over ``indices``, after ``warmup`` untimed loads.

    NumPy's global generator is seeded with ``seed`` before every round, so every round (and
    both libraries, which draw from that generator) samples the same frames.

    Returns ``{'clips_per_s': best, 'round_s': [seconds of each round]}``.
    """
    for index in list(indices)[:warmup]:
        load(index)
    seconds: List[float] = []
    for _ in range(rounds):
        np.random.seed(seed)
        start = time.perf_counter()
        for index in indices:
            load(index)
        seconds.append(time.perf_counter() - start)
    return dict(clips_per_s=len(indices) / min(seconds), round_s=seconds)
