"""Temporal action localizers (BMN, BSN's TEM and PEM, TCANet), their losses and proposal post-processing.

Tiny random features (few channels, short sequences) through the loss and predict modes; soft-NMS,
the seconds conversion, BMN's sampling mask and labels and BSN's proposal generation checked by hand;
BMN overfits two synthetic videos with one action each.
"""
import math

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

import reelkit.models  # noqa: F401  (registers every model part)
from reelkit.models.localizers.bmn import boundary_matching_sample_mask
from reelkit.models.localizers.utils import (generate_bsp_feature, generate_candidate_proposals,
                                             post_processing, soft_nms)
from reelkit.models.losses.binary_logistic_regression_loss import binary_logistic_regression_loss
from reelkit.registry import MODELS
from reelkit.structures import ActionDataSample

pytestmark = pytest.mark.usefixtures('single_thread')

VIDEO_INFO = dict(duration_frame=100, duration_second=10.0)  # features cover 96 frames: 9.6 s
SOFT_NMS = dict(soft_nms_alpha=0.4, soft_nms_low_threshold=0.5, soft_nms_high_threshold=0.9, post_process_top_k=5)


def tiny_bmn(temporal_dim=8, feat_dim=8, **kwargs):
    cfg = dict(type='BMN', temporal_dim=temporal_dim, boundary_ratio=0.5, num_samples=4, num_samples_per_bin=3,
               feat_dim=feat_dim, hidden_dim_1d=16, hidden_dim_2d=8, hidden_dim_3d=16, **SOFT_NMS)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def sample(name, gt_bbox=None, proposals=None, **instances):
    data_sample = ActionDataSample()
    if gt_bbox is not None:
        instances['gt_bbox'] = torch.tensor(gt_bbox, dtype=torch.float32)
    if instances:
        data_sample.gt_instances = InstanceData(**instances)
    if proposals is not None:
        data_sample.proposals = InstanceData(proposals=torch.tensor(proposals, dtype=torch.float32))
    data_sample.set_metainfo(dict(video_name=name, **VIDEO_INFO))
    return data_sample


def assert_backward_reaches_every_parameter(model, losses):
    assert all(torch.isfinite(value) for value in losses.values()), losses
    sum(losses.values()).backward()
    missing = [name for name, param in model.named_parameters() if param.requires_grad and param.grad is None]
    assert missing == []


def assert_well_formed(results, names, top_k):
    assert [result['video_name'] for result in results] == names
    for result in results:
        proposals = result['proposal_list']
        assert 0 < len(proposals) <= top_k
        scores = [p['score'] for p in proposals]
        assert scores == sorted(scores, reverse=True)
        for p in proposals:
            start, end = p['segment']
            assert 0. <= start <= end <= 9.6 + 1e-9 and math.isfinite(p['score'])


# ------------------------------------------------------------------------------- post-processing
THREE = np.array([[0.0, 0.5, 0.9], [0.1, 0.5, 0.8], [0.6, 0.9, 0.7]])


def test_soft_nms_decays_only_overlaps_above_the_threshold():
    # A=[0, .5] kept first; IoU(A, B) = .4/.5 = .8 > .1, so B decays by exp(-.64/.5); C does not overlap.
    kept = soft_nms(THREE, alpha=0.5, low_threshold=0.1, high_threshold=0.1, top_k=10)
    expected = [[0.0, 0.5, 0.9], [0.6, 0.9, 0.7], [0.1, 0.5, 0.8 * math.exp(-0.64 / 0.5)]]
    np.testing.assert_allclose(kept, expected)


def test_soft_nms_threshold_grows_with_the_kept_width():
    # threshold = low + (high - low) * width(A) = .5 + .4 * .5 = .7 < .8: B decays; with low = .9 it does not.
    decayed = soft_nms(THREE, alpha=0.5, low_threshold=0.5, high_threshold=0.9, top_k=10)
    assert decayed[2, 2] == pytest.approx(0.8 * math.exp(-0.64 / 0.5))
    untouched = soft_nms(THREE, alpha=0.5, low_threshold=0.9, high_threshold=0.9, top_k=10)
    np.testing.assert_allclose(untouched, THREE)
    assert len(soft_nms(THREE, alpha=0.5, low_threshold=0.9, high_threshold=0.9, top_k=1)) == 2  # top_k + 1


def test_post_processing_gives_top_k_segments_in_seconds_clipped_to_the_video():
    proposals = np.array([[-0.1, 0.5, 0.2], [0.5, 1.2, 0.6], [0.2, 0.3, 0.4]])
    result = post_processing(proposals, VIDEO_INFO, 0.4, 1.0, 1.0, post_process_top_k=2,
                             feature_extraction_interval=16)
    assert result == [dict(segment=[0.5 * 9.6, 9.6], score=0.6), dict(segment=[0.2 * 9.6, 0.3 * 9.6], score=0.4)]


# ------------------------------------------------------------------------------------------- BMN
def test_bmn_sample_mask_interpolates_each_bin_inside_its_proposal():
    # boundary_ratio 0, 2 bins of 1 point: the proposal from snippet 1 to 3 samples exactly snippets 1 and 3.
    mask = boundary_matching_sample_mask(5, 0.0, num_samples=2, num_samples_per_bin=1)
    assert mask.shape == (5, 2, 5, 5)  # (snippet, bin, duration, start)
    np.testing.assert_array_equal(mask[:, 0, 2, 1], [0, 1, 0, 0, 0])
    np.testing.assert_array_equal(mask[:, 1, 2, 1], [0, 0, 0, 1, 0])
    start, duration = np.meshgrid(np.arange(5), np.arange(5))
    assert mask.sum(dim=(0, 1))[torch.as_tensor(start + duration >= 5)].abs().max() == 0
    # with context, points outside the video weigh nothing and every bin's weights sum to at most 1
    mask = boundary_matching_sample_mask(6, 0.5, num_samples=3, num_samples_per_bin=3)
    column_sums = mask.sum(dim=0)
    assert column_sums.max() <= 1 + 1e-6
    assert column_sums[1, 0, 2] == pytest.approx(1.0)  # middle bin of the proposal 2..2: inside the video


def test_bmn_masks_and_boundary_matching_layer_have_the_documented_shapes():
    model = tiny_bmn(temporal_dim=6)
    assert model.sample_mask.shape == (6, 4 * 6 * 6) and not model.sample_mask.requires_grad
    np.testing.assert_array_equal(model.bm_mask, np.fliplr(np.triu(np.ones((6, 6)))))  # 1 where d + s < T
    assert model.boundary_matching_layer(torch.randn(2, 3, 6)).shape == (2, 3, 4, 6, 6)
    confidence_map, start, end = model(torch.randn(2, 8, 6), mode='tensor')
    assert confidence_map.shape == (2, 2, 6, 6) and start.shape == end.shape == (2, 6)


def test_bmn_labels_put_iou_one_on_the_matching_map_entry():
    model = tiny_bmn(temporal_dim=8)
    iou_map, start, end = model.generate_labels(torch.tensor([[0.25, 0.5]]))  # snippets 2 and 3
    assert iou_map[1, 2] == pytest.approx(1.0)  # duration index 1 (two snippets) from snippet 2
    assert np.unravel_index(iou_map.argmax(), iou_map.shape) == (1, 2)
    # anchors [i - .5, i + 1.5] snippets against the regions [.5, 3.5] (start) and [2.5, 5.5] (end)
    np.testing.assert_allclose(start, [0.5, 1, 1, 0.5, 0, 0, 0, 0], atol=1e-9)
    np.testing.assert_allclose(end, [0, 0, 0.5, 1, 1, 0.5, 0, 0], atol=1e-9)


def test_bmn_loss_and_predict_on_random_features():
    torch.manual_seed(0)
    model = tiny_bmn()
    features = torch.randn(2, 8, 8)
    samples = [sample('v_a', [[0.1, 0.4]]), sample('v_b', [[0.2, 0.5], [0.6, 0.9]])]
    losses = model([f for f in features], samples, mode='loss')
    assert set(losses) == {'loss'}
    assert_backward_reaches_every_parameter(model, losses)
    with torch.no_grad():
        assert_well_formed(model(features, samples, mode='predict'), ['v_a', 'v_b'], top_k=5)


def test_localizer_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="mode='train'"):
        tiny_bmn()(torch.randn(1, 8, 8), [], mode='train')


def test_bmn_overfits_two_videos_with_one_action_each():
    torch.manual_seed(0)
    tscale = 16
    segments = [(3, 8), (9, 14)]  # snippets of the action in each video
    features = 0.1 * torch.randn(2, 8, tscale)
    for video, (first, last) in enumerate(segments):
        features[video, :4, first:last] += 1.0
    samples = [sample(f'v_{i}', [[first / tscale, last / tscale]]) for i, (first, last) in enumerate(segments)]
    model = tiny_bmn(temporal_dim=tscale)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(150):
        loss = model(features, samples, mode='loss')['loss']
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert np.mean(losses[-10:]) < 0.3 * np.mean(losses[:10]), (losses[:3], losses[-3:])
    model.eval()
    with torch.no_grad():
        results = model(features, samples, mode='predict')
    for result, (first, last) in zip(results, segments):
        best = result['proposal_list'][0]['segment']
        truth = (first / tscale * 9.6, last / tscale * 9.6)
        inter = max(0., min(best[1], truth[1]) - max(best[0], truth[0]))
        assert inter / (best[1] - best[0] + truth[1] - truth[0] - inter) > 0.7, (best, truth)


# ---------------------------------------------------------------------------------- losses
def test_binary_logistic_regression_loss_balances_the_classes():
    # 1 positive among 4: ratio 4, weights 2 (positive) and 2/3 (negatives); mean over 4 entries.
    score = torch.tensor([0.8, 0.3, 0.1, 0.2])
    label = torch.tensor([1.0, 0.0, 0.2, 0.0])
    eps = 1e-5
    expected = -(2 * math.log(0.8 + eps) + 2 / 3 * sum(math.log(1 - p + eps) for p in (0.3, 0.1, 0.2))) / 4
    assert binary_logistic_regression_loss(score, label).item() == pytest.approx(expected, rel=1e-6)
    assert MODELS.build(dict(type='BinaryLogisticRegressionLoss'))(score, label).item() == pytest.approx(expected)


def test_bmn_loss_is_zero_regression_for_a_perfect_iou_map():
    loss_fn = MODELS.build(dict(type='BMNLoss'))
    gt_iou_map = torch.rand(2, 5, 5)
    mask = torch.ones(5, 5)
    assert loss_fn.pem_reg_loss(gt_iou_map, gt_iou_map, mask) == 0
    assert loss_fn.pem_reg_loss(gt_iou_map + 0.1, gt_iou_map, mask) > 0
    loss, tem, reg, cls = loss_fn(torch.rand(2, 2, 5, 5), torch.rand(2, 5), torch.rand(2, 5), gt_iou_map,
                                  torch.rand(2, 5), torch.rand(2, 5), mask)
    assert loss == pytest.approx((tem + 10 * reg + cls).item())


# ------------------------------------------------------------------------------------------- BSN
def tem_rows(tscale=10):
    """TEM predict rows with one start peak at snippet 2 and one end peak at snippet 6."""
    start, end = np.full(tscale, 0.1), np.full(tscale, 0.1)
    start[2], end[6] = 0.9, 0.8
    action = np.where((np.arange(tscale) >= 2) & (np.arange(tscale) <= 6), 0.9, 0.1)
    index = np.arange(tscale)
    return np.stack([action, start, end, index / tscale, (index + 1) / tscale], axis=1)


def test_tem_loss_and_predict_on_random_features():
    torch.manual_seed(0)
    model = MODELS.build(dict(type='TEM', temporal_dim=10, boundary_ratio=0.1, tem_feat_dim=6, tem_hidden_dim=8,
                              tem_match_threshold=0.5))
    samples = [sample('v_a', [[0.1, 0.4]]), sample('v_b', [[0.5, 0.9]])]
    losses = model(torch.randn(2, 6, 10), samples, mode='loss')
    assert set(losses) == {'loss_action', 'loss_start', 'loss_end'}
    assert_backward_reaches_every_parameter(model, losses)
    action, start, end = model.generate_labels(torch.tensor([[0.15, 0.45]]))
    np.testing.assert_allclose(action, [0, 0.5, 1, 1, 0.5, 0, 0, 0, 0, 0], atol=1e-6)
    # one-snippet regions centred on .15 and .45: exactly snippets 1 and 4
    np.testing.assert_allclose(start, np.eye(10)[1], atol=1e-6)
    np.testing.assert_allclose(end, np.eye(10)[4], atol=1e-6)
    with torch.no_grad():
        names, rows = zip(*model(torch.randn(2, 6, 10), samples, mode='predict'))
    assert names == ('v_a', 'v_b') and rows[0].shape == (10, 5)
    np.testing.assert_allclose(rows[0][:, 3:], tem_rows()[:, 3:])


def test_candidate_proposals_pair_boundary_peaks_and_match_the_ground_truth():
    info = dict(duration_frame=100, duration_second=10.0, feature_frame=100,
                annotations=[dict(segment=[2.5, 6.5], label='a')])
    proposals = generate_candidate_proposals(tem_rows(), info, peak_threshold=0.5)
    assert proposals.shape[1] == 7 and (proposals[:, 0] < proposals[:, 1]).all()
    best = proposals[0]  # the start peak (centre .25) with the end peak (centre .65), score .9 * .8
    np.testing.assert_allclose(best[:5], [0.25, 0.65, 0.9, 0.8, 0.72])
    assert best[5] == pytest.approx(1.0) and best[6] == pytest.approx(1.0)
    assert len(proposals) == 4  # starts {0, 2, 9} x ends {0, 6, 9} with tmin < tmax: (0|2) x (6|9)
    features = generate_bsp_feature(tem_rows(), proposals[:2])
    assert features.shape == (2, 32)
    assert features[0, :16].min() > 0.5  # inside the action the actionness is .9, around it lower
    assert features[0, 16:].mean() < features[0, :16].mean()


def test_pem_loss_and_predict_on_random_features():
    torch.manual_seed(0)
    model = MODELS.build(dict(type='PEM', pem_feat_dim=32, pem_hidden_dim=16, pem_u_ratio_m=1, pem_u_ratio_l=2,
                              pem_high_temporal_iou_threshold=0.6, pem_low_temporal_iou_threshold=0.2,
                              soft_nms_alpha=0.75, soft_nms_low_threshold=0.65, soft_nms_high_threshold=0.9,
                              post_process_top_k=5))

    def pem_sample(name, count):
        tmin = torch.rand(count) * 0.5
        return sample(name, bsp_feature=torch.rand(count, 32), reference_temporal_iou=torch.rand(count),
                      tmin=tmin, tmax=tmin + 0.3, tmin_score=torch.rand(count), tmax_score=torch.rand(count))

    samples = [pem_sample('v_a', 12), pem_sample('v_b', 7)]
    placeholders = [torch.tensor(0.), torch.tensor(0.)]
    losses = model(placeholders, samples, mode='loss')
    assert set(losses) == {'temporal_iou_loss'}
    assert_backward_reaches_every_parameter(model, losses)
    with torch.no_grad():
        assert_well_formed(model(placeholders, samples, mode='predict'), ['v_a', 'v_b'], top_k=5)


# ---------------------------------------------------------------------------------------- TCANet
def test_tcanet_loss_and_predict_on_random_features():
    torch.manual_seed(0)
    model = MODELS.build(dict(type='TCANet', feat_dim=8, se_sample_num=8, action_sample_num=16, temporal_dim=12,
                              window_size=5, lgte_num=1, post_process_top_k=5))
    samples = [sample('v_a', [[0.1, 0.4]], proposals=[[0.1, 0.35, 0.9], [0.5, 0.9, 0.4]]),
               sample('v_b', [[0.2, 0.5], [0.6, 0.9]], proposals=[[0.25, 0.5, 0.8], [0.55, 0.85, 0.6], [0., 1., .1]])]
    features = torch.randn(2, 8, 12)
    losses = model(features, samples, mode='loss')
    assert set(losses) == {f'{kind}loss{stage}' for kind in 'ri' for stage in (1, 2, 3)}
    assert_backward_reaches_every_parameter(model, losses)
    model.eval()
    with torch.no_grad():
        assert model(features, mode='tensor').shape == (2, 512, 12)
        results = model(features, samples, mode='predict')
    assert_well_formed(results, ['v_a', 'v_b'], top_k=5)
    assert len(results[1]['proposal_list']) == 5  # 3 proposals x 3 stages, top 5
    assert results[0]['proposal_list'][0]['score'] <= 0.9  # input score times an IoU estimate


# ------------------------------------------------------------------------------------------- DRN
def tiny_drn(**kwargs):
    return MODELS.build(dict(type='DRN', vocab_size=10, feature_dim=8, embed_dim=4, hidden_dim=8,
                             first_output_dim=8, fpn_feature_dim=8, **kwargs))


def drn_samples():
    clips = torch.stack([torch.arange(32) / 32, (torch.arange(32) + 1) / 32], dim=1)
    samples = []
    for i, tokens in enumerate([[3, 5, 7, 2], [4, 9]]):
        data_sample = ActionDataSample()
        data_sample.proposals = InstanceData(proposals=clips)
        data_sample.gt_instances = InstanceData(gt_bbox=torch.tensor([0.2, 0.6]))
        data_sample.set_metainfo(dict(vid_name=f'v{i}', query_tokens=torch.tensor(tokens), query_length=len(tokens)))
        samples.append(data_sample)
    return samples


def test_drn_first_stage_trains_everything_but_the_iou_branch_and_predicts_segments():
    torch.manual_seed(0)
    model = tiny_drn(is_first_stage=True)
    losses = model(torch.randn(2, 32, 8), drn_samples(), mode='loss')
    assert set(losses) == {'loss_cls', 'loss_reg', 'loss_iou'} and losses['loss_iou'] == 0
    assert all(torch.isfinite(value) for value in losses.values())
    sum(losses.values()).backward()
    without_grad = {name for name, param in model.named_parameters() if param.grad is None}
    assert without_grad and all(name.startswith(('fcos.head.mix_fc', 'fcos.head.iou_scores')) for name in without_grad)
    model.eval()
    with torch.no_grad():
        results = model([clip for clip in torch.randn(2, 32, 8)], drn_samples(), mode='predict')
    assert [result['vid_name'] for result in results] == ['v0', 'v1']
    for result in results:
        predictions = result['predictions']
        assert predictions.shape[1] == 3 and 1 <= len(predictions) <= 6
        assert ((0 <= predictions[:, 0]) & (predictions[:, 0] <= predictions[:, 1]) & (predictions[:, 1] <= 1)).all()


def test_drn_iou_loss_counts_from_the_second_stage_on():
    # every location regresses 6.4/32 = .2 to each side: the one at 12.5/32 covers gt [.2, .6] with IoU > .9
    losses = {}
    for stage, flags in {'first': (True, False), 'second': (False, True), 'third': (False, False)}.items():
        torch.manual_seed(0)
        model = tiny_drn(is_first_stage=flags[0], is_second_stage=flags[1])
        torch.nn.init.zeros_(model.fcos.head.bbox_pred.weight)
        torch.nn.init.constant_(model.fcos.head.bbox_pred.bias, math.log(6.4))
        losses[stage] = model(torch.randn(2, 32, 8), drn_samples(), mode='loss')
    assert losses['first']['loss_iou'] == 0
    assert losses['second']['loss_iou'] > 0 and losses['third']['loss_iou'] > 0
    assert losses['second']['loss_cls'].grad_fn is None and losses['third']['loss_cls'].grad_fn is not None
