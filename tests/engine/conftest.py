"""Fixtures for the engine tests that run whole trainings in one process."""
import pytest
from mmengine.logging import MessageHub, MMLogger
from mmengine.visualization import Visualizer


@pytest.fixture
def forget_runs():
    """Drop MMEngine's per-run singletons after the test: a runner started within the same
    second under the same config name would take over the last run's message hub and logger
    (whose console handler holds the test's captured stream)."""
    yield
    for logger in MMLogger._instance_dict.values():
        for handler in list(logger.handlers):
            handler.close()
            logger.removeHandler(handler)
    for manager in (MMLogger, MessageHub, Visualizer):
        manager._instance_dict.clear()
