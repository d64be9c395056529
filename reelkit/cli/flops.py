"""``reelkit flops CONFIG [--shape N V C H W]``: parameters and FLOPs of a config's model.

The model is built from the config (no weights loaded) and run once in ``'tensor'`` mode on a
random input under PyTorch's ``torch.utils.flop_counter.FlopCounterMode``; a recognizer with a
head runs its whole backbone (+ neck) + head path (``stage='head'``). FlopCounterMode counts a
multiply-add as 2 FLOPs, and counts only the operators it has formulas for (matrix products,
convolutions, attention): normalisation, activations and pooling add nothing.

Without ``--shape`` the input of one clip is taken from the config: ``(1, V, 3, 224, 224)`` for
2D recognizers (``format_shape='NCHW'``; V = the backbone's ``num_segments``, else the test
pipeline's ``clip_len x num_clips``) and ``(1, 1, 3, T, 224, 224)`` for 3D ones (``'NCTHW'``,
T = ``clip_len``).
"""
import argparse
from dataclasses import dataclass
from typing import List, Tuple

import torch
from mmengine.config import Config, DictAction
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from reelkit.apis import init_recognizer
from reelkit.apis.inference import pipeline_steps
from reelkit.models.data_preprocessors import ActionDataPreprocessor
from reelkit.models.recognizers.base import BaseRecognizer
from reelkit.utils.errors import ConfigError

DEFAULT_SIZE = 224  # MMAction2's usual crop: FLOPs are quoted at 224 x 224

DESCRIPTION = '''Count the parameters and FLOPs of a config's model on one input of --shape (batch
first, as the model's forward takes it after the data preprocessor), per top-level module and in
total. FLOPs count a multiply-add as 2 (torch.utils.flop_counter); GFLOPs = FLOPs / 1e9.'''

EXAMPLE = '''example:
  reelkit flops recognition/tsm/tsm_r18_1xb16-1x1x8-8e_synthmotion-rgb.py --shape 1 8 3 224 224
  reelkit flops my_i3d.py --shape 1 1 3 32 224 224 --cfg-options model.cls_head.num_classes=5
'''


@dataclass
class ModuleCost:
    """Parameters and FLOPs of one top-level module of the model (or of the whole, ``total``)."""
    name: str
    params: int
    flops: int


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'flops', parents=parents, help="count the parameters and FLOPs of a config's model",
        description=DESCRIPTION, epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file (a path, or the name of a shipped config)')
    parser.add_argument('--shape', nargs='+', type=int, metavar='DIM',
                        help='input shape, e.g. 1 8 3 224 224 (NCHW recognizers: batch, views, '
                             'C, H, W) or 1 1 3 32 224 224 (NCTHW); default: from the config')
    parser.add_argument('--device', default='cpu', help="where the model runs (default: 'cpu')")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. model.backbone.depth=50')
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.shape is not None and any(size < 1 for size in args.shape):
        raise ConfigError(f'--shape {" ".join(map(str, args.shape))}: every size must be >= 1')
    model = init_recognizer(args.config, None, args.device, args.cfg_options)
    if args.shape:
        shape, source = tuple(args.shape), '--shape'
    else:
        shape, source = default_input_shape(model, model.cfg), 'from the config'
    print(f'Input shape: {shape} ({source})')
    print(format_costs(model_costs(model, torch.randn(shape, device=args.device))))
    return 0


def default_input_shape(model: nn.Module, cfg: Config) -> Tuple[int, ...]:
    """The shape of one clip as the config's recognizer takes it (see the module docstring)."""
    preprocessor = getattr(model, 'data_preprocessor', None)
    layout = preprocessor.format_shape if isinstance(preprocessor, ActionDataPreprocessor) else None
    if layout not in ('NCHW', 'NCTHW'):
        raise ConfigError(f'{cfg.filename}: cannot tell the input shape of a {type(model).__name__} '
                          f'(format_shape {layout}); give it with --shape')
    clip_len, num_clips = clip_sampling(cfg)
    if layout == 'NCTHW':
        return (1, 1, 3, clip_len, DEFAULT_SIZE, DEFAULT_SIZE)
    views = getattr(model.backbone, 'num_segments', None) or clip_len * num_clips
    return (1, views, 3, DEFAULT_SIZE, DEFAULT_SIZE)


def clip_sampling(cfg: Config) -> Tuple[int, int]:
    """``(clip_len, num_clips)`` of the test pipeline's frame sampler."""
    for step in pipeline_steps(cfg, None):
        clip_len, num_clips = getattr(step, 'clip_len', None), getattr(step, 'num_clips', None)
        if isinstance(clip_len, int) and isinstance(num_clips, int):
            return clip_len, num_clips
    raise ConfigError(f'{cfg.filename}: the test pipeline has no frame sampler (clip_len, '
                      'num_clips) to take the input shape from; give it with --shape')


def model_costs(model: nn.Module, inputs: torch.Tensor) -> List[ModuleCost]:
    """Parameters and FLOPs of each top-level module of ``model``, then ``total``, for one
    forward pass in ``'tensor'`` mode on ``inputs``."""
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model(inputs, mode='tensor', **head_stage(model))
    # FlopCounterMode names modules by their path below the root's class name.
    counts = counter.get_flop_counts()
    root = type(model).__name__
    costs = [ModuleCost(name, count_parameters(module), sum(counts.get(f'{root}.{name}', {}).values()))
             for name, module in model.named_children()]
    costs = [cost for cost in costs if cost.params or cost.flops]
    return costs + [ModuleCost('total', count_parameters(model), counter.get_total_flops())]


def head_stage(model: nn.Module) -> dict:
    """The ``'tensor'``-mode arguments that run a recognizer through its head (scores, not features)."""
    return dict(stage='head') if isinstance(model, BaseRecognizer) and model.with_cls_head else {}


def count_parameters(module: nn.Module) -> int:
    return sum(parameter.numel() for parameter in module.parameters())


def format_costs(costs: List[ModuleCost]) -> str:
    """A table: module, parameters, FLOPs, GFLOPs; the total last, then how FLOPs are counted."""
    rows = [('module', 'params', 'FLOPs', 'GFLOPs')]
    rows += [(cost.name, f'{cost.params:,}', f'{cost.flops:,}', f'{cost.flops / 1e9:.3f}') for cost in costs]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = ['  '.join([row[0].ljust(widths[0])] + [text.rjust(width) for text, width in
                                                    zip(row[1:], widths[1:])]) for row in rows]
    lines.insert(1, '-' * len(lines[0]))
    lines.insert(len(lines) - 1, '-' * len(lines[0]))
    lines.append('FLOPs count a multiply-add as 2 (torch.utils.flop_counter); GFLOPs = FLOPs / 1e9. '
                 'Norms, activations and pooling are not counted.')
    return '\n'.join(lines)
