"""Time inference_recognizer: 8 single calls against one batched call on the same 8 clips.

    python benchmarks/inference.py [--config CONFIG] [--checkpoint FILE] [--repeats R]
                                   [--batch-size B] [--threads T] [--device cpu]

Generates 8 SynthMotion clips (32x32, 8 frames) in a temporary folder, builds the config's model
(fresh weights unless ``--checkpoint``), scores every clip once untimed, then times each way
``--repeats`` times, the rounds of the ways interleaved so that a busy moment of a shared machine
hits them alike, and prints the fastest of each and the ratios. The list call runs twice: with
its clips prepared in threads (the default) and in the calling thread (``prepare_threads=0``).
The scores are checked to agree, so the batched call is not faster by computing something else.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from reelkit.apis import inference_recognizer, init_recognizer  # noqa: E402
from reelkit.datasets.synth_motion import generate_synth_motion  # noqa: E402

DEFAULT_CONFIG = 'recognition/tsm/tsm_r18_1xb16-1x1x8-8e_synthmotion-rgb.py'
NUM_CLIPS = 8


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG,
                        help='config file or shipped config name (default: the SynthMotion TSM)')
    parser.add_argument('--checkpoint', help='weights to load (default: fresh weights)')
    parser.add_argument('--repeats', type=int, default=5, help='timed rounds (default: 5)')
    parser.add_argument('--batch-size', type=int, default=NUM_CLIPS,
                        help=f'clips per forward of the batched call (default: {NUM_CLIPS})')
    parser.add_argument('--threads', type=int, default=torch.get_num_threads(),
                        help='torch CPU threads (default: torch\'s own choice)')
    parser.add_argument('--device', default='cpu', help="where the model runs (default: 'cpu')")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.batch_size < 1 or args.threads < 1:
        parser.error('--repeats, --batch-size and --threads must be >= 1')
    return args


def wall_time(run: Callable[[], object]) -> float:
    """Seconds one call of ``run`` takes, its queued GPU work included."""
    start = time.perf_counter()
    run()
    if torch.cuda.is_initialized():
        torch.cuda.synchronize()
    return time.perf_counter() - start


def fastest(runs: Dict[str, Callable[[], object]], repeats: int) -> Dict[str, float]:
    """The shortest wall time of each of ``runs`` over ``repeats`` interleaved rounds, in seconds."""
    times: Dict[str, List[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            times[name].append(wall_time(run))
    return {name: min(seconds) for name, seconds in times.items()}


def scores(samples) -> torch.Tensor:
    return torch.stack([sample.pred_score.cpu() for sample in samples])


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = init_recognizer(args.config, args.checkpoint, args.device)
    with tempfile.TemporaryDirectory() as root:
        generate_synth_motion(root, num_videos=24)
        videos: List[str] = [str(Path(root) / 'videos' / f'{i:05}.mp4') for i in range(NUM_CLIPS)]
        runs = {
            f'{NUM_CLIPS} single calls': lambda: [inference_recognizer(model, video)
                                                  for video in videos],
            '1 list call, threaded': lambda: inference_recognizer(
                model, videos, batch_size=args.batch_size),
            '1 list call, serial': lambda: inference_recognizer(
                model, videos, batch_size=args.batch_size, prepare_threads=0),
        }
        results = {name: scores(run()) for name, run in runs.items()}  # also the warm-up
        single = results[f'{NUM_CLIPS} single calls']
        if not all(torch.allclose(single, batched, rtol=0, atol=1e-5) for batched in results.values()):
            raise SystemExit('the batched scores differ from the single calls; not timing')
        seconds = fastest(runs, args.repeats)
    print(f'{args.config} on {args.device}, {args.threads} thread(s), {NUM_CLIPS} clips, '
          f'batch_size={args.batch_size}, fastest of {args.repeats}:')
    for name, took in seconds.items():
        print(f'  {name:<24} {took * 1000:8.1f} ms  ({took / NUM_CLIPS * 1000:.1f} ms/clip)')
    single_s = seconds[f'{NUM_CLIPS} single calls']
    print(f'  single / batched: {single_s / seconds["1 list call, threaded"]:.2f}x threaded, '
          f'{single_s / seconds["1 list call, serial"]:.2f}x serial')


if __name__ == '__main__':
    main()
