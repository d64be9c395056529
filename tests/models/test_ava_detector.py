"""The AVA detector on tiny random clips: losses, gradients, the prediction format, overfitting one
batch; the assigner, the sampler, the box head's targets and metrics, ACRN and the feature bank."""
import copy
import gc

import pytest
import torch
from mmengine.structures import InstanceData

import reelkit.models  # noqa: F401  (registers every model part)
from reelkit.models.roi_heads import LFB
from reelkit.registry import MODELS, TASK_UTILS
from reelkit.structures import ActionDataSample

NUM_CLASSES = 6
SIZE = 64
GT_BOXES = torch.tensor([[2.0, 4.0, 30.0, 60.0], [34.0, 8.0, 62.0, 50.0]])
PROPOSALS = torch.tensor([[3.0, 5.0, 29.0, 58.0], [33.0, 9.0, 60.0, 52.0]])

TINY = dict(
    type='FastRCNN', _scope_='reelkit',
    backbone=dict(type='ResNet3dSlowOnly', depth=18, base_channels=8, pretrained=None, pretrained2d=False,
                  conv1_kernel=(1, 7, 7), spatial_strides=(1, 2, 2, 1)),
    roi_head=dict(
        type='AVARoIHead',
        bbox_roi_extractor=dict(type='SingleRoIExtractor3D', roi_layer_type='RoIAlign', output_size=4),
        bbox_head=dict(type='BBoxHeadAVA', background_class=True, in_channels=64, num_classes=NUM_CLASSES,
                       topk=(2, 3), dropout_ratio=0.0)),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[128.0] * 3, std=[64.0] * 3, format_shape='NCTHW'),
    train_cfg=dict(rcnn=dict(
        assigner=dict(type='MaxIoUAssignerAVA', pos_iou_thr=0.9, neg_iou_thr=0.9, min_pos_iou=0.9),
        sampler=dict(type='RandomSampler', num=32, pos_fraction=1, neg_pos_ub=-1, add_gt_as_proposals=True),
        pos_weight=1.0)),
    test_cfg=dict(rcnn=None))


def labels(*rows):
    """Multi-hot (len(rows), NUM_CLASSES) with class 0 (a person) on in each row."""
    out = torch.zeros(len(rows), NUM_CLASSES)
    for index, actions in enumerate(rows):
        out[index, [0, *actions]] = 1
    return out


def sample(video='vid', second=902, **meta):
    data_sample = ActionDataSample(metainfo=dict(img_shape=(SIZE, SIZE), img_key=f'{video},{second}', **meta))
    data_sample.gt_instances = InstanceData(bboxes=GT_BOXES.clone(), labels=labels([1], [3, 4]))
    data_sample.proposals = InstanceData(bboxes=PROPOSALS.clone(), scores=torch.tensor([0.9, 0.8]))
    return data_sample


def batch(model, num=2, seed=0, **meta):
    generator = torch.Generator().manual_seed(seed)
    data = dict(inputs=[torch.rand(3, 4, SIZE, SIZE, generator=generator) * 255 for _ in range(num)],
                data_samples=[sample(**meta) for _ in range(num)])
    return model.data_preprocessor(data, True)


def build(**overrides):
    cfg = copy.deepcopy(TINY)
    for key, value in overrides.items():
        cfg['roi_head'][key] = value
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_loss_has_metrics_and_gradients():
    torch.manual_seed(0)
    model = build()
    data = batch(model)
    losses = model(data['inputs'], data['data_samples'], mode='loss')
    assert set(losses) == {'loss_action_cls', 'recall@thr=0.5', 'prec@thr=0.5', 'recall@top2', 'prec@top2',
                           'recall@top3', 'prec@top3'}
    losses['loss_action_cls'].backward()
    assert model.roi_head.bbox_head.fc_cls.weight.grad.abs().sum() > 0
    assert model.backbone.conv1.conv.weight.grad.abs().sum() > 0
    # the data samples keep their proposals (the head reads them, it does not pop them)
    assert torch.equal(data['data_samples'][0].proposals.bboxes, PROPOSALS)


def test_predict_gives_normalised_boxes_and_multilabel_scores():
    model = build().eval()
    data = batch(model, num=1)
    with torch.no_grad():
        result = model(data['inputs'], data['data_samples'], mode='predict')[0].pred_instances
        logits = model(data['inputs'], data['data_samples'], mode='tensor')[0]
    torch.testing.assert_close(result.bboxes, PROPOSALS / SIZE)
    assert result.scores.shape == (2, NUM_CLASSES)
    # independent sigmoids (multi-label), not a softmax over classes
    torch.testing.assert_close(result.scores, logits.sigmoid())
    assert not torch.allclose(result.scores.sum(1), torch.ones(2))


def test_predict_undoes_flip_and_crop():
    model = build().eval()
    data = batch(model, num=1, flip=True, crop_quadruple=[0.1, 0.2, 0.5, 0.4])
    with torch.no_grad():
        boxes = model(data['inputs'], data['data_samples'], mode='predict')[0].pred_instances.bboxes
    x1, y1, x2, y2 = PROPOSALS[0].tolist()
    want = torch.tensor([(SIZE - 1 - x2) / SIZE * 0.5 + 0.1, y1 / SIZE * 0.4 + 0.2,
                         (SIZE - 1 - x1) / SIZE * 0.5 + 0.1, y2 / SIZE * 0.4 + 0.2])
    torch.testing.assert_close(boxes[0], want)


def test_detector_overfits_one_batch():
    torch.manual_seed(0)
    model = build()
    data = batch(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    history = []
    for _ in range(15):
        losses = model(data['inputs'], data['data_samples'], mode='loss')
        optimizer.zero_grad()
        losses['loss_action_cls'].backward()
        optimizer.step()
        history.append(losses['loss_action_cls'].item())
    assert history[-1] < 0.1 * history[0], history
    assert losses['recall@thr=0.5'] == 1 and losses['prec@thr=0.5'] > 0.99


def test_missing_proposals_are_named():
    model = build()
    data = batch(model)
    del data['data_samples'][1].proposals
    with pytest.raises(ValueError, match=r'data samples \[1\] of the batch have no proposals'):
        model(data['inputs'], data['data_samples'], mode='loss')


def test_assigner_thresholds_and_low_quality_match():
    assigner = TASK_UTILS.build(dict(type='MaxIoUAssignerAVA', pos_iou_thr=0.9, neg_iou_thr=0.5, min_pos_iou=0.3))
    gts = InstanceData(bboxes=torch.tensor([[0.0, 0.0, 10.0, 10.0], [20.0, 20.0, 30.0, 30.0]]),
                       labels=labels([1], [2]))
    priors = InstanceData(priors=torch.tensor([
        [0.0, 0.0, 10.0, 9.5],     # IoU 0.95 with gt 0: positive
        [0.0, 0.0, 10.0, 7.0],     # IoU 0.7: between the thresholds, ignored
        [50.0, 50.0, 60.0, 60.0],  # IoU 0: negative
        [20.0, 20.0, 30.0, 24.0],  # IoU 0.4 with gt 1, its best: matched (>= min_pos_iou)
    ]))
    result = assigner.assign(priors, gts)
    assert result.gt_inds.tolist() == [1, -1, 0, 2]
    assert torch.equal(result.labels, torch.stack([gts.labels[0], torch.zeros(NUM_CLASSES),
                                                   torch.zeros(NUM_CLASSES), gts.labels[1]]))


def test_sampler_adds_gts_and_caps_positives():
    torch.manual_seed(0)
    assigner = TASK_UTILS.build(dict(type='MaxIoUAssignerAVA', pos_iou_thr=0.9, neg_iou_thr=0.9))
    sampler = TASK_UTILS.build(dict(type='RandomSampler', num=3, pos_fraction=0.5, add_gt_as_proposals=True))
    gts = InstanceData(bboxes=GT_BOXES.clone(), labels=labels([1], [2]))
    priors = InstanceData(priors=torch.cat([GT_BOXES + 0.1, torch.tensor([[40.0, 0.0, 50.0, 5.0]] * 3)]))
    result = sampler.sample(assigner.assign(priors, gts), priors, gts)
    # 2 gts + 2 near-copies are positive; int(3 * 0.5) = 1 of them is kept, then 2 negatives
    assert len(result.pos_inds) == 1 and len(result.neg_inds) == 2
    assert (result.neg_inds >= 4).all()
    assert torch.equal(result.pos_gt_labels[0], gts.labels[result.pos_assigned_gt_inds[0]])


def test_bbox_head_focal_loss_and_metrics():
    head = MODELS.build(dict(type='BBoxHeadAVA', background_class=True, in_channels=4, num_classes=4,
                             topk=1, focal_gamma=2.0, focal_alpha=0.5))

    class Sampled:
        pos_priors, neg_priors = torch.zeros(2, 4), torch.zeros(1, 4)
        pos_gt_labels = torch.tensor([[1.0, 1, 0, 0], [1.0, 0, 1, 1]])

    cls_score = torch.tensor([[9.0, 2.0, -1.0, -3.0], [9.0, -2.0, 3.0, -1.0], [0.0, 0.0, 0.0, 0.0]])
    losses = head.loss_and_target(cls_score, None, [Sampled()], dict(pos_weight=1.0))['loss_bbox']
    logits, target = cls_score[:2, 1:], Sampled.pos_gt_labels[:, 1:]
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction='none')
    torch.testing.assert_close(losses['loss_action_cls'], (0.5 * (1 - torch.exp(-bce)) ** 2 * bce).mean())
    # row 1 predicts {1}, target {1}; row 2 predicts {2}, target {2, 3}
    torch.testing.assert_close(losses['recall@thr=0.5'], torch.tensor(0.75))
    torch.testing.assert_close(losses['recall@top1'], torch.tensor(0.75))
    assert losses['prec@top1'].item() == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ValueError, match='topk'):
        MODELS.build(dict(type='BBoxHeadAVA', background_class=True, num_classes=4, topk=(3, 5)))


def test_acrn_detector_trains():
    torch.manual_seed(0)
    model = build(shared_head=dict(type='ACRNHead', in_channels=128, out_channels=16),
                  bbox_head=dict(type='BBoxHeadAVA', background_class=True, in_channels=16,
                                 num_classes=NUM_CLASSES, topk=(2, 3)))
    data = batch(model)
    loss = model(data['inputs'], data['data_samples'], mode='loss')['loss_action_cls']
    loss.backward()
    assert model.roi_head.shared_head.conv2.conv.weight.grad.abs().sum() > 0


def test_feature_bank_written_then_read_by_fbo(tmp_path):
    infer = build(shared_head=dict(type='LFBInferHead', lfb_prefix_path=str(tmp_path), dataset_mode='train')).eval()
    data = batch(infer, num=2)
    data['data_samples'][1].set_metainfo(dict(img_key='other,17'))
    with torch.no_grad():
        infer(data['inputs'], data['data_samples'], mode='predict')
    infer.roi_head.shared_head.save()
    bank = torch.load(tmp_path / 'lfb_train.pkl', weights_only=True)
    assert {video: list(seconds) for video, seconds in bank.items()} == {'vid': [902], 'other': [17]}
    assert len(bank['vid'][902]) == 2 and bank['vid'][902][0].shape == (64, )

    lfb = LFB(str(tmp_path), max_num_sampled_feat=3, window_size=3, lfb_channels=64, dataset_modes='train',
              device='cpu')
    around = lfb['vid,903'].view(3, 3, 64)  # seconds 902, 903, 904
    assert sorted(around[0, :2].sum(1).tolist()) == pytest.approx(
        sorted(torch.stack(bank['vid'][902]).float().sum(1).tolist()), rel=1e-3)
    assert around[0, 2].abs().sum() == 0 and around[1:].abs().sum() == 0

    fbo = build(shared_head=dict(type='FBOHead', lfb_cfg=dict(lfb_prefix_path=str(tmp_path), max_num_sampled_feat=2,
                                                           window_size=4, lfb_channels=64, dataset_modes=['train'],
                                                           device='gpu'),
                                 fbo_cfg=dict(type='non_local', st_feat_channels=64, lt_feat_channels=64,
                                              latent_channels=16, num_st_feat=1, num_lt_feat=8)),
                bbox_head=dict(type='BBoxHeadAVA', background_class=True, in_channels=80,
                               num_classes=NUM_CLASSES, topk=(2, 3)))
    losses = fbo(data['inputs'], data['data_samples'], mode='loss')
    losses['loss_action_cls'].backward()
    assert fbo.roi_head.shared_head.fbo.non_local_layer_1.out_conv.conv.weight.grad.abs().sum() > 0


def test_lfb_infer_head_writes_the_bank_when_collected(tmp_path):
    head = MODELS.build(dict(type='LFBInferHead', lfb_prefix_path=str(tmp_path / 'lfb'), dataset_mode='val',
                             use_half_precision=False))
    roi_feats = torch.randn(2, 8, 1, 3, 3)
    rois = torch.tensor([[0, 1.0, 1.0, 5.0, 5.0], [0, 2.0, 2.0, 6.0, 6.0]])
    assert head(roi_feats, rois, [dict(img_key='v,3')]) is roi_feats
    del head
    gc.collect()
    bank = torch.load(tmp_path / 'lfb' / 'lfb_val.pkl', weights_only=True)
    torch.testing.assert_close(torch.stack(bank['v'][3]), roi_feats.mean(2).amax((-1, -2)))
