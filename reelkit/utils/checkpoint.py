"""Loading checkpoint files so that nothing in them runs as code.

reelkit replaces the reader MMEngine's ``CheckpointLoader`` uses for local paths
(``register_scheme``, the loader table MMEngine offers for this), on import of this module (which
``reelkit.models`` and ``reelkit.engine`` import). ``load_from``, ``--resume``,
``init_cfg=dict(type='Pretrained')``, ``mmengine.runner.load_checkpoint`` and backbones'
``pretrained`` files all go through it, and it reads with ``torch.load(weights_only=True)``.
MMEngine's own reader falls back to ``weights_only=False`` (rebuilding any pickled object, which
runs code from the file) with only a warning. A file that needs that is refused here with a
:class:`~reelkit.utils.errors.CheckpointError` naming it; :func:`unsafe_checkpoint_loading`
(``reelkit train/test --unsafe-load``) lets it load.
"""
import contextlib
import contextvars
import os.path as osp
import pickle
import re
from typing import Iterator, List

import numpy as np
import torch
from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader, get_torch_safe_globals

from reelkit.utils.errors import CheckpointError

# The dtypes of the NumPy numbers a metric may return; message hubs keep them (best_score, ...).
NUMPY_SCALAR_TYPES = (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
                      np.uint32, np.uint64, np.float16, np.float32, np.float64)

_UNSAFE_LOADING = contextvars.ContextVar('reelkit_unsafe_checkpoint_loading', default=False)




def checkpoint_safe_globals() -> List:
    """What ``weights_only`` loading may rebuild besides tensors and plain containers.

    MMEngine's list (message hub buffers, NumPy arrays and a few dtypes), the dtype of every NumPy
    number, and NumPy 1.x's names for the array and scalar constructors: checkpoints saved before
    NumPy 2 (MMAction2's among them) spell them ``numpy.core.multiarray.*``.
    """
    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    return (get_torch_safe_globals()
            + [type(np.dtype(scalar_type)) for scalar_type in NUMPY_SCALAR_TYPES]
            + [(multiarray._reconstruct, 'numpy.core.multiarray._reconstruct'),
               (multiarray.scalar, 'numpy.core.multiarray.scalar')])


@contextlib.contextmanager
def unsafe_checkpoint_loading() -> Iterator[None]:
    """While open, checkpoints load with ``weights_only=False``: pickled objects are rebuilt,
    which runs code from the file. Only for files from a source you trust (``--unsafe-load``)."""
    token = _UNSAFE_LOADING.set(True)
    try:
        yield
    finally:
        _UNSAFE_LOADING.reset(token)


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_local_checkpoint(filename: str, map_location=None):
    """Read a local checkpoint file with ``torch.load(weights_only=True)``.

    Raises:
        FileNotFoundError: there is no such file.
        CheckpointError: the file holds pickled objects (a custom class) that only
            ``weights_only=False`` rebuilds, outside :func:`unsafe_checkpoint_loading`.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename}: no such checkpoint file')
    if _UNSAFE_LOADING.get():
        print_log(f'{filename}: loading with weights_only=False (--unsafe-load)', logger='current')
        return torch.load(filename, map_location=map_location, weights_only=False)
    try:
        with torch.serialization.safe_globals(checkpoint_safe_globals()):
            return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointError(
            f'{filename}: refused to load: it holds {refused_object(error)}, and rebuilding that '
            'runs code from the file (reelkit loads checkpoints with weights_only=True). If you '
            'trust where the file comes from, pass --unsafe-load to reelkit train/test (in '
            'Python: with reelkit.engine.unsafe_checkpoint_loading(): ...)') from error


def refused_object(error: pickle.UnpicklingError) -> str:
    """What torch's weights-only unpickler refused, as torch's message names it."""
    match = re.search(r"GLOBAL (\S+)|got <class '([^']+)'>", str(error))
    if match is None:
        return 'pickled objects beyond tensors and plain data'
    return f'a pickled {match.group(1) or match.group(2)}'
