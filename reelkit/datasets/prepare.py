"""Preparing a folder of videos for training: annotation lists, frame folders, smaller videos.

The folder holds videos directly (``level=1``: ``SRC/video.mp4``) or one folder per class
(``level=2``: ``SRC/class_name/video.mp4``). Class labels are the indices of the sorted class
folder names.

- :func:`build_file_list` writes a VideoDataset list (``path label``) or a RawframeDataset list
  (``frame_dir num_frames label``), plus ``classes.txt`` beside it for ``level=2``.
- :func:`build_rawframes` writes every video's frames as ``OUT/<relative path without
  extension>/img_00001.jpg ...``; a folder is complete once its ``.done`` file exists.
- :func:`resize_videos` re-encodes every video as H.264 ``OUT/<relative path>.mp4`` with a
  given short side; a video is complete once its output has its final name.
- :func:`reencode_videos` re-encodes every video as H.264 ``OUT/<relative path>.mp4`` with a
  keyframe every ``gop`` frames (same size, frame rate and frames), so that sparse sampling
  seeks instead of decoding whole videos; complete outputs are skipped the same way.

Both convert videos in worker processes and skip the ones a previous run completed, so an
interrupted run resumes where it stopped.
"""
import glob
import os
import os.path as osp
import shutil
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from typing import Iterator, List, Optional, Tuple

import av
import cv2
import numpy as np

from reelkit.datasets.transforms.functional import rescale_size, resize
from reelkit.datasets.transforms.video_readers import frame_to_rgb
from reelkit.utils.errors import ReelkitError, VideoReadError
from reelkit.utils.parallel import map_in_processes

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.mov', '.webm', '.m4v', '.mpg', '.mpeg', '.flv',
                    '.wmv', '.3gp')
FORMATS = ('videos', 'rawframes')
LEVELS = (1, 2)
FRAME_TMPL = 'img_{:05}.jpg'  # RawframeDataset's default filename_tmpl
FRAME_GLOB = 'img_*.jpg'
DONE_FILE = '.done'  # written last into a complete frame folder; holds the frame count
JPEG_QUALITY = 95
WRITTEN, SKIPPED, FAILED = 'written', 'skipped', 'failed'


@dataclass(frozen=True)
class Outcome:
    """What converting one video did: ``status`` is WRITTEN, SKIPPED (complete already) or
    FAILED (``reason`` says why)."""
    video: str
    status: str
    reason: str = ''


# ----------------------------------------------------------------------------- file lists
def class_names(src_dir: str) -> List[str]:
    """The sorted names of the (non-hidden) folders in ``src_dir``: label ``i`` is name ``i``."""
    if not osp.isdir(src_dir):
        raise ReelkitError(f'{src_dir}: no such folder')
    return sorted(name for name in os.listdir(src_dir)
                  if osp.isdir(osp.join(src_dir, name)) and not name.startswith('.'))


def list_items(folder: str, kind: str) -> List[str]:
    """The sorted names in ``folder`` of the videos (``kind='videos'``) or the frame folders
    holding at least one ``img_*.jpg`` (``kind='rawframes'``)."""
    names = sorted(name for name in os.listdir(folder) if not name.startswith('.'))
    if kind == 'videos':
        return [name for name in names if osp.splitext(name)[1].lower() in VIDEO_EXTENSIONS
                and osp.isfile(osp.join(folder, name))]
    return [name for name in names if count_frames(osp.join(folder, name))]


def count_frames(frame_dir: str) -> int:
    """How many ``img_*.jpg`` files ``frame_dir`` holds (0 if it is not a folder)."""
    return len(glob.glob(osp.join(glob.escape(frame_dir), FRAME_GLOB)))


def file_list_lines(src_dir: str, kind: str = 'videos', level: int = 2) -> Tuple[List[str], List[str]]:
    """``(lines, classes)``: the annotation lines (with ``\\n``) of the items under ``src_dir``
    and the class names (empty for ``level=1``, where every label is 0).

    Lines read ``relative/path label`` for videos, ``relative/dir num_frames label`` for
    frame folders; paths are relative to ``src_dir``.
    """
    if kind not in FORMATS:
        raise ReelkitError(f'format={kind!r}: expected one of {", ".join(FORMATS)}')
    if level not in LEVELS:
        raise ReelkitError(f'level={level!r}: expected 1 (items in SRC_DIR) or 2 '
                           '(SRC_DIR/class_name/item)')
    classes = class_names(src_dir) if level == 2 else []
    folders = [(name, label) for label, name in enumerate(classes)] if level == 2 else [('', 0)]
    lines = []
    for folder, label in folders:
        for name in list_items(osp.join(src_dir, folder), kind):
            path = f'{folder}/{name}' if folder else name
            frames = f' {count_frames(osp.join(src_dir, path))}' if kind == 'rawframes' else ''
            lines.append(f'{path}{frames} {label}\n')
    return lines, classes


def build_file_list(src_dir: str, out_file: str, kind: str = 'videos', level: int = 2,
                    shuffle: bool = False, seed: int = 0) -> dict:
    """Write the annotation list of ``src_dir`` (see :func:`file_list_lines`) to ``out_file``,
    shuffled with ``seed`` if ``shuffle``, and for ``level=2`` ``classes.txt`` beside it (one
    class name per line, in label order). Returns the paths written and the line count."""
    lines, classes = file_list_lines(src_dir, kind, level)
    if not lines:
        raise ReelkitError(f'{src_dir}: no {kind} found at level {level} (level 2 expects '
                           'SRC_DIR/class_name/item, level 1 SRC_DIR/item)')
    if shuffle:
        lines = [lines[i] for i in np.random.default_rng(seed).permutation(len(lines))]
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    with open(out_file, 'w', encoding='utf-8') as stream:
        stream.writelines(lines)
    written = dict(file_list=out_file, num_lines=len(lines))
    if classes:
        written['classes'] = osp.join(osp.dirname(out_file), 'classes.txt')
        with open(written['classes'], 'w', encoding='utf-8') as stream:
            stream.writelines(f'{name}\n' for name in classes)
    return written


# ----------------------------------------------------------------------------- decoding
def find_videos(src_dir: str) -> List[str]:
    """The paths of all videos under ``src_dir`` (any depth, through linked folders as
    :func:`class_names` sees them), relative to it, sorted."""
    if not osp.isdir(src_dir):
        raise ReelkitError(f'{src_dir}: no such folder')
    found = []
    for root, dirs, files in os.walk(src_dir, followlinks=True):
        dirs[:] = [name for name in dirs if not name.startswith('.')]
        found += [osp.relpath(osp.join(root, name), src_dir) for name in files
                  if osp.splitext(name)[1].lower() in VIDEO_EXTENSIONS and not name.startswith('.')]
    if not found:
        raise ReelkitError(f'{src_dir}: no videos found (extensions {", ".join(VIDEO_EXTENSIONS)})')
    return sorted(found)


def decoded_frames(path: str) -> Iterator[av.VideoFrame]:
    """The frames of a video's first video stream, decoded one at a time with PyAV; failures
    raise VideoReadError."""
    try:
        with av.open(path, metadata_errors='ignore') as container:
            if not container.streams.video:
                raise VideoReadError(path, 'the file has no video stream')
            yield from container.decode(container.streams.video[0])
    except av.error.FFmpegError as error:
        raise VideoReadError(path, f'PyAV cannot decode it ({error})') from error


def short_side_size(width: int, height: int, short_side: int, even: bool = False) -> Tuple[int, int]:
    """``(w, h)`` with the short side ``short_side`` and the aspect ratio kept (``short_side=0``:
    the size itself); ``even`` rounds both to even numbers, as H.264 in yuv420p needs."""
    size = (width, height) if short_side == 0 else rescale_size(width, height, (float('inf'), short_side))
    return tuple(max(2, 2 * round(side / 2)) for side in size) if even else size


def resized_rgb(frame: av.VideoFrame, size: Tuple[int, int]) -> np.ndarray:
    """The frame as ``H x W x 3`` RGB uint8 of ``size = (w, h)``: area-averaged when shrinking,
    bilinear when enlarging."""
    image = frame_to_rgb(frame)
    if size == (frame.width, frame.height):
        return image
    shrinking = size[0] * size[1] < frame.width * frame.height
    return resize(image, size, 'area' if shrinking else 'bilinear')


def check_short_side(short_side: int, even: bool) -> None:
    if short_side < 0 or (even and (short_side == 0 or short_side % 2)):
        expected = 'an even number of pixels >= 2' if even else 'a number of pixels (0: keep the size)'
        raise ReelkitError(f'short_side={short_side}: expected {expected}')


def convert_all(worker, src_dir: str, out_dir: str, workers: Optional[int],
                description: str) -> List[Outcome]:
    """``worker(path, out_dir, video) -> Outcome`` for every ``video`` under ``src_dir``
    (``path`` is ``src_dir/video``), in ``workers`` processes; a video that fails to decode
    is reported in its Outcome instead of stopping the others."""
    videos = find_videos(src_dir)
    outputs = Counter(osp.splitext(video)[0] for video in videos)
    clashes = sorted(name for name, count in outputs.items() if count > 1)
    if clashes:
        raise ReelkitError(f'{src_dir}: several videos are named {clashes[0]}.* (different '
                           'extensions); their outputs would overwrite each other, rename them')
    os.makedirs(out_dir, exist_ok=True)
    return map_in_processes(partial(guarded, worker, src_dir, out_dir), videos, workers, description)


def guarded(worker, src_dir: str, out_dir: str, video: str) -> Outcome:
    try:
        return worker(osp.join(src_dir, video), out_dir, video)
    except VideoReadError as error:
        return Outcome(video, FAILED, error.reason)


# ----------------------------------------------------------------------------- frame folders
def build_rawframes(src_dir: str, out_dir: str, short_side: int = 256,
                    workers: Optional[int] = None) -> List[Outcome]:
    """Extract the frames of every video under ``src_dir`` into ``out_dir`` (see the module
    docstring) as JPEGs whose short side is ``short_side`` pixels (0 keeps the size).

    Folders holding a ``.done`` file are skipped; any other existing folder (a run stopped
    half-way) is emptied and written again.
    """
    check_short_side(short_side, even=False)
    return convert_all(partial(extract_frames, short_side=short_side), src_dir, out_dir, workers,
                       'rawframes')


def extract_frames(path: str, out_dir: str, video: str, short_side: int) -> Outcome:
    """Write the frames of ``path`` to ``out_dir/<video without extension>/``."""
    frame_dir = osp.join(out_dir, osp.splitext(video)[0])
    if osp.isfile(osp.join(frame_dir, DONE_FILE)):
        return Outcome(video, SKIPPED)
    if osp.isdir(frame_dir):
        shutil.rmtree(frame_dir)  # left by an interrupted run: its frames may be half written
    os.makedirs(frame_dir)
    try:
        count = write_frames(path, frame_dir, short_side)
    except VideoReadError:
        shutil.rmtree(frame_dir)  # no folder rather than a partial one that file lists would count
        raise
    write_then_rename(osp.join(frame_dir, DONE_FILE), f'{count}\n')
    return Outcome(video, WRITTEN)


def write_frames(path: str, frame_dir: str, short_side: int) -> int:
    """Write the frames of ``path`` as ``frame_dir/img_00001.jpg ...``; return how many."""
    count = 0
    for count, frame in enumerate(decoded_frames(path), start=1):
        size = short_side_size(frame.width, frame.height, short_side)
        target = osp.join(frame_dir, FRAME_TMPL.format(count))
        if not cv2.imwrite(target, cv2.cvtColor(resized_rgb(frame, size), cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]):
            raise OSError(f'{target}: OpenCV could not write the frame')
    if count == 0:
        raise VideoReadError(path, 'the video stream has no frames')
    return count


def write_then_rename(path: str, text: str) -> None:
    """Write ``text`` to a hidden temporary file and rename it to ``path``: the file is
    either absent or complete."""
    partial_path = partial_path_of(path)
    with open(partial_path, 'w', encoding='utf-8') as stream:
        stream.write(text)
    os.replace(partial_path, path)


def partial_path_of(path: str) -> str:
    """The hidden name ``path`` is written under until it is complete."""
    return osp.join(osp.dirname(path), f'.{osp.basename(path)}.part')


# ----------------------------------------------------------------------------- resized videos
def resize_videos(src_dir: str, out_dir: str, short_side: int = 256,
                  workers: Optional[int] = None) -> List[Outcome]:
    """Re-encode every video under ``src_dir`` as ``out_dir/<relative path>.mp4`` (H.264,
    yuv420p, no audio) with the short side ``short_side`` (even) and both sides even, and
    the input's frame rate and frames. Outputs that exist already are skipped."""
    check_short_side(short_side, even=True)
    return convert_all(partial(resize_video, short_side=short_side), src_dir, out_dir, workers,
                       'resize-videos')


def reencode_videos(src_dir: str, out_dir: str, gop: int = 16,
                    workers: Optional[int] = None) -> List[Outcome]:
    """Re-encode every video under ``src_dir`` as ``out_dir/<relative path>.mp4`` (H.264,
    yuv420p, no audio) with a keyframe every ``gop`` frames at most, keeping the frame rate,
    the frames and the size (odd sides rounded to even). Outputs that exist already are
    skipped."""
    if isinstance(gop, bool) or not isinstance(gop, int) or gop < 1:
        raise ReelkitError(f'gop={gop!r}: expected a number of frames >= 1')
    return convert_all(partial(resize_video, short_side=0, gop=gop), src_dir, out_dir, workers,
                       'reencode')


def resize_video(path: str, out_dir: str, video: str, short_side: int,
                 gop: Optional[int] = None) -> Outcome:
    """Re-encode ``path`` as ``out_dir/<video with extension .mp4>`` (a keyframe every ``gop``
    frames at most, libx264's default when None), through a hidden temporary file renamed
    when the encoder has flushed."""
    target = osp.join(out_dir, osp.splitext(video)[0] + '.mp4')
    if osp.isfile(target):
        return Outcome(video, SKIPPED)
    os.makedirs(osp.dirname(target), exist_ok=True)
    partial_path = partial_path_of(target)
    try:
        encode_resized(path, partial_path, short_side, gop)
    except VideoReadError:
        if osp.exists(partial_path):
            os.remove(partial_path)
        raise
    os.replace(partial_path, target)
    return Outcome(video, WRITTEN)


def encode_resized(path: str, out_path: str, short_side: int, gop: Optional[int] = None) -> None:
    """Encode the frames of ``path``, resized, as an H.264 MP4 at ``out_path``."""
    with av.open(out_path, mode='w', format='mp4') as container:
        stream = None
        for frame in decoded_frames(path):
            if stream is None:
                size = short_side_size(frame.width, frame.height, short_side, even=True)
                stream = add_h264_stream(container, video_rate(path), size, gop)
            image = av.VideoFrame.from_ndarray(resized_rgb(frame, size), format='rgb24')
            container.mux(stream.encode(image))
        if stream is None:
            raise VideoReadError(path, 'the video stream has no frames')
        container.mux(stream.encode())


def video_rate(path: str) -> Fraction:
    """The frame rate the container states (average, else guessed); VideoReadError if none."""
    with av.open(path, metadata_errors='ignore') as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate
    if not rate:
        raise VideoReadError(path, 'the container states no frame rate to keep')
    return Fraction(rate)


def add_h264_stream(container, rate: Fraction, size: Tuple[int, int], gop: Optional[int] = None):
    """A libx264 yuv420p stream; ``gop`` caps the frames between keyframes (``-g``)."""
    stream = container.add_stream('libx264', rate=rate, options={'g': str(gop)} if gop else {})
    stream.width, stream.height = size
    stream.pix_fmt = 'yuv420p'
    return stream
