"""One rich progress bar over the whole training run, for commands whose console should stay quiet."""
from typing import Optional

from mmengine.hooks import Hook

from reelkit.registry import HOOKS


@HOOKS.register_module()
class RichProgressBarHook(Hook):
    """A single bar over all training iterations, with ETA, the latest loss and validation top-1.

    The log file keeps every line; pair it with a console logger at WARNING (as ``reelkit
    quickstart`` does) so the bar is all the console shows.
    """
    priority = 'VERY_LOW'

    def __init__(self) -> None:
        self._progress = None
        self._task = None
        self._val_top1: Optional[float] = None

    def before_train(self, runner) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
        self._progress = Progress(TextColumn('[bold]train[/bold] {task.description}'), BarColumn(),
                                  TextColumn('{task.completed}/{task.total} it'), TimeElapsedColumn(),
                                  TextColumn('eta'), TimeRemainingColumn(), transient=False)
        self._task = self._progress.add_task('', total=runner.max_iters, completed=runner.iter)
        self._progress.start()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        loss = outputs.get('loss') if isinstance(outputs, dict) else None
        description = f'epoch {runner.epoch + 1}/{runner.max_epochs}'
        if loss is not None:
            description += f' loss {loss.item():.3f}'
        if self._val_top1 is not None:
            description += f' val top-1 {self._val_top1:.3f}'
        self._progress.update(self._task, completed=runner.iter + 1, description=description)

    def after_val_epoch(self, runner, metrics=None) -> None:
        if metrics and 'acc/top1' in metrics:
            self._val_top1 = float(metrics['acc/top1'])

    def after_train(self, runner) -> None:
        if self._progress is not None:
            self._progress.stop()
