"""ANetMetric and the ActivityNet functions against hand-checked cases and loop-by-loop references."""
import json

import numpy as np
import pytest

from reelkit.evaluation.functional.activitynet import (average_precision_detection,
                                                       average_recall_at_avg_proposals,
                                                       interpolated_average_precision,
                                                       pairwise_temporal_iou)
from reelkit.evaluation.metrics import ANetMetric
from reelkit.structures import ActionDataSample
from reelkit.utils.errors import ConfigError, ReelkitError

THRESHOLDS = np.linspace(0.5, 0.95, 10)
GROUND_TRUTH = {  # video name -> [(start, end, label)]
    'v_a': [(0., 10., 'jump'), (20., 30., 'run')],
    'v_b': [(5., 25., 'jump')],
}


def sample_of(video_name):
    sample = ActionDataSample()
    sample.set_metainfo(dict(video_name=video_name, annotations=[
        dict(segment=[start, end], label=label) for start, end, label in GROUND_TRUTH[video_name]]))
    return sample


def evaluate(predictions, **kwargs):
    """Run ANetMetric over one batch per video of GROUND_TRUTH; ``predictions``: name -> proposals."""
    metric = ANetMetric(**kwargs)
    for video_name in GROUND_TRUTH:
        metric.process(dict(data_samples=[sample_of(video_name)]),
                       [dict(video_name=video_name, proposal_list=predictions.get(video_name, []))])
    return metric.evaluate(len(GROUND_TRUTH))


def proposals(*segments, label=None):
    """``[dict(segment, score)]`` with falling scores, in the given order."""
    return [dict(segment=list(segment), score=1. - 0.01 * rank,
                 **({} if label is None else dict(label=label)))
            for rank, segment in enumerate(segments)]


# --------------------------------------------------------------- hand-checked cases
def test_perfect_proposals_give_full_recall_and_known_auc():
    metrics = evaluate({name: proposals(*[s[:2] for s in segments])
                        for name, segments in GROUND_TRUTH.items()}, metric_type='AR@AN')
    for point in ('AR@5', 'AR@10', 'AR@100'):
        assert metrics[point] == pytest.approx(1.0)
    # 3 proposals in 2 videos: point j keeps int(n * (j + 1) * 2 / 3) of a video's n, so at
    # the first point v_a keeps 1 of its 2 and v_b none of its 1: recall 1/3, then 1. The curve
    # runs over 1..100 proposals per video: area (1/3 + 1) / 2 + 98 over a width of 100.
    assert metrics['AR@1'] == pytest.approx(1 / 3)
    assert metrics['auc'] == pytest.approx(100 * ((1 / 3 + 1) / 2 + 98) / 100)


def test_one_perfect_proposal_per_video_gives_auc_99():
    recall, _, per_video, auc = average_recall_at_avg_proposals(
        {'a': np.array([[0., 10.]]), 'b': np.array([[5., 9.]])},
        {'a': np.array([[0., 10., 0.9]]), 'b': np.array([[5., 9., 0.3]])}, 2, 100, THRESHOLDS)
    assert (recall == 1).all() and per_video[0] == pytest.approx(1.)
    assert auc == pytest.approx(99.0)  # 1 from 1 to 100 proposals per video: 99 / 100


def test_perfect_detections_give_map_1():
    predictions = {name: [dict(segment=[s, e], score=0.9, label=label) for s, e, label in segments]
                   for name, segments in GROUND_TRUTH.items()}
    metrics = evaluate(predictions, metric_type='mAP')
    assert metrics['average_mAP'] == pytest.approx(1.0)
    assert metrics['mAP@0.50'] == metrics['mAP@0.95'] == pytest.approx(1.0)


def test_empty_predictions_give_zero_recall_and_map():
    metrics = evaluate({}, metric_type='AR@AN')
    assert metrics['auc'] == 0 and metrics['AR@100'] == 0
    assert evaluate({}, metric_type='mAP')['average_mAP'] == 0


def test_shifted_segments_count_only_at_thresholds_up_to_their_tiou():
    # Each proposal is its segment shifted by a fifth of its length: tIoU 0.8 / 1.2 = 2/3,
    # which passes the thresholds 0.50, 0.55, 0.60 and 0.65 (4 of 10).
    shifted = {name: [(s + (e - s) / 5, e + (e - s) / 5, label) for s, e, label in segments]
               for name, segments in GROUND_TRUTH.items()}
    assert pairwise_temporal_iou(np.array([[2., 12.]]), np.array([[0., 10.]]))[0, 0] == \
        pytest.approx(2 / 3)
    recall = evaluate({name: proposals(*[seg[:2] for seg in segs]) for name, segs in shifted.items()},
                      metric_type='AR@AN')
    assert recall['AR@100'] == pytest.approx(0.4)
    detections = {name: [dict(segment=[s, e], score=0.5, label=label) for s, e, label in segs]
                  for name, segs in shifted.items()}
    metrics = evaluate(detections, metric_type='mAP')
    assert metrics['mAP@0.65'] == pytest.approx(1.0) and metrics['mAP@0.70'] == 0
    assert metrics['average_mAP'] == pytest.approx(0.4)


def test_duplicate_detections_are_false_positives():
    # Two 'jump' segments; the second detection repeats the first: TP, FP, TP.
    # Precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1: interpolated AP = 1/2 * 1 + 1/2 * 2/3 = 5/6.
    ground_truth = [('a', 0., 10.), ('b', 5., 25.)]
    detections = [('a', 0., 10., 0.9), ('a', 0., 10., 0.8), ('b', 5., 25., 0.7)]
    assert average_precision_detection(ground_truth, detections, THRESHOLDS) == \
        pytest.approx(np.full(10, 5 / 6))


def test_duplicate_proposals_find_a_segment_once():
    predictions = {'v_a': proposals((0., 10.), (0., 10.), (0., 10.))}  # 'run' and v_b missed
    assert evaluate(predictions, metric_type='AR@AN')['AR@100'] == pytest.approx(1 / 3)


def test_detections_of_the_wrong_class_or_video_miss():
    predictions = {'v_a': [dict(segment=[0., 10.], score=0.9, label='run')],  # wrong class
                   'v_b': [dict(segment=[20., 30.], score=0.9, label='run')]}  # wrong video
    assert evaluate(predictions, metric_type='mAP')['average_mAP'] == 0


# --------------------------------------------------------------- independent references
def reference_average_recall(ground_truth, video_proposals, max_avg_proposals, thresholds):
    """AR at 100 points, written from ActivityNet's definition, one proposal at a time."""
    num_videos = len(ground_truth)
    total = sum(len(p) for p in video_proposals.values())
    ratio = max_avg_proposals * num_videos / total
    ranked, retrieved = {}, 0
    for video, props in video_proposals.items():
        keep = min(int(len(props) * ratio), len(props))
        ranked[video] = sorted(props, key=lambda p: -p[2])[:keep]
        retrieved += keep
    curve = np.zeros((len(thresholds), 100))
    positives = sum(len(segments) for segments in ground_truth.values())
    for j in range(100):
        fraction = (j + 1) / 100.0 * (max_avg_proposals * num_videos / retrieved)
        for k, threshold in enumerate(thresholds):
            found = 0
            for video, segments in ground_truth.items():
                count = min(int(len(ranked[video]) * fraction), len(ranked[video]))
                for gs, ge in segments:
                    for ps, pe, _ in ranked[video][:count]:
                        inter = max(0., min(ge, pe) - max(gs, ps))
                        if inter / ((ge - gs) + (pe - ps) - inter) >= threshold:
                            found += 1
                            break
            curve[k, j] = found / positives
    return curve


def reference_interpolated_ap(is_true_positive, num_positives):
    """AP as the area under the precision envelope: for each recall step, the best precision
    at that recall or beyond."""
    tp = fp = 0
    points = []
    for hit in is_true_positive:
        tp, fp = tp + hit, fp + (not hit)
        points.append((tp / num_positives, tp / (tp + fp)))
    ap, previous_recall = 0., 0.
    for recall, _ in points:
        if recall > previous_recall:
            envelope = max(p for r, p in points if r >= recall)
            ap += (recall - previous_recall) * envelope
            previous_recall = recall
    return ap


def test_average_recall_matches_a_reference_on_random_proposals():
    rng = np.random.default_rng(0)
    ground_truth, video_proposals = {}, {}
    for video in range(6):
        starts = rng.uniform(0, 50, 3)
        ground_truth[video] = np.stack([starts, starts + rng.uniform(5, 40, 3)], 1)
        count = int(rng.integers(5, 40))
        ps = rng.uniform(0, 60, count)
        video_proposals[video] = np.stack([ps, ps + rng.uniform(2, 40, count), rng.random(count)], 1)
    total = sum(len(p) for p in video_proposals.values())
    for max_avg in (10, 30):
        recall, average, per_video, auc = average_recall_at_avg_proposals(
            ground_truth, video_proposals, total, max_avg, THRESHOLDS)
        expected = reference_average_recall(
            {v: [tuple(s) for s in g] for v, g in ground_truth.items()},
            {v: [tuple(p) for p in ps] for v, ps in video_proposals.items()}, max_avg, THRESHOLDS)
        np.testing.assert_allclose(recall, expected)
        assert 0 < average[-1] < 1
        width = per_video[-1]
        area = sum((per_video[i + 1] - per_video[i]) * (average[i] + average[i + 1]) / 2
                   for i in range(99))
        assert auc == pytest.approx(100 * area / width)


def test_interpolated_ap_matches_the_envelope_reference():
    rng = np.random.default_rng(1)
    for _ in range(20):
        hits = rng.random(15) < 0.5
        num_positives = int(hits.sum()) + int(rng.integers(0, 3))
        if num_positives == 0:
            continue
        tp, fp = np.cumsum(hits), np.cumsum(~hits)
        assert interpolated_average_precision(tp / (tp + fp), tp / num_positives) == \
            pytest.approx(reference_interpolated_ap(hits, num_positives))


# --------------------------------------------------------------- dump and errors
def test_json_dump_is_the_activitynet_result_file(tmp_path):
    out = tmp_path / 'sub' / 'results.json'
    predictions = {'v_a': proposals((0., 10.)), 'v_b': proposals((5., 20.))}
    evaluate(predictions, metric_type='AR@AN', dump_config=dict(out=str(out), output_format='json'))
    dumped = json.loads(out.read_text())
    assert dumped['version'] == 'VERSION 1.3' and dumped['external_data'] == {}
    assert dumped['results'] == {'a': predictions['v_a'], 'b': predictions['v_b']}


def test_tem_csv_dump_writes_one_file_per_video(tmp_path):
    metric = ANetMetric(metric_type='TEM', dump_config=dict(out=str(tmp_path), output_format='csv'))
    outputs = np.arange(10, dtype=float).reshape(2, 5)
    metric.process(dict(data_samples=[ActionDataSample()]), [('v_a', outputs)])
    assert metric.evaluate(1) == {}
    lines = (tmp_path / 'v_a.csv').read_text().splitlines()
    assert lines[0] == 'action,start,end,tmin,tmax'
    np.testing.assert_allclose(np.loadtxt(tmp_path / 'v_a.csv', delimiter=',', skiprows=1), outputs)


def test_bad_configuration_and_inputs_are_named():
    with pytest.raises(ConfigError, match="metric_type='AR@100'"):
        ANetMetric(metric_type='AR@100')
    with pytest.raises(ConfigError, match='output_format'):
        ANetMetric(dump_config=dict(out='x', output_format='xml'))
    metric = ANetMetric(metric_type='AR@AN')
    bare = ActionDataSample()
    bare.set_metainfo(dict(video_name='v_a'))
    with pytest.raises(ConfigError, match="'v_a'.*meta_keys"):
        metric.process(dict(data_samples=[bare]), [dict(video_name='v_a', proposal_list=[])])
    with pytest.raises(ReelkitError, match="proposal 0 of video 'a' has no 'label'"):
        evaluate({'v_a': proposals((0., 10.))}, metric_type='mAP')
