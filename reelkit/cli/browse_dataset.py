"""``reelkit browse-dataset CONFIG --out DIR``: what the pipeline hands the model, as GIFs.

The split's dataset is built from the config as the runner builds it, and the ``inputs`` of
its first samples are turned back into frames: the layout ``FormatShape`` made (``NCHW`` or
``NCTHW``) is undone, and the values, still un-normalised (normalisation is the data
preprocessor's job, after the pipeline), are rounded to uint8. Each sample becomes one GIF of
all its frames, crop after crop and clip after clip, named after its index and label.
"""
import argparse
import os
import os.path as osp
import re
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config, DictAction

from reelkit.apis import load_config
from reelkit.datasets.transforms import FormatShape
from reelkit.registry import DATASETS
from reelkit.structures import ActionDataSample
from reelkit.utils.errors import ConfigError
from reelkit.visualization.action_visualizer import _class_indices as class_indices
from reelkit.visualization.action_visualizer import label_lines, write_gif

SPLITS = ('train', 'val', 'test')
LAYOUTS = ('NCHW', 'NCTHW')

DESCRIPTION = '''Build a split's dataset from a config and write the pipeline's output of its first
samples as animated GIFs (the frames the model is given, before normalisation), to check
sampling, cropping, flipping and labels by eye.'''

EXAMPLE = '''example:
  reelkit browse-dataset recognition/tsm/tsm_r18_1xb16-1x1x8-8e_synthmotion-rgb.py \\
      --out work_dirs/browse --split train --num 8 \\
      --cfg-options train_dataloader.dataset.metainfo.classes="['a','b']"
'''


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'browse-dataset', parents=parents, help="write a dataset's pipeline outputs as GIFs",
        description=DESCRIPTION, epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file (a path, or the name of a shipped config)')
    parser.add_argument('--out', required=True, metavar='DIR', help='folder to write the GIFs to')
    parser.add_argument('--split', choices=SPLITS, default='train',
                        help='whose dataloader: train, val or test (default: train)')
    parser.add_argument('--num', type=int, default=8, help='samples to write (default: 8)')
    parser.add_argument('--fps', type=int, default=4, help='frame rate of the GIFs (default: 4)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. train_dataloader.dataset.ann_file=x.txt')
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for option in ('num', 'fps'):
        if getattr(args, option) < 1:
            raise ConfigError(f'--{option} {getattr(args, option)}: expected a number >= 1')
    cfg = load_config(args.config, args.cfg_options)
    dataset = build_split_dataset(cfg, args.split)
    layout = input_layout(dataset, f'{args.split}_dataloader.dataset')
    classes = dataset.metainfo.get('classes')
    os.makedirs(args.out, exist_ok=True)
    for index in range(min(args.num, len(dataset))):
        print(write_sample(dataset[index], index, layout, classes, args.out, args.fps))
    return 0


def write_sample(sample: dict, index: int, layout: Tuple[str, bool],
                 classes: Optional[Sequence[str]], out_dir: str, fps: int) -> str:
    """Write one pipeline output (``inputs``, ``data_samples``) as a GIF; return a summary line."""
    frames = inputs_to_frames(sample['inputs'], *layout)
    data_sample = sample.get('data_samples')
    # label_lines before gif_name: it is the one that names a label without a class name
    caption = ' '.join(label_lines(data_sample, classes, True, False, False)) \
        if data_sample is not None else ''
    path = osp.join(out_dir, gif_name(index, data_sample, classes))
    write_gif(path, frames, fps)
    return f'{path}: {len(frames)} frames of {frames.shape[2]}x{frames.shape[1]} {caption}'


def build_split_dataset(cfg: Config, split: str):
    """The dataset of ``cfg[split + '_dataloader']``, built from reelkit's registry."""
    key = f'{split}_dataloader'
    dataloader = cfg.get(key)
    if not dataloader or 'dataset' not in dataloader:
        raise ConfigError(f'{cfg.filename}: {key}.dataset is not set; choose another --split')
    return DATASETS.build(dataloader['dataset'])


def input_layout(dataset, key: str) -> Tuple[str, bool]:
    """``(input_format, collapse)`` of the FormatShape step of the dataset's pipeline (wrapped
    datasets are searched through their ``dataset`` / ``datasets`` attributes)."""
    while not hasattr(dataset, 'pipeline'):
        inner = getattr(dataset, 'dataset', None) or (getattr(dataset, 'datasets', None) or [None])[0]
        if inner is None:
            raise ConfigError(f'{key}: {type(dataset).__name__} has no pipeline to browse')
        dataset = inner
    steps = [step for step in dataset.pipeline.transforms if isinstance(step, FormatShape)]
    if not steps:
        raise ConfigError(f'{key}.pipeline has no FormatShape step; browse-dataset reads the '
                          f'{" or ".join(LAYOUTS)} inputs it makes')
    if steps[-1].input_format not in LAYOUTS:
        raise ConfigError(f'{key}.pipeline: FormatShape(input_format={steps[-1].input_format!r}); '
                          f'browse-dataset shows RGB frames laid out as {" or ".join(LAYOUTS)}')
    return steps[-1].input_format, steps[-1].collapse


def inputs_to_frames(inputs: torch.Tensor, input_format: str, collapse: bool = False) -> np.ndarray:
    """``(num_frames, H, W, 3)`` uint8 RGB frames from a sample's ``inputs``.

    ``NCHW`` inputs are ``(M, 3, H, W)`` (M frames), ``NCTHW`` inputs ``(N, 3, T, H, W)`` (N
    clips or crops of T frames, giving N * T frames); ``collapse`` means the leading axis was
    dropped. Values are clipped to [0, 255] and rounded.
    """
    array = np.asarray(inputs.detach().cpu(), dtype=np.float32)
    if collapse:
        array = array[None]
    if input_format == 'NCHW':
        frames = array.transpose(0, 2, 3, 1)
    else:
        frames = array.transpose(0, 2, 3, 4, 1).reshape(-1, *array.shape[3:], array.shape[1])
    if frames.shape[-1] != 3:
        raise ConfigError(f'inputs of shape {tuple(inputs.shape)} ({input_format}) hold '
                          f'{frames.shape[-1]} channels; browse-dataset shows RGB frames')
    return np.clip(np.rint(frames), 0, 255).astype(np.uint8)


def gif_name(index: int, data_sample: Optional[ActionDataSample],
             classes: Optional[Sequence[str]]) -> str:
    """``00003_label-5_grow.gif``: the sample index, its labels and, with classes, their names."""
    if data_sample is None or 'gt_label' not in data_sample:
        return f'{index:05d}.gif'
    parts = [f'label-{i}' + (f'_{classes[i]}' if classes is not None else '')
             for i in class_indices(data_sample.gt_label)]
    return re.sub(r'[^\w.+-]', '_', f'{index:05d}_' + '+'.join(parts)) + '.gif'
