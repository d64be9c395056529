"""The reference facts kept in the repository (``tests/data/reference/``), read by the layout tests.

Importable from every test module: pytest puts ``tests/`` on ``sys.path`` for ``tests/conftest.py``.
"""
import gzip
import json
from functools import lru_cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent / 'data' / 'reference'
MMACTION2_FILE = REFERENCE_DIR / 'mmaction2_1.2.0_models.json.gz'
MMGEN_FILE = REFERENCE_DIR / 'mmgen_1.x_models.json.gz'


@lru_cache(maxsize=None)
def _load(path: Path) -> dict:
    with gzip.open(path, 'rt') as f:
        return json.load(f)


def mmaction2_reference() -> dict:
    """``{config path: {'model', 'params', 'state_dict'[, 'error']}}`` of MMAction2 1.2.0's configs."""
    return _load(MMACTION2_FILE)


def mmgen_reference() -> dict:
    """``{config path: {'model', 'params', 'state_dict', 'buffers'[, 'error']}}`` of MMGeneration 1.x's GANs."""
    return _load(MMGEN_FILE)
