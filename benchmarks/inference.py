"""Time inference_recognizer: 8 single calls against one batched call on the same 8 clips.

    python benchmarks/inference.py [--config CONFIG] [--checkpoint FILE] [--repeats R]
                                   [--batch-size B] [--threads T] [--device cpu]

Generates 8 SynthMotion clips (32x32, 8 frames) in a temporary folder, builds the config's model
(fresh weights unless ``--checkpoint``), scores every clip once untimed, then times both ways
``--repeats`` times and prints the fastest of each and their ratio. The scores are checked to
agree, so the batched call is not faster by computing something else.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, List, Optional, Sequence

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


def fastest(run: Callable[[], object], repeats: int) -> float:
    """The shortest wall time of ``repeats`` calls of ``run``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        if torch.cuda.is_initialized():  # wait for queued GPU work
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


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
        single = scores([inference_recognizer(model, video) for video in videos])  # warm-up
        batched = scores(inference_recognizer(model, videos, batch_size=args.batch_size))
        if not torch.allclose(single, batched, rtol=0, atol=1e-5):
            raise SystemExit('the batched scores differ from the single calls; not timing')
        single_s = fastest(lambda: [inference_recognizer(model, video) for video in videos],
                           args.repeats)
        batched_s = fastest(lambda: inference_recognizer(model, videos,
                                                         batch_size=args.batch_size), args.repeats)
    print(f'{args.config} on {args.device}, {args.threads} thread(s), {NUM_CLIPS} clips, '
          f'fastest of {args.repeats}:')
    rows = [(f'{NUM_CLIPS} single calls', single_s),
            (f'1 list call (batch_size={args.batch_size})', batched_s)]
    for name, seconds in rows:
        print(f'  {name:<30} {seconds * 1000:8.1f} ms  ({seconds / NUM_CLIPS * 1000:.1f} ms/clip)')
    print(f'  single / batched: {single_s / batched_s:.2f}x')


if __name__ == '__main__':
    main()
