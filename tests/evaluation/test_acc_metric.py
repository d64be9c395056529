"""AccMetric and ConfusionMatrix, end to end through MMEngine's Evaluator."""
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope

from reelkit.evaluation import AccMetric, ConfusionMatrix
from reelkit.registry import METRICS
from reelkit.structures.action_data_sample import ActionDataSample

# Same 3-class example as test_accuracy_functions: top-1 predictions 0, 0, 2, 1.
SCORES = [[0.7, 0.2, 0.1], [0.5, 0.3, 0.2], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3]]
LABELS = [0, 1, 2, 2]
ML_SCORES = [[0.9, 0.2, 0.5], [0.8, 0.6, 0.1], [0.3, 0.7, 0.2], [0.1, 0.4, 0.05]]
ML_HOT = [[1., 0., 0.], [0., 1., 0.], [1., 0., 0.], [0., 1., 0.]]


def make_samples(scores, labels):
    return [ActionDataSample().set_pred_score(torch.tensor(s)).set_gt_label(label)
            for s, label in zip(scores, labels)]


def run_evaluator(metrics, samples, batch_size=2):
    evaluator = Evaluator(metrics)
    for start in range(0, len(samples), batch_size):
        evaluator.process(samples[start:start + batch_size])
    return evaluator.evaluate(len(samples))


def test_acc_metric_through_evaluator():
    metric = AccMetric(metric_options=dict(top_k_accuracy=dict(topk=(1, 2))))
    results = run_evaluator([metric], make_samples(SCORES, LABELS))
    assert results == pytest.approx({'acc/top1': 0.5, 'acc/top2': 1.0, 'acc/mean1': 0.5})


def test_acc_metric_default_reports_top1_top5_mean1():
    samples = make_samples([s + [0.0, 0.0, 0.0] for s in SCORES], LABELS)
    assert list(run_evaluator([AccMetric()], samples)) == ['acc/top1', 'acc/top5', 'acc/mean1']


def test_acc_metric_builds_from_config_in_reelkit_scope():
    with DefaultScope.overwrite_default_scope('reelkit'):
        evaluator_cfg = [dict(type='AccMetric', metric_list='top_k_accuracy',
                              metric_options=dict(top_k_accuracy=dict(topk=1)))]
        results = run_evaluator(evaluator_cfg, make_samples(SCORES, LABELS))
    assert results == {'acc/top1': 0.5}


def test_acc_metric_process_accepts_data_samples_and_dicts():
    samples = make_samples(SCORES, LABELS)
    metric = AccMetric(metric_list=('top_k_accuracy', ), metric_options=dict(top_k_accuracy=dict(topk=(1, ))))
    metric.process(None, samples[:2])
    metric.process(None, [s.to_dict() for s in samples[2:]])
    assert metric.evaluate(4) == {'acc/top1': 0.5}


def test_acc_metric_multi_label_float_targets():
    metric = AccMetric(metric_list=('mean_average_precision', 'mmit_mean_average_precision'))
    results = run_evaluator([metric], make_samples(ML_SCORES, [np.array(h, np.float32) for h in ML_HOT]))
    assert results == pytest.approx({'acc/mean_average_precision': (5 / 6 + 7 / 12) / 2,
                                     'acc/mmit_mean_average_precision': 0.75})


def test_acc_metric_multi_label_index_targets_match_multi_hot():
    index_labels = [[0], [1], [0], [1]]
    index_labels[0] = [0, 2]  # two positives given as indices
    hot = [list(h) for h in ML_HOT]
    hot[0][2] = 1.0
    metric_cfg = dict(metric_list='mean_average_precision')
    by_index = run_evaluator([AccMetric(**metric_cfg)], make_samples(ML_SCORES, index_labels))
    hot_labels = [np.array(h, np.float32) for h in hot]
    by_hot = run_evaluator([AccMetric(**metric_cfg)], make_samples(ML_SCORES, hot_labels))
    assert by_index == pytest.approx(by_hot)


def test_acc_metric_single_label_map_uses_one_hot_targets():
    # class 0 column ranks clip 0 (P) first -> 1; class 2 ranks clips 2, 3 (P, P) first -> 1;
    # class 1 ranks clip 3 (0.5, N), then clips 1 (P) and 2 (N) tied at 0.3 -> precision 1/3
    results = run_evaluator([AccMetric(metric_list='mean_average_precision')], make_samples(SCORES, LABELS))
    assert results['acc/mean_average_precision'] == pytest.approx((1 + 1 / 3 + 1) / 3)


def test_acc_metric_rejects_top_k_on_multi_label_targets():
    metric = AccMetric()
    metric.process(None, make_samples(ML_SCORES, [np.array(h, np.float32) for h in ML_HOT]))
    with pytest.raises(ValueError, match='sample 0 has a multi-label gt_label'):
        metric.evaluate(4)


def test_acc_metric_unknown_metric_lists_valid_names():
    with pytest.raises(ValueError) as error:
        AccMetric(metric_list=('top_k_accuracy', 'top1_acc'))
    message = str(error.value)
    assert "['top1_acc']" in message
    valid = ('top_k_accuracy', 'mean_class_accuracy', 'mean_average_precision', 'mmit_mean_average_precision')
    assert all(name in message for name in valid)


def test_acc_metric_rejects_bad_topk_at_construction():
    with pytest.raises(ValueError, match=r'topk=\(1, 0\)'):
        AccMetric(metric_options=dict(top_k_accuracy=dict(topk=(1, 0))))


def test_acc_metric_rejects_options_for_unknown_metric():
    with pytest.raises(ValueError, match=r"unknown metric\(s\) \['top_k'\]"):
        AccMetric(metric_options=dict(top_k=dict(topk=1)))


def test_acc_metric_names_missing_field():
    sample = ActionDataSample().set_gt_label(0)
    with pytest.raises(KeyError, match="no 'pred_score'"):
        AccMetric().process(None, [sample.to_dict()])


def test_confusion_matrix_metric_through_evaluator():
    results = run_evaluator([ConfusionMatrix()], make_samples(SCORES, LABELS))
    assert list(results) == ['confusion_matrix/result']
    expected = torch.tensor([[1, 0, 0], [1, 0, 0], [0, 1, 1]])
    assert torch.equal(results['confusion_matrix/result'], expected)


def test_confusion_matrix_metric_from_pred_labels_needs_num_classes():
    samples = [ActionDataSample().set_pred_label(p).set_gt_label(g) for p, g in [(0, 0), (3, 1)]]
    matrix = run_evaluator([ConfusionMatrix(num_classes=4)], samples)['confusion_matrix/result']
    assert matrix.shape == (4, 4) and matrix[0, 0] == 1 and matrix[1, 3] == 1
    with pytest.raises(ValueError, match='set num_classes'):
        run_evaluator([ConfusionMatrix()], samples)


def test_metrics_register_when_the_registry_imports_its_location():
    code = ('from reelkit.registry import METRICS\n'
            'for name in ("AccMetric", "ConfusionMatrix"):\n'
            '    print(METRICS.get(name).__module__)\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ['reelkit.evaluation.metrics.acc_metric'] * 2


def test_metrics_build_from_reelkit_registry():
    assert isinstance(METRICS.build(dict(type='ConfusionMatrix', num_classes=3)), ConfusionMatrix)


def test_acc_metric_rejects_label_outside_score_vector():
    with pytest.raises(ValueError, match=r'gt_label 3 is not a class index in \[0, 3\)'):
        AccMetric().process(None, make_samples(SCORES[:1], [3]))
