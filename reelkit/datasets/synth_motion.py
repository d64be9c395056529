"""SynthMotion: a small generated video dataset whose classes can only be told apart by motion.

Eight classes form four pairs; the second class of each pair is the first one played
backwards (``move_left`` is ``move_right`` reversed, ``shrink`` is ``grow`` reversed, ...).
Start positions, angles and sizes are drawn so that a single frame looks alike for both
classes of a pair: moving shapes wrap around the canvas (their position in any frame is
uniform) and rotating shapes start at a uniform angle, whatever the frame's index; growing and
shrinking shapes are drawn around a random middle size, so a frame drawn from anywhere in the
clip has the same size distribution for both (only its index in the clip would tell them
apart). Shapes, colours, backgrounds, speeds and pixel noise are random.

Everything a clip needs is drawn from ``np.random.default_rng([seed, index])``, so the same
seed writes the same annotation files and the same pixels, whatever the order of generation.

Written under ``out_dir`` (every path in the lists is relative to ``out_dir``)::

    videos/00000.mp4 ...           H.264 (yuv420p) clips, fixed fps, a keyframe every 4 frames
    train.txt val.txt test.txt     VideoDataset lists ``videos/00000.mp4 LABEL`` (disjoint splits)
    classes.txt                    the class names, one per line, in label order
    rawframes/00000/img_00001.jpg  with ``rawframes=True``: the rendered frames as JPEGs
    train_rawframes.txt ...        RawframeDataset lists ``rawframes/00000 NUM_FRAMES LABEL``

A config reads them with ``ann_file=out_dir + '/train.txt'`` and
``data_prefix=dict(video=out_dir)`` (``dict(img=out_dir)`` for the rawframe lists), or with
``data_root=out_dir``, ``ann_file='train.txt'`` and ``data_prefix=dict(video='')``.
"""
import os
import os.path as osp
from typing import Callable, Dict, Iterable, List, Tuple

import av
import cv2
import numpy as np

from reelkit.utils.errors import ReelkitError

SYNTH_MOTION_CLASSES = ('move_left', 'move_right', 'move_up', 'move_down', 'rotate_clockwise',
                        'rotate_counterclockwise', 'grow', 'shrink')

# State of the shape in each frame: one row (cx, cy, angle, log_radius) per frame.
CX, CY, ANGLE, LOG_RADIUS = range(4)

# Motion of each class: (state column that changes linearly, played backwards).
# Image y points down, so an increasing angle turns clockwise on screen.
CLASS_MOTIONS = {
    'move_left': (CX, True),
    'move_right': (CX, False),
    'move_up': (CY, True),
    'move_down': (CY, False),
    'rotate_clockwise': (ANGLE, False),
    'rotate_counterclockwise': (ANGLE, True),
    'grow': (LOG_RADIUS, False),
    'shrink': (LOG_RADIUS, True),
}
# Per-frame rate of change of each column: positions in canvas sizes, angles in radians,
# radii in log units. Tuned with the defaults below (8 frames of 32x32) so that a TSM-R18 trained
# from scratch learns every pair within the quickstart budget: a shape moves 2-3 pixels and turns
# 26-40 degrees a frame (under the 45 degrees at which a square's turn would look reversed).
RATE_RANGES = {CX: (0.06, 0.1), CY: (0.06, 0.1), ANGLE: (0.45, 0.7), LOG_RADIUS: (0.07, 0.11)}
RADIUS_RANGE = (0.2, 0.3)  # middle-frame radius, in canvas sizes
NOISE_STD_RANGE = (2.0, 8.0)
MIN_CONTRAST = 100.0  # smallest largest-channel distance between shape and mean background colour

FPS = 8
H264_OPTIONS = {'preset': 'veryfast', 'crf': '18',
                'x264-params': 'keyint=4:min-keyint=4:scenecut=0:bframes=0'}
JPEG_QUALITY = 95


def _ngon(sides: int, phase: float = 0.0) -> np.ndarray:
    angles = phase + 2 * np.pi * np.arange(sides) / sides
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


# Each shape is a list of (unit polygon, part) drawn in order; 'mark' parts use the contrasting
# colour. Every shape carries an off-centre mark: the turning direction of a symmetric outline
# shows only at its corners, a mark's sweep shows it plainly (and a circle needs one to turn at all).
SHAPES = {
    'circle': [(_ngon(24), 'body'), (_ngon(10) * 0.35 + [0.6, 0.0], 'mark')],
    'square': [(_ngon(4, np.pi / 4), 'body'), (_ngon(10) * 0.25 + [0.45, 0.45], 'mark')],
    'triangle': [(_ngon(3), 'body'), (_ngon(10) * 0.25 + [0.45, 0.0], 'mark')],
    'bar': [(np.array([[1.0, 0.45], [-1.0, 0.45], [-1.0, -0.45], [1.0, -0.45]]), 'body'),
            (_ngon(10) * 0.35 + [0.65, 0.0], 'mark')],
}


def _flat_background(size: int, rng: np.random.Generator) -> np.ndarray:
    return np.broadcast_to(rng.uniform(0, 255, 3).astype(np.float32), (size, size, 3)).copy()


def _gradient_background(size: int, rng: np.random.Generator) -> np.ndarray:
    start, end = rng.uniform(0, 255, (2, 3)).astype(np.float32)
    direction = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) / (size - 1)
    ramp = xs * np.cos(direction) + ys * np.sin(direction)
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    return start + (end - start) * ramp[..., None]


def _texture_background(size: int, rng: np.random.Generator) -> np.ndarray:
    base = rng.uniform(0, 255, 3).astype(np.float32)
    cells = rng.uniform(-80, 80, (max(size // 8, 2), max(size // 8, 2), 3)).astype(np.float32)
    texture = cv2.resize(cells, (size, size), interpolation=cv2.INTER_LINEAR)
    return np.clip(base + texture, 0, 255)


BACKGROUNDS: Dict[str, Callable[[int, np.random.Generator], np.ndarray]] = {
    'flat': _flat_background,
    'gradient': _gradient_background,
    'texture': _texture_background,
}


def sample_trajectory(label: int, num_frames: int, size: int,
                      rng: np.random.Generator) -> np.ndarray:
    """The shape's state in each frame, shape (num_frames, 4): cx, cy, angle, log_radius.

    One column changes linearly around its value at the middle frame; for the second class of
    a pair the rows are reversed, so both classes draw the same numbers and differ only in
    temporal order.
    """
    column, backwards = CLASS_MOTIONS[SYNTH_MOTION_CLASSES[label]]
    state = np.array([
        rng.uniform(0.3, 0.7) * size,
        rng.uniform(0.3, 0.7) * size,
        rng.uniform(0, 2 * np.pi),
        np.log(rng.uniform(*RADIUS_RANGE) * size),
    ])
    if column in (CX, CY):  # wrapping motion: start anywhere on the canvas
        state[column] = rng.uniform(0, size)
    rate = rng.uniform(*RATE_RANGES[column]) * (size if column in (CX, CY) else 1.0)
    trajectory = np.tile(state, (num_frames, 1))
    trajectory[:, column] += rate * (np.arange(num_frames) - (num_frames - 1) / 2)
    if column in (CX, CY):
        trajectory[:, column] %= size
    return trajectory[::-1].copy() if backwards else trajectory


def _draw_shape(canvas: np.ndarray, parts: List[Tuple[np.ndarray, str]], row: np.ndarray,
                colours: Dict[str, Tuple[float, ...]], wrap: bool) -> None:
    cx, cy, angle, log_radius = row
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    size = canvas.shape[0]
    offsets = [(dx, dy) for dx in (-size, 0, size) for dy in (-size, 0, size)] if wrap else [(0, 0)]
    for unit, part in parts:
        points = unit @ rotation.T * np.exp(log_radius) + [cx, cy]
        polygons = [np.round((points + offset) * 16).astype(np.int32) for offset in offsets]
        cv2.fillPoly(canvas, polygons, colours[part], lineType=cv2.LINE_AA, shift=4)


def render_clip(label: int, num_frames: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """One clip of class ``label``: uint8 RGB frames of shape (num_frames, size, size, 3).

    Given the same ``rng`` state, the second class of a pair renders exactly the frames of the
    first class in reverse order.
    """
    trajectory = sample_trajectory(label, num_frames, size, rng)
    parts = list(SHAPES.values())[rng.integers(len(SHAPES))]
    background = list(BACKGROUNDS.values())[rng.integers(len(BACKGROUNDS))](size, rng)
    body = rng.uniform(0, 255, 3)
    mean = background.mean(axis=(0, 1))
    if np.abs(body - mean).max() < MIN_CONTRAST:
        body = (mean + 128) % 256
    colours = {'body': tuple(float(c) for c in body), 'mark': tuple(float(c) for c in 255 - body)}
    column, backwards = CLASS_MOTIONS[SYNTH_MOTION_CLASSES[label]]
    frames = np.empty((num_frames, size, size, 3), np.float32)
    for index, row in enumerate(trajectory):
        frames[index] = background
        _draw_shape(frames[index], parts, row, colours, wrap=column in (CX, CY))
    noise = rng.standard_normal(frames.shape, dtype=np.float32) * rng.uniform(*NOISE_STD_RANGE)
    frames += noise[::-1] if backwards else noise  # a backward clip is its forward twin reversed
    return np.clip(frames, 0, 255).round().astype(np.uint8)


def write_mp4(path: str, frames: np.ndarray, fps: int = FPS) -> None:
    """Encode RGB frames (T, H, W, 3) as H.264/yuv420p in one thread (deterministic output)."""
    with av.open(path, mode='w') as container:
        stream = container.add_stream('libx264', rate=fps, options=H264_OPTIONS)
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = 'yuv420p'
        stream.codec_context.thread_count = 1
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format='rgb24')))
        container.mux(stream.encode())


def write_jpegs(frame_dir: str, frames: np.ndarray) -> None:
    """Write frames as ``img_00001.jpg``, ``img_00002.jpg``, ... (the RawframeDataset default)."""
    os.makedirs(frame_dir, exist_ok=True)
    for index, frame in enumerate(frames, start=1):
        cv2.imwrite(osp.join(frame_dir, f'img_{index:05}.jpg'), frame[..., ::-1],
                    [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])


def split_of(index: int, num_videos: int, val_fraction: float, test_fraction: float) -> str:
    """``'val'`` for the first ``val_fraction`` of each class's videos, ``'test'`` for the next
    ``test_fraction``, else ``'train'``: the test clips neither train nor choose the checkpoint."""
    num_classes = len(SYNTH_MOTION_CLASSES)
    per_class = num_videos // num_classes
    num_val = max(int(per_class * val_fraction + 0.5), 1)
    num_test = max(int(per_class * test_fraction + 0.5), 1)
    rank = index // num_classes
    if rank < num_val:
        return 'val'
    return 'test' if rank < num_val + num_test else 'train'


def _check_arguments(num_videos: int, size: int, num_frames: int, val_fraction: float,
                     test_fraction: float) -> None:
    num_classes = len(SYNTH_MOTION_CLASSES)
    if num_videos < 3 * num_classes or num_videos % num_classes:
        raise ReelkitError(f'num_videos={num_videos}: expected a multiple of {num_classes} '
                           f'(the number of classes, so classes stay balanced), at least '
                           f'{3 * num_classes} (one clip of each class per split)')
    if size < 16 or size % 2:
        raise ReelkitError(f'size={size}: expected an even number of pixels >= 16 (H.264 yuv420p)')
    if num_frames < 2:
        raise ReelkitError(f'num_frames={num_frames}: expected at least 2 frames to show motion')
    per_class = num_videos // num_classes
    held_out = max(int(per_class * val_fraction + 0.5), 1) + max(int(per_class * test_fraction + 0.5), 1)
    if not (0 < val_fraction < 1 and 0 < test_fraction < 1) or held_out >= per_class:
        raise ReelkitError(f'val_fraction={val_fraction}, test_fraction={test_fraction}: expected '
                           f'fractions in (0, 1) that leave training clips of each class '
                           f'({per_class} per class)')


def _progress(items: range, enabled: bool) -> Iterable[int]:
    if not enabled:
        return items
    from rich.progress import track
    return track(items, description='SynthMotion', total=len(items))


def _write_lists(out_dir: str, suffix: str, lines: Dict[str, List[str]]) -> Dict[str, str]:
    paths = {}
    for split in ('train', 'val', 'test'):
        paths[f'{split}{suffix}'] = osp.join(out_dir, f'{split}{suffix}.txt')
        with open(paths[f'{split}{suffix}'], 'w', encoding='utf-8') as stream:
            stream.write(''.join(lines[split]))
    return paths


def generate_synth_motion(out_dir: str,
                          num_videos: int = 2400,
                          seed: int = 0,
                          rawframes: bool = False,
                          size: int = 32,
                          num_frames: int = 8,
                          val_fraction: float = 0.2,
                          test_fraction: float = 0.2,
                          fps: int = FPS,
                          progress: bool = False) -> Dict[str, str]:
    """Write a SynthMotion dataset under ``out_dir`` (layout in the module docstring).

    Args:
        out_dir (str): Where to write; created if needed, files in it are overwritten.
        num_videos (int): Videos in all splits; a multiple of the 8 classes. Defaults to 2400.
        seed (int): The same seed writes the same lists and pixels. Defaults to 0.
        rawframes (bool): Also write JPEG frames and rawframe lists. Defaults to False.
        size (int): Frame height and width in pixels (even). Defaults to 32.
        num_frames (int): Frames per clip. Defaults to 8.
        val_fraction (float): Share of each class's videos in ``val.txt``. Defaults to 0.2.
        test_fraction (float): Share of each class's videos in ``test.txt``. Defaults to 0.2.
        fps (int): Frame rate stored in the mp4 files. Defaults to 8.
        progress (bool): Show a rich progress bar. Defaults to False.

    Returns:
        dict: Paths written: ``root``, ``videos``, ``classes``, ``train``, ``val``, ``test`` and,
        with ``rawframes``, ``rawframes``, ``train_rawframes``, ``val_rawframes`` and
        ``test_rawframes``.
    """
    _check_arguments(num_videos, size, num_frames, val_fraction, test_fraction)
    paths = dict(root=out_dir, videos=osp.join(out_dir, 'videos'),
                 classes=osp.join(out_dir, 'classes.txt'))
    os.makedirs(paths['videos'], exist_ok=True)
    video_lines: Dict[str, List[str]] = {'train': [], 'val': [], 'test': []}
    frame_lines: Dict[str, List[str]] = {'train': [], 'val': [], 'test': []}
    for index in _progress(range(num_videos), progress):
        label = index % len(SYNTH_MOTION_CLASSES)
        video_id = f'{index:05d}'
        frames = render_clip(label, num_frames, size, np.random.default_rng([seed, index]))
        write_mp4(osp.join(paths['videos'], f'{video_id}.mp4'), frames, fps)
        split = split_of(index, num_videos, val_fraction, test_fraction)
        video_lines[split].append(f'videos/{video_id}.mp4 {label}\n')
        if rawframes:
            write_jpegs(osp.join(out_dir, 'rawframes', video_id), frames)
            frame_lines[split].append(f'rawframes/{video_id} {num_frames} {label}\n')
    with open(paths['classes'], 'w', encoding='utf-8') as stream:
        stream.write(''.join(f'{name}\n' for name in SYNTH_MOTION_CLASSES))
    paths.update(_write_lists(out_dir, '', video_lines))
    if rawframes:
        paths['rawframes'] = osp.join(out_dir, 'rawframes')
        paths.update(_write_lists(out_dir, '_rawframes', frame_lines))
    return paths
