"""reelkit data build-file-list / build-rawframes / resize-videos on a small class-folder tree."""
import os
from pathlib import Path

import av
import cv2
import pytest
from _data_fixtures import CLASS_VIDEOS, decode, write_class_folders

from reelkit.cli import main
from reelkit.datasets.prepare import DONE_FILE

SHORT_SIDE = 16
OLD = 1_000_000_000  # a past mtime (s) stamped on outputs: a rewritten file gets a new one


@pytest.fixture(scope='module')
def videos(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp('videos')
    write_class_folders(root)
    return root


def expected_frames():
    """``{class/stem: (num_frames, height, width)}`` of the source videos."""
    return {f'{name}/{video[:-4]}': shape for name, items in CLASS_VIDEOS.items()
            for video, *shape in items}


def short_side_shape(height, width):
    """``(h, w)`` with the short side SHORT_SIDE, the ratio kept, rounded half up."""
    scale = SHORT_SIDE / min(height, width)
    return int(height * scale + 0.5), int(width * scale + 0.5)


def stamp_old(folder: Path) -> None:
    for path in folder.rglob('*'):
        os.utime(path, (OLD, OLD))


def rawframes(videos, out) -> int:
    return main(['data', 'build-rawframes', str(videos), str(out), '--short-side', str(SHORT_SIDE),
                 '--workers', '2'])


def test_build_file_list_labels_sorted_class_folders(videos, tmp_path):
    out = tmp_path / 'lists' / 'all.txt'
    assert main(['data', 'build-file-list', str(videos), str(out), '--level', '2']) == 0
    # archery < bowling: archery is label 0.
    assert out.read_text() == 'archery/a0.mp4 0\nbowling/b0.mp4 1\nbowling/b1.mp4 1\n'
    assert (tmp_path / 'lists' / 'classes.txt').read_text() == 'archery\nbowling\n'


def test_build_file_list_shuffle_is_seeded(videos, tmp_path):
    lists = []
    for name in ('one.txt', 'two.txt'):
        assert main(['data', 'build-file-list', str(videos), str(tmp_path / name), '--shuffle',
                     '--seed', '3']) == 0
        lists.append((tmp_path / name).read_text().splitlines())
    assert lists[0] == lists[1]
    assert sorted(lists[0]) == ['archery/a0.mp4 0', 'bowling/b0.mp4 1', 'bowling/b1.mp4 1']


def test_build_rawframes_writes_every_frame_resized(videos, tmp_path):
    out = tmp_path / 'rawframes'
    assert rawframes(videos, out) == 0
    for stem, (num_frames, height, width) in expected_frames().items():
        frames = sorted((out / stem).glob('img_*.jpg'))
        assert [f.name for f in frames] == [f'img_{i:05d}.jpg' for i in range(1, num_frames + 1)]
        assert len(decode(videos / f'{stem}.mp4')) == num_frames
        assert all(cv2.imread(str(f)).shape[:2] == short_side_shape(height, width) for f in frames)
        assert (out / stem / DONE_FILE).read_text() == f'{num_frames}\n'
    listed = tmp_path / 'rawframes.txt'
    assert main(['data', 'build-file-list', str(out), str(listed), '--format', 'rawframes']) == 0
    assert listed.read_text() == 'archery/a0 6 0\nbowling/b0 8 1\nbowling/b1 5 1\n'


def test_build_rawframes_rerun_skips_done_and_redoes_interrupted(videos, tmp_path, capsys):
    out = tmp_path / 'rawframes'
    assert rawframes(videos, out) == 0
    stamp_old(out)
    # Interrupt b0 as a kill would: frames written up to 3, no done file.
    interrupted = out / 'bowling' / 'b0'
    (interrupted / DONE_FILE).unlink()
    for frame in sorted(interrupted.glob('img_*.jpg'))[3:]:
        frame.unlink()
    capsys.readouterr()
    assert rawframes(videos, out) == 0
    assert '1 written, 2 complete already (skipped), 0 failed' in capsys.readouterr().out
    for stem in ('archery/a0', 'bowling/b1'):
        assert all(path.stat().st_mtime == OLD for path in (out / stem).iterdir()), stem
    assert len(list(interrupted.glob('img_*.jpg'))) == 8
    assert all(path.stat().st_mtime != OLD for path in interrupted.iterdir())
    assert (interrupted / DONE_FILE).read_text() == '8\n'


def test_resize_videos_keeps_frames_and_rate(videos, tmp_path, capsys):
    out = tmp_path / 'resized'
    args = ['data', 'resize-videos', str(videos), str(out), '--short-side', str(SHORT_SIDE),
            '--workers', '2']
    assert main(args) == 0
    for stem, (num_frames, height, width) in expected_frames().items():
        with av.open(str(out / f'{stem}.mp4')) as container:
            stream = container.streams.video[0]
            size = (stream.height, stream.width)
            assert stream.codec_context.name == 'h264' and stream.average_rate == 8
        assert min(size) == SHORT_SIDE and size[0] % 2 == 0 and size[1] % 2 == 0
        assert abs(size[0] / size[1] - height / width) < 0.1
        assert len(decode(out / f'{stem}.mp4')) == num_frames
    stamp_old(out)
    (out / 'archery' / 'a0.mp4').rename(out / 'archery' / '.a0.mp4.part')  # as if interrupted
    capsys.readouterr()
    assert main(args) == 0
    assert '1 written, 2 complete already (skipped)' in capsys.readouterr().out
    assert (out / 'bowling' / 'b0.mp4').stat().st_mtime == OLD
    assert len(decode(out / 'archery' / 'a0.mp4')) == 6
    assert not (out / 'archery' / '.a0.mp4.part').exists()


def test_undecodable_video_is_listed_and_the_others_written(videos, tmp_path, capsys):
    src = tmp_path / 'src'
    (src / 'junk').mkdir(parents=True)
    (src / 'junk' / 'text.mp4').write_text('not a video')
    os.symlink(videos / 'archery', src / 'archery')
    out = tmp_path / 'rawframes'
    assert rawframes(src, out) == 1
    report = capsys.readouterr().out
    assert '1 written, 0 complete already (skipped), 1 failed' in report
    assert 'failed junk/text.mp4' in report
    assert (out / 'archery' / 'a0' / DONE_FILE).exists() and not (out / 'junk' / 'text').exists()


def test_resize_videos_rejects_an_odd_short_side(videos, tmp_path, capsys):
    assert main(['data', 'resize-videos', str(videos), str(tmp_path), '--short-side', '15']) == 2
    assert 'short_side=15' in capsys.readouterr().err
