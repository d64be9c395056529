"""Time a config's data pipeline: clips/s and each transform's share of the time.

    python benchmarks/pipeline.py CONFIG [--split train|val|test] [--num N] [--workers W]
    python benchmarks/pipeline.py CONFIG --ann-file LIST --video-dir DIR --reference PYTHON
    python benchmarks/pipeline.py --kinds --reference /path/to/mmaction2-env/bin/python

Builds ``<split>_dataloader.dataset`` from the config, runs ``--warmup`` samples, then times
``--num`` samples one transform at a time in this process. With ``--workers W`` it also times
the same samples through a ``torch.utils.data.DataLoader`` with W worker processes.

``--reference PYTHON`` also runs the same config on the same videos and samples through
MMAction2 in that interpreter (``reference_pipeline.py``) and prints both clips/s (best of
``--rounds``, NumPy seeded alike) and their ratio. ``--kinds`` writes the three kinds of video
of ``video_kinds.py`` into a temporary folder and does that for the official TSN train and val
pipelines and the dense 32x2x1 I3D train pipeline (``--pipelines``), found under
``--config-root`` (by default the ``.mim/configs`` of the reference's MMAction2), and also
prints the decode limit of the same samples (``decode_limit.py``: the fastest method, its best
clips/s) and reelkit's fraction of it: the time of that method over the pipeline's, the two
timed alternately on each sample.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the benchmarks' shared modules

from mmengine.registry import init_default_scope  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from reelkit.registry import DATASETS, SCOPE  # noqa: E402
from reelkit.apis import load_config  # noqa: E402
from reelkit.utils.allocator import keep_freed_memory  # noqa: E402
from reelkit.utils.errors import VideoReadError  # noqa: E402

from clip_timing import best_clips_per_second, dataset_overrides  # noqa: E402
from decode_limit import decode_limit, installed_methods, keyframe_layout, sample_indices  # noqa: E402
from video_kinds import KINDS, write_kind  # noqa: E402

# --kinds: (name, config under the config root, split) of the official pipelines timed.
PIPELINES = {
    'tsn-train': ('recognition/tsn/tsn_imagenet-pretrained-r50_8xb32-1x1x3-100e_kinetics400-rgb.py',
                  'train'),
    'tsn-val': ('recognition/tsn/tsn_imagenet-pretrained-r50_8xb32-1x1x3-100e_kinetics400-rgb.py',
                'val'),
    'i3d-train': ('recognition/i3d/i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb.py',
                  'train'),
    'i3d-val': ('recognition/i3d/i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb.py',
                'val'),
}
REFERENCE_SCRIPT = Path(__file__).resolve().parent / 'reference_pipeline.py'


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', nargs='?',
                        help='config file (a path, or the name of a shipped config)')
    parser.add_argument('--split', choices=('train', 'val', 'test'), default='train')
    parser.add_argument('--num', type=int, default=50, help='samples to time (default: 50)')
    parser.add_argument('--warmup', type=int, default=5, help='untimed samples first (default: 5)')
    parser.add_argument('--workers', type=int, default=0,
                        help='also time a DataLoader with this many workers (default: 0, off)')
    parser.add_argument('--ann-file', help="VideoDataset list to use instead of the config's")
    parser.add_argument('--video-dir', default='', help='folder the list names videos in')
    parser.add_argument('--reference', metavar='PYTHON',
                        help='an interpreter with MMAction2 1.2.0: time it on the same samples')
    parser.add_argument('--rounds', type=int, default=3,
                        help='timed rounds, the best counts (with --reference/--kinds; default: 3)')
    parser.add_argument('--repeats', type=int, default=2,
                        help='with --reference: alternate reelkit and MMAction2 this many times, '
                        'the best of all rounds counts (default: 2)')
    parser.add_argument('--kinds', action='store_true',
                        help='time the official pipelines on the three generated kinds of video')
    parser.add_argument('--pipelines', nargs='+', choices=tuple(PIPELINES),
                        default=['tsn-train', 'tsn-val', 'i3d-train'],
                        help='with --kinds: the pipelines to time')
    parser.add_argument('--videos', type=int, default=4, help='with --kinds: videos per kind')
    parser.add_argument('--config-root', help="with --kinds: MMAction2's configs/ folder")
    parser.add_argument('--no-limit', action='store_true', help='with --kinds: skip the decode limit')
    args = parser.parse_args(argv)
    if min(args.num, args.rounds, args.repeats) < 1 or min(args.warmup, args.workers) < 0:
        parser.error('--num, --rounds and --repeats must be >= 1, --warmup and --workers >= 0')
    if (args.config is None) != args.kinds:
        parser.error('give either CONFIG or --kinds')
    if args.kinds and not (args.config_root or args.reference):
        parser.error('--kinds needs --config-root (or --reference, whose MMAction2 has the configs)')
    return args


def build_dataset(config: str, split: str, ann_file: Optional[str] = None, video_dir: str = ''):
    """The dataset of ``<split>_dataloader`` in ``config``, built in reelkit's scope
    (on ``ann_file`` and ``video_dir`` when given)."""
    cfg = load_config(config)
    init_default_scope(SCOPE)
    dataset_cfg = cfg[f'{split}_dataloader']['dataset']
    if ann_file:
        dataset_cfg.update(dataset_overrides(ann_file, video_dir))
    return DATASETS.build(dataset_cfg)


def innermost(dataset):
    """The dataset that owns the pipeline, below wrappers such as RepeatDataset/ConcatDataset."""
    while not hasattr(dataset, 'pipeline'):
        dataset = dataset.dataset if hasattr(dataset, 'dataset') else dataset.datasets[0]
    return dataset


def time_transforms(dataset, indices: Sequence[int]):
    """Seconds spent in each transform over ``indices``, and how many samples were unreadable."""
    keep_freed_memory()  # as the dataset's prepare_data sets up the process
    transforms = dataset.pipeline.transforms
    spent = np.zeros(len(transforms))
    skipped = 0
    for index in indices:
        data = dataset.get_data_info(index)
        for position, transform in enumerate(transforms):
            start = time.perf_counter()
            try:
                data = transform(data)
            except VideoReadError:
                data = None
            spent[position] += time.perf_counter() - start
            if data is None:
                skipped += 1
                break
    return spent, skipped


def _unbatch(batch: List):
    return batch[0]


def time_loader(dataset, indices: Sequence[int], workers: int) -> float:
    """Seconds to fetch ``indices`` through a DataLoader, after its first sample arrived."""
    loader = DataLoader(dataset, batch_size=1, sampler=list(indices), num_workers=workers,
                        collate_fn=_unbatch)
    iterator = iter(loader)
    next(iterator)
    start = time.perf_counter()
    for _ in iterator:
        pass
    return time.perf_counter() - start


def report(transforms, spent: np.ndarray, num: int, skipped: int) -> None:
    if not transforms:
        print('the pipeline is empty: nothing to time')
        return
    total = spent.sum()
    print(f'{num} clips in {total:.3f} s: {num / total:.1f} clips/s in one process'
          + (f' ({skipped} unreadable)' if skipped else ''))
    print(f'{"transform":<40s} {"ms/clip":>9s} {"share":>7s}')
    for transform, seconds in zip(transforms, spent):
        print(f'{type(transform).__name__:<40s} {1000 * seconds / num:9.2f} {seconds / total:7.1%}')


# ----------------------------------------------------------------------------- vs. MMAction2
def time_reference(python: str, config: str, split: str, ann_file: str, video_dir: str,
                   num: int, warmup: int, rounds: int) -> dict:
    """``best_clips_per_second`` of the same config and samples in MMAction2 (``python``)."""
    command = [python, str(REFERENCE_SCRIPT), config, split, ann_file, video_dir, str(num),
               str(warmup), str(rounds)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f'the reference run failed ({" ".join(command)}):\n{done.stderr[-3000:]}')
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(config: str, split: str, ann_file: str, video_dir: str, args) -> dict:
    """clips/s of reelkit and (with ``args.reference``) MMAction2 on the same samples."""
    dataset = build_dataset(config, split, ann_file, video_dir)
    indices = np.arange(args.num) % len(dataset)
    row = dict(reelkit=0.0, mmaction2=0.0) if args.reference else dict(reelkit=0.0)
    # Alternate the two ``--repeats`` times, so that a busy spell of the machine hits both.
    for _ in range(args.repeats):
        row['reelkit'] = max(row['reelkit'], best_clips_per_second(
            dataset.__getitem__, indices, args.warmup, args.rounds)['clips_per_s'])
        if args.reference:
            row['mmaction2'] = max(row['mmaction2'], time_reference(
                args.reference, config, split, ann_file, video_dir, args.num, args.warmup,
                args.rounds)['clips_per_s'])
    if args.reference:
        row['ratio'] = row['reelkit'] / row['mmaction2']
    return row


def fraction_of_limit(dataset, indices: Sequence[int], method_name: str, rounds: int) -> float:
    """Seconds the decode-limit method takes over the seconds the pipeline takes, on the same
    samples, timed alternately sample by sample so that both meet the same machine (timed one
    after the other, a drift in the machine's speed moves the fraction by 10-20%)."""
    samples = sample_indices(dataset, indices)
    layouts = {path: keyframe_layout(path) for path, _ in samples}
    method = installed_methods()[method_name]
    limit_s = pipeline_s = 0.0
    for _ in range(rounds):
        np.random.seed(0)  # as in sample_indices: the pipeline draws the same frames
        for index, (path, wanted) in zip(indices, samples):
            start = time.perf_counter()
            method(path, wanted, layouts)
            middle = time.perf_counter()
            dataset[int(index)]
            limit_s, pipeline_s = limit_s + middle - start, pipeline_s + time.perf_counter() - middle
    return limit_s / pipeline_s


def reference_config_root(python: str) -> str:
    """The configs/ folder shipped inside the reference interpreter's MMAction2."""
    code = 'import mmaction, os; print(os.path.join(os.path.dirname(mmaction.__file__), ".mim", "configs"))'
    return subprocess.run([python, '-c', code], capture_output=True, text=True,
                          check=True).stdout.strip()


def run_kinds(args) -> int:
    """Every kind x pipeline: reelkit, MMAction2, ratio, decode limit and fraction of it."""
    root = args.config_root or reference_config_root(args.reference)
    header = f'{"kind":<7s} {"pipeline":<10s} {"reelkit":>8s} {"mmaction2":>9s} {"ratio":>6s} ' \
             f'{"limit":>7s} {"of limit":>8s}  fastest decode'
    rows = []
    with tempfile.TemporaryDirectory(prefix='reelkit-kinds-') as tmp:
        for kind in KINDS:
            ann_file = write_kind(tmp, kind, args.videos)
            video_dir = str(Path(tmp) / kind)
            for name in args.pipelines:
                config, split = str(Path(root) / PIPELINES[name][0]), PIPELINES[name][1]
                row = dict(kind=kind, pipeline=name, **compare(config, split, ann_file, video_dir,
                                                               args))
                if not args.no_limit:
                    dataset = innermost(build_dataset(config, split, ann_file, video_dir))
                    indices = np.arange(args.num) % len(dataset)
                    row['limit_method'], row['limit'] = decode_limit(
                        sample_indices(dataset, indices), args.rounds)
                    row['of_limit'] = fraction_of_limit(dataset, indices, row['limit_method'],
                                                        args.rounds)
                rows.append(row)
                print(format_row(row) if len(rows) > 1 else header + '\n' + format_row(row),
                      flush=True)
    ratios = [row['ratio'] for row in rows if 'ratio' in row]
    if ratios:
        print(f'ratio reelkit / MMAction2: mean {np.mean(ratios):.2f}, min {min(ratios):.2f}')
    return 0


def format_row(row: dict) -> str:
    def number(key, width, fmt):
        return format(row[key], fmt).rjust(width) if key in row else '-'.rjust(width)
    fraction = f'{row["of_limit"]:8.0%}' if 'of_limit' in row else '-'.rjust(8)
    return (f'{row["kind"]:<7s} {row["pipeline"]:<10s} {number("reelkit", 8, ".1f")} '
            f'{number("mmaction2", 9, ".1f")} {number("ratio", 6, ".2f")} '
            f'{number("limit", 7, ".1f")} {fraction}  {row.get("limit_method", "")}')


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if args.kinds:
        return run_kinds(args)
    if args.reference:
        if not args.ann_file:
            raise SystemExit('--reference needs --ann-file: both libraries must read the same videos')
        row = compare(args.config, args.split, args.ann_file, args.video_dir, args)
        print(f'reelkit {row["reelkit"]:.1f} clips/s, MMAction2 {row["mmaction2"]:.1f} clips/s: '
              f'ratio {row["ratio"]:.2f} (best of {args.repeats} x {args.rounds} rounds of {args.num})')
        return 0
    dataset = build_dataset(args.config, args.split, args.ann_file, args.video_dir)
    inner = innermost(dataset)
    order = np.arange(args.warmup + args.num) % len(inner)
    time_transforms(inner, order[:args.warmup])
    spent, skipped = time_transforms(inner, order[args.warmup:])
    report(inner.pipeline.transforms, spent, args.num, skipped)
    if args.workers:
        seconds = time_loader(dataset, np.arange(args.num + 1) % len(dataset), args.workers)
        print(f'DataLoader with {args.workers} workers: {args.num / seconds:.1f} clips/s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
