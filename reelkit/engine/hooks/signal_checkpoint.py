"""Stop training cleanly on SIGTERM or SIGINT: finish the iteration, save it, exit resumable."""
import logging
import os.path as osp
import signal
import threading
from typing import Optional, Sequence

import torch
from mmengine.dist import all_reduce, is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log

from reelkit.engine.runner.checkpoint import write_text_atomically
from reelkit.registry import HOOKS
from reelkit.utils.errors import ReelkitError


class TrainingInterrupted(ReelkitError):
    """Training stopped on a signal after saving a resumable checkpoint.

    A ``ReelkitError`` so that commands print it as one line; ``reelkit train`` exits with
    ``exit_code``, what a shell reports for a process the signal ended (128 + its number).
    """

    def __init__(self, signum: int, iteration: int, checkpoint: str):
        super().__init__(f'training stopped by {signal.Signals(signum).name} after iteration '
                         f'{iteration}; checkpoint saved to {checkpoint}, and --resume continues '
                         'from it')
        self.signum = signum
        self.checkpoint = checkpoint
        self.exit_code = 128 + signum


@HOOKS.register_module()
class SignalCheckpointHook(Hook):
    """On SIGTERM or SIGINT, let the iteration in progress finish, save a resumable checkpoint
    of it and stop with :class:`TrainingInterrupted`. A second signal stops at once.

    Job schedulers (SLURM, Kubernetes) send SIGTERM some time before they kill a job; Ctrl-C sends
    SIGINT. The checkpoint is ``iter_<n>.pth`` in the work dir (model, optimizer, schedulers and
    message hub, as the periodic ones) and ``last_checkpoint`` names it, so ``--resume`` picks it
    up. An epoch-based run resumes at the next batch of the interrupted epoch
    (``ResumableEpochBasedTrainLoop``). ``ReelkitRunner`` adds this hook as the
    ``signal_checkpoint`` default hook.

    Args:
        signals: names of the signals to catch.
    """
    priority = 'LOWEST'  # after the hooks that finish an iteration (schedulers, logs, checkpoints)

    def __init__(self, signals: Sequence[str] = ('SIGTERM', 'SIGINT')) -> None:
        unknown = [name for name in signals if name not in signal.Signals.__members__]
        if unknown:
            raise ValueError(f'signals={list(signals)!r}: unknown {unknown}; expected names such '
                             "as 'SIGTERM', 'SIGINT', 'SIGUSR1'")
        self.signals = tuple(signal.Signals[name] for name in signals)
        self._received: Optional[int] = None
        self._previous_handlers: dict = {}

    def before_train(self, runner) -> None:
        if threading.current_thread() is not threading.main_thread():
            runner.logger.warning('SignalCheckpointHook: training runs outside the main thread, '
                                  'where Python cannot catch signals; a signal stops it unsaved')
            return
        self._received = None
        for signum in self.signals:
            self._previous_handlers[signum] = signal.signal(signum, self._on_signal)

    def after_train(self, runner) -> None:
        self.restore_handlers()

    def restore_handlers(self) -> None:
        """Give the signals back to the handlers they had before training."""
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler)
        self._previous_handlers = {}

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        signum = self._signal_on_all_ranks()
        if signum is None:
            return
        filename = f'iter_{runner.iter + 1}.pth'
        runner.save_checkpoint(runner.work_dir, filename, by_epoch=False)
        path = osp.join(runner.work_dir, filename)
        if is_main_process():
            write_text_atomically(osp.join(runner.work_dir, 'last_checkpoint'), path)
        self.restore_handlers()
        raise TrainingInterrupted(signum, runner.iter + 1, path)

    def _on_signal(self, signum: int, frame) -> None:
        if self._received is not None:  # asked twice: stop now, as without this hook
            self.restore_handlers()
            signal.raise_signal(signum)
            return
        self._received = signum
        print_log(f'{signal.Signals(signum).name} received: saving a checkpoint when this '
                  'iteration ends, then stopping (send it again to stop at once, unsaved)',
                  logger='current', level=logging.WARNING)

    def _signal_on_all_ranks(self) -> Optional[int]:
        """The signal any rank received. Ranks see a signal at different iterations, and must all
        save and stop at the same one, or the next collective would wait forever; a single rank
        skips the reduction (``all_reduce`` returns at once)."""
        received = torch.tensor(self._received or 0)
        all_reduce(received, op='max')
        return int(received) or None
