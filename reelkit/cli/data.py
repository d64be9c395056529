"""``reelkit data ...``: prepare datasets; ``reelkit data synth-motion OUT_DIR`` writes SynthMotion,
``reelkit data synth-shapes OUT_DIR`` writes SynthShapes (images for GANs),
``reelkit data synth-skeleton OUT_DIR`` writes SynthSkeleton (2D skeletons for PoseDataset),
``reelkit data synth-ava OUT_DIR`` writes SynthAVA (person boxes and actions for AVADataset),
``reelkit data synth-anet OUT_DIR`` writes SynthANet (snippet features for ActivityNetDataset);
``build-file-list``, ``build-rawframes``, ``resize-videos`` and ``reencode`` prepare a folder of your own videos
(the work is done by :mod:`reelkit.datasets.prepare`)."""
import argparse
import time
from collections import Counter
from typing import List

from reelkit.datasets import prepare
from reelkit.datasets.synth_ava import SYNTH_AVA_CLASSES, generate_synth_ava
from reelkit.datasets.synth_anet import SYNTH_ANET_CLASSES, generate_synth_anet
from reelkit.datasets.synth_motion import SYNTH_MOTION_CLASSES, generate_synth_motion
from reelkit.datasets.synth_shapes import SYNTH_SHAPES_CLASSES, generate_synth_shapes
from reelkit.datasets.synth_skeleton import SYNTH_SKELETON_CLASSES, generate_synth_skeleton


def add_parser(subparsers, parents) -> None:
    # Only the leaf parsers get ``parents``: a value set by a sub-subparser's default would
    # overwrite the same option given at the ``data`` level.
    parser = subparsers.add_parser('data', help='prepare datasets')
    data_commands = parser.add_subparsers(dest='data_command', required=True, metavar='DATA_COMMAND')
    synth = data_commands.add_parser(
        'synth-motion', parents=parents,
        help=f'write SynthMotion: H.264 clips of {len(SYNTH_MOTION_CLASSES)} motion classes '
        'plus VideoDataset (and RawframeDataset) annotation lists')
    synth.add_argument('out_dir', metavar='OUT_DIR', help='folder to write (created if needed)')
    synth.add_argument('--num-videos', type=int, default=400,
                       help=f'videos in all splits, a multiple of {len(SYNTH_MOTION_CLASSES)} '
                       '(default: 400)')
    synth.add_argument('--seed', type=int, default=0, help='random seed (default: 0)')
    synth.add_argument('--rawframes', action='store_true',
                       help='also write the frames as JPEGs and rawframe annotation lists')
    synth.set_defaults(func=run_synth_motion)
    add_synth_shapes_parser(data_commands, parents)
    add_synth_skeleton_parser(data_commands, parents)
    add_synth_anet_parser(data_commands, parents)
    add_synth_ava_parser(data_commands, parents)
    add_build_file_list_parser(data_commands, parents)
    add_build_rawframes_parser(data_commands, parents)
    add_resize_videos_parser(data_commands, parents)
    add_reencode_parser(data_commands, parents)


def run_synth_motion(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    paths = generate_synth_motion(args.out_dir, num_videos=args.num_videos, seed=args.seed,
                                  rawframes=args.rawframes, progress=True)
    print(f'SynthMotion: {args.num_videos} videos in {time.perf_counter() - start:.1f} s')
    for name, path in paths.items():
        print(f'  {name:16s} {path}')
    return 0


def add_synth_shapes_parser(data_commands, parents) -> None:
    shapes = data_commands.add_parser(
        'synth-shapes', parents=parents,
        help=f'write SynthShapes: PNG images of {len(SYNTH_SHAPES_CLASSES)} shapes in random colours '
        'and textures, for GAN training (UnconditionalImageDataset)')
    shapes.add_argument('out_dir', metavar='OUT_DIR', help='folder to write (created if needed)')
    shapes.add_argument('--num-images', type=int, default=2000, help='images (default: 2000)')
    shapes.add_argument('--size', type=int, default=32, help='image side in pixels (default: 32)')
    shapes.add_argument('--seed', type=int, default=0, help='random seed (default: 0)')
    shapes.set_defaults(func=run_synth_shapes)


def run_synth_shapes(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    paths = generate_synth_shapes(args.out_dir, num_images=args.num_images, size=args.size,
                                  seed=args.seed, progress=True)
    print(f'SynthShapes: {args.num_images} images in {time.perf_counter() - start:.1f} s')
    for name, path in paths.items():
        print(f'  {name:16s} {path}')
    return 0


def add_synth_skeleton_parser(data_commands, parents) -> None:
    skeleton = data_commands.add_parser(
        'synth-skeleton', parents=parents,
        help=f'write SynthSkeleton: COCO-17 2D skeletons of {len(SYNTH_SKELETON_CLASSES)} action '
        'classes in one PoseDataset pickle (splits train, val, test)')
    skeleton.add_argument('out_dir', metavar='OUT_DIR', help='folder to write (created if needed)')
    skeleton.add_argument('--num-samples', type=int, default=800,
                          help=f'samples in all splits, a multiple of {len(SYNTH_SKELETON_CLASSES)} '
                          '(default: 800)')
    skeleton.add_argument('--seed', type=int, default=0, help='random seed (default: 0)')
    skeleton.set_defaults(func=run_synth_skeleton)


def run_synth_skeleton(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    paths = generate_synth_skeleton(args.out_dir, num_samples=args.num_samples, seed=args.seed,
                                    progress=True)
    print(f'SynthSkeleton: {args.num_samples} samples in {time.perf_counter() - start:.1f} s')
    for name, path in paths.items():
        print(f'  {name:16s} {path}')
    return 0


SYNTH_AVA_EXAMPLE = '''example:
  reelkit data synth-ava data/synth_ava
  reelkit train detection/slowonly/slowonly_r18-quarter_1xb8-4x4x1-8e_synth-ava-rgb.py
'''


def add_synth_ava_parser(data_commands, parents) -> None:
    ava = data_commands.add_parser(
        'synth-ava', parents=parents, epilog=SYNTH_AVA_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help=f'write SynthAVA: frame folders of moving coloured boxes with {len(SYNTH_AVA_CLASSES)} '
        'visible actions, annotated as AVA (csv, excluded timestamps, pbtxt, proposal pickles)')
    ava.add_argument('out_dir', metavar='OUT_DIR', help='folder to write (created if needed)')
    ava.add_argument('--num-videos', type=int, default=16,
                     help='videos in both splits, 30%% of them val (default: 16)')
    ava.add_argument('--seed', type=int, default=0, help='random seed (default: 0)')
    ava.set_defaults(func=run_synth_ava)


def run_synth_ava(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    paths = generate_synth_ava(args.out_dir, num_videos=args.num_videos, seed=args.seed,
                               progress=True)
    print(f'SynthAVA: {args.num_videos} videos in {time.perf_counter() - start:.1f} s')
    for name, path in paths.items():
        print(f'  {name:16s} {path}')
    return 0


SYNTH_ANET_EXAMPLE = '''example:
  reelkit data synth-anet data/synth_anet
  reelkit train localization/bmn/bmn_1xb8-32x32-10e_synth-anet-feature.py
'''


def add_synth_anet_parser(data_commands, parents) -> None:
    anet = data_commands.add_parser(
        'synth-anet', parents=parents, epilog=SYNTH_ANET_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help=f'write SynthANet: per-video snippet features (csv) with {len(SYNTH_ANET_CLASSES)} '
        'action classes visible in them, plus ActivityNet-format train/val annotations')
    anet.add_argument('out_dir', metavar='OUT_DIR', help='folder to write (created if needed)')
    anet.add_argument('--num-videos', type=int, default=160,
                      help='videos in both splits, a quarter of them for val (default: 160)')
    anet.add_argument('--temporal-scale', type=int, default=32,
                      help='snippets per video, the model\'s temporal_dim (default: 32)')
    anet.add_argument('--feat-dim', type=int, default=32,
                      help='features per snippet, the model\'s feat_dim (default: 32)')
    anet.add_argument('--seed', type=int, default=0, help='random seed (default: 0)')
    anet.set_defaults(func=run_synth_anet)


def run_synth_anet(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    paths = generate_synth_anet(args.out_dir, num_videos=args.num_videos,
                                temporal_scale=args.temporal_scale, feat_dim=args.feat_dim,
                                seed=args.seed, progress=True)
    print(f'SynthANet: {args.num_videos} videos in {time.perf_counter() - start:.1f} s')
    for name, path in paths.items():
        print(f'  {name:16s} {path}')
    return 0


BUILD_FILE_LIST_EXAMPLE = '''layouts:
  --level 2   SRC_DIR/class_name/video.mp4 (labels: sorted class folder names; classes.txt
              is written beside OUT.txt)
  --level 1   SRC_DIR/video.mp4 (no classes: every label is 0)

example:
  reelkit data build-file-list data/mine/videos data/mine/all.txt --shuffle --seed 0
  reelkit data build-file-list data/mine/rawframes data/mine/all_rawframes.txt --format rawframes
'''


def add_build_file_list_parser(data_commands, parents) -> None:
    file_list = data_commands.add_parser(
        'build-file-list', parents=parents, epilog=BUILD_FILE_LIST_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help='write the annotation list of a folder of videos ("path label" lines) or of frame '
        'folders ("dir num_frames label" lines)')
    file_list.add_argument('src_dir', metavar='SRC_DIR', help='the folder of videos or frame folders')
    file_list.add_argument('out_file', metavar='OUT.txt', help='the list to write')
    file_list.add_argument('--format', choices=prepare.FORMATS, default='videos',
                           help='list video files, or frame folders of img_*.jpg (default: videos)')
    file_list.add_argument('--level', type=int, choices=prepare.LEVELS, default=2,
                           help='2: one folder per class, 1: items directly in SRC_DIR (default: 2)')
    file_list.add_argument('--shuffle', action='store_true', help='shuffle the lines')
    file_list.add_argument('--seed', type=int, default=0, help='seed of --shuffle (default: 0)')
    file_list.set_defaults(func=run_build_file_list)


def run_build_file_list(args: argparse.Namespace) -> int:
    written = prepare.build_file_list(args.src_dir, args.out_file, args.format, args.level,
                                      args.shuffle, args.seed)
    print(f'Wrote {written["num_lines"]} line(s) to {written["file_list"]}')
    if 'classes' in written:
        print(f'Wrote the class names to {written["classes"]}')
    return 0


CONVERT_EPILOG = '''Videos are found under SRC_DIR at any depth and written under OUT_DIR at the
same relative path. A rerun skips the videos a previous run completed, so an interrupted run
resumes. Exit status 1 if some videos could not be decoded (they are listed).

example:
  reelkit data {command} data/mine/videos data/mine/{out} --short-side 256 --workers 8
'''


def add_conversion_arguments(parser: argparse.ArgumentParser, short_side_help: str) -> None:
    parser.add_argument('src_dir', metavar='SRC_DIR', help='the folder of videos')
    parser.add_argument('out_dir', metavar='OUT_DIR', help='where to write (created if needed)')
    parser.add_argument('--short-side', type=int, default=256, help=short_side_help)
    parser.add_argument('--workers', type=int, help='processes (default: the number of CPUs)')


def add_build_rawframes_parser(data_commands, parents) -> None:
    rawframes = data_commands.add_parser(
        'build-rawframes', parents=parents, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=CONVERT_EPILOG.format(command='build-rawframes', out='rawframes'),
        help='extract the frames of every video as OUT_DIR/<video>/img_00001.jpg ... '
        '(RawframeDataset folders)')
    add_conversion_arguments(rawframes, 'resize the frames (keeping the ratio) to this short side '
                             'in pixels; 0 keeps their size (default: 256)')
    rawframes.set_defaults(func=run_build_rawframes)


def run_build_rawframes(args: argparse.Namespace) -> int:
    outcomes = prepare.build_rawframes(args.src_dir, args.out_dir, args.short_side, args.workers)
    return report_outcomes(outcomes, f'frame folders in {args.out_dir}')


def add_resize_videos_parser(data_commands, parents) -> None:
    resize = data_commands.add_parser(
        'resize-videos', parents=parents, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=CONVERT_EPILOG.format(command='resize-videos', out='videos_256'),
        help='re-encode every video as H.264 .mp4 with a smaller short side, keeping its frame '
        'rate and frames (no audio)')
    add_conversion_arguments(resize, 'the short side in pixels, even; the other side keeps the '
                             'ratio, rounded to even (default: 256)')
    resize.set_defaults(func=run_resize_videos)


def run_resize_videos(args: argparse.Namespace) -> int:
    outcomes = prepare.resize_videos(args.src_dir, args.out_dir, args.short_side, args.workers)
    return report_outcomes(outcomes, f'videos in {args.out_dir}')


REENCODE_EPILOG = '''Short GOPs make sparse sampling (TSN's 1x1x3, dense 32x2x1 clips of long videos)
seek to a near keyframe instead of decoding from the start of the video: on 10 s 340x256
clips, benchmarks/pipeline.py --kinds measures the gain (kinds long vs gop16). Videos are found
under SRC_DIR at any depth and written under OUT_DIR at the same relative path as .mp4, same
size, frame rate and frames. A rerun skips finished outputs (each is written to a hidden
temporary file and renamed when complete), so an interrupted run resumes. Exit status 1 if
some videos could not be decoded (they are listed).

example:
  reelkit data reencode data/kinetics400/videos data/kinetics400/videos_g16 --gop 16 --workers 8
'''


def add_reencode_parser(data_commands, parents) -> None:
    reencode = data_commands.add_parser(
        'reencode', parents=parents, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=REENCODE_EPILOG,
        help='re-encode every video as H.264 .mp4 with short GOPs (a keyframe every --gop '
        'frames) for faster sparse sampling')
    reencode.add_argument('src_dir', metavar='SRC_DIR', help='the folder of videos')
    reencode.add_argument('out_dir', metavar='OUT_DIR', help='where to write (created if needed)')
    reencode.add_argument('--gop', type=int, default=16,
                          help='at most this many frames between keyframes (default: 16)')
    reencode.add_argument('--workers', type=int, help='processes (default: the number of CPUs)')
    reencode.set_defaults(func=run_reencode)


def run_reencode(args: argparse.Namespace) -> int:
    outcomes = prepare.reencode_videos(args.src_dir, args.out_dir, args.gop, args.workers)
    return report_outcomes(outcomes, f'videos in {args.out_dir}')


def report_outcomes(outcomes: List[prepare.Outcome], what: str) -> int:
    """Print what was written, skipped and failed; 1 if any video failed, else 0."""
    counts = Counter(outcome.status for outcome in outcomes)
    print(f'{what}: {counts[prepare.WRITTEN]} written, {counts[prepare.SKIPPED]} complete '
          f'already (skipped), {counts[prepare.FAILED]} failed')
    for outcome in outcomes:
        if outcome.status == prepare.FAILED:
            print(f'  failed {outcome.video}: {outcome.reason}')
    return 1 if counts[prepare.FAILED] else 0
