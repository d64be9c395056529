"""Reading the predictions ``reelkit test CONFIG CKPT --dump results.pkl`` wrote.

The file is MMEngine's ``DumpResults`` output: a pickled list with one dict per test sample
(``pred_score`` (num_classes,) float tensor, ``pred_label`` (1,) and ``gt_label`` (1,) int
tensors, plus metadata such as ``img_shape``). It is read with an unpickler that rebuilds
tensors and plain data only, as checkpoints are read weights-only: a file that names any
other object is refused, so opening a results file someone sent runs no code from it.
"""
import codecs
import collections
import io
import os.path as osp
import pickle
from typing import List

import torch
import torch._utils

from reelkit.utils.errors import ConfigError


def load_storage_weights_only(data: bytes):
    """A tensor storage as pickle saves it (``torch.save`` bytes), read with ``weights_only``."""
    return torch.load(io.BytesIO(data), weights_only=True)


# (module, name) -> what it rebuilds: what a pickled CPU tensor and MMEngine's dump refer to.
ALLOWED_GLOBALS = {
    ('torch._utils', '_rebuild_tensor_v2'): torch._utils._rebuild_tensor_v2,
    # torch's own reader here unpickles with weights_only=False; read the storage safely instead.
    ('torch.storage', '_load_from_bytes'): load_storage_weights_only,
    ('_codecs', 'encode'): codecs.encode,  # how protocol 2 spells a bytes object
    ('collections', 'OrderedDict'): collections.OrderedDict,
}


class RefusedGlobal(pickle.UnpicklingError):
    """The pickle names an object outside :data:`ALLOWED_GLOBALS`; the message is its name."""


class ResultsUnpickler(pickle.Unpickler):
    """An unpickler that only rebuilds :data:`ALLOWED_GLOBALS`."""

    def find_class(self, module: str, name: str):
        if (module, name) not in ALLOWED_GLOBALS:
            raise RefusedGlobal(f'{module}.{name}')
        return ALLOWED_GLOBALS[module, name]


def load_dumped_results(path: str) -> List[dict]:
    """The per-sample prediction dicts of a ``--dump`` file.

    Raises:
        ConfigError: the file is missing, is not a pickle, holds objects beyond tensors and
            plain data, or is not a non-empty list of dicts.
    """
    if not osp.isfile(path):
        raise ConfigError(f'{path}: no such results file (write one with '
                          'reelkit test CONFIG CHECKPOINT --dump results.pkl)')
    try:
        with open(path, 'rb') as stream:
            results = ResultsUnpickler(stream).load()
    except RefusedGlobal as error:
        raise ConfigError(f'{path}: refused to load: it names {error}, and a results file holds '
                          'only tensors and plain data (rebuilding other objects runs code '
                          'from the file)') from error
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, RuntimeError) as error:
        raise ConfigError(f'{path}: not a results pickle written by --dump: {error}') from error
    if not isinstance(results, list) or not results or not all(isinstance(r, dict) for r in results):
        raise ConfigError(f'{path}: expected a non-empty list of per-sample dicts (what '
                          f'reelkit test --dump writes), got {type(results).__name__}')
    return results
