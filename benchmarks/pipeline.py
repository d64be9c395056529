"""Time a config's data pipeline: clips/s and each transform's share of the time.

    python benchmarks/pipeline.py CONFIG [--split train|val|test] [--num N] [--workers W]

Builds ``<split>_dataloader.dataset`` from the config, runs ``--warmup`` samples, then times
``--num`` samples one transform at a time in this process. With ``--workers W`` it also times
the same samples through a ``torch.utils.data.DataLoader`` with W worker processes.
"""
import argparse
import sys
import time
from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from mmengine.registry import init_default_scope  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from reelkit.registry import DATASETS, SCOPE  # noqa: E402
from reelkit.apis import load_config  # noqa: E402
from reelkit.utils.errors import VideoReadError  # noqa: E402


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file (a path, or the name of a shipped config)')
    parser.add_argument('--split', choices=('train', 'val', 'test'), default='train')
    parser.add_argument('--num', type=int, default=50, help='samples to time (default: 50)')
    parser.add_argument('--warmup', type=int, default=5, help='untimed samples first (default: 5)')
    parser.add_argument('--workers', type=int, default=0,
                        help='also time a DataLoader with this many workers (default: 0, off)')
    args = parser.parse_args(argv)
    if args.num < 1 or args.warmup < 0 or args.workers < 0:
        parser.error('--num must be >= 1, --warmup and --workers >= 0')
    return args


def build_dataset(config: str, split: str):
    """The dataset of ``<split>_dataloader`` in ``config``, built in reelkit's scope."""
    cfg = load_config(config)
    init_default_scope(SCOPE)
    return DATASETS.build(cfg[f'{split}_dataloader']['dataset'])


def innermost(dataset):
    """The dataset that owns the pipeline, below wrappers such as RepeatDataset/ConcatDataset."""
    while not hasattr(dataset, 'pipeline'):
        dataset = dataset.dataset if hasattr(dataset, 'dataset') else dataset.datasets[0]
    return dataset


def time_transforms(dataset, indices: Sequence[int]):
    """Seconds spent in each transform over ``indices``, and how many samples were unreadable."""
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


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    dataset = build_dataset(args.config, args.split)
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
