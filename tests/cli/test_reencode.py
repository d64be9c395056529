"""reelkit data reencode: short-GOP H.264 copies of a folder of videos, resumable."""
import os
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from _data_fixtures import decode, random_clip

from reelkit.cli import main
from reelkit.datasets.prepare import partial_path_of

NUM_FRAMES, GOP = 40, 8
VIDEOS = ('a/long.mp4', 'b/other.mp4')


@pytest.fixture(scope='module')
def videos(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp('videos')
    for seed, name in enumerate(VIDEOS):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        # smooth frames: H.264 keeps them close, so the frames can be compared after re-encoding
        blobs = cv2.resize(random_clip(1, 8, 12, seed)[0], (48, 32), interpolation=cv2.INTER_CUBIC)
        write_one_gop(root / name, np.stack([np.roll(blobs, 2 * t, axis=1) for t in range(NUM_FRAMES)]))
    return root


def write_one_gop(path: Path, frames: np.ndarray) -> None:
    """H.264 with a single keyframe (the first), so any short GOP comes from reencode."""
    with av.open(str(path), mode='w') as container:
        stream = container.add_stream('libx264', rate=25, options={'g': '1000', 'sc_threshold': '0'})
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], 'yuv420p'
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format='rgb24')))
        container.mux(stream.encode())


def keyframe_positions(path: Path):
    with av.open(str(path)) as container:
        packets = [p for p in container.demux(video=0) if p.size]
        order = np.argsort([p.pts for p in packets])
        return [int(i) for i, p in enumerate(np.array(packets, dtype=object)[order]) if p.is_keyframe]


def reencode(src: Path, out: Path) -> int:
    return main(['data', 'reencode', str(src), str(out), '--gop', str(GOP), '--workers', '2'])


def test_reencode_writes_short_gops_with_the_same_frames(videos, tmp_path):
    out = tmp_path / 'g8'
    assert reencode(videos, out) == 0
    for name in VIDEOS:
        source_keys, keys = keyframe_positions(videos / name), keyframe_positions(out / name)
        assert source_keys == [0]
        assert keys[0] == 0 and max(np.diff(keys + [NUM_FRAMES])) <= GOP and len(keys) >= NUM_FRAMES // GOP
        before, after = decode(videos / name), decode(out / name)
        assert len(after) == len(before) == NUM_FRAMES
        # lossy, but each re-encoded frame is nearest to its own source frame: none lost or moved
        nearest = [int(np.argmin([np.abs(a.astype(int) - b).mean() for b in before])) for a in after]
        assert nearest == list(range(NUM_FRAMES))


def test_reencode_rerun_skips_finished_outputs_and_redoes_partial_ones(videos, tmp_path, capsys):
    out = tmp_path / 'g8'
    assert reencode(videos, out) == 0
    finished, redone = out / VIDEOS[0], out / VIDEOS[1]
    os.utime(finished, (1_000_000_000, 1_000_000_000))
    redone.unlink()
    Path(partial_path_of(str(redone))).write_bytes(b'half an encode')  # as a kill leaves it
    capsys.readouterr()
    assert reencode(videos, out) == 0
    assert '1 written, 1 complete already (skipped), 0 failed' in capsys.readouterr().out
    assert finished.stat().st_mtime == 1_000_000_000
    assert len(decode(redone)) == NUM_FRAMES and not Path(partial_path_of(str(redone))).exists()


def test_reencode_rejects_a_gop_below_one(videos, tmp_path, capsys):
    assert main(['data', 'reencode', str(videos), str(tmp_path / 'x'), '--gop', '0']) != 0
    assert 'gop=0: expected a number of frames >= 1' in capsys.readouterr().err
    assert not (tmp_path / 'x').exists()
