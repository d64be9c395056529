"""Video readers: one interface over PyAV, decord, TorchCodec and OpenCV.

A reader is opened on one file and offers ``num_frames``, ``fps`` and
``read(indices) -> [H x W x 3 uint8 RGB]``. The ``*Init`` transforms open one, the ``*Decode``
transforms call ``read`` and close it, so every decoder shares one decode path
(see :mod:`.decoding`).

Errors are the user's to act on: a missing, unreadable or short video raises
:class:`~reelkit.utils.errors.VideoReadError` naming the file; indices are never wrapped.
"""
import io
import os
import os.path as osp
import threading
from abc import ABCMeta, abstractmethod
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Union

import av
import cv2
from av.video.reformatter import VideoReformatter
import numpy as np
from mmengine.fileio import get as fileio_get
from mmengine.fileio.backends import backends as fileio_backends

from reelkit.utils.errors import ReelkitError, VideoReadError
from .base import check_choice

LOCAL_IO_BACKENDS = ('disk', 'local')
Source = Union[str, bytes]  # a local path, or the bytes fetched from remote storage


# ----------------------------------------------------------------------------- file access
def check_io_backend(owner: str, io_backend: str, backend_args: dict) -> str:
    """Validate ``io_backend`` (``'disk'`` or an MMEngine file backend) and its arguments."""
    check_choice(owner, 'io_backend', io_backend, LOCAL_IO_BACKENDS[:1] + tuple(fileio_backends))
    if io_backend in LOCAL_IO_BACKENDS and backend_args:
        raise ValueError(f'{owner}: {sorted(backend_args)} configure a remote file backend, but '
                         f'io_backend={io_backend!r} reads local files; remove them or set '
                         'io_backend')
    return io_backend


def read_bytes(filename: str, io_backend: str = 'disk', backend_args: Optional[dict] = None,
               what: str = 'file') -> bytes:
    """The bytes of ``filename``; a missing or unreadable file raises VideoReadError."""
    try:
        if io_backend in LOCAL_IO_BACKENDS:
            with open(filename, 'rb') as f:
                return f.read()
        return fileio_get(filename, backend_args=dict(backend=io_backend, **(backend_args or {})))
    except FileNotFoundError as error:
        raise VideoReadError(filename, f'{what} not found') from error
    except Exception as error:  # remote backends raise their own client errors
        raise VideoReadError(filename, f'cannot read {what} with io_backend={io_backend!r} '
                                       f'({type(error).__name__}: {error})') from error


def open_source(filename: str, io_backend: str = 'disk',
                backend_args: Optional[dict] = None) -> Source:
    """What a reader opens: the path itself for local files, else the fetched bytes."""
    if io_backend in LOCAL_IO_BACKENDS:
        if not osp.isfile(filename):
            raise VideoReadError(filename, 'file not found')
        return filename
    return read_bytes(filename, io_backend, backend_args)


def as_file(source: Source) -> Union[str, io.BytesIO]:
    """Something a decoding library can open: the path, or a fresh file object on the bytes
    (each with its own position; the bytes are shared, not copied)."""
    return source if isinstance(source, str) else io.BytesIO(source)


# ----------------------------------------------------------------------------- the interface
class VideoReader(metaclass=ABCMeta):
    """An open video. Frame ``i`` is the ``i``-th frame a sequential decode yields (0-based).

    Attributes:
        filename (str): The video, for error messages.
        num_frames (int): Frames the container announces (see each reader for the source).
        fps (float | None): Average frame rate, None when the container does not say.
    """

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.num_frames = 0
        self.fps: Optional[float] = None

    @abstractmethod
    def read(self, indices: Sequence[int], accurate: bool = True) -> List[np.ndarray]:
        """The frames at ``indices`` (any order, repeats allowed) as ``H x W x 3`` uint8 RGB.

        Every returned array is distinct (a repeated index is copied), so callers may modify
        frames in place. ``accurate=False`` allows a reader to return the nearest keyframe at
        or before each index instead, which is faster and only approximately right.
        """

    def close(self) -> None:
        """Release the file; reading afterwards is an error."""

    def checked_indices(self, indices: Sequence[int]) -> np.ndarray:
        """``indices`` as a flat int64 array, or an error if one lies outside the video."""
        inds = np.asarray(indices).reshape(-1)
        if inds.size == 0:
            raise ValueError(f'{self.filename}: no frame indices to read')
        if not np.issubdtype(inds.dtype, np.integer):
            raise TypeError(f'{self.filename}: frame indices must be integers, got {inds.dtype}')
        inds = inds.astype(np.int64)
        if inds.min() < 0:
            raise ValueError(f'{self.filename}: frame index {inds.min()} is negative')
        if inds.max() >= self.num_frames:
            raise self.too_short(int(inds.max()), self.num_frames)
        return inds

    def too_short(self, index: int, available: int) -> VideoReadError:
        return VideoReadError(self.filename, f'frame {index} was requested but only {available} '
                                             'frames could be read (indices are 0-based)')

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.filename!r}, num_frames={self.num_frames})'


def gather(frames: Dict[int, np.ndarray], indices: np.ndarray) -> List[np.ndarray]:
    """``[frames[i] for i in indices]`` with every array distinct: repeats are copied."""
    out, seen = [], set()
    for i in indices:
        img = frames[int(i)]
        out.append(img.copy() if id(img) in seen else img)
        seen.add(id(img))
    return out


# ----------------------------------------------------------------------------- PyAV
@dataclass(frozen=True)
class PacketIndex:
    """Where each frame of a stream sits, read from its packets without decoding.

    Frame ``i`` is shown at ``pts[i]`` (packet timestamps sorted), and ``keyframes`` lists
    the frame indices a decoder can start from. ``usable`` is False when timestamps are
    missing or repeated, or the first frame is not a keyframe: frames can then only be
    counted from the start.
    """
    pts: np.ndarray
    keyframes: np.ndarray
    usable: bool
    error: Optional[str] = None  # why demuxing stopped early, if it did

    @property
    def num_frames(self) -> int:
        return len(self.pts)

    def keyframe_before(self, index: int) -> int:
        """The last keyframe at or before frame ``index``."""
        return int(self.keyframes[np.searchsorted(self.keyframes, index, side='right') - 1])

    def frame_at(self, pts: Optional[int]) -> Optional[int]:
        """The frame index shown at ``pts``; None if no packet has that timestamp."""
        if pts is None:
            return None
        i = int(np.searchsorted(self.pts, pts))
        return i if i < len(self.pts) and self.pts[i] == pts else None


class IndexCache:
    """The packet indexes of the most recently read local videos, so that every epoch after
    the first reads a video's keyframe layout from memory instead of demuxing it again.

    Keys are ``(path, size, mtime)``: a file rewritten in place is indexed anew. Each process
    (DataLoader worker) has its own cache.
    """

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._entries: 'OrderedDict[tuple, PacketIndex]' = OrderedDict()

    def get(self, key: tuple) -> Optional[PacketIndex]:
        index = self._entries.get(key)
        if index is not None:
            self._entries.move_to_end(key)
        return index

    def put(self, key: tuple, index: PacketIndex) -> None:
        self._entries[key] = index
        if len(self._entries) > self.capacity:
            self._entries.popitem(last=False)


INDEX_CACHE = IndexCache()


def file_identity(source: Source) -> Optional[tuple]:
    """``(path, size, mtime_ns)`` of a local file; None for fetched bytes (nothing to key on)."""
    if not isinstance(source, str):
        return None
    stat = os.stat(source)
    return source, stat.st_size, stat.st_mtime_ns


_REFORMATTERS = threading.local()
# A seek (flushing the decoder, then decoding a keyframe, dearer than the frames after it)
# costs about as much as decoding this many frames: PyAVReader seeks only past longer gaps.
SEEK_COST_FRAMES = 4


def frame_to_rgb(frame: av.VideoFrame) -> np.ndarray:
    """``frame`` as ``H x W x 3`` uint8 RGB, exactly what ``frame.to_ndarray(format='rgb24')``
    returns, through one reformatter per thread: ``to_ndarray(format=...)`` builds a new
    swscale context for every frame, which costs more than decoding it."""
    reformatter = getattr(_REFORMATTERS, 'value', None)
    if reformatter is None:
        reformatter = _REFORMATTERS.value = VideoReformatter()
    # threads=1: swscale's own worker threads would not survive a fork (DataLoader workers, process
    # pools), and a forked child converting with (or freeing) the parent's context hangs
    return reformatter.reformat(frame, format='rgb24', threads=1).to_ndarray()


class PyAVReader(VideoReader):
    """Reads frames with PyAV, decoding as little as it can.

    ``num_frames`` is the stream's frame count when the container stores one, else the
    number of packets found by demuxing the file (no decoding).

    ``read`` first indexes the packets (one demux pass over a second handle on the file,
    cheap next to decoding, and kept in :data:`INDEX_CACHE` for later epochs), then decodes
    the requested frames in order from the start of the stream: from this keyframe layout it
    seeks to the keyframe at or before the next wanted frame only when that skips more than
    ``SEEK_COST_FRAMES`` frames the decoder would otherwise decode; otherwise it decodes
    forward. Only wanted frames are converted to RGB, each once, through a reused swscale
    context (:func:`frame_to_rgb`), and decoding stops at the last one. Every decoded frame is checked
    against the index: its timestamp must be the next one expected from where decoding
    started. If the decoder ever disagrees (a dropped frame, a seek landing elsewhere, leading
    frames of an open GOP), the read restarts as a plain sequential decode that counts
    frames, so ``accurate=True`` always returns what sequential decoding returns.
    ``accurate=False`` returns the keyframe at or before each index, seeking to each one.
    Packets the container marks as discarded (edit lists) are not frames.

    Attributes ``seeks``, ``frames_decoded``, ``frames_skipped`` (unwanted frames no other
    frame refers to, dropped by the decoder unseen) and ``frames_converted`` count the work.
    """

    def __init__(self, filename: str, source: Source, multi_thread: bool = False) -> None:
        super().__init__(filename)
        self._source = source
        self.multi_thread = multi_thread
        self._index: Optional[PacketIndex] = None
        self.seeks = self.frames_decoded = self.frames_skipped = self.frames_converted = 0
        self._container, self._stream = self._open()
        self._fresh = True  # nothing decoded yet: the decoder is at the first frame
        rate = self._stream.average_rate or self._stream.guessed_rate
        self.fps = float(rate) if rate else None
        self.num_frames = self._stream.frames or self._packet_index().num_frames
        if self.num_frames == 0:
            self.close()
            raise VideoReadError(filename, 'the video stream has no frames')

    def _open(self):
        try:
            container = av.open(as_file(self._source), metadata_errors='ignore')
        except (av.error.FFmpegError, OSError) as error:
            raise VideoReadError(self.filename, f'PyAV cannot open it ({error})') from error
        if not container.streams.video:
            container.close()
            raise VideoReadError(self.filename, 'the file has no video stream')
        stream = container.streams.video[0]
        if self.multi_thread:
            stream.thread_type = 'AUTO'
        return container, stream

    def enable_multi_thread(self) -> None:
        """Decode with FFmpeg's frame and slice threads (before the first ``read``)."""
        self.multi_thread = True
        self._stream.thread_type = 'AUTO'

    def close(self) -> None:
        self._container.close()

    def _reopen(self) -> None:
        self.close()
        self._container, self._stream = self._open()
        self._fresh = True

    # ---- indexing
    def _packet_index(self) -> PacketIndex:
        if self._index is None:
            key = file_identity(self._source)
            self._index = INDEX_CACHE.get(key) if key else None
            if self._index is None:
                self._index = self._demux_index()
                if key:
                    INDEX_CACHE.put(key, self._index)
        return self._index

    def _demux_index(self) -> PacketIndex:
        pts, key_pts, usable, error = [], [], True, None
        container, stream = self._open()  # a second handle: the decoding one stays at the start
        try:
            for packet in container.demux(stream):
                if packet.size == 0 or packet.is_discard:  # end-of-stream flush, edit lists
                    continue
                usable = usable and packet.pts is not None
                pts.append(packet.pts if packet.pts is not None else len(pts))
                if packet.is_keyframe:
                    key_pts.append(pts[-1])
        except av.error.FFmpegError as exc:  # a truncated or damaged file: index what was read
            error = str(exc)
        finally:
            container.close()
        sorted_pts = np.sort(np.array(pts, dtype=np.int64))
        keyframes = np.searchsorted(sorted_pts, np.array(key_pts, dtype=np.int64))
        usable = (usable and len(keyframes) > 0 and keyframes[0] == 0
                  and len(np.unique(sorted_pts)) == len(sorted_pts))
        return PacketIndex(sorted_pts, np.unique(keyframes), usable, error)

    # ---- decoding
    def _decoded_frames(self, wanted_pts: Optional[set] = None) -> Iterator[av.VideoFrame]:
        """Frames in display order from where the demuxer stands.

        Given the timestamps of the ``wanted_pts`` frames, a packet of any other frame
        is decoded with ``skip_frame='NONREF'``: when no later frame refers to it (H.264 and
        HEVC mark such frames), the decoder drops it unseen, which leaves every other frame
        bit-identical and saves a third of the decoding on B-frame encodes. Not with frame
        threads, where the setting would not follow each packet.
        """
        self._fresh = False
        try:
            if wanted_pts is None or self.multi_thread:
                frames = self._container.decode(self._stream)
            else:
                frames = self._decode_skipping(wanted_pts)
            for frame in frames:
                self.frames_decoded += 1
                yield frame
        except av.error.FFmpegError as error:
            raise VideoReadError(self.filename, f'decoding failed ({error})') from error

    def _decode_skipping(self, wanted_pts: set) -> Iterator[av.VideoFrame]:
        context, skipping = self._stream.codec_context, None  # None: not set by this pass yet
        for packet in self._container.demux(self._stream):
            skip = packet.pts is not None and packet.pts not in wanted_pts
            if skip != skipping:  # setting the option costs more than comparing
                context.skip_frame, skipping = ('NONREF' if skip else 'DEFAULT'), skip
            yield from context.decode(packet)

    def _seek(self, pts: int, wanted_pts: set) -> Iterator[av.VideoFrame]:
        self._fresh = False
        try:
            self._container.seek(int(pts), backward=True, any_frame=False, stream=self._stream)
        except av.error.FFmpegError as error:
            raise VideoReadError(self.filename, f'seeking failed ({error})') from error
        self.seeks += 1
        return self._decoded_frames(wanted_pts)

    def _to_rgb(self, frame: av.VideoFrame) -> np.ndarray:
        self.frames_converted += 1
        return frame_to_rgb(frame)

    def _read_by_timestamp(self, wanted: List[int], index: PacketIndex,
                           min_skip: int) -> Optional[Dict[int, np.ndarray]]:
        """Frames ``wanted`` (sorted, unique), seeking to a keyframe whenever that skips more
        than ``min_skip`` frames; None if the decoder's output disagrees with the index.
        ``position`` is the next frame the decoder yields."""
        if not self._fresh:
            self._reopen()
        out: Dict[int, np.ndarray] = {}
        frames, position, wanted_pts = None, 0, set(index.pts[wanted].tolist())
        for target in wanted:
            key = index.keyframe_before(target)
            if key - position > min_skip:
                frames, position = self._seek(index.pts[key], wanted_pts), key
            elif frames is None:
                frames = self._decoded_frames(wanted_pts)
            for frame in frames:
                shown = index.frame_at(frame.pts)
                # frames before the target may have been skipped, never the target itself
                if shown is None or not position <= shown <= target:
                    return None
                self.frames_skipped += shown - position
                position = shown + 1
                if shown == target:
                    out[target] = self._to_rgb(frame)
                    break
            else:
                raise self.too_short(target, position)
        return out

    def _read_by_counting(self, wanted: List[int]) -> Dict[int, np.ndarray]:
        """Frames ``wanted`` (sorted, unique) by counting decoded frames from a fresh open."""
        if not self._fresh:
            self._reopen()
        out: Dict[int, np.ndarray] = {}
        targets = iter(wanted)
        target, count = next(targets), 0
        for count, frame in enumerate(self._decoded_frames(), start=1):
            if count - 1 == target:
                out[target] = self._to_rgb(frame)
                target = next(targets, None)
                if target is None:
                    return out
        raise self.too_short(target, count)

    def read(self, indices: Sequence[int], accurate: bool = True) -> List[np.ndarray]:
        inds = self.checked_indices(indices)
        wanted = np.unique(inds).tolist()
        index = self._packet_index()
        frames = None
        if index.usable:
            if wanted[-1] >= index.num_frames:
                reason = f'frame {wanted[-1]} was requested but only {index.num_frames} frames ' \
                         'could be read'
                raise VideoReadError(self.filename, reason + (f' ({index.error})' if index.error
                                                              else ''))
            if accurate:
                frames = self._read_by_timestamp(wanted, index, SEEK_COST_FRAMES)
            else:
                keys = {t: index.keyframe_before(t) for t in wanted}
                keyframes = self._read_by_timestamp(sorted(set(keys.values())), index, 0)
                if keyframes is not None:
                    frames = {t: keyframes[k] for t, k in keys.items()}
        if frames is None:
            frames = self._read_by_counting(wanted)
        return gather(frames, inds)


# ----------------------------------------------------------------------------- decord
def import_decord():
    """The ``decord`` module, or an ImportError saying how to install it."""
    try:
        import decord
    except ImportError as error:
        raise ImportError('decord is not installed; it is an optional extra of reelkit: '
                          'pip install "reelkit[decord]" (or use PyAVInit/PyAVDecode)') from error
    return decord


class DecordReader(VideoReader):
    """Reads frames with decord (``pip install "reelkit[decord]"``).

    ``num_frames`` is decord's frame count. ``accurate=True`` uses ``get_batch``; otherwise
    each index seeks to the nearest keyframe (decord's fast ``seek``).
    """

    def __init__(self, filename: str, source: Source, num_threads: int = 1) -> None:
        super().__init__(filename)
        decord = import_decord()
        try:
            self._reader = decord.VideoReader(as_file(source), num_threads=num_threads)
        except Exception as error:  # decord reports failures as DECORDError or RuntimeError
            raise VideoReadError(filename, f'decord cannot open it ({error})') from error
        self.num_frames = len(self._reader)
        fps = self._reader.get_avg_fps()
        self.fps = float(fps) if fps and fps > 0 else None
        if self.num_frames == 0:
            raise VideoReadError(filename, 'the video stream has no frames')

    def read(self, indices: Sequence[int], accurate: bool = True) -> List[np.ndarray]:
        inds = self.checked_indices(indices)
        wanted = np.unique(inds).tolist()
        try:
            if accurate:
                frames = dict(zip(wanted, self._reader.get_batch(wanted).asnumpy()))
            else:
                frames = {}
                self._reader.seek(0)
                for idx in wanted:
                    self._reader.seek(idx)
                    frames[idx] = self._reader.next().asnumpy()
        except Exception as error:  # decord reports failures as DECORDError or RuntimeError
            raise VideoReadError(self.filename, f'decord failed to decode ({error})') from error
        return gather(frames, inds)

    def close(self) -> None:
        self._reader = None


# ----------------------------------------------------------------------------- TorchCodec
def import_torchcodec_decoder():
    """TorchCodec's ``VideoDecoder`` class; ReelkitError if torchcodec is missing or cannot load
    the FFmpeg shared libraries it is built against (it ships none of its own)."""
    try:
        from torchcodec.decoders import VideoDecoder
    except ImportError as error:
        raise ReelkitError('torchcodec is not installed; it is an optional extra of reelkit: '
                           'pip install "reelkit[torchcodec]" (or use the PyAV backend)') from error
    except (OSError, RuntimeError) as error:  # its libraries load at import time
        cause = error
        while cause.__cause__ is not None:  # the innermost error names the missing library
            cause = cause.__cause__
        raise ReelkitError('torchcodec is installed but cannot load its libraries (it needs the '
                           "FFmpeg 4-8 shared libraries, libavcodec etc., and a build for torch's "
                           f'version and device): {str(cause).strip().splitlines()[-1][:300]}'
                           ) from error
    return VideoDecoder


class TorchCodecReader(VideoReader):
    """Reads frames with TorchCodec (``pip install "reelkit[torchcodec]"``), by index in batches.

    The decoder scans the file once (``seek_mode='exact'``), so ``num_frames`` is the number of
    frames it found and ``read`` returns the frames a sequential decode yields, seeking to the
    keyframes it needs. ``accurate`` is ignored: every read is exact.
    """

    def __init__(self, filename: str, source: Source, num_threads: int = 1) -> None:
        super().__init__(filename)
        decoder_class = import_torchcodec_decoder()
        try:
            self._decoder = decoder_class(source, dimension_order='NHWC', seek_mode='exact',
                                          num_ffmpeg_threads=num_threads)
        except (RuntimeError, ValueError) as error:
            raise VideoReadError(filename, f'torchcodec cannot open it ({error})') from error
        metadata = self._decoder.metadata
        self.num_frames = int(metadata.num_frames or 0)
        self.fps = float(metadata.average_fps) if metadata.average_fps else None
        if self.num_frames == 0:
            raise VideoReadError(filename, 'the video stream has no frames')

    def read(self, indices: Sequence[int], accurate: bool = True) -> List[np.ndarray]:
        inds = self.checked_indices(indices)
        wanted = np.unique(inds).tolist()
        try:
            batch = self._decoder.get_frames_at(indices=wanted).data.numpy()
        except (RuntimeError, IndexError) as error:
            raise VideoReadError(self.filename, f'torchcodec failed to decode ({error})') from error
        return gather(dict(zip(wanted, batch)), inds)

    def close(self) -> None:
        self._decoder = None


# ----------------------------------------------------------------------------- OpenCV
class OpenCVReader(VideoReader):
    """Reads frames with OpenCV's ``VideoCapture`` from a local path.

    ``num_frames`` is ``CAP_PROP_FRAME_COUNT``, or the number of frames found by grabbing the
    whole video when the container does not store it. ``read`` grabs frames in order (OpenCV
    frame seeking is not exact for every codec) and decodes to RGB only the wanted ones.
    """

    def __init__(self, filename: str) -> None:
        super().__init__(filename)
        self._capture = self._open()
        self._position = 0
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps > 0 else None
        self.num_frames = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
        if self.num_frames <= 0:
            while self._capture.grab():
                self._position += 1
            self.num_frames = self._position
        if self.num_frames == 0:
            self.close()
            raise VideoReadError(filename, 'the video stream has no frames')

    def _open(self) -> cv2.VideoCapture:
        capture = cv2.VideoCapture(self.filename)
        if not capture.isOpened():
            raise VideoReadError(self.filename, 'OpenCV cannot open it (corrupt file or '
                                                'unsupported format)')
        return capture

    def read(self, indices: Sequence[int], accurate: bool = True) -> List[np.ndarray]:
        if not accurate:
            raise ValueError('OpenCVReader decodes frames exactly; accurate=False is not offered')
        inds = self.checked_indices(indices)
        wanted = np.unique(inds).tolist()
        if self._position > wanted[0]:
            self._capture.release()
            self._capture, self._position = self._open(), 0
        frames = {}
        for target in wanted:
            while self._position <= target:
                if not self._capture.grab():
                    raise self.too_short(target, self._position)
                self._position += 1
            ok, img = self._capture.retrieve()
            if not ok:
                raise VideoReadError(self.filename, f'OpenCV cannot decode frame {target}')
            frames[target] = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        return gather(frames, inds)

    def close(self) -> None:
        self._capture.release()
