"""MMEngine's ``CheckpointHook``, reordered so that a crash at any moment leaves a loadable
checkpoint, and ``last_checkpoint`` naming one."""
import os.path as osp
from typing import List, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook as MMEngineCheckpointHook

from reelkit.engine.runner.checkpoint import write_text_atomically
from reelkit.registry import HOOKS


@HOOKS.register_module()
class CheckpointHook(MMEngineCheckpointHook):
    """Takes the place of MMEngine's hook under the same name (and arguments) in reelkit configs.

    MMEngine deletes the checkpoint that ``max_keep_ckpts`` pushes out, and the previous best one,
    before it writes their replacements, and rewrites ``last_checkpoint`` in place: a kill in
    between leaves ``last_checkpoint`` empty or naming a deleted file. Here each new checkpoint is
    written first (atomically, by ``ReelkitRunner.save_checkpoint``), then ``last_checkpoint`` is
    renamed into place, and only then are the old files deleted. Best checkpoints are named
    ``best_<metric>_<...>`` apart from the periodic ones, so ``max_keep_ckpts`` never removes them.
    """

    def _save_checkpoint_with_step(self, runner, step: int, meta: dict) -> None:
        pushed_out = self._keep(runner, step)
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir, filename, self.file_client_args, save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler, meta=meta, by_epoch=self.by_epoch,
            backend_args=self.backend_args, **self.args)
        if not is_main_process():  # sharded saves gather on every rank; the files are rank 0's
            return
        write_text_atomically(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if pushed_out is not None:
            self._remove(pushed_out)

    def _save_best_checkpoint(self, runner, metrics: dict) -> None:
        # MMEngine's method deletes the previous best through ``self.file_backend`` before it
        # saves the new one, with no seam in between: hold the deletions until both are written.
        backend = self.file_backend
        self.file_backend = _DeletionsHeld(backend)
        try:
            super()._save_best_checkpoint(runner, metrics)
            held = self.file_backend.held
        finally:
            self.file_backend = backend
        for path in held:
            if path not in self._best_paths():  # the same name saved again (a repeated validation)
                self._remove(path)

    def _keep(self, runner, step: int) -> Optional[str]:
        """Count ``step`` among the ``max_keep_ckpts`` kept; the path of the one it pushes out."""
        if self.max_keep_ckpts <= 0 or (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            return None  # also when one step is saved twice (periodic, then again for a new best)
        pushed_out = None
        if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
            pushed_out = self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(self.keep_ckpt_ids.popleft()))
        self.keep_ckpt_ids.append(step)
        runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        return pushed_out

    def _best_paths(self) -> List[str]:
        if getattr(self, 'best_ckpt_path', None) is not None:
            return [self.best_ckpt_path]
        return [path for path in getattr(self, 'best_ckpt_path_dict', {}).values() if path]

    def _remove(self, path: str) -> None:
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):  # DeepSpeed saves a folder per checkpoint
            self.file_backend.rmtree(path)


class _DeletionsHeld:
    """A file backend that records ``remove``/``rmtree`` calls instead of running them."""

    def __init__(self, backend) -> None:
        self._backend = backend
        self.held: List[str] = []

    def remove(self, path: str) -> None:
        self.held.append(path)

    def rmtree(self, path: str) -> None:
        self.held.append(path)

    def __getattr__(self, name: str):
        return getattr(self._backend, name)
