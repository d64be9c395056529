"""reelkit eval-metric: the config's test_evaluator on dumped predictions gives the accuracy
counted by hand, and on a real dump the numbers reelkit test printed."""
import json

import mmengine
import pytest
import torch

from reelkit.cli import main

# Scores of 4 samples over 3 classes and their true classes: argmax hits samples 0 and 3 only.
SCORES = [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.5, 0.4, 0.1], [0.2, 0.2, 0.6]]
LABELS = [0, 1, 1, 2]


def printed_metrics(stdout):
    return {name.strip(): float(value) for name, value in
            (line.split(': ') for line in stdout.splitlines() if line.startswith('  '))}


def test_top1_equals_the_hand_counted_accuracy(tiny_run, tmp_path, capsys):
    config, _ = tiny_run
    predicted = [max(range(3), key=score.__getitem__) for score in SCORES]
    results = tmp_path / 'results.pkl'
    mmengine.dump([dict(pred_score=torch.tensor(score), pred_label=torch.tensor([pred]),
                        gt_label=torch.tensor([label]))
                   for score, pred, label in zip(SCORES, predicted, LABELS)], str(results))
    hand_top1 = sum(pred == label for pred, label in zip(predicted, LABELS)) / len(LABELS)
    assert hand_top1 == 0.5
    assert main(['eval-metric', config, str(results), '--cfg-options',
                 'test_evaluator.metric_options.top_k_accuracy.topk=(1,2)']) == 0
    metrics = printed_metrics(capsys.readouterr().out)
    # top-2 hits every sample (the true class of samples 1 and 2 has their second-best score);
    # per class: class 0 1/1, class 1 0/2, class 2 1/1. Printed with 4 decimals.
    assert metrics == pytest.approx({'acc/top1': hand_top1, 'acc/top2': 1.0, 'acc/mean1': 2 / 3},
                                    abs=5e-5)


def test_metrics_of_a_real_dump_equal_those_reelkit_test_logged(tiny_run, tmp_path, capsys):
    config, work_dir = tiny_run
    results, test_dir = tmp_path / 'results.pkl', tmp_path / 'test'
    assert main(['test', config, str(work_dir / 'epoch_1.pth'), '--work-dir', str(test_dir),
                 '--dump', str(results)]) == 0
    (logged, ) = test_dir.glob('*/*.json')
    capsys.readouterr()
    assert main(['eval-metric', config, str(results)]) == 0
    metrics = printed_metrics(capsys.readouterr().out)
    expected = {key: value for key, value in json.loads(logged.read_text()).items() if key.startswith('acc/')}
    assert metrics == pytest.approx(expected, abs=5e-5)  # printed with 4 decimals
