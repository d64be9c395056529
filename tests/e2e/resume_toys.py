"""A toy run with random augmentation, dropout and shuffling, trained by ``reelkit train`` in a
forked child that a hook SIGKILLs at a chosen iteration: for the exact-resume tests and
``benchmarks/resume_loop.py``. The ``gan`` kind is a tiny DCGAN (two optimizers and schedulers,
two discriminator steps per generator step, an EMA generator) on generated 16x16 images.

The configs name this module in ``custom_imports`` as ``resume_toys``: import it under that
name (its folder on ``sys.path``) before starting children, so its types register once.
"""
import glob
import json
import multiprocessing
import os
import os.path as osp
import random
import signal
import sys
from typing import Dict, Optional, Union

import torch
import torch.nn as nn
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from torch.utils.data import Dataset

from reelkit.cli import main
from reelkit.datasets.synth_shapes import generate_synth_shapes
from reelkit.datasets.transforms.functional import global_rng
from reelkit.registry import DATASETS, HOOKS, METRICS, MODELS
from reelkit.utils.config import SHIPPED_CONFIGS

KILL_AT = 'RESUME_TOY_KILL_AT'  # environment: the iteration the child is signalled before
KILL_WITH = 'RESUME_TOY_KILL_WITH'  # environment: the signal's name

CONFIG = '''
default_scope = 'reelkit'
custom_imports = dict(imports=['resume_toys'], allow_failed_imports=False)
model = dict(type='ResumeToyModel')
train_dataloader = dict(batch_size=3, num_workers={num_workers},
                        sampler=dict(type='{sampler}', shuffle=True),
                        dataset=dict(type='ResumeToyDataset', length=10))
val_dataloader = dict(batch_size=4, num_workers=0,
                      sampler=dict(type='DefaultSampler', shuffle=False),
                      dataset=dict(type='ResumeToyDataset', length=4, augment=False))
val_evaluator = dict(type='ResumeToyMetric')
train_cfg = {train_cfg}
val_cfg = dict(type='ValLoop')
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
param_scheduler = [dict(type='LinearLR', start_factor=0.5, by_epoch=False, begin=0, end=6)]
default_hooks = dict(logger=dict(type='LoggerHook', interval=1),
                     checkpoint=dict(type='CheckpointHook', interval=3, by_epoch=False))
custom_hooks = [dict(type='ResumeToyKillHook')]
visualizer = dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')])
log_processor = dict(window_size=4)
'''
LOOPS = {
    # 4 iterations an epoch: the checkpoints every 3 iterations fall inside epochs
    'epoch': ("dict(type='EpochBasedTrainLoop', max_epochs=3, val_interval=1)", 'DefaultSampler'),
    'iter': ("dict(type='IterBasedTrainLoop', max_iters=12, val_interval=5)", 'InfiniteSampler'),
}
NUM_ITERS = 12
GAN_CONFIG = '''
_base_ = ['{runtime}']
custom_imports = dict(imports=['resume_toys'], allow_failed_imports=False)
model = dict(
    type='DCGAN', noise_size=8, discriminator_steps=2,
    generator=dict(type='DCGANGenerator', output_scale=16, base_channels=16),
    discriminator=dict(type='DCGANDiscriminator', input_scale=16, output_scale=4, out_channels=1,
                       base_channels=8),
    ema_config=dict(type='ExponentialMovingAverage', interval=1, momentum=0.9, start_iter=2))
train_pipeline = [dict(type='LoadImageFromFile', key='img'),
                  dict(type='Flip', keys=['img'], direction='horizontal'),
                  dict(type='PackGenInputs', keys=['img'])]
train_dataloader = dict(batch_size=3, num_workers={num_workers},
                        sampler=dict(type='InfiniteSampler', shuffle=True),
                        dataset=dict(type='UnconditionalImageDataset', data_root='{data_root}',
                                     pipeline=train_pipeline))
val_dataloader = dict(batch_size=4, num_workers=0,
                      sampler=dict(type='DefaultSampler', shuffle=False),
                      dataset=dict(type='UnconditionalImageDataset', data_root='{data_root}',
                                   pipeline=[dict(type='LoadImageFromFile', key='img'),
                                             dict(type='PackGenInputs', keys=['img'])]))
test_cfg = test_evaluator = None
val_evaluator = dict(metrics=[dict(type='FrechetInceptionDistance', prefix='FID-ema',
                                   sample_model='ema', fake_nums=8, real_nums=-1,
                                   inception_pkl='{fid_stats}',
                                   feature_net=dict(type='SeededFeatureNet', seed=0))])
train_cfg = dict(max_iters=12, val_interval=5)
optim_wrapper = dict(generator=dict(optimizer=dict(type='Adam', lr=2e-3, betas=(0.5, 0.999))),
                     discriminator=dict(optimizer=dict(type='Adam', lr=2e-3, betas=(0.5, 0.999))))
param_scheduler = dict(
    generator=[dict(type='LinearLR', start_factor=0.5, by_epoch=False, begin=0, end=6)],
    discriminator=[dict(type='LinearLR', start_factor=0.25, by_epoch=False, begin=0, end=8)])
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=3))
custom_hooks = [dict(type='ResumeToyKillHook')]
log_processor = dict(window_size=4)
'''
GAN = 'gan'  # the kind of run write_config writes GAN_CONFIG for
KINDS = (*LOOPS, GAN)


def write_config(path: str, loop: str = 'epoch', num_workers: int = 0, extra: str = '') -> str:
    """A config of kind ``loop`` (one of :data:`KINDS`) written to ``path``."""
    if loop == GAN:
        return write_gan_config(path, num_workers, extra)
    train_cfg, sampler = LOOPS[loop]
    with open(path, 'w') as stream:
        stream.write(CONFIG.format(num_workers=num_workers, train_cfg=train_cfg, sampler=sampler)
                     + extra)
    return path


def write_gan_config(path: str, num_workers: int = 0, extra: str = '') -> str:
    """The GAN toy's config written to ``path``, and its 10 images (16x16 SynthShapes) to the
    folder ``gan_images`` beside it, unless they are there; the real-image statistics of its FID
    go beside it too (``gan_fid_stats.npz``)."""
    folder = osp.dirname(osp.abspath(path))
    data_root = osp.join(folder, 'gan_images')
    if not osp.isdir(data_root):
        generate_synth_shapes(data_root, num_images=10, size=16)
    runtime = SHIPPED_CONFIGS / 'gan' / '_base_' / 'gen_default_runtime.py'
    with open(path, 'w') as stream:
        stream.write(GAN_CONFIG.format(runtime=runtime, num_workers=num_workers,
                                       data_root=data_root,
                                       fid_stats=osp.join(folder, 'gan_fid_stats.npz')) + extra)
    return path


def train(config: str, work_dir: str, *args: str, kill_at: Union[int, str, None] = None,
          kill_with: str = 'SIGKILL', timeout: float = 300.0) -> int:
    """Exit code of ``reelkit train CONFIG --work-dir WORK_DIR --seed 0 --deterministic ARGS`` in
    a child process; with ``kill_at``, the child sends itself ``kill_with`` before that iteration
    (counted from 0). ``timeout`` only catches a hung child: a loaded CI machine runs these toys
    several times slower than an idle one.

    The child is forked: it starts in milliseconds, and no training state reaches this process.
    """
    child = start(config, work_dir, *args, kill_at=kill_at, kill_with=kill_with)
    child.join(timeout)
    if child.exitcode is None:
        child.kill()
        raise AssertionError(f'reelkit train {config} did not end within {timeout} s')
    return child.exitcode


def start(config: str, work_dir: str, *args: str, kill_at: Union[int, str, None] = None,
          kill_with: str = 'SIGKILL', output: Optional[str] = None) -> multiprocessing.Process:
    """The child process of :func:`train`, started; its stdout and stderr go to the file
    ``output`` if given."""
    child = multiprocessing.get_context('fork').Process(
        target=_train_and_exit, args=(config, work_dir, args, kill_at, kill_with, output))
    child.start()
    return child


def _train_and_exit(config: str, work_dir: str, args, kill_at: Union[int, str, None],
                    kill_with: str, output: Optional[str]) -> None:
    if output is not None:
        with open(output, 'a') as stream:
            os.dup2(stream.fileno(), 1)
            os.dup2(stream.fileno(), 2)
    os.environ.pop(KILL_AT, None)
    if kill_at is not None:
        os.environ.update({KILL_AT: str(kill_at), KILL_WITH: kill_with})
    sys.exit(main(['train', config, '--work-dir', work_dir, '--seed', '0', '--deterministic',
                   *args]))


def final_weights(work_dir: str) -> Dict[str, torch.Tensor]:
    """The weights in the checkpoint of the last iteration."""
    state = torch.load(osp.join(work_dir, f'iter_{NUM_ITERS}.pth'), map_location='cpu',
                       weights_only=False)
    return state['state_dict']


def logged(work_dir: str) -> Dict[tuple, dict]:
    """What the runs in ``work_dir`` logged (losses, lr, validation; not times), by
    ``(iteration, 'train' or 'val')``.

    A step logged by both the killed and the resumed run must agree; that is asserted here.
    """
    steps: Dict[tuple, dict] = {}
    train_step = 0  # a resumed run may validate before it logs a step: the killed run's last
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as stream:
            for line in stream:
                record = {key: value for key, value in json.loads(line).items()
                          if 'time' not in key and key not in ('memory', 'eta')}
                if 'loss' in record:
                    train_step, key = record['step'], (record['step'], 'train')
                else:  # a validation: logged with the epoch as its step; keyed by the iteration
                    key = (train_step, 'val')
                if key in steps and steps[key] != record:
                    raise AssertionError(f'{path}: {key} logged as {record}, '
                                         f'before as {steps[key]}')
                steps[key] = record
    return steps


@DATASETS.register_module()
class ResumeToyDataset(Dataset):
    """``length`` points in R^4, target their sum; training samples get noise from NumPy's
    global generator (as reelkit's transforms draw), Python's ``random`` and torch."""

    def __init__(self, length: int = 10, augment: bool = True) -> None:
        self.points = torch.linspace(-1, 1, 4 * length).reshape(length, 4)
        self.augment = augment

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index: int) -> dict:
        point = self.points[index].clone()
        if self.augment:
            point += torch.from_numpy(global_rng().normal(0, 0.3, 4)).float()
            point *= random.uniform(0.8, 1.2)
            point += 0.1 * torch.randn(4)
        return dict(inputs=point, data_samples=point.sum())


@MODELS.register_module()
class ResumeToyModel(BaseModel):
    """Dropout, then a linear layer. inputs: N tensors (4,) -> predictions (N,)."""

    def __init__(self) -> None:
        super().__init__()
        self.dropout = nn.Dropout(0.3)
        self.fc = nn.Linear(4, 1)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        predictions = self.fc(self.dropout(torch.stack(inputs))).squeeze(1)
        if mode == 'loss':
            return dict(loss=((predictions - torch.stack(data_samples)) ** 2).mean())
        return [dict(pred=p, target=t) for p, t in zip(predictions, data_samples)]


@METRICS.register_module()
class ResumeToyMetric(BaseMetric):
    """Mean absolute error of the predictions, as ``mae``."""

    def process(self, data_batch, data_samples) -> None:
        self.results.extend(float(abs(s['pred'] - s['target'])) for s in data_samples)

    def compute_metrics(self, results) -> dict:
        return dict(mae=sum(results) / len(results))


@HOOKS.register_module()
class ResumeToyKillHook(Hook):
    """Before iteration ``$RESUME_TOY_KILL_AT`` (when set; ``valN``: in the validation after
    iteration N), send this process
    ``$RESUME_TOY_KILL_WITH``: SIGKILL stops it unsaved, as when a machine is lost; SIGTERM
    makes ``SignalCheckpointHook`` save that iteration and stop."""
    priority = 'VERY_LOW'  # the data of that iteration is loaded, its step not taken

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if os.environ.get(KILL_AT) == str(runner.iter):
            os.kill(os.getpid(), signal.Signals[os.environ[KILL_WITH]])

    def before_val_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        # 'val12': during the validation after iteration 12
        if os.environ.get(KILL_AT) == f'val{runner.iter}':
            os.kill(os.getpid(), signal.Signals[os.environ[KILL_WITH]])
