"""Helpers of the transform tests: tiny generated videos whose pixels encode the frame index."""
from typing import List

import av
import numpy as np

NUM_FRAMES = 40
SIZE = 32
GOP = 8


def gray_level(index: int) -> int:
    """Grey level of frame ``index`` in the generated videos (10, 16, ..., 244)."""
    return 10 + 6 * index


def frame_index(img: np.ndarray) -> int:
    """The frame index a decoded grey frame encodes (tolerates codec rounding)."""
    return int(round((float(img.mean()) - 10) / 6))


def write_video(path, num_frames: int = NUM_FRAMES, gop: int = GOP, size: int = SIZE,
                container_options=None) -> str:
    """An H.264 clip (B-frames on, a keyframe every ``gop`` frames) of constant grey frames."""
    with av.open(str(path), 'w', options=container_options or {}) as container:
        stream = container.add_stream('libx264', rate=25, options={
            'g': str(gop), 'keyint_min': str(gop), 'sc_threshold': '0', 'bf': '2'})
        stream.width = stream.height = size
        stream.pix_fmt = 'yuv420p'
        for i in range(num_frames):
            img = np.full((size, size, 3), gray_level(i), np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format='rgb24')):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return str(path)


def decode_all(path) -> List[np.ndarray]:
    """Every frame of ``path`` by plain sequential PyAV decoding: the reference."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format='rgb24') for frame in container.decode(video=0)]


def coded_frames(num: int, height: int = 24, width: int = 32) -> List[np.ndarray]:
    """Frames whose pixels say where they came from: channel 0 is the frame number, channel
    1 the row and channel 2 the column."""
    rows, cols = np.mgrid[0:height, 0:width]
    return [np.stack([np.full((height, width), i), rows, cols], axis=-1).astype(np.uint8)
            for i in range(num)]


class ScriptedRNG:
    """A stand-in RandomState that returns scripted draws and records how it was called."""

    def __init__(self, *draws):
        self.draws = list(draws)
        self.calls = []

    def _next(self, name, *args, **kwargs):
        self.calls.append((name, args, kwargs))
        return np.asarray(self.draws.pop(0))

    def randint(self, *args, **kwargs):
        return self._next('randint', *args, **kwargs)

    def uniform(self, *args, **kwargs):
        return self._next('uniform', *args, **kwargs)

    def choice(self, *args, **kwargs):
        return self._next('choice', *args, **kwargs)
