"""The three kinds of video the pipeline benchmarks run on, written with PyAV.

- ``short``: 3 s clips in one GOP (every frame after the first depends on earlier ones),
- ``long``: 10 s clips with libx264's default GOP (a keyframe every 250 frames),
- ``gop16``: the same 10 s clips encoded with ``-g 16`` (what ``reelkit data reencode`` makes).

All are 340x256 H.264 (yuv420p) at 30 fps, a textured scene panning and drifting, so that
decoding costs what it costs on real footage rather than on flat colour.
"""
import os
import os.path as osp
from typing import Dict, List

import av
import cv2
import numpy as np

KINDS = {  # name: (seconds, libx264 options)
    'short': (3, {'g': '1000', 'sc_threshold': '0'}),
    'long': (10, {}),
    'gop16': (10, {'g': '16'}),
}
WIDTH, HEIGHT, FPS = 340, 256, 30


def scene(rng: np.random.Generator) -> np.ndarray:
    """A large smooth-but-detailed RGB texture to pan over (uint8, 3 x the frame size)."""
    noise = rng.integers(0, 256, (HEIGHT * 3 // 8, WIDTH * 3 // 8, 3), dtype=np.uint8)
    return cv2.resize(noise, (WIDTH * 3, HEIGHT * 3), interpolation=cv2.INTER_CUBIC)


def write_video(path: str, seconds: int, options: Dict[str, str], seed: int) -> None:
    """Write one clip of ``seconds`` to ``path`` with the given libx264 options."""
    rng = np.random.default_rng(seed)
    texture = scene(rng)
    velocity = rng.uniform(-3, 3, size=2)
    with av.open(path, mode='w') as container:
        stream = container.add_stream('libx264', rate=FPS, options=options)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, 'yuv420p'
        for t in range(seconds * FPS):
            x, y = (np.array([WIDTH, HEIGHT]) + velocity * t).astype(int) % [2 * WIDTH, 2 * HEIGHT]
            image = np.ascontiguousarray(texture[y:y + HEIGHT, x:x + WIDTH])
            frame = av.VideoFrame.from_ndarray(image, format='rgb24')
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


def write_kind(out_dir: str, kind: str, num_videos: int) -> str:
    """Write ``num_videos`` clips of ``kind`` into ``out_dir/kind/`` and a VideoDataset list
    (``name label`` lines, names relative to that folder); return the list's path."""
    seconds, options = KINDS[kind]
    folder = osp.join(out_dir, kind)
    os.makedirs(folder, exist_ok=True)
    names: List[str] = []
    for i in range(num_videos):
        names.append(f'{kind}_{i}.mp4')
        write_video(osp.join(folder, names[-1]), seconds, options, seed=i)
    list_file = osp.join(out_dir, f'{kind}_list.txt')
    with open(list_file, 'w', encoding='utf-8') as stream:
        stream.writelines(f'{name} {i % 2}\n' for i, name in enumerate(names))
    return list_file
