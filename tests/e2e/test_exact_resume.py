"""--seed --deterministic: a run SIGKILLed at any iteration and resumed ends as an uninterrupted
one (weights, logged losses and validation), epoch- and iteration-based, any num_workers."""
import signal

import pytest
import torch

import resume_toys
from reelkit.engine.samplers import ResumableSampler, SeededDataset, SeededIndex


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory):
    """Work dirs of uninterrupted runs, by (loop, num_workers), trained when first asked for."""
    runs = {}

    def run(loop: str, num_workers: int = 0) -> str:
        if (loop, num_workers) not in runs:
            root = tmp_path_factory.mktemp(f'straight_{loop}{num_workers}')
            config = resume_toys.write_config(str(root / 'toy.py'), loop, num_workers)
            assert resume_toys.train(config, str(root / 'work')) == 0
            runs[loop, num_workers] = str(root / 'work')
        return runs[loop, num_workers]

    return run


def kill_and_resume(tmp_path, loop: str, num_workers: int, kill_at) -> str:
    config = resume_toys.write_config(str(tmp_path / 'toy.py'), loop, num_workers)
    work_dir = str(tmp_path / 'work')
    assert resume_toys.train(config, work_dir, kill_at=kill_at) == -signal.SIGKILL
    assert resume_toys.train(config, work_dir, '--resume') == 0
    return work_dir


def assert_same_run(work_dir: str, expected_dir: str) -> None:
    expected, actual = resume_toys.final_weights(expected_dir), resume_toys.final_weights(work_dir)
    for key, value in expected.items():
        torch.testing.assert_close(actual[key], value, rtol=0, atol=1e-6, msg=key)
    assert resume_toys.logged(work_dir) == resume_toys.logged(expected_dir)


# killed inside epoch 2 (4 iterations an epoch), resumed from the iteration-6 checkpoint
@pytest.mark.parametrize('loop, kill_at', [('epoch', 7), ('iter', 8)])
def test_killed_run_resumes_exactly(tmp_path, uninterrupted, loop, kill_at):
    assert_same_run(kill_and_resume(tmp_path, loop, 0, kill_at), uninterrupted(loop))


@pytest.mark.parametrize('loop, kill_at', [('epoch', 10), ('iter', 4)])
def test_killed_run_with_workers_resumes_exactly_and_as_without(tmp_path, uninterrupted, loop,
                                                                 kill_at):
    work_dir = kill_and_resume(tmp_path, loop, 2, kill_at)
    assert_same_run(work_dir, uninterrupted(loop, 2))
    assert_same_run(work_dir, uninterrupted(loop, 0))  # the numbers do not depend on the workers


def test_run_killed_validating_after_its_checkpoint_validates_on_resume(tmp_path, uninterrupted):
    # iter_12.pth is saved, then the validation at iteration 12 is killed: the resumed run has
    # no training left, and validates at once
    work_dir = kill_and_resume(tmp_path, 'iter', 0, 'val12')
    assert_same_run(work_dir, uninterrupted('iter'))
    assert (12, 'val') in resume_toys.logged(work_dir)


def test_sigterm_checkpoint_mid_epoch_resumes_at_its_next_batch(tmp_path, uninterrupted):
    config = resume_toys.write_config(str(tmp_path / 'toy.py'), 'epoch')
    work_dir = str(tmp_path / 'work')
    # SIGTERM during iteration 5, the first of epoch 2: iter_5.pth, saved mid-epoch
    stopped = resume_toys.train(config, work_dir, kill_at=4, kill_with='SIGTERM')
    assert stopped == 128 + signal.SIGTERM
    with open(f'{work_dir}/last_checkpoint') as stream:
        assert stream.read().endswith('iter_5.pth')
    assert resume_toys.train(config, work_dir, '--resume') == 0
    assert_same_run(work_dir, uninterrupted('epoch'))


def test_resumable_sampler_skips_into_one_epoch_only():
    sampler = ResumableSampler(list(range(10)), shuffle=True, seed=3)
    sampler.set_epoch(2)
    whole = list(sampler)
    sampler.skip(4)
    assert list(sampler) == whole[4:]
    assert list(sampler) == whole
    with pytest.raises(ValueError, match=r'skip\(11\): expected 0 to 10'):
        sampler.skip(11)


def test_seeded_samples_depend_on_position_not_on_history():
    data = SeededDataset(resume_toys.ResumeToyDataset(length=4))
    sampler = ResumableSampler(data, shuffle=False, seed=0, sample_seeds=True)
    first = [data[index]['inputs'] for index in sampler]
    torch.rand(5)  # what drew in between does not matter
    again = [data[index]['inputs'] for index in sampler]
    torch.testing.assert_close(again, first, rtol=0, atol=0)
    sampler.skip(2)
    assert [int(index) for index in sampler] == [2, 3]
    assert isinstance(next(iter(sampler)), SeededIndex)
    sampler.set_epoch(1)  # another epoch: other augmentations of the same points
    assert not torch.equal(data[next(iter(sampler))]['inputs'], first[0])
