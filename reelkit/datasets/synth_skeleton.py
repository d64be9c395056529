"""SynthSkeleton: a small generated skeleton dataset whose classes need joints and time to tell apart.

Each sample is one or two stick figures facing the camera, as COCO-17 2D keypoints with
detector-like scores, in pixels of a 1080x1920 frame. Eight classes form four pairs:

- ``wave_left_hand`` / ``wave_right_hand``: one forearm swings above the head; the second is the
  first mirrored (``x -> width - x``, left and right joints swapped), so only *which* joints
  move tells them apart.
- ``sit_down`` / ``stand_up`` and ``walk_left`` / ``walk_right`` (side-stepping): the second
  class of each pair is the first played backwards, so only the *order* of frames tells them
  apart.
- ``squat`` / ``jump``: slow deep knee bends with the feet on the ground, or quick hops with the
  arms thrown overhead.

A figure is a kinematic chain of segments, each turned in the image plane and tilted towards
the camera (which foreshortens it), with the lower ankle on the ground. Limb proportions,
person height, speed, repetitions, phase, clip length (40-60 frames) and joint noise are random;
the actor stands near the middle of the frame, as in NTU RGB+D. A second person (in a quarter of
the samples) stands idle further back: smaller, anywhere in the frame. Joints the "detector"
gets wrong (a few percent) are displaced further and score low.

Everything a sample needs is drawn from ``np.random.default_rng([seed, index])``, so the same
seed writes the same pickle, whatever the order of generation.

Written under ``out_dir``::

    synth_skeleton_2d.pkl   dict(split=dict(train=[...], val=[...], test=[...]), annotations=[...])
                            in PoseDataset's format (MMAction2 1.x); the actor is person 0
    classes.txt             the class names, one per line, in label order

A config reads it with ``dict(type='PoseDataset', ann_file=out_dir + '/synth_skeleton_2d.pkl',
split='train')`` (``'val'``, ``'test'``).
"""
import os
import os.path as osp
import pickle
from typing import Callable, Dict, Iterable, List, Tuple

import numpy as np

from reelkit.utils.errors import ReelkitError

SYNTH_SKELETON_CLASSES = ('wave_left_hand', 'wave_right_hand', 'squat', 'jump', 'sit_down',
                          'stand_up', 'walk_left', 'walk_right')
ANN_FILE = 'synth_skeleton_2d.pkl'
IMG_SHAPE = (1080, 1920)  # (height, width) of the virtual frame, as NTU-60's 2D skeletons
NUM_JOINTS = 17

# COCO-17 joints; "left" is the person's left, on the image's right for a figure facing the camera.
(NOSE, LEFT_EYE, RIGHT_EYE, LEFT_EAR, RIGHT_EAR, LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_ELBOW,
 RIGHT_ELBOW, LEFT_WRIST, RIGHT_WRIST, LEFT_HIP, RIGHT_HIP, LEFT_KNEE, RIGHT_KNEE, LEFT_ANKLE,
 RIGHT_ANKLE) = range(NUM_JOINTS)
# The joint order of a mirrored figure: every left joint trades places with its right twin.
MIRROR_ORDER = (0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15)
SIDES = {'left': 1.0, 'right': -1.0}  # the image x direction of each side's "outward"
SIDE_JOINTS = {
    'left': dict(eye=LEFT_EYE, ear=LEFT_EAR, arm=(LEFT_SHOULDER, LEFT_ELBOW, LEFT_WRIST),
                 leg=(LEFT_HIP, LEFT_KNEE, LEFT_ANKLE)),
    'right': dict(eye=RIGHT_EYE, ear=RIGHT_EAR, arm=(RIGHT_SHOULDER, RIGHT_ELBOW, RIGHT_WRIST),
                  leg=(RIGHT_HIP, RIGHT_KNEE, RIGHT_ANKLE)),
}

# Segment lengths and half widths of a figure 1 unit tall (roughly: feet to top of head).
BODY = dict(hip=0.09, trunk=0.30, shoulder=0.12, head=0.12, eye=0.025, ear=0.055,
            upper_arm=0.17, forearm=0.15, thigh=0.245, shin=0.245)
LIMBS = ('upper_arm', 'forearm', 'thigh', 'shin')

# A pose is a dict of per-frame (T,) arrays: for every segment (``trunk``, ``left_thigh``, ...)
# its angle in the image plane and its tilt towards the camera (``<segment>_tilt``), plus the
# pelvis' horizontal position ``root_x`` and its height above the ground contact, ``lift``.
# Limb angles count from straight down, positive outwards; the trunk's from straight up,
# positive towards the person's left.
Pose = Dict[str, np.ndarray]

# Motion of each class: (the base motion drawn, what is done to its keypoints afterwards).
CLASS_MOTIONS = {
    'wave_left_hand': ('wave', None),
    'wave_right_hand': ('wave', 'mirror'),
    'squat': ('squat', None),
    'jump': ('jump', None),
    'sit_down': ('sit_down', None),
    'stand_up': ('sit_down', 'reverse'),
    'walk_left': ('walk_left', None),
    'walk_right': ('walk_left', 'reverse'),
}
FRAMES_RANGE = (40, 60)
HEIGHT_RANGE = (450.0, 850.0)  # person height in pixels
MARGIN = 20.0  # pixels kept free at the frame's border when placing a figure
# The actor stands near the middle of the frame (as NTU RGB+D's actors); of the room its motion
# leaves, this share is drawn from. A wider spread makes position, not motion, fill the input.
ACTOR_SPREAD = 0.1
BYSTANDER_SCALE = (0.4, 0.7)  # height of the idle second person, relative to the actor's
NOISE_RANGE = (0.003, 0.008)  # joint noise std, in person heights
BAD_JOINT_RATE = 0.04  # share of joints the detector misplaces (6x the noise, low score)


def _segment(length: float, angle: np.ndarray, tilt: np.ndarray, side: float) -> np.ndarray:
    """(T, 2) image-plane vectors (x right, y up) of a segment hanging down at ``angle``."""
    shortened = length * np.cos(tilt)
    return np.stack([side * np.sin(angle) * shortened, -np.cos(angle) * shortened], axis=-1)


def _hang_limb(joints: np.ndarray, pose: Pose, body: Dict[str, float], side: str,
               limb: Tuple[int, int, int], segments: Tuple[str, str]) -> None:
    """Set a limb's middle and end joints (elbow and wrist, knee and ankle) from its start joint
    (shoulder, hip), in place."""
    for (start, end), segment in zip(((limb[0], limb[1]), (limb[1], limb[2])), segments):
        joints[:, end] = joints[:, start] + _segment(
            body[segment], pose[f'{side}_{segment}'], pose[f'{side}_{segment}_tilt'], SIDES[side])


def pose_to_joints(pose: Pose, body: Dict[str, float]) -> np.ndarray:
    """(T, 17, 2) joints in body units, x right and y up, the lower ankle on the ground."""
    num_frames = len(pose['root_x'])
    joints = np.zeros((num_frames, NUM_JOINTS, 2))
    # The trunk's direction (foreshortened by its tilt) and the unit vector across it, to the left.
    up = np.cos(pose['trunk_tilt'])[:, None] * np.stack(
        [np.sin(pose['trunk']), np.cos(pose['trunk'])], axis=-1)
    across = np.stack([np.cos(pose['trunk']), -np.sin(pose['trunk'])], axis=-1)
    neck = body['trunk'] * up
    joints[:, NOSE] = neck + body['head'] * up
    for side, sign in SIDES.items():
        ids = SIDE_JOINTS[side]
        joints[:, ids['eye']] = joints[:, NOSE] + sign * body['eye'] * across + body['eye'] * up
        joints[:, ids['ear']] = joints[:, NOSE] + sign * body['ear'] * across
        joints[:, ids['arm'][0]] = neck + sign * body['shoulder'] * across
        joints[:, ids['leg'][0]] = (sign * body['hip'], 0.0)  # the pelvis is the origin
        _hang_limb(joints, pose, body, side, ids['arm'], ('upper_arm', 'forearm'))
        _hang_limb(joints, pose, body, side, ids['leg'], ('thigh', 'shin'))
    ground = np.minimum(joints[:, LEFT_ANKLE, 1], joints[:, RIGHT_ANKLE, 1])
    joints[..., 1] += (pose['lift'] - ground)[:, None]
    joints[..., 0] += pose['root_x'][:, None]
    return joints


def standing_pose(num_frames: int, rng: np.random.Generator) -> Pose:
    """A person standing at ease, swaying a little: arms hanging, feet a little apart."""
    time = np.arange(num_frames)
    sway = np.sin(2 * np.pi * time / rng.uniform(30, 90) + rng.uniform(0, 2 * np.pi))
    pose = dict(root_x=np.zeros(num_frames), lift=np.zeros(num_frames),
                trunk=rng.uniform(-0.03, 0.03) + 0.02 * sway, trunk_tilt=np.zeros(num_frames))
    for side in SIDES:
        arm = rng.uniform(0.08, 0.3)
        pose.update({
            f'{side}_upper_arm': arm + 0.03 * sway * SIDES[side],
            f'{side}_forearm': arm + rng.uniform(-0.1, 0.3) + np.zeros(num_frames),
            f'{side}_thigh': rng.uniform(0.02, 0.1) + np.zeros(num_frames),
            f'{side}_shin': rng.uniform(-0.04, 0.04) + np.zeros(num_frames),
        })
        for limb in LIMBS:
            pose[f'{side}_{limb}_tilt'] = rng.uniform(0.0, 0.15) + np.zeros(num_frames)
    return pose


def _progress_of(num_frames: int) -> np.ndarray:
    """Frame times from 0 to 1."""
    return np.linspace(0.0, 1.0, num_frames)


def wave_pose(num_frames: int, rng: np.random.Generator) -> Pose:
    """The left arm raised above the shoulder, its forearm swinging about the vertical."""
    pose = standing_pose(num_frames, rng)
    time = _progress_of(num_frames)
    pose['left_upper_arm'] = rng.uniform(1.9, 2.5) + 0.05 * np.sin(2 * np.pi * time)
    swing = np.sin(2 * np.pi * rng.uniform(2, 4) * time + rng.uniform(0, 2 * np.pi))
    pose['left_forearm'] = np.pi + rng.uniform(-0.2, 0.2) + rng.uniform(0.35, 0.65) * swing
    return pose


def _bend(pose: Pose, depth: np.ndarray, spread: float) -> None:
    """Bend both knees by ``depth`` (0 standing, 1 deep): thighs tilt towards the camera and
    open by ``spread``, shins lean, the trunk leans forward."""
    for side in SIDES:
        pose[f'{side}_thigh'] = pose[f'{side}_thigh'] + spread * depth
        pose[f'{side}_thigh_tilt'] = pose[f'{side}_thigh_tilt'] + 1.25 * depth
        pose[f'{side}_shin_tilt'] = pose[f'{side}_shin_tilt'] + 0.35 * depth
    pose['trunk_tilt'] = pose['trunk_tilt'] + 0.5 * depth


def squat_pose(num_frames: int, rng: np.random.Generator) -> Pose:
    """A few slow, deep squats from standing, knees opening, arms reaching forward to balance."""
    pose = standing_pose(num_frames, rng)
    time = _progress_of(num_frames)
    depth = rng.uniform(0.8, 1.0) * (1 - np.cos(2 * np.pi * rng.uniform(1.5, 2.5) * time)) / 2
    _bend(pose, depth, spread=rng.uniform(0.25, 0.45))
    for side in SIDES:
        pose[f'{side}_upper_arm_tilt'] = pose[f'{side}_upper_arm_tilt'] + 1.3 * depth
        pose[f'{side}_forearm_tilt'] = pose[f'{side}_forearm_tilt'] + 1.3 * depth
    return pose


def jump_pose(num_frames: int, rng: np.random.Generator) -> Pose:
    """Quick jumps on the spot: a short crouch, then the body in the air, arms thrown overhead."""
    pose = standing_pose(num_frames, rng)
    cycle = np.sin(2 * np.pi * (rng.uniform(2.5, 4.0) * _progress_of(num_frames)
                                + rng.uniform(0, 1)))
    air, crouch = np.maximum(cycle, 0), np.maximum(-cycle, 0)
    pose['lift'] = rng.uniform(0.15, 0.3) * air
    _bend(pose, rng.uniform(0.3, 0.5) * crouch, spread=0.1)
    for side in SIDES:
        pose[f'{side}_upper_arm'] = pose[f'{side}_upper_arm'] + rng.uniform(1.6, 2.4) * air
        pose[f'{side}_forearm'] = pose[f'{side}_forearm'] + rng.uniform(1.6, 2.4) * air
        pose[f'{side}_shin'] = pose[f'{side}_shin'] - 0.05 * air  # feet together in the air
    return pose


def sit_down_pose(num_frames: int, rng: np.random.Generator) -> Pose:
    """Sitting down once on an unseen chair (thighs towards the camera), then sitting still."""
    pose = standing_pose(num_frames, rng)
    start = rng.uniform(0.1, 0.35)
    t = np.clip((_progress_of(num_frames) - start) / rng.uniform(0.3, 0.5), 0, 1)
    seated = t * t * (3 - 2 * t)  # smooth from 0 (standing) to 1 (seated)
    lean = 4 * seated * (1 - seated)  # the trunk leans forward while the body goes down
    for side in SIDES:
        pose[f'{side}_thigh'] = pose[f'{side}_thigh'] + 0.1 * seated
        pose[f'{side}_thigh_tilt'] = pose[f'{side}_thigh_tilt'] + rng.uniform(1.3, 1.45) * seated
        pose[f'{side}_upper_arm_tilt'] = pose[f'{side}_upper_arm_tilt'] + 0.6 * lean
    pose['trunk_tilt'] = pose['trunk_tilt'] + 0.6 * lean + 0.1 * seated
    return pose


def walk_left_pose(num_frames: int, rng: np.random.Generator) -> Pose:
    """Side-stepping towards the image's left (the person's right), facing the camera."""
    pose = standing_pose(num_frames, rng)
    time = np.arange(num_frames) - (num_frames - 1) / 2
    pose['root_x'] = -rng.uniform(0.008, 0.016) * time
    phase = 2 * np.pi * rng.uniform(1.5, 3.0) * _progress_of(num_frames) + rng.uniform(0, 2 * np.pi)
    opening = (1 + np.sin(phase)) / 2  # 0 feet together, 1 legs apart
    stride = rng.uniform(0.2, 0.35)
    pose['right_thigh'] = pose['right_thigh'] + stride * opening
    pose['left_thigh'] = pose['left_thigh'] + 0.5 * stride * opening
    pose['right_thigh_tilt'] = pose['right_thigh_tilt'] + 0.3 * np.maximum(np.cos(phase), 0)
    for side in SIDES:
        pose[f'{side}_upper_arm'] = pose[f'{side}_upper_arm'] + 0.15 * opening
    return pose


BASE_MOTIONS: Dict[str, Callable[[int, np.random.Generator], Pose]] = {
    'wave': wave_pose,
    'squat': squat_pose,
    'jump': jump_pose,
    'sit_down': sit_down_pose,
    'walk_left': walk_left_pose,
}


def _random_body(rng: np.random.Generator) -> Dict[str, float]:
    return {name: length * rng.uniform(0.9, 1.1) for name, length in BODY.items()}


def _place(joints: np.ndarray, img_shape: Tuple[int, int], height: float, spread: float,
           rng: np.random.Generator) -> np.ndarray:
    """Body units to pixels (y down) for a person ``height`` pixels tall: the box of the whole
    motion inside the frame, drawn from the middle ``spread`` of the room left for it."""
    low, high = joints.reshape(-1, 2).min(0) * height, joints.reshape(-1, 2).max(0) * height
    room = np.maximum(np.array(img_shape[::-1]) - 2 * MARGIN - (high - low), 0.0)
    start = MARGIN + room / 2 + rng.uniform(-0.5, 0.5, 2) * spread * room
    x0, y0 = start[0] - low[0], start[1] + high[1]
    return np.stack([x0 + height * joints[..., 0], y0 - height * joints[..., 1]], axis=-1)


def _detect(pixels: np.ndarray, height: float,
            rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """Detector-like keypoints and scores from the true joints (T, V, 2) of a person ``height``
    pixels tall."""
    bad = rng.random(pixels.shape[:2]) < BAD_JOINT_RATE
    std = rng.uniform(*NOISE_RANGE) * height * np.where(bad, 6.0, 1.0)
    keypoint = pixels + rng.standard_normal(pixels.shape) * std[..., None]
    score = np.where(bad, rng.uniform(0.05, 0.4, bad.shape), rng.uniform(0.6, 1.0, bad.shape))
    return keypoint, score


def sample_skeletons(label: int, num_frames: int, num_person: int, rng: np.random.Generator,
                     img_shape: Tuple[int, int] = IMG_SHAPE) -> Tuple[np.ndarray, np.ndarray]:
    """Keypoints (M, T, 17, 2) in pixels (inside ``img_shape``) and scores (M, T, 17), both
    float32; person 0 performs class ``label``, a second person stands idle.

    Given the same ``rng`` state, the second class of a pair gets exactly the first class's
    arrays mirrored (``wave_*``) or reversed in time (``stand_up``, ``walk_right``).
    """
    base, change = CLASS_MOTIONS[SYNTH_SKELETON_CLASSES[label]]
    actor_height = rng.uniform(*HEIGHT_RANGE)
    keypoints, scores = [], []
    for person in range(num_person):
        motion = BASE_MOTIONS[base] if person == 0 else standing_pose
        joints = pose_to_joints(motion(num_frames, rng), _random_body(rng))
        # A second person stands further back: smaller, anywhere in the frame.
        height = actor_height * (1.0 if person == 0 else rng.uniform(*BYSTANDER_SCALE))
        pixels = _place(joints, img_shape, height, ACTOR_SPREAD if person == 0 else 1.0, rng)
        keypoint, score = _detect(pixels, height, rng)
        keypoints.append(keypoint)
        scores.append(score)
    img_h, img_w = img_shape
    keypoint = np.stack(keypoints)
    keypoint[..., 0] = np.clip(keypoint[..., 0], 0, img_w)
    keypoint[..., 1] = np.clip(keypoint[..., 1], 0, img_h)
    score = np.stack(scores)
    if change == 'mirror':
        keypoint[..., 0] = img_w - keypoint[..., 0]
        keypoint, score = keypoint[:, :, MIRROR_ORDER], score[:, :, MIRROR_ORDER]
    elif change == 'reverse':
        keypoint, score = keypoint[:, ::-1], score[:, ::-1]
    return (np.ascontiguousarray(keypoint, dtype=np.float32),
            np.ascontiguousarray(score, dtype=np.float32))


def split_of(index: int, num_samples: int, val_fraction: float, test_fraction: float) -> str:
    """``'val'`` for the first ``val_fraction`` of each class's samples, ``'test'`` for the next
    ``test_fraction``, else ``'train'``."""
    num_classes = len(SYNTH_SKELETON_CLASSES)
    per_class = num_samples // num_classes
    num_val = max(int(per_class * val_fraction + 0.5), 1)
    num_test = max(int(per_class * test_fraction + 0.5), 1)
    rank = index // num_classes
    if rank < num_val:
        return 'val'
    return 'test' if rank < num_val + num_test else 'train'


def _check_arguments(num_samples: int, val_fraction: float, test_fraction: float) -> None:
    num_classes = len(SYNTH_SKELETON_CLASSES)
    if num_samples < 3 * num_classes or num_samples % num_classes:
        raise ReelkitError(f'num_samples={num_samples}: expected a multiple of {num_classes} '
                           f'(the number of classes, so classes stay balanced), at least '
                           f'{3 * num_classes} (one sample of each class per split)')
    per_class = num_samples // num_classes
    held_out = max(int(per_class * val_fraction + 0.5), 1) + max(int(per_class * test_fraction + 0.5), 1)
    if not (0 < val_fraction < 1 and 0 < test_fraction < 1) or held_out >= per_class:
        raise ReelkitError(f'val_fraction={val_fraction}, test_fraction={test_fraction}: expected '
                           f'fractions in (0, 1) that leave training samples of each class '
                           f'({per_class} per class)')


def _progress(items: range, enabled: bool) -> Iterable[int]:
    if not enabled:
        return items
    from rich.progress import track
    return track(items, description='SynthSkeleton', total=len(items))


def generate_synth_skeleton(out_dir: str,
                            num_samples: int = 800,
                            seed: int = 0,
                            val_fraction: float = 0.2,
                            test_fraction: float = 0.2,
                            two_person_ratio: float = 0.25,
                            progress: bool = False) -> Dict[str, str]:
    """Write a SynthSkeleton dataset under ``out_dir`` (layout in the module docstring).

    Args:
        out_dir (str): Where to write; created if needed, files in it are overwritten.
        num_samples (int): Samples in all splits; a multiple of the 8 classes. Defaults to 800.
        seed (int): The same seed writes the same pickle. Defaults to 0.
        val_fraction (float): Share of each class's samples in split ``'val'``. Defaults to 0.2.
        test_fraction (float): Share of each class's samples in split ``'test'``. Defaults to 0.2.
        two_person_ratio (float): Share of samples with an idle second person. Defaults to 0.25.
        progress (bool): Show a rich progress bar. Defaults to False.

    Returns:
        dict: Paths written: ``root``, ``ann_file`` and ``classes``.
    """
    _check_arguments(num_samples, val_fraction, test_fraction)
    os.makedirs(out_dir, exist_ok=True)
    paths = dict(root=out_dir, ann_file=osp.join(out_dir, ANN_FILE),
                 classes=osp.join(out_dir, 'classes.txt'))
    annotations: List[dict] = []
    splits: Dict[str, List[str]] = {'train': [], 'val': [], 'test': []}
    for index in _progress(range(num_samples), progress):
        rng = np.random.default_rng([seed, index])
        label = index % len(SYNTH_SKELETON_CLASSES)
        num_frames = int(rng.integers(FRAMES_RANGE[0], FRAMES_RANGE[1] + 1))
        num_person = 2 if rng.random() < two_person_ratio else 1
        keypoint, score = sample_skeletons(label, num_frames, num_person, rng)
        frame_dir = f'{index:05d}'
        splits[split_of(index, num_samples, val_fraction, test_fraction)].append(frame_dir)
        annotations.append(dict(frame_dir=frame_dir, label=label, total_frames=num_frames,
                                img_shape=IMG_SHAPE, original_shape=IMG_SHAPE,
                                keypoint=keypoint, keypoint_score=score))
    with open(paths['ann_file'], 'wb') as stream:
        pickle.dump(dict(split=splits, annotations=annotations), stream, protocol=4)
    with open(paths['classes'], 'w', encoding='utf-8') as stream:
        stream.write(''.join(f'{name}\n' for name in SYNTH_SKELETON_CLASSES))
    return paths
