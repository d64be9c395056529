"""The TorchCodec backend: TorchCodecInit/TorchCodecDecode and ``DecordInit(backend='torchcodec')``.

Where torchcodec cannot load (not installed, or its FFmpeg libraries missing), building its
transforms must raise a ReelkitError that says so; where it loads, it must read the frames
PyAV reads.
"""
import av
import numpy as np
import pytest

from reelkit.datasets.transforms import DecordInit, PyAVDecode, PyAVInit, TorchCodecDecode, TorchCodecInit
from reelkit.datasets.transforms.video_readers import import_torchcodec_decoder
from reelkit.utils.errors import ReelkitError


def torchcodec_problem():
    """Why torchcodec cannot be used here (the ReelkitError), or None where it loads."""
    try:
        import_torchcodec_decoder()
    except ReelkitError as error:
        return error
    return None


PROBLEM = torchcodec_problem()


@pytest.fixture(scope='module')
def video(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp('torchcodec') / 'clip.mp4')
    rng = np.random.default_rng(0)
    with av.open(path, mode='w') as container:
        stream = container.add_stream('libx264', rate=25, options={'g': '8'})
        stream.width, stream.height, stream.pix_fmt = 32, 24, 'yuv420p'
        for _ in range(30):
            image = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format='rgb24')))
        container.mux(stream.encode())
    return path


@pytest.mark.skipif(PROBLEM is None, reason='torchcodec loads here')
@pytest.mark.parametrize('build', [TorchCodecInit, lambda: DecordInit(backend='torchcodec')])
def test_unusable_torchcodec_raises_a_reelkit_error_saying_why(build):
    with pytest.raises(ReelkitError) as raised:
        build()
    message = str(raised.value)
    assert 'torchcodec' in message
    assert ('not installed' in message and 'reelkit[torchcodec]' in message) or 'FFmpeg' in message


@pytest.mark.skipif(PROBLEM is not None, reason=f'torchcodec is not usable here: {PROBLEM}')
def test_torchcodec_reads_the_frames_pyav_reads(video):
    inds = np.array([3, 17, 3, 29, 0])
    results = TorchCodecInit()(dict(filename=video, frame_inds=inds))
    assert results['total_frames'] == 30 and results['avg_fps'] == 25.0
    got = TorchCodecDecode()(results)['imgs']
    expected = PyAVDecode()(PyAVInit()(dict(filename=video, frame_inds=inds)))['imgs']
    assert len(got) == len(inds) and got[0] is not got[2]  # repeats are distinct arrays
    for img, ref in zip(got, expected):
        assert img.shape == (24, 32, 3) and np.abs(img.astype(int) - ref).max() <= 1
