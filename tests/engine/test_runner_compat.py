"""``ReelkitRunner`` logs the keys a checkpoint load skipped, without changing MMEngine for others."""
import logging

import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.runner import runner as mmengine_runner

from reelkit.engine.compat import checkpoint_mismatches_logged


def test_importing_reelkit_leaves_mmengine_loader_alone():
    import reelkit.engine  # noqa: F401
    assert mmengine_runner._load_checkpoint_to_model.__module__ == 'mmengine.runner.checkpoint'


def test_mismatched_keys_reach_the_current_logger_only_inside_the_context(tmp_path):
    logger = MMLogger.get_instance('compat_test', log_file=str(tmp_path / 'run.log'), log_level='INFO')
    original = mmengine_runner._load_checkpoint_to_model
    with checkpoint_mismatches_logged():
        mmengine_runner._load_checkpoint_to_model(nn.Linear(2, 2), {'other.weight': nn.Linear(2, 2).weight})
    assert mmengine_runner._load_checkpoint_to_model is original
    for handler in logger.handlers:
        handler.flush()
    assert 'other.weight' in (tmp_path / 'run.log').read_text()
    logging.getLogger('compat_test').handlers.clear()
