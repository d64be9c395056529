"""Kill-and-resume loop: how many runs SIGKILLed at a random moment and resumed with ``--resume``
end with the weights (allclose 1e-6) and logged numbers of an uninterrupted run.

    python benchmarks/resume_loop.py [--loops N] [--kinds epoch iter gan] [--num-workers W]
                                     [--at time|iteration] [--seed S]

Trains the toys of ``tests/e2e/resume_toys.py`` with ``--seed 0 --deterministic``, 12 iterations
with checkpoints every 3: for ``epoch`` and ``iter``, a model with dropout on data with
NumPy/Python/torch augmentation and shuffling; for ``gan``, a tiny DCGAN (generator and
discriminator optimizers and schedulers, two discriminator steps per generator step, an EMA
generator, random flips, FID validation). Each kind is trained once through, then ``--loops``
times killed and resumed; the weights compared are those of every network (the EMA generator's
too). ``--at iteration`` (default) kills before a random iteration; ``--at time`` after a random
wall-clock delay between the uninterrupted run's first logged iteration and its end (mid-step,
mid-save; a run done before the delay is resumed all the same). The children's logs go to a
file in the temporary folder; the results to stdout, with each kind's wall time.
"""
import argparse
import glob
import random
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout
sys.path.insert(0, str(ROOT / 'tests' / 'e2e'))  # the toy, imported as its configs name it

import resume_toys  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--loops', type=int, default=5, help='kill-and-resume runs per kind')
    parser.add_argument('--kinds', nargs='+', default=list(resume_toys.KINDS),
                        choices=resume_toys.KINDS, help='training loops to try')
    parser.add_argument('--num-workers', type=int, default=0, help='train dataloader workers')
    parser.add_argument('--at', choices=['time', 'iteration'], default='iteration',
                        help='kill after a random delay, or before a random iteration')
    parser.add_argument('--seed', type=int, default=0, help='seed of the kill points')
    return parser.parse_args()


def compare_runs(work_dir: str, expected_dir: str) -> str:
    """``'identical'`` (the same logs, bit-equal weights), ``'close'`` (the same logs, weights
    allclose 1e-6) or ``'DIFFERENT: <what>'``."""
    try:
        logged, expected_log = resume_toys.logged(work_dir), resume_toys.logged(expected_dir)
    except AssertionError as error:  # the killed and the resumed run logged a step differently
        return f'DIFFERENT: {error}'
    if logged != expected_log:
        steps = sorted(set(logged) ^ set(expected_log)) or sorted(
            key for key in logged if logged[key] != expected_log[key])
        return f'DIFFERENT: logged steps (iteration, train/val) {steps}'
    expected, actual = resume_toys.final_weights(expected_dir), resume_toys.final_weights(work_dir)
    if all(torch.equal(actual[key], value) for key, value in expected.items()):
        return 'identical'
    if all(torch.allclose(actual[key], value, rtol=0, atol=1e-6)
           for key, value in expected.items()):
        return 'close'
    return 'DIFFERENT: weights'


def timed_run(config: str, work_dir: str, output: str) -> tuple:
    """Train uninterrupted; seconds until its first logged iteration, and until its end."""
    start = time.perf_counter()
    child = resume_toys.start(config, work_dir, output=output)
    while child.is_alive() and not glob.glob(f'{work_dir}/*/vis_data/scalars.json'):
        time.sleep(0.01)
    first = time.perf_counter() - start
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f'{work_dir}: the uninterrupted run failed; see {output}')
    return first, time.perf_counter() - start


def kill_and_resume(config: str, work_dir: str, at: str, window: tuple, rng: random.Random,
                    output: str) -> str:
    """Train, SIGKILL at a random point, resume; where it was killed."""
    if at == 'iteration':
        kill_at = rng.randrange(resume_toys.NUM_ITERS)
        resume_toys.start(config, work_dir, kill_at=kill_at, output=output).join()
        where = f'before iteration {kill_at}'
    else:
        delay = rng.uniform(*window)
        child = resume_toys.start(config, work_dir, output=output)
        child.join(delay)
        where = f'after {delay:.2f} s' if child.exitcode is None else 'never (the run was done)'
        child.kill()
        child.join()
    resumed = resume_toys.start(config, work_dir, '--resume', output=output)
    resumed.join()
    if resumed.exitcode != 0:
        raise RuntimeError(f'{work_dir}: the resumed run failed; see {output}')
    return where


def main() -> None:
    args = parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as root:
        for kind in args.kinds:
            config = resume_toys.write_config(f'{root}/{kind}.py', kind, args.num_workers)
            output = f'{root}/{kind}.log'
            start = time.perf_counter()
            window = timed_run(config, f'{root}/{kind}_straight', output)
            outcomes = []
            for loop in range(args.loops):
                work_dir = f'{root}/{kind}_{loop}'
                where = kill_and_resume(config, work_dir, args.at, window, rng, output)
                outcomes.append(compare_runs(work_dir, f'{root}/{kind}_straight'))
                print(f'{kind} #{loop}: killed {where}: {outcomes[-1]}', flush=True)
            same = len(outcomes) - sum(outcome.startswith('DIFFERENT') for outcome in outcomes)
            print(f'{kind} loop, num_workers={args.num_workers}: {same}/{args.loops} resumed runs '
                  f'ended as the uninterrupted one ({outcomes.count("identical")} with bit-equal '
                  f'weights); {time.perf_counter() - start:.0f} s', flush=True)


if __name__ == '__main__':
    main()
