"""SynthANet: small ActivityNet-format localization data whose actions show in the features.

Each video is ``temporal_scale`` snippets of ``feat_dim`` features (already rescaled to the
temporal scale, as the official ``csv_mean_100`` files are to 100). The background snippets are
a shared background vector plus Gaussian noise; the snippets inside an action add the action's
class vector, so a localizer can find where the pattern starts and ends. Each video holds 1-3
actions of 3 snippets to half the video, apart from each other, on the snippet grid. Durations
vary (20-120 s at 30 fps, a whole number of 16-frame feature snippets, so ``feature_frame`` equals
``duration_frame``).

Everything a video needs is drawn from ``np.random.default_rng([seed, index])`` (the class and
background vectors from ``default_rng(seed)``), so the same seed writes the same files.

Written under ``out_dir``::

    features/v_synth_00000.csv ...   a header row, then temporal_scale rows of feat_dim values
    anet_anno_train.json             ActivityNetDataset annotations (see activitynet_dataset.py)
    anet_anno_val.json               the validation (and test) videos
    classes.txt                      the class names, one per line
"""
import json
import os
import os.path as osp
from typing import Dict, Iterable, List, Tuple

import numpy as np

from reelkit.utils.errors import ReelkitError

SYNTH_ANET_CLASSES = ('Juggling balls', 'Rope skipping', 'Painting fence', 'Surfing')
FPS = 30.0
FEATURE_INTERVAL = 16  # frames per feature snippet (BMN's feature_extraction_interval)
DURATION_RANGE = (20.0, 120.0)  # seconds
ACTIONS_RANGE = (1, 3)
MIN_ACTION_SNIPPETS = 3
SIGNAL, NOISE = 1.5, 0.5  # norm of a class vector, standard deviation of the noise


def sample_segments(temporal_scale: int, rng: np.random.Generator) -> List[Tuple[int, int]]:
    """1-3 disjoint ``(start, end)`` snippet ranges (end exclusive) with a gap between them,
    in time order."""
    wanted = int(rng.integers(ACTIONS_RANGE[0], ACTIONS_RANGE[1] + 1))
    longest = max(MIN_ACTION_SNIPPETS, temporal_scale // 2)
    taken = np.zeros(temporal_scale, dtype=bool)
    segments: List[Tuple[int, int]] = []
    for _ in range(20 * wanted):  # rejection sampling; a crowded video keeps fewer actions
        if len(segments) == wanted:
            break
        length = int(rng.integers(MIN_ACTION_SNIPPETS, longest + 1))
        start = int(rng.integers(0, temporal_scale - length + 1))
        if taken[max(0, start - 1):start + length + 1].any():
            continue
        taken[start:start + length] = True
        segments.append((start, start + length))
    return sorted(segments)


def synth_video(temporal_scale: int, prototypes: np.ndarray, background: np.ndarray,
                rng: np.random.Generator) -> Tuple[np.ndarray, dict]:
    """One video: features (temporal_scale, feat_dim) float32 and its annotation entry."""
    num_snippets = int(rng.uniform(*DURATION_RANGE) * FPS) // FEATURE_INTERVAL
    duration_frame = num_snippets * FEATURE_INTERVAL
    duration_second = duration_frame / FPS
    features = background + NOISE * rng.standard_normal((temporal_scale, len(background)))
    annotations = []
    for start, end in sample_segments(temporal_scale, rng):
        label = int(rng.integers(len(prototypes)))
        features[start:end] += prototypes[label]
        annotations.append(dict(segment=[start / temporal_scale * duration_second,
                                         end / temporal_scale * duration_second],
                                label=SYNTH_ANET_CLASSES[label]))
    info = dict(duration_second=duration_second, duration_frame=duration_frame,
                annotations=annotations, feature_frame=duration_frame, fps=FPS, rfps=FPS)
    return features.astype(np.float32), info


def _progress(items: range, enabled: bool) -> Iterable[int]:
    if not enabled:
        return items
    from rich.progress import track
    return track(items, description='SynthANet', total=len(items))


def generate_synth_anet(out_dir: str,
                        num_videos: int = 160,
                        temporal_scale: int = 32,
                        feat_dim: int = 32,
                        seed: int = 0,
                        val_fraction: float = 0.25,
                        progress: bool = False) -> Dict[str, str]:
    """Write a SynthANet dataset under ``out_dir`` (layout in the module docstring).

    Args:
        out_dir (str): Where to write; created if needed, files in it are overwritten.
        num_videos (int): Videos in both splits. Defaults to 160.
        temporal_scale (int): Snippets per video (BMN's ``temporal_dim``). Defaults to 32.
        feat_dim (int): Features per snippet (BMN's ``feat_dim``). Defaults to 32.
        seed (int): The same seed writes the same files. Defaults to 0.
        val_fraction (float): Share of the videos in the validation split (the last ones).
            Defaults to 0.25.
        progress (bool): Show a rich progress bar. Defaults to False.

    Returns:
        dict: Paths written: ``root``, ``features`` (the folder), ``train``, ``val`` (the
        annotation files) and ``classes``.
    """
    num_val = int(round(num_videos * val_fraction))
    if temporal_scale < 2 * MIN_ACTION_SNIPPETS or feat_dim < 1 or not 0 < num_val < num_videos:
        raise ReelkitError(f'synth-anet: num_videos={num_videos}, temporal_scale={temporal_scale}, '
                           f'feat_dim={feat_dim}, val_fraction={val_fraction}: expected a '
                           f'temporal scale >= {2 * MIN_ACTION_SNIPPETS}, feat_dim >= 1 and '
                           'videos in both splits')
    paths = dict(root=out_dir, features=osp.join(out_dir, 'features'),
                 train=osp.join(out_dir, 'anet_anno_train.json'),
                 val=osp.join(out_dir, 'anet_anno_val.json'),
                 classes=osp.join(out_dir, 'classes.txt'))
    os.makedirs(paths['features'], exist_ok=True)
    shared = np.random.default_rng(seed)
    prototypes = shared.standard_normal((len(SYNTH_ANET_CLASSES), feat_dim))
    prototypes *= SIGNAL / np.linalg.norm(prototypes, axis=1, keepdims=True)
    background = 0.5 * shared.standard_normal(feat_dim)
    splits: Dict[str, dict] = dict(train={}, val={})
    header = ','.join(f'f{channel}' for channel in range(feat_dim))
    for index in _progress(range(num_videos), progress):
        features, info = synth_video(temporal_scale, prototypes, background,
                                     np.random.default_rng([seed, index]))
        video_name = f'v_synth_{index:05d}'
        np.savetxt(osp.join(paths['features'], video_name + '.csv'), features, fmt='%.5f',
                   delimiter=',', header=header, comments='')
        splits['val' if index >= num_videos - num_val else 'train'][video_name] = info
    for split, database in splits.items():
        with open(paths[split], 'w', encoding='utf-8') as stream:
            json.dump(database, stream, indent=1)
    with open(paths['classes'], 'w', encoding='utf-8') as stream:
        stream.write(''.join(f'{name}\n' for name in SYNTH_ANET_CLASSES))
    return paths
