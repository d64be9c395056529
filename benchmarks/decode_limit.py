"""The decode limit: the fastest way, with any installed backend, to get just the frames a
pipeline needs, as ``H x W x 3`` uint8 RGB arrays.

    python benchmarks/decode_limit.py CONFIG --ann-file LIST --video-dir DIR [--split train]

The samples are drawn by running the config's own pipeline (NumPy seeded with 0, as
``pipeline.py`` seeds every round), so the limit is for the very frames the pipeline decodes.
Each method decodes every sample in one process, one thread; the best of ``--rounds`` counts,
and the fastest method is the limit. The keyframe layout the seeking method uses is read
before timing (a pipeline can keep it across epochs).
"""
import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import av
import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout
os.environ.setdefault('OPENCV_FFMPEG_CAPTURE_OPTIONS', 'threads;1')  # one thread, as the others

from reelkit.datasets.transforms.video_readers import frame_to_rgb  # noqa: E402

Sample = Tuple[str, List[int]]  # a video and the sorted, distinct frame indices it needs


# ----------------------------------------------------------------------------- the samples
def sample_indices(dataset, indices: Sequence[int], seed: int = 0) -> List[Sample]:
    """``(filename, sorted distinct frame_inds)`` of each sample, as the first ``*Decode`` of the
    dataset's pipeline receives them in a timed round: NumPy is seeded with ``seed`` once and the
    whole pipeline runs, so the crops and flips after the decode draw their random numbers
    between one sample's frames and the next, just as they do in ``pipeline.py``."""
    transforms = dataset.pipeline.transforms
    first_decode = next(i for i, t in enumerate(transforms) if type(t).__name__.endswith('Decode'))
    np.random.seed(seed)
    samples = []
    for index in indices:
        results = dataset.get_data_info(int(index))
        for position, transform in enumerate(transforms):
            if position == first_decode:
                samples.append((results['filename'], np.unique(results['frame_inds']).tolist()))
            results = transform(results)
    return samples


# ----------------------------------------------------------------------------- the methods
def pyav_sequential(path: str, wanted: List[int], keyframes: Dict) -> List[np.ndarray]:
    """Decode from the start, convert the wanted frames, stop at the last one (converting
    through one reused swscale context, as :func:`frame_to_rgb` does)."""
    out, targets = [], set(wanted)
    with av.open(path) as container:
        for i, frame in enumerate(container.decode(container.streams.video[0])):
            if i in targets:
                out.append(frame_to_rgb(frame))
                if i == wanted[-1]:
                    break
    return out


def pyav_seeking(path: str, wanted: List[int], layouts: Dict) -> List[np.ndarray]:
    """Seek to the keyframe before a wanted frame whenever that skips frames, decode forward."""
    pts, keyframes = layouts[path]
    out, position, frames = [], 0, None
    with av.open(path) as container:
        stream = container.streams.video[0]
        for target in wanted:
            key = keyframes[np.searchsorted(keyframes, target, side='right') - 1]
            if frames is None or key > position:
                container.seek(int(pts[key]), stream=stream)
                frames, position = container.decode(stream), key
            for frame in frames:
                position += 1
                if position - 1 == target:
                    out.append(frame_to_rgb(frame))
                    break
    return out


def pyav_seeking_skipping(path: str, wanted: List[int], layouts: Dict) -> List[np.ndarray]:
    """As :func:`pyav_seeking`, and packets of unwanted frames are decoded with
    ``skip_frame='NONREF'``: the decoder drops those no other frame refers to."""
    pts, keyframes = layouts[path]
    frame_of_pts = {int(p): i for i, p in enumerate(pts)}
    wanted_set, out, position, frames = set(wanted), [], 0, None
    with av.open(path) as container:
        stream = container.streams.video[0]
        context = stream.codec_context

        def decoded():
            for packet in container.demux(stream):
                needed = packet.pts is None or frame_of_pts.get(packet.pts) in wanted_set
                context.skip_frame = 'DEFAULT' if needed else 'NONREF'
                yield from context.decode(packet)

        for target in wanted:
            key = keyframes[np.searchsorted(keyframes, target, side='right') - 1]
            if frames is None or key > position:
                container.seek(int(pts[key]), stream=stream)
                frames, position = decoded(), key
            for frame in frames:
                position = frame_of_pts[frame.pts] + 1
                if position - 1 == target:
                    out.append(frame_to_rgb(frame))
                    break
    return out


def decord_batch(path: str, wanted: List[int], layouts: Dict) -> List[np.ndarray]:
    """decord's ``get_batch`` (one thread), the way MMAction2's DecordDecode reads."""
    import decord
    return list(decord.VideoReader(path, num_threads=1).get_batch(wanted).asnumpy())


def opencv_grab(path: str, wanted: List[int], layouts: Dict) -> List[np.ndarray]:
    """OpenCV: grab every frame up to the last wanted one, retrieve only the wanted ones."""
    capture, out = cv2.VideoCapture(path), []
    for i in range(wanted[-1] + 1):
        capture.grab()
        if i in wanted:
            out.append(cv2.cvtColor(capture.retrieve()[1], cv2.COLOR_BGR2RGB))
    capture.release()
    return out


def installed_methods() -> Dict[str, Callable]:
    methods = {'pyav sequential': pyav_sequential, 'pyav seeking': pyav_seeking,
               'pyav seek+skip': pyav_seeking_skipping, 'opencv grab': opencv_grab}
    if importlib.util.find_spec('decord') is not None:
        methods['decord get_batch'] = decord_batch
    return methods


def keyframe_layout(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """Sorted packet timestamps and the indices of the keyframes among them."""
    with av.open(path) as container:
        packets = [(p.pts, p.is_keyframe) for p in container.demux(container.streams.video[0])
                   if p.size and p.pts is not None]
    pts = np.sort([p for p, _ in packets])
    return pts, np.unique(np.searchsorted(pts, [p for p, key in packets if key]))


# ----------------------------------------------------------------------------- timing
def time_method(method: Callable, samples: List[Sample], layouts: Dict, rounds: int) -> float:
    """Best-of-``rounds`` clips/s of ``method`` over ``samples``."""
    best = float('inf')
    for _ in range(rounds):
        start = time.perf_counter()
        for path, wanted in samples:
            method(path, wanted, layouts)
        best = min(best, time.perf_counter() - start)
    return len(samples) / best


def decode_limit(samples: List[Sample], rounds: int = 3,
                 verbose: bool = False) -> Tuple[str, float]:
    """``(fastest method, its clips/s)`` over the installed methods."""
    layouts = {path: keyframe_layout(path) for path in {path for path, _ in samples}}
    speeds = {name: time_method(method, samples, layouts, rounds)
              for name, method in installed_methods().items()}
    if verbose:
        for name, speed in sorted(speeds.items(), key=lambda item: -item[1]):
            print(f'{name:<18s} {speed:8.1f} clips/s')
    best = max(speeds, key=speeds.get)
    return best, speeds[best]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--ann-file', required=True)
    parser.add_argument('--video-dir', default='')
    parser.add_argument('--split', choices=('train', 'val', 'test'), default='train')
    parser.add_argument('--num', type=int, default=50)
    parser.add_argument('--rounds', type=int, default=3)
    args = parser.parse_args(argv)
    from pipeline import build_dataset, innermost
    dataset = build_dataset(args.config, args.split, args.ann_file, args.video_dir)
    samples = sample_indices(innermost(dataset), np.arange(args.num) % len(dataset))
    name, speed = decode_limit(samples, args.rounds, verbose=True)
    print(f'decode limit: {speed:.1f} clips/s ({name})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
