"""Time forward+backward and peak memory of model-zoo recognizers, against MMAction2 in the same run.

    python benchmarks/models.py [--models i3d,slowfast,x3d,timesformer,swin] [--reference PYTHON]
                                [--device cpu|cuda] [--batch B] [--frames T] [--size S]
                                [--iters N] [--warmup W] [--threads K] [--rounds R] [--clock wall|cpu]

Each model is the ``model`` dict of an official MMAction2 1.2.0 config, as kept in
``tests/data/reference/mmaction2_1.2.0_models.json.gz``, with every ``pretrained`` set to ``None``.
Every (model, side) runs in a fresh process of this script in ``--worker`` mode: reelkit's under
this interpreter, MMAction2's under ``--reference`` (a Python with mmaction2 1.2.0 installed). Both
run the same code: build the model, make the same seeded clip batch, run ``--warmup`` untimed and
``--iters`` timed steps of ``model(inputs, data_samples, mode='loss')`` plus backward, and report
the median step time and the peak memory growth (CPU: peak RSS since before the model was built;
CUDA: ``torch.cuda.max_memory_allocated``). The worker never imports reelkit on the reference side.

The two sides of a model run back to back, in alternating order, to spread machine noise over both.
On a machine shared with other work, ``--rounds R`` repeats each pair R times and keeps each side's
fastest median and median peak, and ``--clock cpu`` times the worker's CPU time instead of the wall
clock (other processes disturb it far less; use it with ``--threads 1``).
"""
import argparse
import gzip
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import torch

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_FILE = ROOT / 'tests' / 'data' / 'reference' / 'mmaction2_1.2.0_models.json.gz'
TARGET_RATIO = 1.1

# name: (config under MMAction2's configs/, (frames, crop size) its training or test pipeline feeds)
ZOO = {
    'i3d': ('recognition/i3d/i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb.py', (32, 224)),
    'slowfast': ('recognition/slowfast/slowfast_r50_8xb8-4x16x1-256e_kinetics400-rgb.py', (32, 224)),
    'x3d': ('recognition/x3d/x3d_s_13x6x1_facebook-kinetics400-rgb.py', (13, 182)),
    'timesformer': ('recognition/timesformer/timesformer_divST_8xb8-8x32x1-15e_kinetics400-rgb.py', (8, 224)),
    'swin': ('recognition/swin/swin-tiny-p244-w877_in1k-pre_8xb8-amp-32x2x1-30e_kinetics400-rgb.py',
             (32, 224)),
}
SIDES = ('reelkit', 'reference')
CLOCKS = dict(wall=time.perf_counter, cpu=time.process_time)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', default=','.join(ZOO),
                        help=f'comma-separated subset of {",".join(ZOO)} (default: all)')
    parser.add_argument('--reference', metavar='PYTHON',
                        help='a Python interpreter with mmaction2 1.2.0 installed (default: reelkit only)')
    parser.add_argument('--device', choices=('cpu', 'cuda'), default='cpu')
    parser.add_argument('--batch', type=int, default=1, help='clips per step (default: 1)')
    parser.add_argument('--frames', type=int, help="frames per clip (default: the config's)")
    parser.add_argument('--size', type=int, help="height and width of a frame (default: the config's)")
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
    if min(args.iters, args.batch, args.threads, args.rounds) < 1 or args.warmup < 0:
        parser.error('--iters, --batch, --threads and --rounds must be >= 1, --warmup >= 0')
    if (args.frames is not None and args.frames < 1) or (args.size is not None and args.size < 1):
        parser.error('--frames and --size must be >= 1')
    return args


def without_weights(cfg):
    """A copy of ``cfg`` with every ``pretrained`` set to ``None``: building it downloads nothing."""
    if isinstance(cfg, dict):
        return {key: None if key == 'pretrained' else without_weights(value) for key, value in cfg.items()}
    if isinstance(cfg, list):
        return [without_weights(item) for item in cfg]
    return cfg


def model_spec(name: str, reference: dict, batch: int, frames: Optional[int], size: Optional[int]) -> dict:
    """The worker's job for model ``name``: its model dict and the input shape (N, clips, C, T, H, W).

    Backbones whose embeddings are sized for the clip (TimeSformer's ``num_frames``/``img_size``)
    are resized with it.
    """
    config, (default_frames, default_size) = ZOO[name]
    frames, size = frames or default_frames, size or default_size
    model = without_weights(reference[config]['model'])
    backbone = model['backbone']
    for key, value in (('num_frames', frames), ('img_size', size)):
        if key in backbone:
            backbone[key] = value
    return dict(model=model, shape=[batch, 1, 3, frames, size, size])


def load_side(side: str):
    """``(MODELS, ActionDataSample)`` of reelkit or of MMAction2, with its default scope set."""
    from mmengine.registry import init_default_scope
    if side not in SIDES:
        raise ValueError(f'side={side!r}; expected one of {SIDES}')
    if side == 'reelkit':
        sys.path.insert(0, str(ROOT))  # run from a checkout
        import reelkit.models  # noqa: F401  (registers every model part)
        from reelkit.registry import MODELS, SCOPE
        from reelkit.structures import ActionDataSample
        init_default_scope(SCOPE)
    else:
        import mmaction.models  # noqa: F401
        from mmaction.registry import MODELS
        from mmaction.structures import ActionDataSample
        init_default_scope('mmaction')
    return MODELS, ActionDataSample


def peak_bytes(device: str) -> int:
    """The process's memory high-water mark: RSS on CPU (Linux reports KiB), allocated on CUDA."""
    if device == 'cuda':
        return torch.cuda.max_memory_allocated()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def synchronize(device: str) -> None:
    if device == 'cuda':
        torch.cuda.synchronize()


def train_step(model, inputs: torch.Tensor, samples: List) -> None:
    """One forward in ``'loss'`` mode and the backward of the summed losses."""
    losses = model(inputs, samples, mode='loss')
    sum(value for key, value in losses.items() if 'loss' in key).backward()


def measure(side: str, model: dict, shape: Sequence[int], iters: int, warmup: int,
            device: str = 'cpu', threads: int = 1, clock: str = 'wall') -> Dict[str, float]:
    """Median ms of a training step and MiB of peak memory growth of ``model`` on ``side``.

    ``inputs`` has shape ``shape`` = (N, clips, C, T, H, W) and is drawn from a seeded generator,
    so both sides see the same clips and labels. ``clock`` is a key of ``CLOCKS``.
    """
    timer = CLOCKS[clock]
    torch.set_num_threads(threads)
    registry, sample_type = load_side(side)
    before = peak_bytes(device)
    torch.manual_seed(0)
    net = registry.build(model).to(device).train()
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(*shape, generator=generator).to(device)
    labels = torch.randint(model['cls_head']['num_classes'], (shape[0],), generator=generator)
    samples = [sample_type().set_gt_label(int(label)) for label in labels]
    seconds = []
    for _ in range(warmup + iters):
        net.zero_grad(set_to_none=True)
        synchronize(device)
        start = timer()
        train_step(net, inputs, samples)
        synchronize(device)
        seconds.append(timer() - start)
    return dict(ms=1000 * statistics.median(seconds[warmup:]),
                mib=(peak_bytes(device) - before) / 2 ** 20)


def run_worker(python: str, side: str, job: dict) -> Dict[str, float]:
    """``measure`` in a fresh ``python`` process, so that its memory peak is its own."""
    command = [python, str(Path(__file__).resolve()), '--worker', json.dumps(dict(job, side=side))]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        tail = '\n'.join(done.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f'{job["name"]} on {side} ({python}) failed with exit code '
                           f'{done.returncode}:\n{tail}')
    return json.loads(done.stdout.strip().splitlines()[-1])


def benchmark(args: argparse.Namespace) -> Dict[str, Dict[str, Dict[str, float]]]:
    """``{model: {side: {'ms', 'mib'}}}``; which side runs first alternates from pair to pair."""
    with gzip.open(REFERENCE_FILE, 'rt') as f:
        reference = json.load(f)
    pythons = dict(reelkit=sys.executable, reference=args.reference)
    sides = SIDES if args.reference else SIDES[:1]
    results, pair = {}, 0
    for name in args.models:
        job = dict(model_spec(name, reference, args.batch, args.frames, args.size), name=name,
                   iters=args.iters, warmup=args.warmup, device=args.device, threads=args.threads,
                   clock=args.clock)
        runs = {side: [] for side in sides}
        for _ in range(args.rounds):
            for side in (sides if pair % 2 == 0 else sides[::-1]):
                runs[side].append(run_worker(pythons[side], side, job))
                print(f'{name} on {side}: {runs[side][-1]["ms"]:.1f} ms, {runs[side][-1]["mib"]:.1f} MiB',
                      file=sys.stderr)
            pair += 1
        results[name] = {side: dict(ms=min(run['ms'] for run in side_runs),
                                    mib=statistics.median(run['mib'] for run in side_runs))
                         for side, side_runs in runs.items()}
    return results


def ratio_cells(mine: float, theirs: float) -> Tuple[str, bool]:
    ratio = mine / theirs if theirs > 0 else float('inf')
    return f'{ratio:.2f}', ratio <= TARGET_RATIO


def format_table(results: Dict[str, Dict[str, Dict[str, float]]]) -> str:
    """One row per model; with reference numbers, the ratios and whether all meet the target."""
    compared = all('reference' in sides for sides in results.values())
    if not compared:
        lines = [f'{"model":<12s} {"reelkit ms":>11s} {"reelkit MiB":>12s}']
        lines += [f'{name:<12s} {sides["reelkit"]["ms"]:11.1f} {sides["reelkit"]["mib"]:12.1f}'
                  for name, sides in results.items()]
        return '\n'.join(lines)
    lines = [f'{"model":<12s} {"reelkit ms":>11s} {"reference ms":>13s} {"time ratio":>11s} '
             f'{"reelkit MiB":>12s} {"reference MiB":>14s} {"mem ratio":>10s}']
    met = True
    for name, sides in results.items():
        mine, theirs = sides['reelkit'], sides['reference']
        time_ratio, time_ok = ratio_cells(mine['ms'], theirs['ms'])
        mem_ratio, mem_ok = ratio_cells(mine['mib'], theirs['mib'])
        met = met and time_ok and mem_ok
        lines.append(f'{name:<12s} {mine["ms"]:11.1f} {theirs["ms"]:13.1f} {time_ratio:>11s} '
                     f'{mine["mib"]:12.1f} {theirs["mib"]:14.1f} {mem_ratio:>10s}')
    lines.append(f'all ratios <= {TARGET_RATIO}: ' + ('yes' if met else 'no'))
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if args.worker:
        job = json.loads(args.worker)
        print(json.dumps(measure(job['side'], job['model'], job['shape'], job['iters'], job['warmup'],
                                 job['device'], job['threads'], job['clock'])))
        return 0
    shape = 'config frames and size' if args.frames is None and args.size is None else \
        f'frames {args.frames or "config"}, size {args.size or "config"}'
    print(f'batch {args.batch}, {shape}; {args.warmup} warm-up + {args.iters} timed steps '
          f'(median, best of {args.rounds}) on {args.device}, {args.threads} threads, {args.clock} clock')
    print(format_table(benchmark(args)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
