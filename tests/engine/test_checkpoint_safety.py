"""Checkpoints survive kills and full disks, the best one survives ``max_keep_ckpts``, and loading
refuses pickled code unless ``--unsafe-load`` says otherwise. Toy runs of 3 epochs x 4 iterations."""
import argparse
import errno
import os
import zipfile

import numpy as np
import pytest
import torch
from mmengine.fileio import LocalBackend
from mmengine.runner.checkpoint import _load_checkpoint, get_torch_safe_globals

import checkpoint_toys
from checkpoint_toys import last_checkpoint, train
from reelkit.cli import main
from reelkit.engine import CheckpointError, unsafe_checkpoint_loading
from reelkit.engine.runner.checkpoint import write_text_atomically

pytestmark = pytest.mark.usefixtures('forget_runs')


def checkpoint_names(work_dir):
    return sorted(name for name in os.listdir(work_dir) if name.endswith('.pth'))


def test_kill_during_save_leaves_last_checkpoint_loadable(tmp_path):
    """Killed half-way through writing epoch 2, with max_keep_ckpts=1 (MMEngine deletes epoch 1
    before it writes epoch 2): epoch 1 still loads, last_checkpoint names it, resume finishes."""
    config, work_dir = checkpoint_toys.write_config(str(tmp_path / 'toy.py')), tmp_path / 'work'
    marker = tmp_path / 'stalled'
    child = checkpoint_toys.start_training(
        config, work_dir, before=f'checkpoint_toys.stall_writes_of("epoch_2.pth", {str(marker)!r})')
    try:
        checkpoint_toys.wait_for(marker, child)
        child.kill()
    finally:
        child.communicate()

    assert not (work_dir / 'epoch_2.pth').exists()
    assert last_checkpoint(work_dir) == str(work_dir / 'epoch_1.pth')
    assert _load_checkpoint(last_checkpoint(work_dir))['meta']['epoch'] == 1
    assert train(config, work_dir, '--resume') == 0
    assert _load_checkpoint(str(work_dir / 'epoch_3.pth'))['meta']['epoch'] == 3


def test_full_disk_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch, capsys):
    config, work_dir = checkpoint_toys.write_config(str(tmp_path / 'toy.py')), tmp_path / 'work'
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(LocalBackend, 'put', checkpoint_toys.failing_put('epoch_2.pth', full))

    assert train(config, work_dir) == 2
    error = capsys.readouterr().err
    assert f'{work_dir / "epoch_2.pth"}: writing the checkpoint failed' in error
    assert 'No space left on device' in error
    assert checkpoint_names(work_dir) == ['best_acc_epoch_1.pth', 'epoch_1.pth']
    assert not (work_dir / '.epoch_2.pth.partial').exists()
    assert last_checkpoint(work_dir) == str(work_dir / 'epoch_1.pth')
    assert _load_checkpoint(str(work_dir / 'epoch_1.pth'))['meta']['epoch'] == 1


def test_failed_write_of_a_new_best_keeps_the_previous_best(tmp_path, monkeypatch):
    config = checkpoint_toys.write_config(str(tmp_path / 'toy.py'), scores=(0.5, 0.9))
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(LocalBackend, 'put', checkpoint_toys.failing_put('best_acc_epoch_2', full))

    assert train(config, tmp_path / 'work') == 2
    best = _load_checkpoint(str(tmp_path / 'work' / 'best_acc_epoch_1.pth'))
    assert best['meta']['epoch'] == 1


def test_best_checkpoint_survives_max_keep_ckpts(tmp_path):
    config, work_dir = checkpoint_toys.write_config(str(tmp_path / 'toy.py')), tmp_path / 'work'
    assert train(config, work_dir) == 0  # acc 0.9, 0.5, 0.3: epoch 1 stays the best
    assert checkpoint_names(work_dir) == ['best_acc_epoch_1.pth', 'epoch_3.pth']
    assert _load_checkpoint(str(work_dir / 'best_acc_epoch_1.pth'))['meta']['epoch'] == 1
    assert last_checkpoint(work_dir) == str(work_dir / 'epoch_3.pth')


def test_reelkit_checkpoints_load_with_weights_only(tmp_path):
    config, work_dir = checkpoint_toys.write_config(str(tmp_path / 'toy.py')), tmp_path / 'work'
    assert train(config, work_dir, '--cfg-options', 'train_cfg.max_epochs=1') == 0
    path = str(work_dir / 'epoch_1.pth')
    state = _load_checkpoint(path)  # the strict reader, with no fallback
    assert {'meta', 'state_dict', 'optimizer', 'param_schedulers', 'message_hub'} <= set(state)
    # the metric's float32 best score is a NumPy scalar that MMEngine's allowlist lacks
    assert state['message_hub']['runtime_info']['best_score'].dtype.name == 'float32'
    with pytest.raises(Exception, match='Float32DType'), \
            torch.serialization.safe_globals(get_torch_safe_globals()):
        torch.load(path, weights_only=True)


def spell_numpy_as_1x(path, out):
    """Copy checkpoint ``path`` to ``out`` as NumPy 1.x would have pickled it (``numpy.core``)."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, 'w') as target:
        for name in source.namelist():
            data = source.read(name)
            if name.endswith('data.pkl'):  # protocol 2: a GLOBAL's name ends at a newline
                data = data.replace(b'numpy._core.multiarray', b'numpy.core.multiarray')
            target.writestr(name, data)
    return out


def test_numpy_1_checkpoints_load_with_weights_only(tmp_path):
    saved = str(tmp_path / 'np2.pth')
    torch.save(dict(meta=dict(history=np.arange(3.0), score=np.float64(0.5))), saved)
    old = spell_numpy_as_1x(saved, str(tmp_path / 'np1.pth'))
    pickled_names = torch.serialization.get_unsafe_globals_in_checkpoint(old)
    assert 'numpy.core.multiarray._reconstruct' in pickled_names
    assert _load_checkpoint(old)['meta']['score'] == 0.5


@pytest.fixture
def pickled_class_checkpoint(tmp_path):
    """A toy-model checkpoint whose meta holds an ``argparse.Namespace``, as old trainers saved."""
    path = str(tmp_path / 'with_args.pth')
    model = checkpoint_toys.CheckpointToyModel()
    torch.save(dict(state_dict=model.state_dict(), meta=dict(args=argparse.Namespace(lr=0.1))), path)
    return path


def test_weights_only_refuses_a_pickled_class_and_names_file_and_flag(pickled_class_checkpoint):
    with pytest.raises(CheckpointError) as refused:
        _load_checkpoint(pickled_class_checkpoint)  # what init_cfg and load_checkpoint() call
    message = str(refused.value)
    assert message.startswith(f'{pickled_class_checkpoint}: refused to load')
    assert 'a pickled argparse.Namespace' in message and '--unsafe-load' in message
    with unsafe_checkpoint_loading():
        assert _load_checkpoint(pickled_class_checkpoint)['meta']['args'].lr == 0.1
    with pytest.raises(CheckpointError):  # the opt-in ends with the context
        _load_checkpoint(pickled_class_checkpoint)


def test_test_command_loads_a_pickled_class_only_with_unsafe_load(pickled_class_checkpoint,
                                                                  tmp_path, capsys):
    config = checkpoint_toys.write_config(str(tmp_path / 'toy.py'))
    command = ['test', config, pickled_class_checkpoint, '--work-dir', str(tmp_path / 'test')]
    assert main(command) == 2
    assert f'{pickled_class_checkpoint}: refused to load' in capsys.readouterr().err
    assert main(command + ['--unsafe-load']) == 0


def test_last_checkpoint_write_failure_keeps_the_old_text(tmp_path, monkeypatch):
    path = tmp_path / 'last_checkpoint'
    path.write_text('work/epoch_1.pth')

    def fail(fd):
        raise OSError(errno.EIO, 'I/O error')

    monkeypatch.setattr(os, 'fsync', fail)
    with pytest.raises(OSError):
        write_text_atomically(str(path), 'work/epoch_2.pth')
    assert path.read_text() == 'work/epoch_1.pth'
    assert os.listdir(tmp_path) == ['last_checkpoint']
