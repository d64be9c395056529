"""Resource limits: a killed dataloader worker names the sample it was loading, and an
out-of-memory batch stops with the settings that lower a step's memory."""
import os
import signal

import pytest
import torch
from mmengine.hooks import Hook
from torch.utils.data import get_worker_info

from reelkit.cli import main
from reelkit.registry import HOOKS, TRANSFORMS

from test_hostile_data import untrained_checkpoint

pytestmark = pytest.mark.usefixtures('single_thread')


@TRANSFORMS.register_module(force=True)
class KillWorkerOn:
    """Test-only transform: SIGKILL the DataLoader worker that loads a file ending in ``suffix``,
    as the out-of-memory killer would."""

    def __init__(self, suffix):
        self.suffix = suffix

    def __call__(self, results):
        if results['filename'].endswith(self.suffix):
            if get_worker_info() is None:  # never kill the test process itself
                raise RuntimeError('KillWorkerOn runs only in DataLoader workers')
            os.kill(os.getpid(), signal.SIGKILL)
        return results


@HOOKS.register_module(force=True)
class RunOutOfMemory(Hook):
    """Test-only hook: raise an out-of-memory error of type ``kind`` before the first iteration,
    as the model's step would."""
    KINDS = {'OutOfMemoryError': torch.OutOfMemoryError, 'RuntimeError': RuntimeError}

    def __init__(self, kind, message):
        self.error = self.KINDS[kind](message)

    def raise_it(self, runner, batch_idx, data_batch=None):
        raise self.error

    before_train_iter = before_test_iter = raise_it


def error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert err and 'Traceback' not in '\n'.join(err)
    return err[-1]


def test_killed_worker_is_reported_with_the_sample_it_was_loading(tiny_config, tiny_motion,
                                                                   tmp_path, capsys):
    index = 4
    victim = (tiny_motion / 'train.txt').read_text().splitlines()[index].split()[0]
    config = tiny_config(extra=(
        "train_dataloader['num_workers'] = 2\n"
        "train_dataloader['dataset']['pipeline'] = "
        f"[dict(type='KillWorkerOn', suffix='{victim}')] + pipeline\n"))
    assert main(['train', config, '--work-dir', str(tmp_path / 'w')]) == 2
    line = error_line(capsys)
    assert 'a train_dataloader worker (pid' in line
    # PyTorch's SIGCHLD handler or its queue check reports it, whichever sees it first
    assert 'was killed by signal: Killed' in line or 'exited unexpectedly' in line
    assert f'was loading sample {index} of VideoDataset {tiny_motion}/train.txt ' \
           f'({tiny_motion}/{victim})' in line
    assert 'out-of-memory killer' in line and 'train_dataloader.num_workers' in line


@pytest.mark.parametrize('error', [
    ('OutOfMemoryError', 'CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total '
                         'capacity of 79.19 GiB of which 1.00 MiB is free.\nmore details'),
    ('RuntimeError', "[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: can't "
                     'allocate memory: you tried to allocate 8589934592 bytes.')])
def test_out_of_memory_in_training_suggests_smaller_batches(tiny_config, tmp_path, capsys, error):
    config = tiny_config(extra=f"custom_hooks = [dict(type='RunOutOfMemory', kind={error[0]!r}, "
                               f"message={error[1]!r})]\n")
    assert main(['train', config, '--work-dir', str(tmp_path / 'w')]) == 2
    line = error_line(capsys)
    assert line.startswith('reelkit train: error: out of memory on a training batch '
                           '(train_dataloader.batch_size=4): ')
    assert error[1].split('. ')[0] in line and 'more details' not in line
    for fix in ('lower train_dataloader.batch_size', '--amp', 'optim_wrapper.accumulative_counts'):
        assert fix in line


def test_out_of_memory_in_testing_names_the_test_batch_size(tiny_config, tmp_path, capsys):
    config = tiny_config(extra="custom_hooks = [dict(type='RunOutOfMemory', "
                               "kind='OutOfMemoryError', message='CUDA out of memory.')]\n")
    checkpoint = untrained_checkpoint(config, tmp_path / 'model.pth')
    assert main(['test', config, checkpoint, '--work-dir', str(tmp_path / 'w')]) == 2
    line = error_line(capsys)
    assert 'out of memory on a test batch (test_dataloader.batch_size=4)' in line
    assert 'lower test_dataloader.batch_size' in line and 'test_cfg.fp16=True' in line
