"""Log lines of the generative loops (MMGeneration's ``GenLogProcessor``)."""
from mmengine.runner import LogProcessor

from reelkit.registry import LOG_PROCESSORS


@LOG_PROCESSORS.register_module()
class GenLogProcessor(LogProcessor):
    """``LogProcessor`` whose validation/test lines count the batches the generative loops run
    (``GenValLoop.total_length``: noise batches and real batches) rather than the length of the
    real-image dataloader."""

    def _get_dataloader_size(self, runner, mode) -> int:
        loop = self._get_cur_loop(runner=runner, mode=mode)
        return getattr(loop, 'total_length', 0) or len(loop.dataloader)
