"""Time a whole CPU training step of TSN-R50 and I3D-R50, reelkit against MMAction2 in the same run.

    python benchmarks/train_step.py [--models tsn,i3d] [--reference PYTHON] [--batch B]
                                    [--frames T] [--size S] [--iters N] [--warmup W]
                                    [--threads K] [--rounds R] [--clock wall|cpu]

A step is what MMEngine's train loop runs: ``model.train_step(data, optim_wrapper)``, i.e. the
``ActionDataPreprocessor`` (uint8 to normalised float), the forward in ``'loss'`` mode, the
backward, gradient clipping and an SGD update. The model is the ``model`` dict of the official
MMAction2 1.2.0 config (``tests/data/reference/mmaction2_1.2.0_models.json.gz``, ``pretrained``
cleared) and the optimizer that of its schedule (SGD, lr 0.01, momentum 0.9, weight decay 1e-4,
``clip_grad`` max_norm 40). Both sides start from the same weights (the first worker saves its
freshly built state dict, every later one loads it strictly: the layouts are the same) and get
the same seeded uint8 clips and labels, a fresh batch each step, so that both follow the same
trajectory: on one repeated batch the loss falls to 0 within a few steps and the gradients to
subnormal numbers, whose arithmetic is slow and depends on the initial weights. reelkit's side
runs in a process set up as ``ReelkitRunner`` sets up the one it trains in, keeping the memory
it frees for the next step (``reelkit.utils.allocator``); the ops of a step are the same on both
sides.

The default input is small enough for a step to take about a second on one CPU core: batch 2,
TSN with its 3 segments and I3D with 8 frames, both at 112x112 (``--frames`` changes the TSN
segment count and the I3D clip length). Every (model, side) runs in a fresh process of this
script, reelkit's under this interpreter and MMAction2's under ``--reference``; the two sides
alternate order from pair to pair, and with ``--rounds R`` each side keeps its fastest median.
"""
import argparse
import gzip
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, Optional, Sequence

import torch

from models import CLOCKS, REFERENCE_FILE, SIDES, load_side, without_weights

TARGET_RATIO = 1.0
# name: (official config, (segments or frames, input format of its data preprocessor))
ZOO = {
    'tsn': ('recognition/tsn/tsn_imagenet-pretrained-r50_8xb32-1x1x3-100e_kinetics400-rgb.py',
            (3, 'NCHW')),
    'i3d': ('recognition/i3d/i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb.py',
            (8, 'NCTHW')),
}
OPTIM_WRAPPER = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
                     clip_grad=dict(max_norm=40, norm_type=2))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', default=','.join(ZOO),
                        help=f'comma-separated subset of {",".join(ZOO)} (default: all)')
    parser.add_argument('--reference', metavar='PYTHON',
                        help='a Python interpreter with mmaction2 1.2.0 installed (default: reelkit only)')
    parser.add_argument('--batch', type=int, default=2, help='clips per step (default: 2)')
    parser.add_argument('--frames', type=int,
                        help='TSN segments / I3D frames per clip (default: 3 / 8)')
    parser.add_argument('--size', type=int, default=112, help='frame height and width (default: 112)')
    parser.add_argument('--iters', type=int, default=5, help='timed steps (default: 5)')
    parser.add_argument('--warmup', type=int, default=2, help='untimed steps first (default: 2)')
    parser.add_argument('--threads', type=int, default=torch.get_num_threads(),
                        help='torch threads in each worker (default: torch\'s own choice)')
    parser.add_argument('--rounds', type=int, default=1,
                        help='worker pairs per model; the fastest median counts (default: 1)')
    parser.add_argument('--clock', choices=tuple(CLOCKS), default='wall',
                        help='wall: elapsed time; cpu: CPU time of the worker process (default: wall)')
    parser.add_argument('--worker', metavar='JSON', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.models = [name.strip() for name in args.models.split(',') if name.strip()]
    unknown = [name for name in args.models if name not in ZOO]
    if unknown or not args.models:
        parser.error(f'--models {",".join(unknown)}: expected a subset of {",".join(ZOO)}')
    if min(args.iters, args.batch, args.threads, args.rounds, args.size) < 1 or args.warmup < 0:
        parser.error('--iters, --batch, --threads, --rounds and --size must be >= 1, --warmup >= 0')
    if args.frames is not None and args.frames < 1:
        parser.error('--frames must be >= 1')
    return args


def sample_shape(name: str, frames: Optional[int], size: int) -> list:
    """The packed ``inputs`` of one clip: (segments, 3, H, W) for TSN, (1, 3, T, H, W) for I3D."""
    default_frames, input_format = ZOO[name][1]
    frames = frames or default_frames
    if input_format == 'NCHW':
        return [frames, 3, size, size]
    return [1, 3, frames, size, size]


def make_batch(shape: Sequence[int], batch: int, num_classes: int, sample_type,
               seed: int = 0) -> dict:
    """``batch`` seeded uint8 clips of ``shape`` with labels, as the dataloader collates them."""
    generator = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(256, tuple(shape), generator=generator, dtype=torch.uint8)
              for _ in range(batch)]
    labels = torch.randint(num_classes, (batch,), generator=generator)
    return dict(inputs=inputs, data_samples=[sample_type().set_gt_label(int(label)) for label in labels])


def measure(side: str, model: dict, shape: Sequence[int], batch: int, iters: int, warmup: int,
            threads: int = 1, clock: str = 'wall', weights: Optional[str] = None) -> Dict[str, float]:
    """Median ms of ``model.train_step`` on ``side`` over ``iters`` steps after ``warmup``, and
    the last step's loss (printed to show that the step trained something finite). With
    ``weights``, the model starts from that state dict file, which is written first if absent."""
    from mmengine.optim import build_optim_wrapper
    timer = CLOCKS[clock]
    torch.set_num_threads(threads)
    registry, sample_type = load_side(side)
    if side == 'reelkit':
        from reelkit.utils.allocator import keep_freed_memory
        keep_freed_memory()  # as ReelkitRunner sets up the process it trains in
    torch.manual_seed(0)
    net = registry.build(model).train()
    if weights and Path(weights).exists():
        net.load_state_dict(torch.load(weights, weights_only=True), strict=True)
    elif weights:
        torch.save(net.state_dict(), weights)
    optim_wrapper = build_optim_wrapper(net, OPTIM_WRAPPER)
    torch.manual_seed(0)  # the same dropout masks on both sides, whatever building drew
    seconds = []
    for step in range(warmup + iters):
        data = make_batch(shape, batch, model['cls_head']['num_classes'], sample_type, seed=step)
        start = timer()
        losses = net.train_step(data, optim_wrapper)
        seconds.append(timer() - start)
    return dict(ms=1000 * statistics.median(seconds[warmup:]), loss=float(losses['loss']))


def run_worker(python: str, side: str, job: dict) -> Dict[str, float]:
    """``measure`` in a fresh ``python`` process running this script."""
    command = [python, str(Path(__file__).resolve()), '--worker', json.dumps(dict(job, side=side))]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        tail = '\n'.join(done.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f'{job["name"]} on {side} ({python}) failed with exit code '
                           f'{done.returncode}:\n{tail}')
    return json.loads(done.stdout.strip().splitlines()[-1])


def benchmark(args: argparse.Namespace) -> Dict[str, Dict[str, float]]:
    """``{model: {side: fastest median ms}}``; which side runs first alternates from pair to pair."""
    with gzip.open(REFERENCE_FILE, 'rt') as f:
        reference = json.load(f)
    pythons = dict(reelkit=sys.executable, reference=args.reference)
    sides = SIDES if args.reference else SIDES[:1]
    results, pair = {}, 0
    folder = tempfile.mkdtemp(prefix='reelkit-train-step-')
    for name in args.models:
        job = dict(name=name, model=without_weights(reference[ZOO[name][0]]['model']),
                   shape=sample_shape(name, args.frames, args.size), batch=args.batch,
                   iters=args.iters, warmup=args.warmup, threads=args.threads, clock=args.clock,
                   weights=str(Path(folder) / f'{name}.pt'))
        runs = {side: [] for side in sides}
        for _ in range(args.rounds):
            for side in (sides if pair % 2 == 0 else sides[::-1]):
                run = run_worker(pythons[side], side, job)
                runs[side].append(run['ms'])
                print(f'{name} on {side}: {run["ms"]:.1f} ms/step (last loss {run["loss"]:.4f})',
                      file=sys.stderr)
            pair += 1
        results[name] = {side: min(side_runs) for side, side_runs in runs.items()}
    shutil.rmtree(folder)
    return results


def format_table(results: Dict[str, Dict[str, float]]) -> str:
    """One row per model; with reference numbers, the ratios and whether all meet the target."""
    if not all('reference' in sides for sides in results.values()):
        lines = [f'{"model":<6s} {"reelkit ms/step":>16s}']
        lines += [f'{name:<6s} {sides["reelkit"]:16.1f}' for name, sides in results.items()]
        return '\n'.join(lines)
    lines = [f'{"model":<6s} {"reelkit ms/step":>16s} {"reference ms/step":>18s} {"ratio":>6s}']
    met = True
    for name, sides in results.items():
        ratio = sides['reelkit'] / sides['reference']
        met = met and ratio <= TARGET_RATIO
        lines.append(f'{name:<6s} {sides["reelkit"]:16.1f} {sides["reference"]:18.1f} {ratio:6.2f}')
    lines.append(f'all ratios <= {TARGET_RATIO}: ' + ('yes' if met else 'no'))
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if args.worker:
        job = json.loads(args.worker)
        print(json.dumps(measure(job['side'], job['model'], job['shape'], job['batch'],
                                 job['iters'], job['warmup'], job['threads'], job['clock'],
                                 job.get('weights'))))
        return 0
    print(f'batch {args.batch}, TSN {args.frames or ZOO["tsn"][1][0]} segments / I3D '
          f'{args.frames or ZOO["i3d"][1][0]} frames at {args.size}x{args.size}; {args.warmup} '
          f'warm-up + {args.iters} timed steps (median, best of {args.rounds}) on cpu, '
          f'{args.threads} threads, {args.clock} clock')
    print(format_table(benchmark(args)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
