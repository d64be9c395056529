"""Numeric parity with MMAction2: the same weights and input give the same outputs in reelkit.

    python tools/check_parity.py --reference PYTHON [--filter i3d,swin] [--all] [--size 64] [--frames 8]

For each chosen config of ``tests/data/reference/mmaction2_1.2.0_models.json.gz`` (default: the
smallest model of each recognition, skeleton and audio family; ``--all``: every config), a process
of ``--reference`` (a Python with mmaction2 1.2.0) builds MMAction2's model from the reference model
dict, perturbs every constant floating tensor of its state dict (zero-initialised biases and
residual BN scales, unit running variances, zero embeddings would otherwise hide a wrong branch),
and saves the state dict, a seeded input and its outputs in eval mode: the raw head output
(``mode='tensor'``) and the predicted scores (``mode='predict'``). A process of this interpreter
then builds reelkit's model from the same dict, loads that state dict with ``strict=True`` and
compares. Clips are shrunk (``--size``, ``--frames``) so that the whole walk runs on a CPU: both
sides build the same shrunk model, so the comparison is exact either way.

Prints one line per config (max abs difference relative to the output's scale) and exits 1 if any
config fails to load or differs by more than ``--tolerance``.
"""
import argparse
import collections
import copy
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.models import load_side, without_weights  # noqa: E402

REFERENCE_FILE = ROOT / 'tests' / 'data' / 'reference' / 'mmaction2_1.2.0_models.json.gz'
TASKS = ('recognition/', 'recognition_audio/', 'skeleton/')
UNSUPPORTED = {'RecognizerOmni': 'takes image and clip batches in one call',
               'ResNetTIN': "MMAction2's tin_shift is a CUDA-only mmcv op"}
GRAPH_JOINTS = {'coco': 17, 'nturgb+d': 25, 'openpose': 18}
SHRINK_KEYS = dict(img_size='size', input_resolution='size', spatial_size='size',
                   num_frames='frames', temporal_size='frames')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--reference', metavar='PYTHON', help='a Python interpreter with mmaction2 1.2.0')
    parser.add_argument('--filter', default='', help='comma-separated substrings of config paths')
    parser.add_argument('--all', action='store_true', help='every config, not the smallest of each family')
    parser.add_argument('--size', type=int, default=64, help='frame height and width (default: 64)')
    parser.add_argument('--frames', type=int, default=8, help='frames per clip (default: 8)')
    parser.add_argument('--tolerance', type=float, default=1e-4,
                        help='largest relative difference accepted (default: 1e-4)')
    parser.add_argument('--worker', nargs=3, metavar=('SIDE', 'JOB', 'DIR'), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.worker and not args.reference:
        parser.error('--reference PYTHON is required')
    return args


def chosen_configs(reference: dict, filters: List[str], every: bool) -> List[str]:
    """Config paths to check: the fewest-parameter config of each family unless ``every``."""
    families = collections.defaultdict(list)
    for path, facts in sorted(reference.items()):
        model = facts.get('model', {})
        types = {model.get('type'), model.get('backbone', {}).get('type')}
        if path.startswith(TASKS) and 'error' not in facts and not types & set(UNSUPPORTED):
            if not filters or any(part in path for part in filters):
                families[path.split('/')[1]].append(path)
    if every:
        return [path for paths in families.values() for path in paths]
    return [min(paths, key=lambda path: reference[path]['params']) for paths in families.values()]


def shrunk_job(model: dict, size: int, frames: int) -> dict:
    """``{'model', 'inputs'}``: the model dict with clip-sized embeddings set, and input shapes.

    ``inputs`` maps an input name (``''`` for a plain tensor) to (N, views, C, ...) as the
    recognizer takes it: frames (2D), clips (3D), skeletons (N, views, M, T, V, C) or spectrograms.
    """
    model = copy.deepcopy(without_weights(model))
    backbone, head = model['backbone'], model.get('cls_head', {})
    kind = model['type']
    if backbone['type'] == 'UniFormerV2':
        frames = backbone.get('t_size', frames)
    if backbone['type'] == 'C3D':
        size, frames = 112, 16  # its fully connected layers are sized for 16x112x112 clips
    values = dict(size=size, frames=frames)
    for key, what in SHRINK_KEYS.items():
        if key in backbone:
            backbone[key] = values[what]
    channels = backbone.get('in_channels', 3)
    if kind == 'Recognizer2D':
        segments = head.get('num_segments') or backbone.get('num_segments') or frames
        inputs = {'': [1, segments, channels, 2 * size, 2 * size]}
    elif kind == 'RecognizerGCN':
        joints = GRAPH_JOINTS[backbone['graph_cfg']['layout']]
        inputs = {'': [1, 1, 2, 4 * frames, joints, channels]}
    elif kind == 'RecognizerAudio':
        inputs = {'': [1, 1, channels, 2 * size, 2 * size]}
    elif kind == 'MMRecognizer3D':
        ratio = backbone.get('speed_ratio', 4)
        inputs = dict(imgs=[1, 1, 3, frames, size, size],
                      heatmap_imgs=[1, 1, backbone.get('pose_pathway', {}).get('in_channels', 17),
                                    frames * ratio, size // 4, size // 4])  # pose at 1/4 the RGB size
    else:
        temporal = 4 * frames if backbone['type'] == 'ResNet3dSlowFast' else frames
        inputs = {'': [1, 1, channels, temporal, size, size]}
    return dict(model=model, inputs=inputs)


def perturb_constants(state: Dict[str, torch.Tensor], generator: torch.Generator) -> None:
    """Add noise to every constant floating tensor, in place (variances stay positive)."""
    for key, tensor in state.items():
        if tensor.is_floating_point() and tensor.numel() and bool((tensor == tensor.flatten()[0]).all()):
            noise = 0.1 * torch.randn(tensor.shape, generator=generator)
            tensor.copy_((tensor + noise).abs() if key.endswith('running_var') else tensor + noise)


def as_tuples(cfg):
    """``cfg`` with every list turned into a tuple, as the Python config files write them."""
    if isinstance(cfg, dict):
        return {key: as_tuples(value) for key, value in cfg.items()}
    if isinstance(cfg, (list, tuple)):
        return tuple(as_tuples(item) for item in cfg)
    return cfg


def flat_tensors(output) -> List[torch.Tensor]:
    if isinstance(output, torch.Tensor):
        return [output]
    if isinstance(output, (list, tuple)):
        return [tensor for item in output for tensor in flat_tensors(item)]
    if isinstance(output, dict):
        return [tensor for key in sorted(output) for tensor in flat_tensors(output[key])]
    return []


def outputs(net, inputs, sample_type) -> Dict[str, List[torch.Tensor]]:
    """Raw head outputs and predicted scores of ``net`` in eval mode."""
    fresh = (lambda: dict(inputs)) if isinstance(inputs, dict) else (lambda: inputs)  # MMAction2
    with torch.no_grad():  # reshapes the modalities of an input dict in place
        tensor = flat_tensors(net(fresh(), None, mode='tensor'))
        samples = net(fresh(), [sample_type()], mode='predict')
    return dict(tensor=tensor, predict=flat_tensors([sample.pred_score for sample in samples]))


def run_side(side: str, job: dict, folder: Path) -> dict:
    """Reference: build, perturb, save weights, input and outputs. reelkit: load strictly, compare."""
    torch.set_num_threads(1)
    registry, sample_type = load_side(side)
    model = job['model']
    if model.get('neck', {}).get('type') == 'TPN':  # MMAction2 asserts tuples, which JSON cannot keep
        model['neck'] = as_tuples(model['neck'])
    torch.manual_seed(0)
    net = registry.build(model).eval()
    if side == 'reference':
        generator = torch.Generator().manual_seed(0)
        state = net.state_dict()
        perturb_constants(state, generator)
        inputs = {name: torch.randn(*shape, generator=generator) for name, shape in job['inputs'].items()}
        inputs = inputs.get('', inputs)
        net.load_state_dict(state, strict=True)
        torch.save(dict(state=state, inputs=inputs, outputs=outputs(net, inputs, sample_type)),
                   folder / 'reference.pt')
        return {}
    saved = torch.load(folder / 'reference.pt', weights_only=True)
    net.load_state_dict(saved['state'], strict=True)
    mine = outputs(net, saved['inputs'], sample_type)
    differences = {}
    for kind, theirs in saved['outputs'].items():
        if not theirs:
            return dict(error=f'no {kind} output tensors to compare')
        if len(theirs) != len(mine[kind]) or any(a.shape != b.shape for a, b in zip(theirs, mine[kind])):
            return dict(error=f'{kind} outputs differ in shape: '
                              f'{[tuple(t.shape) for t in mine[kind]]} vs {[tuple(t.shape) for t in theirs]}')
        scale = max(float(t.abs().max()) for t in theirs) or 1.0
        differences[kind] = max(float((a - b).abs().max()) for a, b in zip(mine[kind], theirs)) / scale
    return differences


def run_worker(python: str, side: str, job: dict, folder: Path) -> dict:
    command = [python, str(Path(__file__).resolve()), '--worker', side, json.dumps(job), str(folder)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return dict(error=f'{side} failed: ' + ' | '.join(done.stderr.strip().splitlines()[-3:]))
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if args.worker:
        side, job, folder = args.worker
        print(json.dumps(run_side(side, json.loads(job), Path(folder))))
        return 0
    with gzip.open(REFERENCE_FILE, 'rt') as f:
        reference = json.load(f)
    configs = chosen_configs(reference, [part for part in args.filter.split(',') if part], args.all)
    failed = 0
    for path in configs:
        job = shrunk_job(reference[path]['model'], args.size, args.frames)
        with tempfile.TemporaryDirectory() as folder:
            result = run_worker(args.reference, 'reference', job, Path(folder))
            if 'error' not in result:
                result = run_worker(sys.executable, 'reelkit', job, Path(folder))
        ok = 'error' not in result and max(result.values()) <= args.tolerance
        failed += not ok
        detail = result.get('error') or ', '.join(f'{kind} {value:.1e}' for kind, value in result.items())
        print(f'{"ok  " if ok else "FAIL"} {path}: {detail}', flush=True)
    print(f'{len(configs) - failed}/{len(configs)} configs agree within {args.tolerance:g} '
          f'(relative max abs difference)')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
