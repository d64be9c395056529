"""What MMEngine needs to run on today's PyTorch and on CPU-only machines, and to keep its
checkpoints safe. Nothing else lives here.

- Checkpoint safety: :class:`ReelkitRunner` writes every checkpoint to a hidden file beside its
  target and renames it into place once on disk, so a kill mid-save leaves the previous file
  whole, and a failed write (disk full) stops the run with a :class:`CheckpointError` naming the
  path. reelkit's ``CheckpointHook`` updates ``last_checkpoint`` and deletes old files only
  after the writes; the ``signal_checkpoint`` default hook saves and stops on SIGTERM/SIGINT.
  Reading is ``weights_only=True`` by default (:mod:`reelkit.engine.runner.checkpoint`).
- CPU distributed training: MMEngine's ``init_dist`` calls ``torch.cuda.set_device`` and its
  runner hands the local rank to DDP as a CUDA device id. :func:`prepare_distributed` starts a
  gloo process group itself and selects :class:`CPUDistributedDataParallel`.
- Skipped keys of ``load_from``: the runner loads without a logger, so MMEngine ``print``s which
  keys did not match and the log file never records them. :class:`ReelkitRunner` sends them
  through the current logger (console and log file) while it loads; other runners in the same
  process are left as MMEngine made them.
- Exact resume: MMEngine's checkpoints keep no position inside an epoch and no random state. The
  train loop and sampler :class:`ReelkitRunner` builds resume inside an epoch, and a
  deterministic run draws its random numbers per sample and per step from the seed
  (:mod:`reelkit.engine.samplers`, :class:`StepSeedHook`).
"""
import contextlib
import functools
import os
import os.path as osp
from typing import Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.dist import master_only
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.model import MMDistributedDataParallel
from mmengine.runner import Runner
from mmengine.runner import runner as mmengine_runner

from reelkit.engine.hooks.signal_checkpoint import SignalCheckpointHook
from reelkit.engine.runner.resource_limits import resource_limits_explained
from reelkit.engine.runner.resumable_loop import resumable_train_loop
from reelkit.engine.runner.skip_aware_loops import skip_aware_loop
from reelkit.engine.samplers import resumable_dataloader
from reelkit.engine.runner.checkpoint import commit_file, discard, temporary_path
from reelkit.utils.allocator import keep_freed_memory
from reelkit.utils.errors import CheckpointError
from reelkit.registry import MODEL_WRAPPERS, RUNNERS
from reelkit.utils.errors import ConfigError

@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` for CPU processes.

    The runner passes ``device_ids=[local_rank]``, which DDP rejects for a module on the CPU.
    """

    def __init__(self, module: torch.nn.Module, device_ids=None, **kwargs):
        super().__init__(module=module, device_ids=None, **kwargs)


def prepare_distributed(cfg: Config, launcher: str) -> None:
    """Make ``launcher='pytorch'`` (torchrun) and ``'slurm'`` (srun) work without CUDA: gloo
    process group, CPU DDP wrapper."""
    if launcher == 'none' or torch.cuda.is_available():
        return
    if launcher not in ('pytorch', 'slurm'):
        raise ConfigError(f'--launcher {launcher}: on a machine without CUDA only '
                          "'none', 'pytorch' (torchrun) and 'slurm' (srun) are supported")
    if launcher == 'slurm':
        ranks_from_slurm()
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo', rank=int(os.environ['RANK']),
                                      world_size=int(os.environ['WORLD_SIZE']))
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        broadcast_buffers=False, find_unused_parameters=cfg.get('find_unused_parameters', False))
    if wrapper.get('type', 'MMDistributedDataParallel') == 'MMDistributedDataParallel':
        # scoped: the runner looks the type up in MMEngine's root registry
        wrapper['type'] = 'reelkit.CPUDistributedDataParallel'
    cfg.model_wrapper_cfg = wrapper


def ranks_from_slurm() -> None:
    """Set ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` from the task variables ``srun`` sets, as
    torchrun would; the rendezvous is ``MASTER_ADDR`` (the job's first node), ``MASTER_PORT``."""
    needed = ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_LOCALID', 'MASTER_ADDR')
    missing = [name for name in needed if name not in os.environ]
    if missing:
        raise ConfigError(f'--launcher slurm: {", ".join(missing)} not set; start each task '
                          'with srun and export MASTER_ADDR=<first node of $SLURM_JOB_NODELIST> '
                          '(docs/distributed.md)')
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['LOCAL_RANK'] = os.environ['SLURM_LOCALID']
    os.environ.setdefault('MASTER_PORT', '29500')


@contextlib.contextmanager
def checkpoint_mismatches_logged():
    """While open, the runner's checkpoint loading reports mismatched keys to the current logger.

    MMEngine offers no argument or hook for that logger (``Runner.load_checkpoint`` calls the
    module-level ``_load_checkpoint_to_model`` without one), so the function is swapped for the
    duration of one load and put back after it.
    """
    load = mmengine_runner._load_checkpoint_to_model
    mmengine_runner._load_checkpoint_to_model = functools.partial(load, logger='current')
    try:
        yield
    finally:
        mmengine_runner._load_checkpoint_to_model = load


@RUNNERS.register_module()
class ReelkitRunner(Runner):
    """MMEngine's ``Runner``, with crash-safe checkpoint writes, a ``signal_checkpoint`` default
    hook, ``load_from``/``--resume`` loads that log skipped keys to the log file, and resumes that
    continue as if the run had not stopped.

    ``default_hooks=dict(signal_checkpoint=None)`` leaves SIGTERM and SIGINT to Python.

    Resuming: an ``EpochBasedTrainLoop`` is built as ``ResumableEpochBasedTrainLoop`` and the
    train dataloader's ``DefaultSampler``/``InfiniteSampler`` as ``ResumableSampler``/
    ``ResumableInfiniteSampler`` (same batches), so a checkpoint from inside an epoch resumes
    at its next batch. With ``randomness.deterministic=True`` (``--deterministic``) the train
    samples are also wrapped in ``SeededDataset`` and each step seeded by the ``step_seed``
    default hook (:class:`StepSeedHook`): the augmentations and every other random number come
    from the seed, the iteration and the sample's place in its epoch, so a run killed at any
    moment and resumed ends with the weights and logged losses of an uninterrupted one, for any
    ``num_workers``. For a given seed these numbers differ from a non-deterministic run's. A run
    killed during a validation validates first when resumed (the ``pending_validation`` default
    hook, :class:`PendingValidationHook`), so its log has every validation's metrics.

    Unreadable samples: ``ValLoop``/``TestLoop`` are built as ``SkipAwareValLoop``/
    ``SkipAwareTestLoop``, which leave them out of the metrics and say how many, and the
    ``skipped_samples`` default hook (:class:`SkippedSamplesHook`) reports the skipped training
    files once each. A killed dataloader worker or an out-of-memory batch stops the run with a
    ``ResourceLimitError`` naming the sample or batch size and what to change.

    The process keeps the memory it frees for its next step (:mod:`reelkit.utils.allocator`).
    """

    def __init__(self, *args, **kwargs) -> None:
        keep_freed_memory()  # before the DataLoader forks its workers, which inherit it
        super().__init__(*args, **kwargs)

    def build_train_loop(self, loop):
        if isinstance(loop, dict):
            loop = resumable_train_loop(loop)
            self._train_dataloader = resumable_dataloader(
                self._train_dataloader, sample_seeds=self.deterministic)
        return super().build_train_loop(loop)

    def build_val_loop(self, loop):
        return super().build_val_loop(skip_aware_loop(loop, 'ValLoop'))

    def build_test_loop(self, loop):
        return super().build_test_loop(skip_aware_loop(loop, 'TestLoop'))

    def load_checkpoint(self, *args, **kwargs):
        with checkpoint_mismatches_logged():
            return super().load_checkpoint(*args, **kwargs)

    def register_default_hooks(self, hooks: Optional[dict] = None) -> None:
        # scoped: found from a runner whose default scope is not reelkit's
        hooks = {'signal_checkpoint': dict(type='reelkit.SignalCheckpointHook'),
                 'step_seed': dict(type='reelkit.StepSeedHook'),
                 'skipped_samples': dict(type='reelkit.SkippedSamplesHook'),
                 'pending_validation': dict(type='reelkit.PendingValidationHook'), **(hooks or {})}
        for name in ('signal_checkpoint', 'step_seed', 'skipped_samples', 'pending_validation'):
            if hooks[name] is None:  # MMEngine accepts None only for its own defaults
                del hooks[name]
        super().register_default_hooks(hooks)

    def train(self):
        try:
            with resource_limits_explained(self.cfg, 'train'):
                return super().train()
        finally:
            # MMEngine calls no hook when training raises: give the process its handlers back here
            for hook in self.hooks:
                if isinstance(hook, SignalCheckpointHook):
                    hook.restore_handlers()

    @master_only
    def save_checkpoint(self, out_dir: str, filename: str, file_client_args: Optional[dict] = None,
                        save_optimizer: bool = True, save_param_scheduler: bool = True,
                        meta: Optional[dict] = None, by_epoch: bool = True,
                        backend_args: Optional[dict] = None) -> None:
        """MMEngine's save, written to a hidden file beside the target and renamed into place
        once it is on disk: a crash mid-write leaves the file that was there whole.

        Raises:
            CheckpointError: the write failed (disk full, ...); the message names the path.
        """
        save = functools.partial(
            super().save_checkpoint, file_client_args=file_client_args,
            save_optimizer=save_optimizer, save_param_scheduler=save_param_scheduler, meta=meta,
            by_epoch=by_epoch, backend_args=backend_args)
        # object stores (and the deprecated file clients) have no rename: written as MMEngine does
        if file_client_args is not None or not isinstance(
                get_file_backend(out_dir, backend_args=backend_args), LocalBackend):
            return save(out_dir, filename)
        path = osp.join(out_dir, filename)
        partial = temporary_path(path)
        try:
            save(out_dir, osp.relpath(partial, out_dir))
            commit_file(partial, path)
        except OSError as error:
            raise CheckpointError(
                f'{path}: writing the checkpoint failed ({error}). Nothing was replaced: the '
                'earlier checkpoints and last_checkpoint are as they were; free space or pick '
                'another --work-dir, then continue with --resume') from error
        finally:
            discard(partial)  # what a failed write left; gone already after a commit
