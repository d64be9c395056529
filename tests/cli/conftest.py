"""Fixtures of the analysis-tool tests: the end-to-end tests' tiny SynthMotion set and TSM config
(imported from tests/e2e/conftest.py, not copied), and one short training run they share."""
import pytest

from e2e import conftest as e2e_fixtures
from reelkit.cli import main
from reelkit.utils.config import SHIPPED_CONFIGS

# The end-to-end tests' fixtures, used here by name.
tiny_motion = e2e_fixtures.tiny_motion
fresh_loggers = e2e_fixtures.fresh_loggers


@pytest.fixture(scope='session')
def tiny_run(tmp_path_factory, tiny_motion):
    """``(config path, work dir)`` of a 1-epoch run of the tiny TSM: 4 logged iterations, one
    validation, one checkpoint (``epoch_1.pth``; no best-checkpoint copy, to keep it quick)."""
    root = tmp_path_factory.mktemp('tiny_run')
    config = root / 'tiny_tsm.py'
    runtime = SHIPPED_CONFIGS / '_base_' / 'default_runtime.py'
    config.write_text(e2e_fixtures.TINY_CONFIG.format(runtime=runtime, data_root=tiny_motion, max_epochs=1)
                      + 'default_hooks = dict(logger=dict(interval=1), checkpoint=dict(save_best=None))\n')
    work_dir = root / 'work_dir'
    assert main(['train', str(config), '--work-dir', str(work_dir)]) == 0
    return str(config), work_dir
