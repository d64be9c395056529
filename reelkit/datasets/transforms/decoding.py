"""Decoding: the ``*Init`` / ``*Decode`` transform pairs and ``RawFrameDecode``.

An ``*Init`` transform opens a :class:`~.video_readers.VideoReader` and stores it in
``results['video_reader']``; the matching ``*Decode`` reads ``frame_inds`` through the
reader's interface and closes it. The pairs differ only in which reader they open, so any
Init works with any Decode. ``frame_inds`` already include ``start_index`` (SampleFrames adds
it): videos use ``start_index=0``, frame folders usually 1.
"""
import logging
import os.path as osp
from abc import abstractmethod
from functools import lru_cache
from typing import List

import cv2
import numpy as np
from mmengine.logging import print_log

from reelkit.registry import TRANSFORMS
from reelkit.utils.errors import VideoReadError
from .base import BaseTransform, check_choice, check_int, reject_keys
from .video_readers import (DecordReader, OpenCVReader, PyAVReader, TorchCodecReader,
                            VideoReader, check_io_backend, import_decord,
                            import_torchcodec_decoder, open_source, read_bytes)

DECODE_MODES = ('accurate', 'efficient')
# The readers a config can pick with ``backend=``. 'auto' is the one measured fastest:
# reelkit's PyAV reader (one swscale context per thread, keyframe layouts cached across epochs,
# seeking only where the layout makes it cheaper, unreferenced unwanted frames skipped) reads
# the same frames as decord and, in benchmarks/pipeline.py --kinds, the official TSN and I3D
# samples of the three kinds of video at least as fast.
BACKENDS = ('auto', 'pyav', 'decord', 'torchcodec')
MODALITIES = ('RGB', 'Flow')
# Detection boxes: RawFrameDecode turns them from frame fractions into pixels; the video
# decoders do not support them yet.
BOX_KEYS = ('gt_bboxes', 'proposals')


def set_frames(results: dict, imgs: List[np.ndarray]) -> dict:
    """Store decoded frames with their shape: ``imgs``, ``original_shape``, ``img_shape``."""
    results['imgs'] = imgs
    results['original_shape'] = imgs[0].shape[:2]
    results['img_shape'] = imgs[0].shape[:2]
    return results


# ----------------------------------------------------------------------------- Init
class VideoInit(BaseTransform):
    """Base of the ``*Init`` transforms: open ``filename`` with :meth:`open`.

    Required Keys:
        - filename

    Added Keys:
        - video_reader
        - total_frames
        - avg_fps
    """

    def __init__(self, io_backend: str = 'disk', **backend_args) -> None:
        self.io_backend = check_io_backend(type(self).__name__, io_backend, backend_args)
        self.backend_args = backend_args

    @abstractmethod
    def open(self, filename: str) -> VideoReader:
        """A reader on ``filename``; VideoReadError if it is missing or unreadable."""

    def transform(self, results: dict) -> dict:
        reader = self.open(results['filename'])
        results['video_reader'] = reader
        results['total_frames'] = reader.num_frames
        results['avg_fps'] = reader.fps
        return results


@TRANSFORMS.register_module()
class PyAVInit(VideoInit):
    """Open a video with PyAV.

    Required Keys:
        - filename

    Added Keys:
        - video_reader
        - total_frames
        - avg_fps

    ``total_frames`` is the stream's frame count when the container stores one, else the
    number of packets found by demuxing (no decoding). ``avg_fps`` is None if unknown. A
    missing or unreadable file raises VideoReadError.

    Args:
        io_backend (str): ``'disk'`` opens the path directly; an MMEngine file backend
            (``'petrel'``, ``'http'``, ...) fetches the bytes first. Defaults to ``'disk'``.
        multi_thread (bool): Decode with FFmpeg threads. Defaults to False.
        **backend_args: Arguments of the remote file backend.
    """

    def __init__(self, io_backend: str = 'disk', multi_thread: bool = False,
                 **backend_args) -> None:
        super().__init__(io_backend, **backend_args)
        self.multi_thread = bool(multi_thread)

    def open(self, filename: str) -> PyAVReader:
        source = open_source(filename, self.io_backend, self.backend_args)
        return PyAVReader(filename, source, multi_thread=self.multi_thread)


@TRANSFORMS.register_module()
class DecordInit(VideoInit):
    """Open a video with decord (an optional extra: ``pip install "reelkit[decord]"``).

    Required Keys:
        - filename

    Added Keys:
        - video_reader
        - total_frames
        - avg_fps

    Official configs name decord, so ``backend`` decides which reader opens the video; all
    read the same frames. ``'auto'`` (the default) opens the fastest measured, reelkit's PyAV
    reader; ``'decord'`` opens decord, or, where decord is not installed (it is unmaintained
    and has wheels for few platforms), PyAV after a one-line notice; ``'torchcodec'`` opens
    TorchCodec (a ReelkitError says why when it cannot load). A missing or unreadable file
    raises VideoReadError. Unlike MMAction2, names without an extension are not given ``.mp4``.

    Args:
        io_backend (str): ``'disk'`` or an MMEngine file backend. Defaults to ``'disk'``.
        num_threads (int): Decoding threads of decord and TorchCodec. Defaults to 1.
        backend (str): ``'auto'``, ``'pyav'``, ``'decord'`` or ``'torchcodec'``.
            Defaults to ``'auto'``.
        **backend_args: Arguments of the remote file backend.
    """

    def __init__(self, io_backend: str = 'disk', num_threads: int = 1, backend: str = 'auto',
                 **backend_args) -> None:
        super().__init__(io_backend, **backend_args)
        name = type(self).__name__
        self.num_threads = check_int(name, 'num_threads', num_threads, minimum=0)
        self.backend = check_choice(name, 'backend', backend, BACKENDS)
        if self.backend == 'decord' and not decord_or_notice():
            self.backend = 'pyav'
        if self.backend == 'torchcodec':
            import_torchcodec_decoder()  # fail at build time, with the reason

    def open(self, filename: str) -> VideoReader:
        source = open_source(filename, self.io_backend, self.backend_args)
        if self.backend == 'decord':
            return DecordReader(filename, source, num_threads=self.num_threads)
        if self.backend == 'torchcodec':
            return TorchCodecReader(filename, source, num_threads=self.num_threads)
        return PyAVReader(filename, source)


@lru_cache(maxsize=1)
def decord_or_notice() -> bool:
    """Whether decord imports; when it does not, say once that PyAV decodes instead."""
    try:
        import_decord()
    except ImportError:
        print_log('decord is not installed: DecordInit opens videos with PyAV (same frames); '
                  'pip install "reelkit[decord]" to use decord', logger='current', level=logging.WARNING)
        return False
    return True


@TRANSFORMS.register_module()
class TorchCodecInit(VideoInit):
    """Open a video with TorchCodec (an optional extra: ``pip install "reelkit[torchcodec]"``).

    Required Keys:
        - filename

    Added Keys:
        - video_reader
        - total_frames
        - avg_fps

    Building it raises ReelkitError when torchcodec is missing or cannot load its FFmpeg
    libraries, naming what is missing. A missing or unreadable file raises VideoReadError.

    Args:
        io_backend (str): ``'disk'`` or an MMEngine file backend. Defaults to ``'disk'``.
        num_threads (int): FFmpeg decoding threads (0: as many as cores). Defaults to 1.
        **backend_args: Arguments of the remote file backend.
    """

    def __init__(self, io_backend: str = 'disk', num_threads: int = 1, **backend_args) -> None:
        super().__init__(io_backend, **backend_args)
        self.num_threads = check_int(type(self).__name__, 'num_threads', num_threads, minimum=0)
        import_torchcodec_decoder()

    def open(self, filename: str) -> TorchCodecReader:
        source = open_source(filename, self.io_backend, self.backend_args)
        return TorchCodecReader(filename, source, num_threads=self.num_threads)


@TRANSFORMS.register_module()
class OpenCVInit(VideoInit):
    """Open a local video with OpenCV.

    Required Keys:
        - filename

    Added Keys:
        - video_reader
        - total_frames
        - avg_fps

    OpenCV reads from a path, so only local files are supported (MMAction2 copied remote
    videos to a temporary folder; use PyAVInit or DecordInit for remote storage).

    Args:
        io_backend (str): Only ``'disk'``. Defaults to ``'disk'``.
    """

    def __init__(self, io_backend: str = 'disk') -> None:
        super().__init__(check_choice(type(self).__name__, 'io_backend', io_backend, ('disk', )))

    def open(self, filename: str) -> OpenCVReader:
        return OpenCVReader(open_source(filename))


# ----------------------------------------------------------------------------- Decode
class VideoDecode(BaseTransform):
    """Base of the ``*Decode`` transforms: read ``frame_inds`` through the reader, close it.

    Required Keys:
        - video_reader
        - frame_inds

    Added Keys:
        - imgs
        - original_shape
        - img_shape

    Removed Keys:
        - video_reader
    """

    def __init__(self, mode: str = 'accurate') -> None:
        self.mode = check_choice(type(self).__name__, 'mode', mode, DECODE_MODES)

    def prepare(self, reader: VideoReader) -> None:
        """Configure ``reader`` before reading (nothing by default)."""

    def transform(self, results: dict) -> dict:
        reader = results.pop('video_reader')
        try:
            reject_keys(type(self).__name__, results, BOX_KEYS)
            self.prepare(reader)
            imgs = reader.read(results['frame_inds'], accurate=self.mode == 'accurate')
        finally:
            reader.close()
        return set_frames(results, imgs)


@TRANSFORMS.register_module()
class PyAVDecode(VideoDecode):
    """Decode the frames at ``frame_inds`` (RGB) and close the reader.

    Required Keys:
        - video_reader
        - frame_inds

    Added Keys:
        - imgs
        - original_shape
        - img_shape

    Removed Keys:
        - video_reader

    ``imgs`` is a list of ``H x W x 3`` uint8 RGB arrays, one per index (repeats are
    copies). Only the requested frames are converted to RGB, decoding stops at the last one,
    and the reader seeks past long gaps (see :class:`~.video_readers.PyAVReader`). An index
    past the decodable frames raises VideoReadError; nothing wraps around.

    Args:
        multi_thread (bool): Decode with FFmpeg threads (the reader must come from
            PyAVInit). Defaults to False.
        mode (str): ``'accurate'`` returns exactly the frames a sequential decode yields;
            ``'efficient'`` returns the keyframe at or before each index. Defaults to
            ``'accurate'``.
    """

    def __init__(self, multi_thread: bool = False, mode: str = 'accurate') -> None:
        super().__init__(mode)
        self.multi_thread = bool(multi_thread)

    def prepare(self, reader: VideoReader) -> None:
        if not self.multi_thread:
            return
        if not isinstance(reader, PyAVReader):
            raise TypeError(f'PyAVDecode(multi_thread=True) needs the reader of PyAVInit, got '
                            f'{type(reader).__name__}; set multi_thread on the Init transform')
        reader.enable_multi_thread()


@TRANSFORMS.register_module()
class DecordDecode(VideoDecode):
    """Decode the frames at ``frame_inds`` with the opened reader (RGB) and close it.

    Required Keys:
        - video_reader
        - frame_inds

    Added Keys:
        - imgs
        - original_shape
        - img_shape

    Removed Keys:
        - video_reader

    Args:
        mode (str): ``'accurate'`` or ``'efficient'`` (nearest keyframes, faster).
            Defaults to ``'accurate'``.
    """

    def __init__(self, mode: str = 'accurate') -> None:
        super().__init__(mode)


@TRANSFORMS.register_module()
class TorchCodecDecode(VideoDecode):
    """Decode the frames at ``frame_inds`` in one batch with the opened reader (RGB), close it.

    Required Keys:
        - video_reader
        - frame_inds

    Added Keys:
        - imgs
        - original_shape
        - img_shape

    Removed Keys:
        - video_reader

    Any Init's reader works; with TorchCodecInit's, all frames come from one
    ``get_frames_at`` call, exact (sequential-decode) frames.
    """

    def __init__(self) -> None:
        super().__init__('accurate')


@TRANSFORMS.register_module()
class OpenCVDecode(VideoDecode):
    """Decode the frames at ``frame_inds`` with the opened reader (RGB) and close it.

    Required Keys:
        - video_reader
        - frame_inds

    Added Keys:
        - imgs
        - original_shape
        - img_shape

    Removed Keys:
        - video_reader

    A short video raises VideoReadError (MMAction2 substituted earlier frames).
    """

    def __init__(self) -> None:
        super().__init__('accurate')


# ----------------------------------------------------------------------------- decoded arrays
@TRANSFORMS.register_module()
class ArrayDecode(BaseTransform):
    """Take the frames at ``frame_inds`` from an already decoded video (inference on frames in memory).

    Required Keys:
        - array
        - frame_inds
        - offset (optional: added to every index, default 0)

    Added Keys:
        - imgs
        - original_shape
        - img_shape

    Removed Keys:
        - array

    ``array`` is a (T, H, W, 3) RGB array; it is dropped once the frames are taken, so the
    whole video does not travel further down the pipeline.
    """

    def transform(self, results: dict) -> dict:
        frames = results.pop('array')
        inds = np.asarray(results['frame_inds']).reshape(-1) + results.get('offset', 0)
        if inds.min() < 0 or inds.max() >= len(frames):
            raise ValueError(f'ArrayDecode: frame index {int(inds.max())} was sampled from a frame array '
                             f'of {len(frames)} frames')
        return set_frames(results, list(frames[inds]))


# ----------------------------------------------------------------------------- frame folders
@TRANSFORMS.register_module()
class RawFrameDecode(BaseTransform):
    """Load the frames at ``frame_inds`` from a folder of images.

    Required Keys:
        - frame_dir
        - filename_tmpl
        - frame_inds
        - modality (optional: ``'RGB'`` when absent)
        - offset (optional: 0 when absent)
        - gt_bboxes (optional)
        - proposals (optional)

    Modified Keys:
        - gt_bboxes
        - proposals

    Added Keys:
        - imgs
        - original_shape
        - img_shape

    File ``i`` is ``frame_dir / filename_tmpl.format(i + offset)`` for RGB (``imgs`` holds
    ``H x W x 3`` uint8 RGB), and ``filename_tmpl.format('x', i + offset)`` then
    ``format('y', ...)`` for optical flow, so ``imgs`` alternates x and y ``H x W`` grayscale
    frames (``'flow_{}_{:05d}.jpg'``). A repeated index is read once and copied. A missing
    or undecodable image raises VideoReadError naming ``frame_dir`` and the file. Boxes
    (``(n, 4)`` x1y1x2y2 fractions of the frame, as AVA annotates them) become float32 pixels.

    Args:
        io_backend (str): ``'disk'`` or an MMEngine file backend. Defaults to ``'disk'``.
        decoding_backend (str): Image decoder; only ``'cv2'``. Defaults to ``'cv2'``.
        **backend_args: Arguments of the remote file backend.
    """

    def __init__(self, io_backend: str = 'disk', decoding_backend: str = 'cv2',
                 **backend_args) -> None:
        name = type(self).__name__
        self.io_backend = check_io_backend(name, io_backend, backend_args)
        self.decoding_backend = check_choice(name, 'decoding_backend', decoding_backend, ('cv2', ))
        self.backend_args = backend_args

    def _load(self, frame_dir: str, filename: str, flag: int) -> np.ndarray:
        path = osp.join(frame_dir, filename)
        try:
            data = read_bytes(path, self.io_backend, self.backend_args, what='frame image')
        except VideoReadError as error:
            raise VideoReadError(frame_dir, f'{path}: {error.reason}') from error
        img = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
        if img is None:
            raise VideoReadError(frame_dir, f'{path}: cannot decode the image')
        return cv2.cvtColor(img, cv2.COLOR_BGR2RGB) if flag == cv2.IMREAD_COLOR else img

    def transform(self, results: dict) -> dict:
        frame_dir, tmpl = results['frame_dir'], results['filename_tmpl']
        modality = check_choice(type(self).__name__, 'modality', results.get('modality', 'RGB'),
                                MODALITIES)
        offset = results.get('offset', 0)
        loaded: dict = {}
        imgs: List[np.ndarray] = []
        for idx in np.asarray(results['frame_inds']).reshape(-1).tolist():
            idx += offset
            if idx not in loaded:
                if modality == 'RGB':
                    loaded[idx] = [self._load(frame_dir, tmpl.format(idx), cv2.IMREAD_COLOR)]
                else:
                    loaded[idx] = [self._load(frame_dir, tmpl.format(axis, idx),
                                              cv2.IMREAD_GRAYSCALE) for axis in ('x', 'y')]
                imgs.extend(loaded[idx])
            else:
                imgs.extend(img.copy() for img in loaded[idx])
        set_frames(results, imgs)
        img_h, img_w = results['img_shape']
        for key in BOX_KEYS:
            if results.get(key) is not None:
                results[key] = (results[key] * np.array([img_w, img_h, img_w, img_h])).astype(np.float32)
        return results

