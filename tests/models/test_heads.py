"""Heads: clip averaging, loss and on-device top-k accuracy on hand-made scores, argument checks."""
import math

import pytest
import torch

from reelkit.models.heads import TSMHead, TSNHead
from reelkit.structures import ActionDataSample

# Two samples, two views each, three classes.
SCORES = torch.tensor([[1., 2., 3.], [3., 2., 1.], [0., 0., 0.], [2., 0., 0.]])


def softmax(row):
    exps = [math.exp(v) for v in row]
    return [e / sum(exps) for e in exps]


def samples(n: int = 2):
    return [ActionDataSample() for _ in range(n)]


def predicted(average_clips, scores=SCORES, n=2) -> torch.Tensor:
    head = TSNHead(num_classes=3, in_channels=4, average_clips=average_clips)
    return torch.stack([s.pred_score for s in head.predict_by_feat(scores, samples(n))])


def test_average_clips_score_is_the_mean_score():
    assert torch.allclose(predicted('score'), torch.tensor([[2., 2., 2.], [1., 0., 0.]]))


def test_average_clips_prob_is_the_mean_softmax():
    p = softmax([1, 2, 3])  # the views of sample 0 are reverses of each other
    sample0 = [(p[0] + p[2]) / 2, p[1], (p[0] + p[2]) / 2]
    sample1 = [(1 / 3 + a) / 2 for a in softmax([2, 0, 0])]
    assert torch.allclose(predicted('prob'), torch.tensor([sample0, sample1]), atol=1e-6)


def test_average_clips_none_passes_single_views_through():
    assert torch.equal(predicted(None, SCORES, n=4), SCORES)


def test_average_clips_none_keeps_views_apart_and_refuses_to_predict_several():
    head = TSNHead(num_classes=3, in_channels=4, average_clips=None)
    assert head.average_clip(SCORES, num_segs=2).shape == (2, 2, 3)
    with pytest.raises(ValueError, match="average_clips to 'score' or 'prob'"):
        head.predict_by_feat(SCORES, samples(2))


def test_pred_label_is_the_best_class():
    head = TSNHead(num_classes=3, in_channels=4, average_clips='score')
    labels = [s.pred_label.tolist() for s in head.predict_by_feat(SCORES, samples(2))]
    assert labels == [[0], [0]]  # ties resolve to the first class, as argmax does


def test_average_clips_is_checked_at_construction():
    with pytest.raises(ValueError, match="average_clips='mean'; expected 'score', 'prob' or None"):
        TSNHead(num_classes=3, in_channels=4, average_clips='mean')


def test_loss_and_topk_accuracy_on_hand_made_scores():
    head = TSNHead(num_classes=3, in_channels=4, topk=(1, 2))
    scores = torch.tensor([[3., 2., 1.], [3., 2., 1.], [3., 2., 1.]])
    labelled = [ActionDataSample().set_gt_label(label) for label in (0, 1, 2)]
    losses = head.loss_by_feat(scores, labelled)

    assert losses['top1_acc'].item() == pytest.approx(1 / 3)
    assert losses['top2_acc'].item() == pytest.approx(2 / 3)
    p = softmax([3, 2, 1])
    assert losses['loss_cls'].item() == pytest.approx(-sum(math.log(v) for v in p) / 3, rel=1e-6)
    assert all(isinstance(v, torch.Tensor) for v in losses.values())  # no .item() in the training step


def test_label_smoothing_mixes_in_the_uniform_target():
    head = TSNHead(num_classes=3, in_channels=4, label_smooth_eps=0.3)
    losses = head.loss_by_feat(torch.tensor([[3., 2., 1.]]), [ActionDataSample().set_gt_label(0)])
    target = [0.7 + 0.1, 0.1, 0.1]
    expected = -sum(t * math.log(p) for t, p in zip(target, softmax([3, 2, 1])))
    assert losses['loss_cls'].item() == pytest.approx(expected, rel=1e-6)


def test_soft_labels_give_loss_without_accuracy():
    head = TSNHead(num_classes=3, in_channels=4)
    soft = [ActionDataSample().set_gt_label(torch.tensor([0.5, 0.5, 0.0]))]
    losses = head.loss_by_feat(torch.tensor([[1., 1., 1.]]), soft)
    assert set(losses) == {'loss_cls'}
    assert losses['loss_cls'].item() == pytest.approx(math.log(3), rel=1e-6)


def test_tsn_head_averages_segments_before_the_classifier():
    head = TSNHead(num_classes=2, in_channels=3, dropout_ratio=0.0).eval()
    feats = torch.randn(2 * 4, 3, 5, 5)
    expected = head.fc_cls(feats.mean(dim=(2, 3)).view(2, 4, 3).mean(dim=1))
    assert torch.allclose(head(feats, num_segs=4), expected, atol=1e-6)


def test_tsm_head_averages_segment_scores_per_clip():
    head = TSMHead(num_classes=2, in_channels=3, num_segments=4, dropout_ratio=0.0).eval()
    feats = torch.randn(3 * 4, 3, 2, 2)  # 3 clips of 4 segments
    expected = head.fc_cls(feats.mean(dim=(2, 3))).view(3, 4, 2).mean(dim=1)
    assert torch.allclose(head(feats), expected, atol=1e-6)


def test_tsm_head_with_temporal_pool_uses_half_the_segments():
    head = TSMHead(num_classes=2, in_channels=3, num_segments=8, temporal_pool=True)
    assert head(torch.randn(8, 3, 1, 1)).shape == (2, 2)


def test_unknown_spatial_type_lists_the_choices():
    with pytest.raises(ValueError, match="spatial_type='mean'; expected 'avg', 'max' or None"):
        TSNHead(num_classes=2, in_channels=3, spatial_type='mean')


def test_unknown_consensus_type_is_not_silently_dropped():
    with pytest.raises(KeyError, match='MaxConsensus'):
        TSNHead(num_classes=2, in_channels=3, consensus=dict(type='MaxConsensus'))
