"""A toy regression run for the checkpoint-safety tests: KB-sized checkpoints, sub-second epochs.

Imported by the tests and by their subprocesses (through ``custom_imports``) under one name,
``checkpoint_toys``, so its types register once per process.
"""
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
from mmengine.evaluator import BaseMetric
from mmengine.fileio import LocalBackend
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from torch.utils.data import Dataset

from reelkit.cli import main
from reelkit.registry import DATASETS, HOOKS, METRICS, MODELS

TOYS_DIR = osp.dirname(osp.abspath(__file__))  # on PYTHONPATH, subprocesses import this module

CONFIG = '''
default_scope = 'reelkit'
custom_imports = dict(imports=['checkpoint_toys'], allow_failed_imports=False)
model = dict(type='CheckpointToyModel')
def loader(length):
    return dict(batch_size=2, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=dict(type='CheckpointToyDataset', length=length))
train_dataloader = loader(8)
val_dataloader = test_dataloader = loader(4)
val_evaluator = test_evaluator = dict(type='CheckpointToyMetric', scores={scores})
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs={max_epochs}, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
param_scheduler = [dict(type='MultiStepLR', milestones=[1], gamma=0.5, by_epoch=True)]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts={max_keep_ckpts},
                    save_best='acc', rule='greater'))
randomness = dict(seed=0)
'''


def write_config(path: str, scores: Sequence[float] = (0.9, 0.5, 0.3), max_epochs: int = 3,
                 max_keep_ckpts: int = 1, extra: str = '') -> str:
    """Write the toy config; validation after epoch ``k`` reports ``scores[k - 1]`` as ``acc``."""
    with open(path, 'w') as stream:
        stream.write(CONFIG.format(scores=list(scores), max_epochs=max_epochs,
                                   max_keep_ckpts=max_keep_ckpts) + extra)
    return path


def train(config: str, work_dir, *extra: str) -> int:
    """``reelkit train CONFIG --work-dir WORK_DIR ...`` in this process; its exit code."""
    return main(['train', config, '--work-dir', str(work_dir), *extra])


def last_checkpoint(work_dir) -> str:
    """The path ``last_checkpoint`` in ``work_dir`` names."""
    with open(osp.join(work_dir, 'last_checkpoint')) as stream:
        return stream.read()


def start_training(config: str, work_dir, before: str = 'pass') -> subprocess.Popen:
    """``reelkit train`` in a child process that first runs the Python statement ``before``."""
    script = (f'import sys, checkpoint_toys; {before}; '
              f'sys.exit(checkpoint_toys.train({config!r}, {str(work_dir)!r}))')
    return subprocess.Popen([sys.executable, '-c', script], cwd=osp.dirname(config),
                            env=dict(os.environ, PYTHONPATH=TOYS_DIR),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for(path, child: subprocess.Popen, timeout: float = 60.0) -> None:
    """Wait until ``child`` creates ``path``; fail with its stderr if it ends first."""
    deadline = time.monotonic() + timeout
    while not osp.exists(path):
        if child.poll() is not None:
            raise AssertionError(f'the training ended before {path} appeared:\n{child.stderr.read()}')
        if time.monotonic() > deadline:
            raise AssertionError(f'{path} did not appear within {timeout} s')
        time.sleep(0.05)


@DATASETS.register_module()
class CheckpointToyDataset(Dataset):
    """``length`` points x in R^2 with target x0 - x1."""

    def __init__(self, length: int = 8) -> None:
        self.points = torch.linspace(-1, 1, 2 * length).reshape(length, 2)

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index: int) -> dict:
        point = self.points[index]
        return dict(inputs=point, data_samples=point[0] - point[1])


@MODELS.register_module()
class CheckpointToyModel(BaseModel):
    """One linear layer. inputs: N tensors (2,) -> predictions (N,).

    ``fail_at_step``: the training step (from 0) that raises ``RuntimeError``, to make a run crash.
    """

    def __init__(self, fail_at_step: Optional[int] = None) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 1)
        self.fail_at_step = fail_at_step
        self.steps = 0

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        predictions = self.fc(torch.stack(inputs)).squeeze(1)
        if mode == 'loss':
            if self.steps == self.fail_at_step:
                raise RuntimeError(f'toy failure at step {self.steps}')
            self.steps += 1
            return dict(loss=((predictions - torch.stack(data_samples)) ** 2).mean())
        return list(predictions)


@METRICS.register_module()
class CheckpointToyMetric(BaseMetric):
    """Reports the next of ``scores`` as a NumPy float32 ``acc``, the kind of number metrics return."""

    def __init__(self, scores: Sequence[float] = (0.5, ), **kwargs) -> None:
        super().__init__(**kwargs)
        self.scores = list(scores)
        self.calls = 0

    def process(self, data_batch, data_samples) -> None:
        self.results.extend(data_samples)

    def compute_metrics(self, results) -> dict:
        score = self.scores[min(self.calls, len(self.scores) - 1)]
        self.calls += 1
        return dict(acc=np.float32(score))


@HOOKS.register_module()
class CheckpointToyPauseHook(Hook):
    """Before iteration ``at_iter``, touch ``<folder>/paused`` and wait for ``<folder>/go``.

    Once only: a resumed run that finds ``paused`` goes straight on.
    """

    def __init__(self, at_iter: int, folder: str, timeout: float = 60.0) -> None:
        self.at_iter = at_iter
        self.folder = folder
        self.timeout = timeout

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        paused = osp.join(self.folder, 'paused')
        if runner.iter != self.at_iter or osp.exists(paused):
            return
        open(paused, 'w').close()
        deadline = time.monotonic() + self.timeout
        while not osp.exists(osp.join(self.folder, 'go')) and time.monotonic() < deadline:
            time.sleep(0.02)


def is_write_of(filepath: str, name: str) -> bool:
    """Whether a backend write to ``filepath`` writes checkpoint ``name`` (directly or through
    the hidden file reelkit renames afterwards)."""
    return osp.basename(str(filepath)).lstrip('.').startswith(name)


def stall_writes_of(name: str, marker: str, seconds: float = 60.0) -> None:
    """From now on, a write of checkpoint ``name`` stops half-way: it writes half the bytes,
    touches ``marker`` and sleeps (for a test to kill the process then)."""
    put = LocalBackend.put

    def stalled_put(self, obj: bytes, filepath) -> None:
        if not is_write_of(filepath, name):
            return put(self, obj, filepath)
        with open(filepath, 'wb') as stream:
            stream.write(obj[:len(obj) // 2])
        open(marker, 'w').close()
        time.sleep(seconds)

    LocalBackend.put = stalled_put


def failing_put(name: str, error: OSError):
    """A ``LocalBackend.put`` that writes half of checkpoint ``name`` and then raises ``error``."""
    put = LocalBackend.put

    def put_or_fail(self, obj: bytes, filepath) -> None:
        if not is_write_of(filepath, name):
            return put(self, obj, filepath)
        with open(filepath, 'wb') as stream:
            stream.write(obj[:len(obj) // 2])
        raise error

    return put_or_fail
