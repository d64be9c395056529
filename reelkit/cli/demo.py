"""``reelkit demo VIDEO CONFIG CHECKPOINT --label-map FILE``: the top-k actions of one video.

Prints the top-k class names with their scores; ``--out-file`` writes the video again with the
top label drawn on every frame (MP4 or GIF, encoded with PyAV, text drawn with OpenCV).
``--long-video`` scores every second of the video apart and writes the timeline as JSON.
``--camera-id N`` scores a live camera instead (OpenCV ``VideoCapture(N)``): a window of the
model's clip length slides over the frames and each window's top label is printed (and drawn on
``--out-file``).
"""
import argparse
import json
import os.path as osp
from collections import deque
from fractions import Fraction
from typing import Iterator, List, Sequence

import cv2
import numpy as np
from mmengine.config import DictAction

from reelkit.apis import inference_recognizer, init_recognizer
from reelkit.apis.inference import label_names, pipeline_steps, read_label_map
from reelkit.datasets.transforms import DenseSampleFrames, PyAVReader, SampleFrames, UniformSample
from reelkit.structures import ActionDataSample
from reelkit.utils.errors import ConfigError, ReelkitError
from reelkit.visualization.action_visualizer import (TEXT_DEFAULTS, decode_video, draw_text_lines,
                                                     save_frames)

OUT_TYPES = {'.mp4': 'video', '.gif': 'gif'}
DEFAULT_FPS = 30  # when the container (or the camera) does not say
CLIP_SAMPLERS = (SampleFrames, DenseSampleFrames, UniformSample)  # they size the camera window

DESCRIPTION = '''Print the top-k labels of a video with their scores. --out-file writes the video again
with the top label drawn on every frame (.mp4 or .gif); --long-video scores each second apart.
--camera-id N reads a camera instead of VIDEO: each window of the model's clip length (clip_len x
frame_interval x num_clips of the test pipeline's sampler) is scored and its top label printed,
every --stride frames, until the camera stops, --max-windows is reached or Ctrl-C.'''

EXAMPLE = '''example:
  reelkit demo data/synth_motion/videos/00000.mp4 \\
      recognition/slowonly/slowonly_r18_1xb16-8x1x1-10e_synthmotion-rgb.py \\
      work_dirs/quickstart/epoch_10.pth \\
      --label-map data/synth_motion/classes.txt --out-file demo.mp4
  reelkit demo CONFIG CHECKPOINT --camera-id 0 --label-map classes.txt --max-windows 20
'''


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'demo', parents=parents, help='recognise the action in one video or a camera (top labels)',
        description=DESCRIPTION, epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('video', nargs='?', help='the video file (left out with --camera-id)')
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
    parser.add_argument('--camera-id', type=int, metavar='N',
                        help='score the frames of camera N (OpenCV VideoCapture(N)) instead of a video')
    parser.add_argument('--stride', type=int, metavar='FRAMES',
                        help='with --camera-id: new frames between two scored windows '
                             '(default: the window length)')
    parser.add_argument('--max-windows', type=int, metavar='N',
                        help='with --camera-id: stop after N windows (default: when the camera stops)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. model.cls_head.average_clips=score')
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out_type = check_arguments(args)
    classes = read_label_map(args.label_map)
    model = init_recognizer(args.config, args.checkpoint, args.device, args.cfg_options)
    if args.camera_id is not None:
        return run_camera(model, classes, out_type, args)
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
        write_captioned(frames, captions, fps, out_type, args)
    return 0


def write_captioned(frames: Sequence[np.ndarray], captions: Sequence[str], fps: float,
                    out_type: str, args: argparse.Namespace) -> None:
    """Write RGB ``frames`` (each (H, W, 3)) to ``--out-file``, each with its caption drawn."""
    text_cfg = dict(TEXT_DEFAULTS, font_scale=args.font_scale)
    drawn = np.stack([draw_text_lines(frame, [text], text_cfg) for frame, text in zip(frames, captions)])
    save_frames(args.out_file, drawn, out_type, step=0, fps=Fraction(fps).limit_denominator(1001))
    print(f'Wrote {len(drawn)} frames to {args.out_file}')


def check_arguments(args: argparse.Namespace) -> str:
    """Reject bad options before the model loads; return the output type of ``--out-file``."""
    check_source(args)
    if args.topk < 1:
        raise ConfigError(f'--topk {args.topk}: expected a number >= 1')
    if args.fps is not None and not args.fps > 0:
        raise ConfigError(f'--fps {args.fps}: expected a number > 0')
    if args.font_scale is not None and not args.font_scale > 0:
        raise ConfigError(f'--font-scale {args.font_scale}: expected a number > 0')
    if args.long_video is not None and not args.long_video.endswith('.json'):
        raise ConfigError(f'--long-video {args.long_video}: the timeline file must end with .json')
    for option, value in (('--stride', args.stride), ('--max-windows', args.max_windows)):
        if value is not None and value < 1:
            raise ConfigError(f'{option} {value}: expected a number >= 1')
    if args.out_file is None:
        return ''
    extension = osp.splitext(args.out_file)[1].lower()
    if extension not in OUT_TYPES:
        raise ConfigError(f'--out-file {args.out_file}: expected a .mp4 or .gif file')
    return OUT_TYPES[extension]


def check_source(args: argparse.Namespace) -> None:
    """Exactly one of VIDEO and ``--camera-id``, with the options that go with it."""
    if args.camera_id is None:
        if args.video is None:
            raise ConfigError('give the video file before CONFIG, or --camera-id N to read a camera')
        if not osp.isfile(args.video):
            raise ConfigError(f'{args.video}: no such video file')
        if args.stride is not None or args.max_windows is not None:
            raise ConfigError('--stride and --max-windows go with --camera-id')
        return
    if args.video is not None:
        raise ConfigError(f'{args.video}: give a video file or --camera-id {args.camera_id}, not both')
    if args.long_video is not None:
        raise ConfigError('--long-video scores a video file by the second; it does not go with --camera-id')


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


# ----------------------------------------------------------------------------- camera
def run_camera(model, classes: Sequence[str], out_type: str, args: argparse.Namespace) -> int:
    """Score the windows of ``--camera-id``'s frames, print each one's top label and, with
    ``--out-file``, write the frames with the label of the window that scored them."""
    window = window_length(model.cfg)
    stride = args.stride or window
    capture = open_camera(args.camera_id)
    fps = args.fps or capture.get(cv2.CAP_PROP_FPS) or DEFAULT_FPS
    recent: deque = deque(maxlen=window)  # the last ``window`` frames
    # With --out-file the frames stay in memory until the camera stops: save_frames takes a clip.
    kept, captions, count, windows, label = [], [], 0, 0, None
    print(f'Reading camera {args.camera_id}: a window of {window} frames every {stride} '
          '(Ctrl-C stops)')
    try:
        for frame in camera_frames(capture):
            recent.append(frame)
            if args.out_file is not None:
                kept.append(frame)
            count += 1
            if count < window or (count - window) % stride:
                continue
            windows += 1
            label = top_labels(inference_recognizer(model, np.stack(recent)), 1, classes,
                               args.label_map)[0]
            name, score = label
            print(f'window {windows} (frames {count - window}-{count - 1}): {name}: {score:.4f}')
            captions.extend([caption(label)] * (len(kept) - len(captions)))
            if windows == args.max_windows:
                break
    except KeyboardInterrupt:
        print(f'Stopped (Ctrl-C) after {windows} window(s)')
    finally:
        capture.release()
    if label is None:
        raise ReelkitError(f'--camera-id {args.camera_id}: the camera gave {count} frame(s), '
                           f'fewer than one window of {window}')
    if args.out_file is not None:  # frames after the last window keep its label
        write_captioned(kept, captions + [caption(label)] * (len(kept) - len(captions)), fps,
                        out_type, args)
    return 0


def window_length(cfg) -> int:
    """Frames per scored window: what the test pipeline's sampler takes from one clip,
    ``clip_len * frame_interval * num_clips`` (every frame of the window used once)."""
    samplers = [step for step in pipeline_steps(cfg, None) if isinstance(step, CLIP_SAMPLERS)]
    if not samplers:
        raise ConfigError(f'{cfg.filename}: the test pipeline has no SampleFrames, DenseSampleFrames '
                          'or UniformSample step to size the camera window by')
    sampler = samplers[0]
    return sampler.clip_len * (getattr(sampler, 'frame_interval', None) or 1) * sampler.num_clips


def open_camera(camera_id: int) -> cv2.VideoCapture:
    """An opened ``cv2.VideoCapture(camera_id)``; a camera that does not open is a one-line error."""
    capture = cv2.VideoCapture(camera_id)
    if not capture.isOpened():
        capture.release()
        raise ConfigError(f'--camera-id {camera_id}: no camera opens there (OpenCV VideoCapture'
                          f'({camera_id}) failed); check that it is plugged in, free and readable '
                          f'(/dev/video{camera_id} on Linux)')
    return capture


def camera_frames(capture: cv2.VideoCapture) -> Iterator[np.ndarray]:
    """RGB (H, W, 3) uint8 frames of ``capture`` until it gives no more."""
    while True:
        ok, frame = capture.read()
        if not ok:
            return
        yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
