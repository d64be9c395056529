"""No accuracy traded for speed: the deterministic (test-mode) TSN and SlowOnly pipelines give
the frames of a plain decode + resize + crop, within 1 grey level, through every backend.

The reference is written independently of reelkit: PyAV's ``to_ndarray(format='rgb24')`` of
every frame, OpenCV bilinear resize to a short side of 256 (sizes rounded half up, as MMCV
does), then the centre 224 x 224 crop.
"""
import importlib.util

import av
import cv2
import numpy as np
import pytest

from reelkit.datasets.transforms import (CenterCrop, DecordDecode, DecordInit, FormatShape,
                                         OpenCVDecode, OpenCVInit, PyAVDecode, PyAVInit, Resize,
                                         SampleFrames)
from reelkit.datasets.transforms.video_readers import PyAVReader
from reelkit.utils.errors import ReelkitError

NUM_FRAMES, WIDTH, HEIGHT = 72, 80, 60
SHORT_SIDE, CROP = 256, 224
# The test-mode sampling of the official configs: TSN 1x1x3 (val), SlowOnly/I3D 32x2x1 (val).
SAMPLINGS = {'tsn': dict(clip_len=1, frame_interval=1, num_clips=3),
             'slowonly': dict(clip_len=32, frame_interval=2, num_clips=1)}
FORMATS = {'tsn': 'NCHW', 'slowonly': 'NCTHW'}


def torchcodec_loads() -> bool:
    try:
        from reelkit.datasets.transforms.video_readers import import_torchcodec_decoder
        import_torchcodec_decoder()
    except ReelkitError:
        return False
    return True


BACKENDS = {  # name: (Init, Decode, whether installed)
    'pyav': (PyAVInit, PyAVDecode, True),
    'auto': (DecordInit, DecordDecode, True),
    'decord': (lambda: DecordInit(backend='decord'), DecordDecode,
               importlib.util.find_spec('decord') is not None),
    'opencv': (OpenCVInit, OpenCVDecode, True),
    'torchcodec': (lambda: DecordInit(backend='torchcodec'), DecordDecode, None),
}


@pytest.fixture(scope='module')
def video(tmp_path_factory) -> str:
    """A 72-frame 80x60 H.264 clip with keyframes every 16 frames, of moving colour blobs."""
    path = str(tmp_path_factory.mktemp('accuracy') / 'clip.mp4')
    rng = np.random.default_rng(0)
    blobs = cv2.resize(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8), (3 * WIDTH, HEIGHT),
                       interpolation=cv2.INTER_CUBIC)
    with av.open(path, mode='w') as container:
        stream = container.add_stream('libx264', rate=25, options={'g': '16'})
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, 'yuv420p'
        for t in range(NUM_FRAMES):
            image = np.ascontiguousarray(blobs[:, 2 * t:2 * t + WIDTH])
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format='rgb24')))
        container.mux(stream.encode())
    return path


def reference_frames(path: str, indices) -> np.ndarray:
    """``(len(indices), 224, 224, 3)``: plain decode, resize to short side 256, centre crop."""
    with av.open(path) as container:
        decoded = [frame.to_ndarray(format='rgb24') for frame in container.decode(video=0)]
    new_w, new_h = int(WIDTH * SHORT_SIDE / HEIGHT + 0.5), SHORT_SIDE
    x1, y1 = (new_w - CROP) // 2, (new_h - CROP) // 2
    return np.stack([cv2.resize(decoded[i], (new_w, new_h), interpolation=cv2.INTER_LINEAR)
                     [y1:y1 + CROP, x1:x1 + CROP] for i in indices])


def run_test_pipeline(path: str, backend: str, model: str) -> dict:
    init, decode, _ = BACKENDS[backend]
    steps = [init(), SampleFrames(**SAMPLINGS[model], test_mode=True), decode(),
             Resize(scale=(-1, SHORT_SIDE)), CenterCrop(crop_size=CROP),
             FormatShape(input_format=FORMATS[model])]
    results = dict(filename=path, start_index=0, modality='RGB')
    for step in steps:
        results = step(results)
    return results


def installed(backend: str) -> bool:
    flag = BACKENDS[backend][2]
    return torchcodec_loads() if flag is None else flag


@pytest.mark.parametrize('model', sorted(SAMPLINGS))
@pytest.mark.parametrize('backend', sorted(BACKENDS))
def test_test_mode_pipeline_matches_plain_decode_resize_crop(video, backend, model):
    if not installed(backend):
        pytest.skip(f'the {backend} backend is not usable here')
    results = run_test_pipeline(video, backend, model)
    inds = np.asarray(results['frame_inds']).reshape(-1)
    expected = reference_frames(video, inds)
    # back to frames x H x W x C from the model's layout
    imgs = results['imgs']
    got = imgs.transpose(0, 2, 3, 1) if model == 'tsn' else imgs[0].transpose(1, 2, 3, 0)
    assert got.shape == expected.shape == (len(inds), CROP, CROP, 3)
    assert len(np.unique(inds)) == len(inds) > 2  # distinct frames, so a wrong one shows
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1


def test_pyav_drops_unreferenced_frames_and_returns_the_exact_frames(video):
    """x264's default B-frames include frames nothing refers to: the reader skips those it does
    not need (and seeks over GOPs), and still returns bit-exact frames."""
    reader = PyAVReader(video, video)
    inds = [5, 6, 21, 40, 70]
    imgs = reader.read(inds)
    reader.close()
    assert reader.frames_skipped > 0 and reader.seeks > 0
    with av.open(video) as container:
        plain = [frame.to_ndarray(format='rgb24') for frame in container.decode(video=0)]
    assert all(np.array_equal(img, plain[i]) for img, i in zip(imgs, inds))
