"""``reelkit data ...``: prepare datasets; ``reelkit data synth-motion OUT_DIR`` writes SynthMotion,
``reelkit data synth-shapes OUT_DIR`` writes SynthShapes (images for GANs),
``reelkit data synth-skeleton OUT_DIR`` writes SynthSkeleton (2D skeletons for PoseDataset)."""
import argparse
import time

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
