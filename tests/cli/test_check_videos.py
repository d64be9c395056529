"""reelkit check-videos: every undecodable video is named once with its kind, and --out-ann
drops exactly their lines."""
from pathlib import Path

import pytest
from _data_fixtures import write_bad_videos

from reelkit.cli import main
from reelkit.cli.check_videos import video_problem
from reelkit.datasets import generate_synth_motion


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    """SynthMotion videos plus the broken files, under one root."""
    root = tmp_path_factory.mktemp('check')
    paths = generate_synth_motion(str(root), num_videos=24, size=24, num_frames=8)
    good = sorted(Path(paths['videos']).iterdir())
    bad = write_bad_videos(root / 'bad', good[0])
    return root, [f'videos/{video.name}' for video in good], {kind: f'bad/{name}'
                                                             for kind, name in bad.items()}


def test_clean_list_drops_exactly_the_bad_lines(dataset, tmp_path, capsys):
    root, good, bad = dataset
    # Good and bad lines interleaved, one bad video listed twice, a CRLF line and a blank line:
    # the clean list must be the input with exactly the bad lines cut out, bytes unchanged.
    lines = [f'{good[0]} 0\n', f'{bad["empty"]} 1\n', f'{good[1]} 1\r\n', '\n',
             f'{bad["truncated"]} 2\n', f'{good[2]}  2\n', f'{bad["not a video"]} 3\n',
             f'{bad["missing"]} 4\n', f'{bad["truncated"]} 5\n', f'{good[3]} 7']
    ann_file, clean = tmp_path / 'train.txt', tmp_path / 'clean.txt'
    ann_file.write_bytes(''.join(lines).encode())
    code = main(['check-videos', str(ann_file), '--data-prefix', str(root), '--out-ann',
                 str(clean), '--workers', '2'])
    assert code == 1
    kept = [line for line in lines if not any(line.startswith(path + ' ') for path in bad.values())]
    assert clean.read_bytes() == ''.join(kept).encode()
    report = capsys.readouterr().out
    assert '4 of 8 video(s) cannot be decoded' in report
    for kind, path in bad.items():
        assert report.count(path) == 1, path
        assert f'{kind} ' in report.split(path)[0].rsplit('\n', 1)[-1]
    assert not any(path in report for path in good)


@pytest.mark.parametrize('kind', ['empty', 'truncated', 'not a video', 'missing'])
def test_each_broken_file_gets_its_kind(dataset, kind):
    root, _, bad = dataset
    found, reason = video_problem(str(root / bad[kind]))
    assert found == kind and reason


def test_a_good_video_has_no_problem(dataset):
    root, good, _ = dataset
    assert video_problem(str(root / good[0])) is None


def test_all_good_exits_zero_and_copies_the_list(dataset, tmp_path, capsys):
    root, good, _ = dataset
    ann_file, clean = tmp_path / 'val.txt', tmp_path / 'clean.txt'
    ann_file.write_text(''.join(f'{path} {label}\n' for label, path in enumerate(good[:4])))
    code = main(['check-videos', str(ann_file), '--data-prefix', str(root), '--out-ann',
                 str(clean), '--workers', '1'])
    assert code == 0
    assert clean.read_bytes() == ann_file.read_bytes()
    assert 'All 4 video(s) decode' in capsys.readouterr().out


def test_malformed_line_is_named(dataset, tmp_path, capsys):
    root, good, _ = dataset
    ann_file = tmp_path / 'broken.txt'
    ann_file.write_text(f'{good[0]} 0\n{good[1]}\n')
    assert main(['check-videos', str(ann_file), '--data-prefix', str(root)]) == 2
    assert f'{ann_file}:2' in capsys.readouterr().err
