"""How a dataset tells the main process which unreadable samples it skipped.

DataLoader workers are separate processes, so what a worker counts stays there. Instead, a skip
travels with the data: a record is added to the metainfo of the ``data_samples`` of a sample the
dataset returns, and reaches the main process in the batch.

- Training: the sample that replaced one or more unreadable ones carries them under
  ``SKIPPED_KEY`` (a list of records); it is a real sample and is trained on.
- Validation and testing: an unreadable sample is answered by a *stand-in*, the output of the
  next readable sample, carrying the record of the sample it stands in for under
  ``STAND_IN_KEY``. It only keeps the batch well formed; the loops drop it before the model
  (see :mod:`reelkit.engine.runner.skip_aware_loops`).

A record is ``dict(index=int, filename=str, reason=str)`` (training records also hold
``logged``: whether the dataset already logged it in the main process).
"""
from typing import Any, List, Optional

from mmengine.structures import BaseDataElement

from reelkit.utils.errors import VideoReadError

SKIPPED_KEY = 'skipped_samples'
STAND_IN_KEY = 'stands_in_for'


def skip_record(index: int, error: VideoReadError) -> dict:
    """The record of sample ``index`` that could not be read."""
    return dict(index=index, filename=error.filename, reason=error.reason)


def data_sample_of(data: Any) -> Optional[BaseDataElement]:
    """The ``data_samples`` of a pipeline output (``PackActionInputs``'), or of the first of a
    list of them (``RepeatAugDataset``); None for outputs that have none."""
    if isinstance(data, (list, tuple)) and data:
        data = data[0]
    sample = data.get('data_samples') if isinstance(data, dict) else None
    return sample if isinstance(sample, BaseDataElement) else None


def attach(data: Any, key: str, value: Any) -> bool:
    """Set metainfo ``key`` of ``data``'s data sample to ``value``; False if it has none."""
    sample = data_sample_of(data)
    if sample is None:
        return False
    sample.set_metainfo({key: value})
    return True


def batch_data_samples(data_batch: Any) -> List[BaseDataElement]:
    """The data samples of a collated batch (``pseudo_collate`` or ``default_collate``); empty
    for batches whose ``data_samples`` are not data elements (plain tensors, toy loaders)."""
    samples = data_batch.get('data_samples') if isinstance(data_batch, dict) else None
    if not isinstance(samples, (list, tuple)):
        return []
    return list(samples) if all(isinstance(s, BaseDataElement) for s in samples) else []


def skipped_in_batch(data_batch: Any) -> List[dict]:
    """The training skip records carried by a batch, in order."""
    return [record for sample in batch_data_samples(data_batch)
            for record in sample.metainfo.get(SKIPPED_KEY, ())]
