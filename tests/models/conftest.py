"""Model tests run single-threaded: the tiny tensors gain nothing from threads on a shared machine."""
import pytest


@pytest.fixture(autouse=True)
def one_thread(single_thread):
    """Every test here runs with the suite's ``single_thread`` fixture."""
