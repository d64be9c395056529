"""AVA frame mAP@0.5: hand-checked cases, an independent reference, and AVAMetric end to end."""
import itertools

import numpy as np
import pytest
import torch

from reelkit.evaluation.functional.ava import (ava_eval, bbox2result, box_iou, read_ava_csv,
                                               read_labelmap)
from reelkit.evaluation.metrics import AVAMetric
from reelkit.utils.errors import AnnotationError

LABEL_MAP = ''.join(f'item {{\n  name: "{name}"\n  id: {i}\n}}\n'
                    for i, name in [(1, 'stand'), (2, 'walk'), (3, 'talk')])
A = (0.0, 0.0, 0.4, 0.4)
B = (0.5, 0.5, 0.9, 0.9)


def shifted(box, dx):
    return (box[0] + dx, box[1], box[2] + dx, box[3])


def write(path, rows):
    return write_text(path, ''.join(','.join(str(v) for v in row) + '\n' for row in rows))


def write_text(path, text):
    path.write_text(text)
    return str(path)


@pytest.fixture
def files(tmp_path):
    """Ground truth: frame v1,0902 has person A (stand, talk) and B (stand); v1,0903 has A
    (walk); v2,0902 (excluded) has B (walk). Action 4 is outside the label map."""
    gt = [('v1', 902, *A, 1, 0), ('v1', 902, *A, 3, 0), ('v1', 902, *B, 1, 1),
          ('v1', 903, *A, 2, 0), ('v1', 903, *A, 4, 0), ('v2', 902, *B, 2, 5)]
    return dict(ann_file=write(tmp_path / 'gt.csv', gt),
                label_file=write_text(tmp_path / 'labels.pbtxt', LABEL_MAP),
                exclude_file=write(tmp_path / 'excluded.csv', [('v2', 902)]),
                tmp_path=tmp_path)


def evaluate(files, detections):
    result_file = write(files['tmp_path'] / 'det.csv', detections)
    summary, class_aps = ava_eval(result_file, files['label_file'], files['ann_file'],
                                  files['exclude_file'])
    return summary['overall'], class_aps


PERFECT = [('v1', 902, *A, 1, 0.9), ('v1', 902, *A, 3, 0.8), ('v1', 902, *B, 1, 0.7),
           ('v1', 903, *A, 2, 0.6)]


# ----------------------------------------------------------------------------- hand-checked
def test_perfect_detections_give_map_one(files):
    overall, class_aps = evaluate(files, PERFECT)
    assert overall == 1.0 and class_aps == {1: 1.0, 2: 1.0, 3: 1.0}


def test_no_detections_give_ap_zero_for_every_class_with_ground_truth(files):
    overall, class_aps = evaluate(files, [])
    assert overall == 0.0 and class_aps == {1: 0.0, 2: 0.0, 3: 0.0}


def test_box_shifted_to_iou_below_half_is_a_false_positive(files):
    assert box_iou(np.array([shifted(A, 0.2)]), np.array([A]))[0, 0] == pytest.approx(1 / 3)
    detections = PERFECT[:3] + [('v1', 903, *shifted(A, 0.2), 2, 0.6)]
    _, class_aps = evaluate(files, detections)
    assert class_aps[2] == 0.0 and class_aps[1] == 1.0


def test_box_shifted_to_iou_above_half_still_matches(files):
    assert box_iou(np.array([shifted(A, 0.1)]), np.array([A]))[0, 0] == pytest.approx(0.6)
    detections = PERFECT[:3] + [('v1', 903, *shifted(A, 0.1), 2, 0.6)]
    assert evaluate(files, detections)[1][2] == 1.0


def test_duplicate_detection_of_a_matched_box_is_a_false_positive(files):
    # class 1: A 0.9 (TP), A again 0.8 (FP), B 0.7 (TP) -> precision 1, 1/2, 2/3 at recall
    # 1/2, 1/2, 1: AP = 1/2 * 1 + 1/2 * 2/3
    detections = [('v1', 902, *A, 1, 0.9), ('v1', 902, *shifted(A, 0.01), 1, 0.8),
                  ('v1', 902, *B, 1, 0.7)]
    assert evaluate(files, detections)[1][1] == pytest.approx(0.5 + 1 / 3)


def test_excluded_timestamps_are_ignored_in_ground_truth_and_detections(files):
    # v2,0902 is excluded: its walking B is not missed, a stray detection there is no FP
    detections = PERFECT + [('v2', 902, *A, 2, 0.95)]
    assert evaluate(files, detections)[1][2] == 1.0
    files['exclude_file'] = None
    # counted: FP 0.95 then TP 0.6 of 2 boxes -> precision 1/2 at recall 1/2
    assert evaluate(files, detections)[1][2] == pytest.approx(0.25)


def test_classes_outside_the_label_map_are_not_evaluated(files):
    detections = PERFECT + [('v1', 902, *B, 4, 0.99)]
    overall, class_aps = evaluate(files, detections)
    assert overall == 1.0 and 4 not in class_aps


def test_detection_in_a_frame_without_ground_truth_is_a_false_positive(files):
    detections = PERFECT + [('v9', 902, *A, 3, 0.95)]
    # class 3: FP 0.95 then TP 0.8 -> precision 1/2 at recall 1
    assert evaluate(files, detections)[1][3] == pytest.approx(0.5)


# ----------------------------------------------------------------------------- reference
def reference_map(gt_rows, det_rows, class_ids, excluded, iou_threshold=0.5):
    """Brute force: rank each class's detections, match greedily with plain loops, and take
    AP as the mean over ground-truth boxes of the best precision at or after their match."""
    def iou(a, b):
        w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
        h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
        inter = w * h
        return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)

    aps = []
    for class_id in class_ids:
        gts = [(r[0], r[1], r[2:6]) for r in gt_rows if r[6] == class_id and (r[0], r[1]) not in excluded]
        dets = sorted([(r[7], r[0], r[1], r[2:6]) for r in det_rows
                       if r[6] == class_id and (r[0], r[1]) not in excluded], key=lambda d: -d[0])
        if not gts:
            continue
        used, hits = set(), []
        for _, video, ts, box in dets:
            candidates = [(iou(box, g[2]), i) for i, g in enumerate(gts) if g[:2] == (video, ts)]
            best = max(candidates, default=(0.0, None))
            hit = best[0] >= iou_threshold and best[1] not in used
            if hit:
                used.add(best[1])
            hits.append(hit)
        precisions = [sum(hits[:k + 1]) / (k + 1) for k in range(len(hits))]
        aps.append(sum(max(precisions[k:]) for k in range(len(hits)) if hits[k]) / len(gts))
    return float(np.mean(aps))


def test_map_agrees_with_an_independent_brute_force_reference(tmp_path):
    rng = np.random.default_rng(0)
    frames = list(itertools.product(['va', 'vb'], [902, 903, 904]))
    gt_rows, det_rows = [], []
    for video, ts in frames:
        for person in range(3):
            x, y = rng.uniform(0, 0.6, 2)
            box = (x, y, x + 0.3, y + 0.35)
            for class_id in rng.choice([1, 2, 3], size=2, replace=False):
                gt_rows.append((video, ts, *box, int(class_id), person))
            for class_id in (1, 2, 3):  # a jittered detection of every class, some duplicated
                for _ in range(int(rng.integers(1, 3))):
                    jitter = rng.normal(0, 0.06, 4)
                    det_rows.append((video, ts, *(np.array(box) + jitter).tolist(), class_id,
                                     float(rng.uniform())))
    excluded = {('vb', 904)}
    summary, _ = ava_eval(write(tmp_path / 'det.csv', det_rows),
                          write_text(tmp_path / 'l.pbtxt', LABEL_MAP),
                          write(tmp_path / 'gt.csv', gt_rows),
                          write(tmp_path / 'ex.csv', sorted(excluded)))
    expected = reference_map(gt_rows, det_rows, (1, 2, 3), excluded)
    assert 0.1 < expected < 0.9  # a mixed case, neither perfect nor empty
    assert summary['overall'] == pytest.approx(expected, abs=1e-9)


# ----------------------------------------------------------------------------- files
def test_bad_csv_row_names_file_and_line(tmp_path):
    path = tmp_path / 'gt.csv'
    path.write_text('v1,902,0,0,1,1,1,0\nv1,0903,0,0,1\n')
    with pytest.raises(AnnotationError, match=r'gt.csv:2: expected .*7 or 8 fields'):
        read_ava_csv(str(path))


def test_label_map_reads_names_and_ids(tmp_path):
    path = tmp_path / 'l.pbtxt'
    path.write_text(LABEL_MAP.replace('id: 3', 'label_id: 7'))
    categories, ids = read_labelmap(str(path))
    assert ids == {1, 2, 7} and categories[2] == {'id': 7, 'name': 'talk'}


def test_bbox2result_thresholds_each_class_and_drops_background():
    boxes = torch.tensor([[0., 0., .5, .5], [.5, .5, 1., 1.]])
    scores = torch.tensor([[.9, .8, .001], [.1, .3, .6]])
    per_class = bbox2result(boxes, scores, num_classes=3, thr=0.002)
    assert [len(c) for c in per_class] == [2, 1]
    assert per_class[1][0].tolist() == pytest.approx([.5, .5, 1., 1., .6])
    single = bbox2result(boxes, scores, num_classes=3, thr=-1.0)
    assert [len(c) for c in single] == [1, 1]


# ----------------------------------------------------------------------------- AVAMetric
def test_ava_metric_scores_model_outputs_and_exports_the_csv(files):
    """Two frames scored by a 4-column model output (background + 3 actions)."""
    out_file = files['tmp_path'] / 'results.csv'
    metric = AVAMetric(ann_file=files['ann_file'], exclude_file=files['exclude_file'],
                       label_file=files['label_file'], num_classes=4, out_file=str(out_file))
    samples = [
        dict(video_id='v1', timestamp=902, pred_instances=dict(
            bboxes=torch.tensor([A, B]), scores=torch.tensor([[0, .9, .0, .8], [0, .7, .1, .0]]))),
        dict(video_id='v1', timestamp=903, pred_instances=dict(
            bboxes=torch.tensor([A]), scores=torch.tensor([[0, .0, .6, .0]]))),
    ]
    metric.process([], samples)
    results = metric.evaluate(size=2)
    # class 2 ranks A at 903 (0.6, TP) before B at 902 (0.1, FP): AP 1, like classes 1 and 3
    assert results['mAP/overall'] == 1.0 and results['mAP/person_movement'] == 1.0
    lines = out_file.read_text().splitlines()
    assert lines[0] == 'v1,902,0.0000,0.0000,0.4000,0.4000,1,0.9000' and len(lines) == 5
    assert ava_eval(str(out_file), files['label_file'], files['ann_file'],
                    files['exclude_file'])[0]['overall'] == 1.0


def test_only_the_fifty_best_scored_detections_of_a_frame_count(files):
    # 50 misses scored above the one hit on v1,0903 (class 2): the hit is cut at capacity 50
    misses = [('v1', 903, *B, 2, 0.9 - i * 0.001) for i in range(50)]
    detections = PERFECT[:3] + misses + [('v1', 903, *A, 2, 0.5)]
    assert evaluate(files, detections)[1][2] == 0.0
    result_file = write(files['tmp_path'] / 'det.csv', detections)
    _, uncapped = ava_eval(result_file, files['label_file'], files['ann_file'],
                           files['exclude_file'], capacity=0)
    assert uncapped[2] == pytest.approx(1 / 51)
