"""A new user's first AVA run: ``reelkit data synth-ava``, ``reelkit train`` the shipped SlowOnly
detector config, ``reelkit test`` it; the printed frame mAP beats the same boxes scored at random."""
import os
import pickle
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

from reelkit.evaluation.metrics import AVAMetric


pytestmark = pytest.mark.slow

CONFIG = 'detection/slowonly/slowonly_r18-quarter_1xb8-4x4x1-8e_synth-ava-rgb.py'
ANNOTATIONS = 'data/synth_ava/annotations'
IN_PROCESS = [f'{split}_dataloader.{key}={value}' for split in ('train', 'val', 'test')
              for key, value in (('num_workers', 0), ('persistent_workers', False))]
MAP_LINE = re.compile(r'Epoch\(test\).*mAP/overall: ([0-9.]+)')


def reelkit(args, cwd) -> str:
    """Run ``python -m reelkit ARGS`` in ``cwd`` as a user would; its stdout and stderr."""
    env = dict(os.environ, OMP_NUM_THREADS='2')
    done = subprocess.run([sys.executable, '-m', 'reelkit', *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=1500)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    return output


def frame_map(samples, cwd) -> float:
    metric = AVAMetric(ann_file=f'{cwd}/{ANNOTATIONS}/ava_val.csv',
                       exclude_file=f'{cwd}/{ANNOTATIONS}/ava_val_excluded_timestamps.csv',
                       label_file=f'{cwd}/{ANNOTATIONS}/ava_action_list.pbtxt', num_classes=4)
    metric.process([], samples)
    return metric.evaluate(len(samples))['mAP/overall']


def with_random_scores(samples, seed: int):
    generator = torch.Generator().manual_seed(seed)
    return [dict(sample, pred_instances=dict(
        bboxes=sample['pred_instances']['bboxes'],
        scores=torch.rand(sample['pred_instances']['scores'].shape, generator=generator)))
        for sample in samples]


def test_synth_ava_train_test_prints_frame_map_above_random_scores(tmp_path):
    reelkit(['data', 'synth-ava', 'data/synth_ava'], tmp_path)
    reelkit(['train', CONFIG, '--work-dir', 'work', '--cfg-options', *IN_PROCESS], tmp_path)
    checkpoint = 'work/epoch_8.pth'
    assert (tmp_path / checkpoint).is_file()
    output = reelkit(['test', CONFIG, checkpoint, '--work-dir', 'work_test', '--dump', 'preds.pkl',
                      '--cfg-options', 'test_evaluator.out_file=results.csv', *IN_PROCESS], tmp_path)
    printed = float(MAP_LINE.findall(output)[-1])

    with open(tmp_path / 'preds.pkl', 'rb') as stream:
        samples = pickle.load(stream)
    assert frame_map(samples, tmp_path) == pytest.approx(printed, abs=1e-4)
    random_maps = [frame_map(with_random_scores(samples, seed), tmp_path) for seed in range(5)]
    print(f'SynthAVA frame mAP@0.5: trained {printed:.4f}, random scores on the same boxes '
          f'{np.mean(random_maps):.4f} (+- {np.std(random_maps):.4f})')
    assert printed > max(random_maps) + 0.05
    rows = (tmp_path / 'results.csv').read_text().splitlines()
    video_id, timestamp, *box, action_id, score = rows[0].split(',')
    assert video_id.startswith('synth_ava_') and int(action_id) in (1, 2, 3)
    assert all(0 <= float(v) <= 1 for v in box) and 0 <= float(score) <= 1
