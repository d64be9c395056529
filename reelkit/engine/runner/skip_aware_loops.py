"""Validation and test loops that leave unreadable samples out of the metrics, and say so.

In test mode a reelkit dataset answers an unreadable sample with a *stand-in* (the next readable
sample, marked; see :mod:`reelkit.datasets.skip_records`) so that the batch stays well formed.
These loops drop the stand-ins before the model runs (a batch of nothing but stand-ins is not
run), so the metrics are computed on the readable samples only, and end with one warning:
``test: 2 of 13 samples skipped as unreadable; metrics computed on the other 11: PATH (why);
...``. The returned metrics then hold ``skipped_samples``, ``{filename: reason}`` of the skipped
ones (absent when none was). ``ReelkitRunner`` builds these for ``ValLoop`` and ``TestLoop``.

With several processes, the metric sees the samples each rank kept; MMEngine's evaluator still
drops padding by the dataset's full length, so a distributed run that skips samples may count a
few padded duplicates. Run the test on one process to be exact.
"""
import logging
from typing import Any, List, Tuple

import torch
from mmengine.dist import all_gather_object
from mmengine.logging import print_log
from mmengine.runner import TestLoop, ValLoop

from reelkit.datasets.skip_records import STAND_IN_KEY, batch_data_samples
from reelkit.registry import LOOPS
from .resource_limits import resource_limits_explained


def drop_stand_ins(data_batch: Any) -> Tuple[Any, List[dict]]:
    """``data_batch`` without its stand-in samples, and their records.

    Every per-sample entry of the batch dict is filtered: lists (``pseudo_collate``) and tensors
    whose first dimension is the batch (``default_collate``).
    """
    samples = batch_data_samples(data_batch)
    records = [sample.metainfo.get(STAND_IN_KEY) for sample in samples]
    keep = [i for i, record in enumerate(records) if record is None]
    if len(keep) == len(samples):
        return data_batch, []
    filtered = {}
    for key, value in data_batch.items():
        if isinstance(value, (list, tuple)) and len(value) == len(samples):
            value = [value[i] for i in keep]
        elif isinstance(value, torch.Tensor) and value.dim() and len(value) == len(samples):
            value = value[keep]
        filtered[key] = value
    return filtered, [record for record in records if record is not None]


class DropsStandIns:
    """The part of :class:`SkipAwareValLoop` and :class:`SkipAwareTestLoop` they share.

    ``phase`` names the loop in messages and config keys; ``skipped`` holds the records of the
    samples dropped in the current run; the files already named in an earlier run of this loop
    (each validation) are counted, not listed again.
    """
    phase = ''

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.skipped: List[dict] = []
        self._named: set = set()

    def run(self) -> dict:
        self.skipped = []
        with resource_limits_explained(self.runner.cfg, self.phase):
            metrics = super().run()
        return self._report(metrics)

    def run_iter(self, idx: int, data_batch) -> None:
        data_batch, records = drop_stand_ins(data_batch)
        self.skipped.extend(records)
        if records and not batch_data_samples(data_batch):
            return  # every sample of the batch was unreadable: nothing to run
        super().run_iter(idx, data_batch)

    def _report(self, metrics: dict) -> dict:
        """Log how many samples were dropped (over all ranks) and add them to ``metrics``."""
        by_index = {record['index']: record
                    for part in all_gather_object(self.skipped) for record in part}
        if not by_index:
            return metrics
        records = [by_index[index] for index in sorted(by_index)]
        total, skipped = len(self.dataloader.dataset), len(records)
        new = [record for record in records if record['filename'] not in self._named]
        listed = '; '.join(f'{record["filename"]} ({record["reason"]})' for record in new)
        if skipped > len(new):
            listed += (f'{"; and " if new else ""}{skipped - len(new)} named at an earlier '
                       f'{self.phase} run')
        print_log(f'{self.phase}: {skipped} of {total} samples skipped as unreadable; '
                  f'metrics computed on the other {total - skipped}: {listed} '
                  '(skip_corrupt=False on the dataset makes them fatal)',
                  logger='current', level=logging.WARNING)
        self._named.update(record['filename'] for record in new)
        return dict(metrics, skipped_samples={record['filename']: record['reason']
                                              for record in records})


@LOOPS.register_module()
class SkipAwareValLoop(DropsStandIns, ValLoop):
    """MMEngine's ``ValLoop`` (same arguments) that drops and reports unreadable samples and
    explains out-of-memory errors and dead workers (module docstring)."""
    phase = 'val'


@LOOPS.register_module()
class SkipAwareTestLoop(DropsStandIns, TestLoop):
    """MMEngine's ``TestLoop`` (same arguments) that drops and reports unreadable samples and
    explains out-of-memory errors and dead workers (module docstring)."""
    phase = 'test'


SKIP_AWARE = {ValLoop: SkipAwareValLoop, TestLoop: SkipAwareTestLoop}


def skip_aware_loop(loop, default):
    """A ``val_cfg``/``test_cfg`` with MMEngine's ``ValLoop``/``TestLoop`` (named, or
    ``default`` when no type is given) made skip-aware; other loops and built ones unchanged."""
    if not isinstance(loop, dict):
        return loop
    kind = loop.get('type', default)
    kind = LOOPS.get(kind) if isinstance(kind, str) else kind
    if kind not in SKIP_AWARE:
        return loop
    return dict(loop, type=SKIP_AWARE[kind])
