"""Suite-wide: this folder is on ``sys.path`` (pytest's rootdir conftest), so ``reference_facts`` imports."""
import pytest
import torch


@pytest.fixture
def single_thread():
    """One intra-op thread for the test: tiny models gain nothing from threads on a shared
    machine, and oversubscribed ones crawl. Modules use it with
    ``pytestmark = pytest.mark.usefixtures('single_thread')``."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
