"""SynthAVA: tiny frame folders of moving coloured boxes ("people"), annotated the AVA way.

Each video shows one or two people (filled rectangles on a noisy grey background) for
``duration`` seconds at ``fps``. A person's actions are visible: ``stand`` (the box is still)
or ``walk`` (it slides left and right), and ``talk`` when it is red (the others are blue), so a
person has one or two of the three actions. Whether a person walks is drawn anew for each
two-second window ``[t - 1, t + 1)`` around a keyframe ``t``, so it is told by the motion in
the clip, not by who the person is. Layout under ``out_dir``::

    rawframes/synth_ava_000/img_00001.jpg ...   (frames 1 .. duration * fps)
    annotations/ava_{train,val}.csv               video_id,timestamp,x1,y1,x2,y2,action_id,person_id
    annotations/ava_{train,val}_excluded_timestamps.csv
    annotations/ava_action_list.pbtxt             the 3 actions, ids 1-3
    annotations/ava_dense_proposals_{train,val}.pkl

Keyframes are every other second from ``timestamp_start + 1`` to ``timestamp_end - 1``; the
keyframe of second ``t`` is frame ``fps * (t - timestamp_start) + 1``. Proposals are the true
boxes jittered by about a pixel (scores 0.9-1) plus one random distractor per keyframe (score
0.3-1, so AVADataset's ``person_det_score_thr=0.9`` keeps some). The last keyframe of each
split's first video is listed as excluded.
"""
import os
import os.path as osp
import pickle
from typing import Dict, Iterable, List

import cv2
import numpy as np

SYNTH_AVA_CLASSES = {1: 'stand', 2: 'walk', 3: 'talk'}
RED, BLUE = (200, 40, 40), (40, 70, 210)


def _progress(items: range, enabled: bool) -> Iterable[int]:
    if not enabled:
        return items
    from rich.progress import track
    return track(items, description='SynthAVA', total=len(items))


def make_person(index: int, num_people: int, size: int, rng: np.random.Generator) -> dict:
    """A person in its own vertical band of the frame: box size, colour, start and speed."""
    band = size / num_people
    width, height = rng.integers(size // 5, size // 3, endpoint=True), rng.integers(size // 3, size // 2)
    return dict(width=int(width), height=int(height), red=bool(rng.random() < 0.5),
                band=(index * band, (index + 1) * band - width),
                x=float(rng.uniform(index * band, (index + 1) * band - width)),
                y=float(rng.uniform(0, size - height)), speed=float(rng.choice([-2.0, 2.0])))


def person_track(person: dict, walking: np.ndarray) -> np.ndarray:
    """``(num_frames, 4)`` pixel boxes x1y1x2y2; while ``walking[frame]`` the box moves two
    pixels a frame, bouncing between its band's edges."""
    x, speed, boxes = person['x'], person['speed'], []
    low, high = person['band']
    for moving in walking:
        boxes.append((x, person['y'], x + person['width'], person['y'] + person['height']))
        if moving:
            if not low <= x + speed <= high:
                speed = -speed
            x += speed
    return np.array(boxes)


def person_actions(person: dict, walking: bool) -> List[int]:
    return [2 if walking else 1] + ([3] if person['red'] else [])


def render_frame(boxes: List[np.ndarray], people: List[dict], size: int,
                 rng: np.random.Generator) -> np.ndarray:
    """An RGB ``size x size`` frame with each person's box filled in its colour."""
    frame = np.clip(rng.normal(60, 12, (size, size, 3)), 0, 255).astype(np.uint8)
    for (x1, y1, x2, y2), person in zip(boxes, people):
        frame[int(round(y1)):int(round(y2)), int(round(x1)):int(round(x2))] = (
            RED if person['red'] else BLUE)
    return frame


def _jitter(box: np.ndarray, size: int, sigma: float, rng: np.random.Generator) -> np.ndarray:
    return np.clip((box + rng.normal(0, sigma, 4)) / size, 0, 1)


def write_video(frame_dir: str, video_id: str, num_frames: int, fps: int, keyframes: List[int],
                timestamp_start: int, size: int, rng: np.random.Generator):
    """Write one video's frames; return its csv rows and ``{img_key: proposals}``."""
    people = [make_person(i, n, size, rng) for n in [int(rng.integers(1, 3))] for i in range(n)]
    # one draw per two-second window, frames [fps * (2k), fps * (2k + 2))
    windows = rng.random((len(people), len(keyframes))) < 0.5
    walking = np.repeat(windows, 2 * fps, axis=1)[:, :num_frames]
    tracks = [person_track(person, moving) for person, moving in zip(people, walking)]
    os.makedirs(frame_dir, exist_ok=True)
    for index in range(num_frames):
        frame = render_frame([track[index] for track in tracks], people, size, rng)
        cv2.imwrite(osp.join(frame_dir, f'img_{index + 1:05d}.jpg'), frame[:, :, ::-1],
                    [cv2.IMWRITE_JPEG_QUALITY, 92])
    rows, proposals = [], {}
    for window, timestamp in enumerate(keyframes):
        frame_index = fps * (timestamp - timestamp_start)
        boxes = [track[frame_index] for track in tracks]
        for person_id, (box, person) in enumerate(zip(boxes, people)):
            x1, y1, x2, y2 = np.clip(box / size, 0, 1)
            rows += [f'{video_id},{timestamp},{x1:.3f},{y1:.3f},{x2:.3f},{y2:.3f},{action},{person_id}'
                     for action in person_actions(person, windows[person_id, window])]
        true = [np.append(_jitter(box, size, 1.0, rng), rng.uniform(0.9, 1.0)) for box in boxes]
        corner = rng.uniform(0, size * 0.6, 2)
        distractor = np.append(_jitter(np.concatenate([corner, corner + size * 0.3]), size, 0, rng),
                               rng.uniform(0.3, 1.0))
        proposals[f'{video_id},{timestamp:04d}'] = np.stack(true + [distractor]).astype(np.float64)
    return rows, proposals


def _write_lines(path: str, lines: List[str]) -> None:
    with open(path, 'w', encoding='utf-8') as stream:
        stream.write(''.join(line + '\n' for line in lines))


def write_label_map(path: str) -> None:
    """The ``.pbtxt`` label map of the SynthAVA actions."""
    _write_lines(path, [f'item {{\n  name: "{name}"\n  id: {class_id}\n}}'
                        for class_id, name in SYNTH_AVA_CLASSES.items()])


def generate_synth_ava(out_dir: str,
                       num_videos: int = 16,
                       seed: int = 0,
                       size: int = 64,
                       fps: int = 8,
                       duration: int = 10,
                       timestamp_start: int = 900,
                       val_fraction: float = 0.3,
                       progress: bool = False) -> Dict[str, str]:
    """Write a SynthAVA dataset under ``out_dir`` (layout in the module docstring).

    Args:
        out_dir: the folder to write (created if needed).
        num_videos: videos in both splits (at least 2).
        seed: the random seed; the same seed writes the same files.
        size: frame side in pixels.
        fps: frames per second.
        duration: seconds per video, even (``timestamp_end = timestamp_start + duration``).
        timestamp_start: the first second, as AVA's 900.
        val_fraction: the share of videos in the val split (at least one).
        progress: show a rich progress bar.

    Returns:
        ``{name: path}`` of the frame root and each annotation file.
    """
    if num_videos < 2 or duration < 2 or duration % 2:
        raise ValueError(f'generate_synth_ava: num_videos={num_videos} and duration={duration} '
                         'must be at least 2, and duration even')
    rng = np.random.default_rng(seed)
    frame_root, ann_root = osp.join(out_dir, 'rawframes'), osp.join(out_dir, 'annotations')
    os.makedirs(ann_root, exist_ok=True)
    num_val = max(1, int(round(num_videos * val_fraction)))
    keyframes = list(range(timestamp_start + 1, timestamp_start + duration, 2))
    splits = {'train': {'rows': [], 'proposals': {}, 'excluded': []},
              'val': {'rows': [], 'proposals': {}, 'excluded': []}}
    for index in _progress(range(num_videos), progress):
        split = splits['val' if index >= num_videos - num_val else 'train']
        video_id = f'synth_ava_{index:03d}'
        rows, proposals = write_video(osp.join(frame_root, video_id), video_id, fps * duration,
                                      fps, keyframes, timestamp_start, size, rng)
        split['rows'] += rows
        split['proposals'].update(proposals)
        if not split['excluded']:
            split['excluded'].append(f'{video_id},{keyframes[-1]}')
    paths = dict(frames=frame_root, label_map=osp.join(ann_root, 'ava_action_list.pbtxt'))
    write_label_map(paths['label_map'])
    for name, split in splits.items():
        paths[f'{name}_csv'] = osp.join(ann_root, f'ava_{name}.csv')
        paths[f'{name}_excluded'] = osp.join(ann_root, f'ava_{name}_excluded_timestamps.csv')
        paths[f'{name}_proposals'] = osp.join(ann_root, f'ava_dense_proposals_{name}.pkl')
        _write_lines(paths[f'{name}_csv'], split['rows'])
        _write_lines(paths[f'{name}_excluded'], split['excluded'])
        with open(paths[f'{name}_proposals'], 'wb') as stream:
            pickle.dump(split['proposals'], stream)
    return paths
