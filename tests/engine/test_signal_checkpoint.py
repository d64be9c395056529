"""SIGTERM/SIGINT during training: the iteration finishes, is saved, and ``--resume`` goes on."""
import glob
import multiprocessing
import os
import os.path as osp
import signal
from types import SimpleNamespace

import pytest
import torch.distributed as torch_dist
from mmengine.runner.checkpoint import _load_checkpoint

import checkpoint_toys
from checkpoint_toys import last_checkpoint, train
from reelkit.apis import load_config
from reelkit.engine import ReelkitRunner, TrainingInterrupted
from reelkit.engine.hooks import SignalCheckpointHook

pytestmark = pytest.mark.usefixtures('forget_runs')


def test_sigterm_mid_epoch_saves_that_iteration_and_resume_finishes(tmp_path):
    work_dir = tmp_path / 'work'
    pause = f"dict(type='CheckpointToyPauseHook', at_iter=5, folder={str(tmp_path)!r})"
    config = checkpoint_toys.write_config(str(tmp_path / 'toy.py'), max_keep_ckpts=-1,
                                          extra=f'custom_hooks = [{pause}]\n')
    child = checkpoint_toys.start_training(config, work_dir)
    try:
        checkpoint_toys.wait_for(tmp_path / 'paused', child)  # inside iteration 6 of 12 (epoch 2)
        child.send_signal(signal.SIGTERM)
        (tmp_path / 'go').touch()
        _, stderr = child.communicate(timeout=60)
    finally:
        child.kill()

    assert child.returncode == 128 + signal.SIGTERM, stderr
    saved = str(work_dir / 'iter_6.pth')
    assert ('reelkit train: training stopped by SIGTERM after iteration 6; '
            f'checkpoint saved to {saved}') in stderr
    assert last_checkpoint(work_dir) == saved
    state = _load_checkpoint(saved)
    assert state['meta']['iter'] == 6 and state['meta']['epoch'] == 1
    assert {'optimizer', 'param_schedulers', 'message_hub'} <= set(state)

    assert train(config, work_dir, '--resume') == 0
    logs = ''.join(open(log).read() for log in glob.glob(osp.join(work_dir, '*', '*.log')))
    assert f'Auto resumed from the latest checkpoint {saved}' in logs
    assert 'resumed epoch: 1, iter: 6' in logs
    assert _load_checkpoint(str(work_dir / 'epoch_3.pth'))['meta']['epoch'] == 3


def test_handlers_are_restored_when_training_fails(tmp_path):
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    config = checkpoint_toys.write_config(str(tmp_path / 'toy.py'), extra=(
        "model['fail_at_step'] = 2\n"))
    assert train(config, tmp_path / 'work') == 2  # the toy model raises in its third step
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_a_second_signal_stops_at_once():
    # A process started in the background of a shell inherits SIGINT ignored; start from Python's
    # own handler, which the hook must put back at the second signal.
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        hook = SignalCheckpointHook(signals=('SIGINT', ))
        hook.before_train(runner=None)
        os.kill(os.getpid(), signal.SIGINT)  # first: noted, training would go on
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)  # second: Python's own handler, restored
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, inherited)


def test_unknown_signal_name_is_rejected():
    with pytest.raises(ValueError, match=r"unknown \['SIGTREM'\]"):
        SignalCheckpointHook(signals=('SIGTERM', 'SIGTREM'))


def test_signal_checkpoint_is_a_default_hook_that_can_be_turned_off(tmp_path):
    cfg = load_config(checkpoint_toys.write_config(str(tmp_path / 'toy.py')))
    cfg.work_dir = str(tmp_path / 'work')
    kinds = [type(hook) for hook in ReelkitRunner.from_cfg(cfg).hooks]
    assert kinds.count(SignalCheckpointHook) == 1
    cfg.default_hooks['signal_checkpoint'] = None
    cfg.work_dir = str(tmp_path / 'work_off')
    assert SignalCheckpointHook not in [type(hook) for hook in ReelkitRunner.from_cfg(cfg).hooks]


def stop_on_rank(rank: int, signalled_rank: int, init_file: str, outcomes) -> None:
    """One of two gloo ranks: only ``signalled_rank`` gets SIGTERM before the iteration ends."""
    torch_dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank, world_size=2)
    hook = SignalCheckpointHook()
    hook.before_train(runner=None)
    if rank == signalled_rank:
        os.kill(os.getpid(), signal.SIGTERM)
    runner = SimpleNamespace(iter=3, work_dir=osp.dirname(init_file),
                             save_checkpoint=lambda *args, **kwargs: None)
    try:
        hook.after_train_iter(runner, batch_idx=3)
        outcomes.put((rank, 'went on'))
    except TrainingInterrupted as stop:
        outcomes.put((rank, stop.signum))
    torch_dist.destroy_process_group()


def test_ranks_stop_together_when_one_is_signalled(tmp_path):
    context = multiprocessing.get_context('fork')  # no re-import: the ranks start in milliseconds
    outcomes = context.Queue()
    ranks = [context.Process(target=stop_on_rank, args=(rank, 1, str(tmp_path / 'init'), outcomes))
             for rank in (0, 1)]
    for process in ranks:
        process.start()
    results = dict(outcomes.get(timeout=60) for _ in ranks)
    for process in ranks:
        process.join(timeout=60)
    assert results == {0: signal.SIGTERM, 1: signal.SIGTERM}
    assert last_checkpoint(tmp_path) == str(tmp_path / 'iter_4.pth')  # rank 0 names the file
