"""``reelkit check-videos ANN_FILE --data-prefix DIR``: decode every video of a VideoDataset list.

Each listed video is opened with one of reelkit's video readers (PyAV unless ``--backend``
says otherwise) and all its frames are decoded, in worker processes. The videos that fail are
reported once each with a kind (see ``KINDS``) and the reader's reason; ``--out-ann`` writes the
list again without their lines.
"""
import argparse
import os.path as osp
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from typing import Dict, List, Optional, Sequence, Tuple

import av

from reelkit.datasets import VideoDataset
from reelkit.datasets.transforms import DecordInit, OpenCVInit, PyAVInit, VideoReader
from reelkit.utils.errors import VideoReadError
from reelkit.utils.parallel import map_in_processes

BACKENDS = {'pyav': PyAVInit, 'decord': DecordInit, 'opencv': OpenCVInit}
MISSING, EMPTY, NOT_A_VIDEO, TRUNCATED, ZERO_FRAMES, UNREADABLE = (
    'missing', 'empty', 'not a video', 'truncated', 'zero frames', 'unreadable')
KINDS = {
    MISSING: 'no such file',
    EMPTY: 'the file has 0 bytes',
    NOT_A_VIDEO: 'no known video container, or no video stream in it',
    TRUNCATED: 'a video container that ends (or breaks) before its frames do',
    ZERO_FRAMES: 'a video stream without frames',
    UNREADABLE: 'FFmpeg reads it, but the chosen backend cannot open it',
}
# First bytes of the containers videos come in: (offset, bytes). A file that starts like one of
# these but does not open was cut short (an MP4 whose index was to follow the frames).
CONTAINER_SIGNATURES = (
    (4, b'ftyp'), (4, b'moov'), (4, b'mdat'), (4, b'free'), (4, b'wide'),  # MP4, MOV, 3GP
    (0, b'\x1a\x45\xdf\xa3'),  # Matroska, WebM
    (0, b'RIFF'),  # AVI
    (0, b'FLV'),
    (0, b'\x00\x00\x01\xba'),  # MPEG program stream
    (0, b'\x30\x26\xb2\x75\x8e\x66\xcf\x11'),  # ASF, WMV
    (0, b'OggS'),
    (0, b'GIF8'),
)
FRAMES_PER_READ = 64  # frames held in memory at once while a video is decoded

DESCRIPTION = '''Decode every video listed in a VideoDataset annotation file (lines "path label") in
parallel and list the ones that fail, with the reason. --out-ann writes the list again without
exactly those lines (the others byte-identical, in order).

kinds of failure:
''' + '\n'.join(f'  {kind:12s} {meaning}' for kind, meaning in KINDS.items()) + '''

exit status: 0 if every video decodes, 1 if some do not, 2 on other errors.'''

EXAMPLE = '''example:
  reelkit check-videos data/mine/train.txt --data-prefix data/mine/videos \\
      --out-ann data/mine/train_clean.txt --workers 8
'''


@dataclass(frozen=True)
class Entry:
    """One line of the annotation file: its 1-based number and the video path with the prefix."""
    line: int
    path: str


@dataclass(frozen=True)
class BadVideo:
    path: str
    kind: str
    reason: str
    lines: Tuple[int, ...]


def add_parser(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        'check-videos', parents=parents, help='decode every video of an annotation list and '
        'report the ones that fail (exit 1 if any)', description=DESCRIPTION, epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('ann_file', metavar='ANN_FILE', help='VideoDataset list: "path label" lines')
    parser.add_argument('--data-prefix', default='', metavar='DIR',
                        help="the folder the listed paths are relative to (the dataset's "
                        "data_prefix['video']; default: none)")
    parser.add_argument('--out-ann', metavar='CLEAN.txt',
                        help='write the annotation file without the lines of failing videos')
    parser.add_argument('--workers', type=int,
                        help='decoding processes (default: the number of CPUs)')
    parser.add_argument('--backend', choices=sorted(BACKENDS), default='pyav',
                        help='video reader to decode with, as the *Init transform of that name '
                        '(default: pyav)')
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    entries = annotation_entries(args.ann_file, args.data_prefix)
    bad = check_videos(entries, args.backend, args.workers)
    print_report(bad, len({entry.path for entry in entries}))
    if args.out_ann is not None:
        bad_lines = {line for video in bad for line in video.lines}
        kept = write_without_lines(args.ann_file, args.out_ann, bad_lines)
        print(f'Wrote {kept} line(s) to {args.out_ann} ({len(bad_lines)} left out)')
    return 1 if bad else 0


def annotation_entries(ann_file: str, data_prefix: str) -> List[Entry]:
    """The entries of a VideoDataset list, parsed (and checked) as VideoDataset parses them."""
    dataset = VideoDataset(ann_file, pipeline=[], data_prefix=dict(video=data_prefix),
                           check_paths=False, lazy_init=True)
    entries = []
    for where, path, _, _ in dataset.parse_list_lines(['<path>']):
        line = int(where.rsplit(':', 1)[1])  # ``where`` reads ``file:line``
        entries.append(Entry(line, dataset.prefixed('video', path)))
    return entries


def check_videos(entries: Sequence[Entry], backend: str = 'pyav',
                 workers: Optional[int] = None) -> List[BadVideo]:
    """The videos of ``entries`` that do not decode, each once, in the order they are listed."""
    lines: Dict[str, List[int]] = defaultdict(list)
    for entry in entries:
        lines[entry.path].append(entry.line)
    paths = list(lines)
    problems = map_in_processes(partial(video_problem, backend=backend), paths, workers,
                                description='check-videos')
    return [BadVideo(path, *problem, lines=tuple(lines[path]))
            for path, problem in zip(paths, problems) if problem is not None]


def video_problem(path: str, backend: str = 'pyav') -> Optional[Tuple[str, str]]:
    """``(kind, reason)`` if the video at ``path`` cannot be decoded to its last frame, else None."""
    if not osp.isfile(path):
        return MISSING, 'file not found'
    if osp.getsize(path) == 0:
        return EMPTY, 'the file has 0 bytes'
    try:
        reader = BACKENDS[backend]().open(path)
    except VideoReadError as error:
        return open_failure_kind(path), reason_without_path(error.reason, path)
    try:
        decode_every_frame(reader)
    except VideoReadError as error:
        return TRUNCATED, reason_without_path(error.reason, path)
    finally:
        reader.close()
    return None


def reason_without_path(reason: str, path: str) -> str:
    """``reason`` without the ``: 'PATH'`` FFmpeg's errors end with: the report names the file."""
    return reason.replace(f": '{path}'", '')


def decode_every_frame(reader: VideoReader) -> None:
    """Decode frames ``0 .. num_frames - 1``, ``FRAMES_PER_READ`` at a time."""
    for start in range(0, reader.num_frames, FRAMES_PER_READ):
        reader.read(range(start, min(start + FRAMES_PER_READ, reader.num_frames)))


def open_failure_kind(path: str) -> str:
    """The kind of failure of a non-empty file that a reader could not open, as FFmpeg sees it."""
    try:
        with av.open(path, metadata_errors='ignore') as container:
            if not container.streams.video:
                return NOT_A_VIDEO
            stream = container.streams.video[0]
            has_frames = any(packet.size for packet in container.demux(stream))
    except av.error.FFmpegError:
        return TRUNCATED if starts_like_a_video(path) else NOT_A_VIDEO
    return UNREADABLE if has_frames else ZERO_FRAMES


def starts_like_a_video(path: str) -> bool:
    """Whether the file's first bytes are those of a video container (``CONTAINER_SIGNATURES``)."""
    with open(path, 'rb') as stream:
        head = stream.read(16)
    return any(head[offset:offset + len(magic)] == magic for offset, magic in CONTAINER_SIGNATURES)


def print_report(bad: Sequence[BadVideo], num_videos: int) -> None:
    if not bad:
        print(f'All {num_videos} video(s) decode.')
        return
    print(f'{len(bad)} of {num_videos} video(s) cannot be decoded:')
    for video in bad:
        lines = ', '.join(map(str, video.lines))
        print(f'  {video.kind:12s} {video.path} (line {lines}): {video.reason}')


def write_without_lines(ann_file: str, out_file: str, skipped: set) -> int:
    """Copy ``ann_file`` to ``out_file`` without the lines numbered in ``skipped`` (1-based);
    the other lines keep their bytes, line endings included. Returns the lines written."""
    # newline='' keeps each line's own ending; the numbering is that of read_annotation_lines.
    with open(ann_file, encoding='utf-8', newline='') as stream:
        kept = [line for number, line in enumerate(stream, start=1) if number not in skipped]
    with open(out_file, 'w', encoding='utf-8', newline='') as stream:
        stream.writelines(kept)
    return len(kept)
