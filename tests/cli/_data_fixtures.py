"""Small generated videos and broken files shared by the data-tool tests (plain helpers: each
test module wraps them in its own fixtures)."""
import os
from pathlib import Path
from typing import Dict, List

import av
import numpy as np

from reelkit.datasets.synth_motion import write_mp4

TRUNCATED_BYTES = 300


def random_clip(num_frames: int, height: int, width: int, seed: int) -> np.ndarray:
    """``(T, H, W, 3)`` uint8 noise frames (H and W even, as yuv420p needs)."""
    return np.random.default_rng(seed).integers(0, 256, (num_frames, height, width, 3), np.uint8)


def write_bad_videos(folder: Path, good_video: Path) -> Dict[str, str]:
    """Write broken files into ``folder``; ``{kind: file name}`` for the kinds
    ``empty``, ``truncated`` (the first 300 bytes of ``good_video``), ``not a video`` (text
    named .mp4) and ``missing`` (a name that is never written)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {'empty': 'empty.mp4', 'truncated': 'truncated.mp4', 'not a video': 'text.mp4',
             'missing': 'missing.mp4'}
    (folder / names['empty']).write_bytes(b'')
    (folder / names['truncated']).write_bytes(good_video.read_bytes()[:TRUNCATED_BYTES])
    (folder / names['not a video']).write_text('this is a text file, not a video\n')
    return names


# The class-folder layout of the preparation tests: class -> [(video name, frames, height, width)].
CLASS_VIDEOS = {
    'bowling': [('b0.mp4', 8, 24, 40), ('b1.mp4', 5, 32, 20)],
    'archery': [('a0.mp4', 6, 40, 24)],
}


def write_class_folders(root: Path) -> List[str]:
    """Write ``CLASS_VIDEOS`` as ``root/class/video.mp4``; return the relative paths."""
    paths = []
    for seed, (class_name, videos) in enumerate(CLASS_VIDEOS.items()):
        os.makedirs(root / class_name, exist_ok=True)
        for index, (name, num_frames, height, width) in enumerate(videos):
            write_mp4(str(root / class_name / name),
                      random_clip(num_frames, height, width, seed * 10 + index))
            paths.append(f'{class_name}/{name}')
    return paths


def decode(path) -> List[np.ndarray]:
    """Every frame of a video (or GIF) as RGB arrays, and nothing else: an independent check."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format='rgb24') for frame in container.decode(video=0)]
