"""``reelkit demo VIDEO CONFIG CHECKPOINT --label-map FILE``: the top-k actions of one video.

Prints the top-k class names with their scores; ``--out-file`` writes the video again with the
top label drawn on every frame (MP4 or GIF, encoded with PyAV, text drawn with OpenCV).
``--long-video`` scores every second of the video apart and writes the timeline as JSON.
"""
import argparse
import json
import os.path as osp
from fractions import Fraction
from typing import List, Sequence

import numpy as np
from mmengine.config import DictAction

from reelkit.apis import inference_recognizer, init_recognizer
from reelkit.apis.inference import label_names, read_label_map
from reelkit.datasets.transforms import PyAVReader
from reelkit.structures import ActionDataSample
from reelkit.utils.errors import ConfigError
from reelkit.visualization.action_visualizer import (TEXT_DEFAULTS, decode_video, draw_text_lines,
                                                     save_frames)

OUT_TYPES = {'.mp4': 'video', '.gif': 'gif'}
DEFAULT_FPS = 30  # when the container does not say

DESCRIPTION = '''Print the top-k labels of a video with their scores. --out-file writes the video again
with the top label drawn on every frame (.mp4 or .gif); --long-video scores each second apart.'''

EXAMPLE = '''example:
  reelkit demo data/synth_motion/videos/00000.mp4 \\
      recognition/slowonly/slowonly_r18_1xb16-8x1x1-10e_synthmotion-rgb.py \\
      work_dirs/quickstart/epoch_10.pth \\
      --label-map data/synth_motion/classes.txt --out-file demo.mp4
'''


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'demo', parents=parents, help='recognise the action in one video (top-k labels)',
        description=DESCRIPTION, epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('video', help='the video file')
    parser.add_argument('config', help='config file (a path, or the name of a shipped config)')
    parser.add_argument('checkpoint', help='checkpoint file written by reelkit train (or MMAction2)')
    parser.add_argument('--label-map', required=True, metavar='FILE',
                        help='class names, one per line in label order')
    parser.add_argument('--out-file', metavar='OUT.mp4|OUT.gif',
                        help='write the video with the top label drawn on every frame')
    parser.add_argument('--topk', type=int, default=5, help='how many labels to print (default: 5)')
    parser.add_argument('--device', default='cpu', help="where the model runs (default: 'cpu')")
    parser.add_argument('--fps', type=float,
                        help="frame rate of --out-file (default: the input's)")
    parser.add_argument('--font-scale', type=float,
                        help='OpenCV font scale of the drawn text (default: follows the frame size)')
    parser.add_argument('--long-video', metavar='TIMELINE.json',
                        help='score each second of the video apart and write the timeline here '
                             '(--out-file then shows each second\'s label)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. model.cls_head.average_clips=score')
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out_type = check_arguments(args)
    classes = read_label_map(args.label_map)
    model = init_recognizer(args.config, args.checkpoint, args.device, args.cfg_options)
    result = inference_recognizer(model, args.video)
    top = top_labels(result, args.topk, classes, args.label_map)
    print(f'Top-{len(top)} labels for {args.video}:')
    for rank, (name, score) in enumerate(top, start=1):
        print(f'{rank}. {name}: {score:.4f}')
    if args.out_file is None and args.long_video is None:
        return 0
    frames = np.stack(decode_video(args.video))
    fps = args.fps or video_fps(args.video)
    captions = [caption(top[0])] * len(frames)
    if args.long_video is not None:
        captions = long_video_timeline(model, frames, fps, classes, args)
    if args.out_file is not None:
        text_cfg = dict(TEXT_DEFAULTS, font_scale=args.font_scale)
        drawn = np.stack([draw_text_lines(frame, [text], text_cfg)
                          for frame, text in zip(frames, captions)])
        save_frames(args.out_file, drawn, out_type, step=0, fps=Fraction(fps).limit_denominator(1001))
        print(f'Wrote {len(drawn)} frames to {args.out_file}')
    return 0


def check_arguments(args: argparse.Namespace) -> str:
    """Reject bad options before the model loads; return the output type of ``--out-file``."""
    if not osp.isfile(args.video):
        raise ConfigError(f'{args.video}: no such video file')
    if args.topk < 1:
        raise ConfigError(f'--topk {args.topk}: expected a number >= 1')
    if args.fps is not None and not args.fps > 0:
        raise ConfigError(f'--fps {args.fps}: expected a number > 0')
    if args.font_scale is not None and not args.font_scale > 0:
        raise ConfigError(f'--font-scale {args.font_scale}: expected a number > 0')
    if args.long_video is not None and not args.long_video.endswith('.json'):
        raise ConfigError(f'--long-video {args.long_video}: the timeline file must end with .json')
    if args.out_file is None:
        return ''
    extension = osp.splitext(args.out_file)[1].lower()
    if extension not in OUT_TYPES:
        raise ConfigError(f'--out-file {args.out_file}: expected a .mp4 or .gif file')
    return OUT_TYPES[extension]


def top_labels(result: ActionDataSample, topk: int, classes: Sequence[str],
               label_file: str) -> List[tuple]:
    """``[(class name, score), ...]`` of the ``topk`` best classes, best first."""
    scores = result.pred_score
    if isinstance(scores, dict):
        raise ConfigError(f'the model scores each modality apart ({sorted(scores)}); '
                          'reelkit demo shows one score per class')
    values, labels = scores.topk(min(topk, scores.numel()))
    return list(zip(label_names(labels.tolist(), classes, label_file), values.tolist()))


def caption(label: tuple) -> str:
    name, score = label
    return f'{name}: {score:.2f}'


def video_fps(path: str) -> float:
    """The average frame rate the container states, else ``DEFAULT_FPS``."""
    reader = PyAVReader(path, path)
    reader.close()
    return reader.fps or DEFAULT_FPS


def long_video_timeline(model, frames: np.ndarray, fps: float, classes: Sequence[str],
                        args: argparse.Namespace) -> List[str]:
    """Score each second of ``frames`` (T, H, W, 3) apart, write the JSON timeline, and return
    the caption of every frame (its second's top label)."""
    step = max(1, round(fps))
    starts = range(0, len(frames), step)
    results = inference_recognizer(model, [frames[start:start + step] for start in starts])
    timeline, captions = [], []
    for start, result in zip(starts, results):
        top = top_labels(result, args.topk, classes, args.label_map)
        stop = min(start + step, len(frames))
        timeline.append(dict(start=start / fps, end=stop / fps, start_frame=start,
                             end_frame=stop, labels=[dict(name=name, score=score)
                                                     for name, score in top]))
        captions.extend([caption(top[0])] * (stop - start))
    with open(args.long_video, 'w', encoding='utf-8') as stream:
        json.dump(dict(video=args.video, fps=fps, seconds=timeline), stream, indent=2)
    print(f'Wrote the timeline of {len(timeline)} second(s) to {args.long_video}')
    return captions
