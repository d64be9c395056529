"""Run the validation a kill interrupted, when the run resumes."""
import os
import os.path as osp

from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.hooks import Hook
from mmengine.runner import BaseLoop

from reelkit.registry import HOOKS

MARKER = '.last_validated'  # in the work dir: the last train iteration whose validation ended


@HOOKS.register_module()
class PendingValidationHook(Hook):
    """Validate at once on resume when the checkpoint resumed from was followed by a validation
    that did not end.

    The train loops save a checkpoint before they validate at the same step, so a run killed
    during that validation resumes past it, and its log lacks that step's metrics (and its
    best-checkpoint comparison). This hook writes the iteration of every validation that ends to
    ``<work_dir>/.last_validated``; resumed at a step that validates, and not marked done, the run
    validates before training on, as the uninterrupted run did. ``ReelkitRunner`` adds it as the
    ``pending_validation`` default hook.
    """
    priority = 'LOWEST'  # every other hook is ready for training (CheckpointHook: VERY_LOW)

    def after_val_epoch(self, runner, metrics=None) -> None:
        # a validation inside training only: a stand-alone runner.val() has no train loop built
        if not isinstance(runner._train_loop, BaseLoop) or not is_main_process():
            return
        path = osp.join(runner.work_dir, MARKER)
        with open(path + '.tmp', 'w') as marker:
            marker.write(str(runner.iter))
        os.replace(path + '.tmp', path)

    def before_train(self, runner) -> None:
        if runner.iter == 0 or runner.val_loop is None or not validates_now(runner.train_loop):
            return
        pending = [is_main_process() and last_validated(runner.work_dir) < runner.iter]
        broadcast_object_list(pending)  # every rank takes part in the validation, or none
        if pending[0]:
            runner.logger.info(f'the validation after iteration {runner.iter} did not end '
                               'before the run stopped: validating now')
            runner.val_loop.run()


def validates_now(loop) -> bool:
    """Whether ``loop`` (epoch- or iteration-based) validates at the step it stands at."""
    if hasattr(loop, '_max_epochs') and getattr(loop, '_epoch', 0) > 0:
        if loop._iter != loop._epoch * len(loop.dataloader):  # resumed inside an epoch
            return False
        step, last = loop._epoch, loop._max_epochs
    else:
        step, last = loop._iter, loop._max_iters
    return step >= loop.val_begin and (step % loop.val_interval == 0 or step == last)


def last_validated(work_dir: str) -> int:
    """The iteration in ``work_dir``'s marker, or -1 when no validation has ended there."""
    try:
        with open(osp.join(work_dir, MARKER)) as marker:
            return int(marker.read())
    except (OSError, ValueError):
        return -1
