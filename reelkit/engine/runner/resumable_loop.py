"""An epoch-based training loop that resumes inside an epoch."""
import itertools
import logging

from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop
from torch.utils.data import BatchSampler

from reelkit.registry import LOOPS


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """MMEngine's ``EpochBasedTrainLoop`` (same arguments), which, resumed from a checkpoint taken
    inside an epoch (an iteration checkpoint, a SIGTERM one), trains only the batches of that
    epoch the interrupted run had not, numbered as they were (``batch_idx``, so logs and
    end-of-epoch checks match an uninterrupted run).

    A sampler with ``skip`` (:class:`~reelkit.engine.samplers.ResumableSampler`) starts that epoch
    at the first untrained batch without loading the others; any other sampler has its trained
    batches loaded and dropped. ``ReelkitRunner`` builds this loop for ``EpochBasedTrainLoop``.
    """

    def run_epoch(self) -> None:
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        start = self._trained_in_epoch()
        for idx, data_batch in enumerate(self._batches_from(start), start):
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

    def _trained_in_epoch(self) -> int:
        """Batches of the current epoch trained before a resume (0 unless it resumed inside)."""
        trained = self._iter - self._epoch * len(self.dataloader)
        if 0 <= trained <= len(self.dataloader):
            return trained
        print_log(f'resumed at iteration {self._iter} of epoch {self._epoch + 1}, which does not '
                  f'fit epochs of {len(self.dataloader)} batches (did the batch size or the '
                  'dataset change?): training this epoch from its first batch',
                  logger='current', level=logging.WARNING)
        return 0

    def _batches_from(self, start: int):
        """The dataloader's batches of this epoch from number ``start`` on."""
        if start == 0:
            return self.dataloader
        if start == len(self.dataloader):
            return ()
        loader = self.dataloader
        if type(loader.batch_sampler) is BatchSampler and hasattr(loader.sampler, 'skip'):
            loader.sampler.skip(start * loader.batch_size)
            return loader
        print_log(f'{type(loader.sampler).__name__} cannot skip indices: loading and dropping '
                  f'the {start} batches of this epoch trained before the resume',
                  logger='current', level=logging.WARNING)
        return itertools.islice(loader, start, None)


def resumable_train_loop(loop: dict) -> dict:
    """``train_cfg`` with an ``EpochBasedTrainLoop`` (named, or ``by_epoch=True``) made a
    :class:`ResumableEpochBasedTrainLoop`; other loops as they were."""
    loop = dict(loop)
    if 'type' not in loop:
        if loop.get('by_epoch'):
            del loop['by_epoch']
            loop['type'] = ResumableEpochBasedTrainLoop
        return loop
    kind = LOOPS.get(loop['type']) if isinstance(loop['type'], str) else loop['type']
    if kind is EpochBasedTrainLoop:
        loop['type'] = ResumableEpochBasedTrainLoop
    return loop
