"""``reelkit data ...``: prepare datasets; ``reelkit data synth-motion OUT_DIR`` writes SynthMotion."""
import argparse
import time

from reelkit.datasets.synth_motion import SYNTH_MOTION_CLASSES, generate_synth_motion


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


def run_synth_motion(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    paths = generate_synth_motion(args.out_dir, num_videos=args.num_videos, seed=args.seed,
                                  rawframes=args.rawframes, progress=True)
    print(f'SynthMotion: {args.num_videos} videos in {time.perf_counter() - start:.1f} s')
    for name, path in paths.items():
        print(f'  {name:16s} {path}')
    return 0
