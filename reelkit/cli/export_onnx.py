"""``reelkit export-onnx CONFIG CHECKPOINT --shape N V C H W --out model.onnx``: an ONNX graph.

The graph maps preprocessed clips (the data_preprocessor's output) to the class scores
``reelkit test`` gives (see :mod:`reelkit.apis.export`). With onnxruntime installed (or
``--verify``, which then requires it) the graph is run on random inputs and compared to PyTorch.
"""
import argparse
import importlib.util
import os.path as osp

from mmengine.config import DictAction
from rich.console import Console

from reelkit.apis import init_recognizer
from reelkit.apis.export import DEFAULT_OPSET, VERIFY_TOLERANCE, export_onnx, verify_onnx
from reelkit.utils.errors import ConfigError, ReelkitError

DESCRIPTION = f'''Export a recognizer to ONNX. The graph's input "inputs" is a float32 batch as the
config's data_preprocessor outputs it (already normalised): (N, clips*frames, C, H, W) for 2D
models (TSN, TSM), (N, clips, C, T, H, W) for 3D ones. Its output "scores" is (N, num_classes),
averaged over the views of each sample as in testing. N is dynamic; --shape fixes the rest.
It needs the onnx package; when onnxruntime is installed too, the export is verified
(max |difference| <= {VERIFY_TOLERANCE:g}). pip install 'reelkit[onnx]' installs both.'''

EXAMPLE = '''examples:
  reelkit export-onnx recognition/tsm/tsm_r18_1xb16-1x1x8-8e_synthmotion-rgb.py \\
      work_dirs/tsm/epoch_8.pth --shape 1 8 3 32 32 --out tsm.onnx --verify
  reelkit export-onnx my_i3d.py i3d.pth --shape 1 1 3 32 224 224 --out i3d.onnx
'''


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'export-onnx', parents=parents, help='export a recognizer to ONNX (and check it with '
        'onnxruntime)', description=DESCRIPTION, epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file (a path, or the name of a shipped config)')
    parser.add_argument('checkpoint', help='checkpoint file written by reelkit train (or MMAction2)')
    parser.add_argument('--shape', type=int, nargs='+', required=True, metavar='SIZE',
                        help='input shape, e.g. 1 8 3 224 224 (2D) or 1 1 3 8 224 224 (3D)')
    parser.add_argument('--out', required=True, metavar='MODEL.onnx', help='the ONNX file to write')
    parser.add_argument('--opset', type=int, default=DEFAULT_OPSET,
                        help=f'ONNX opset version (default: {DEFAULT_OPSET})')
    parser.add_argument('--verify', action='store_true',
                        help='compare with PyTorch in onnxruntime, an error if it is not installed '
                             '(without --verify: done whenever it is installed)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. model.cls_head.average_clips=score')
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    can_verify = check_arguments(args)
    model = init_recognizer(args.config, args.checkpoint, 'cpu', args.cfg_options)
    with Console(stderr=True).status(f'Exporting to {args.out} ...'):
        wrapper = export_onnx(model, args.shape, args.out, args.opset)
    dims = ', '.join(['batch'] + [str(size) for size in args.shape[1:]])
    print(f'Wrote {args.out} (opset {args.opset}): inputs ({dims}) float32 -> '
          f'scores (batch, {model.cls_head.num_classes})')
    if not can_verify:
        print("Not verified: onnxruntime is not installed (pip install 'reelkit[onnx]')")
        return 0
    difference = verify_onnx(wrapper, args.out, args.shape)
    print(f'onnxruntime vs PyTorch on random inputs: max abs diff {difference:.3g}')
    if difference > VERIFY_TOLERANCE:
        raise ReelkitError(f'{args.out}: onnxruntime scores differ from PyTorch by up to '
                           f'{difference:.3g} (> {VERIFY_TOLERANCE:g})')
    return 0


def check_arguments(args: argparse.Namespace) -> bool:
    """Reject bad options before the model loads; return whether onnxruntime can verify."""
    if not args.out.endswith('.onnx'):
        raise ConfigError(f'--out {args.out}: the ONNX file name must end with .onnx')
    out_dir = osp.dirname(osp.abspath(args.out))
    if not osp.isdir(out_dir):
        raise ConfigError(f'--out {args.out}: no such folder {out_dir}')
    if importlib.util.find_spec('onnx') is None:
        raise ConfigError("export-onnx: the onnx package is not installed (pip install 'reelkit[onnx]')")
    can_verify = importlib.util.find_spec('onnxruntime') is not None
    if args.verify and not can_verify:
        raise ConfigError("--verify: onnxruntime is not installed (pip install 'reelkit[onnx]')")
    return can_verify
