"""Recognizer3D on tiny clips (a small 3D CNN defined here): the three modes, views, chunking, features."""
import pytest
import torch
import torch.nn as nn

import reelkit.models  # noqa: F401  (registers every model part)
from reelkit.models.heads import BaseHead
from reelkit.registry import MODELS
from reelkit.structures import ActionDataSample

NUM_CLASSES, CHANNELS = 4, 6
PREPROCESSOR = dict(type='ActionDataPreprocessor', mean=[128.0] * 3, std=[64.0] * 3, format_shape='NCTHW')


class TinyBackbone3d(nn.Module):
    """(N, 3, T, H, W) -> (N, CHANNELS, T, H / 2, W / 2), with batch norm so train/eval differ."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv3d(3, CHANNELS, 3, stride=(1, 2, 2), padding=1)
        self.bn = nn.BatchNorm3d(CHANNELS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x)).relu()


class PoolLinearHead(BaseHead):
    """(N, C, T, H, W) -> (N, num_classes); records the kwargs it was called with."""

    def __init__(self, **kwargs) -> None:
        super().__init__(NUM_CLASSES, CHANNELS, **kwargs)
        self.fc_cls = nn.Linear(CHANNELS, NUM_CLASSES)
        self.calls = []

    def forward(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        self.calls.append(kwargs)
        return self.fc_cls(x.mean(dim=(2, 3, 4)))


class LossyNeck(nn.Module):
    """Identity neck returning an auxiliary loss, as TPN does."""

    def forward(self, x, data_samples=None):
        return x, {'loss_aux': x.mean() * 0 + 0.5} if data_samples is not None else {}


def build(**overrides) -> nn.Module:
    torch.manual_seed(0)
    cfg = dict(type='Recognizer3D', backbone=TinyBackbone3d(), cls_head=PoolLinearHead(average_clips='prob'),
               data_preprocessor=PREPROCESSOR)
    cfg.update(overrides)
    return MODELS.build(cfg)


def batch(num_views: int = 1, labels=(1, 3)) -> dict:
    """Per-sample uint8 (num_views, 3, T=4, 16, 16) clips and their data samples."""
    generator = torch.Generator().manual_seed(0)
    inputs = [torch.randint(0, 256, (num_views, 3, 4, 16, 16), dtype=torch.uint8, generator=generator)
              for _ in labels]
    return dict(inputs=inputs, data_samples=[ActionDataSample().set_gt_label(label) for label in labels])


def test_loss_trains_every_parameter():
    model = build()
    data = model.data_preprocessor(batch(), training=True)
    losses = model(**data, mode='loss')
    assert {'loss_cls', 'top1_acc', 'top5_acc'} <= set(losses)
    losses['loss_cls'].backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


def test_tensor_mode_stages():
    model = build().eval()
    inputs = model.data_preprocessor(batch(num_views=2))['inputs']  # (2, 2, 3, 4, 16, 16)
    assert model(inputs, stage='backbone').shape == (4, CHANNELS, 4, 8, 8)
    assert model(inputs, stage='head').shape == (4, NUM_CLASSES)
    with pytest.raises(ValueError, match="stage='fc'"):
        model(inputs, stage='fc')


def test_predict_averages_the_views_of_a_sample():
    model = build().eval()
    data = model.data_preprocessor(batch(num_views=3))
    with torch.no_grad():
        predicted = model(**data, mode='predict')
        scores = model(data['inputs'], stage='head').view(2, 3, NUM_CLASSES)
    for sample, views in zip(predicted, scores):
        torch.testing.assert_close(sample.pred_score, views.softmax(dim=1).mean(dim=0))
        assert sample.pred_label.item() == int(sample.pred_score.argmax())


def test_max_testing_views_chunks_without_changing_predictions():
    whole, chunked = build().eval(), build(test_cfg=dict(max_testing_views=2)).eval()
    data = whole.data_preprocessor(batch(num_views=5))
    calls = []
    chunked.backbone.register_forward_hook(lambda module, args, out: calls.append(args[0].shape[0]))
    with torch.no_grad():
        expected = [s.pred_score for s in whole(**data, mode='predict')]
        data = whole.data_preprocessor(batch(num_views=5))
        actual = [s.pred_score for s in chunked(**data, mode='predict')]
    assert calls == [2, 2, 2, 2, 2]
    for a, e in zip(actual, expected):
        torch.testing.assert_close(a, e)


def test_bad_max_testing_views_is_refused():
    with pytest.raises(ValueError, match='max_testing_views=0'):
        build(test_cfg=dict(max_testing_views=0))


def test_fcn_test_reaches_the_head_in_testing_only():
    model = build(test_cfg=dict(fcn_test=True)).eval()
    data = model.data_preprocessor(batch())
    model(**data, mode='predict')
    assert model.cls_head.calls[-1] == {'fcn_test': True}
    model(**model.data_preprocessor(batch(), training=True), mode='loss')
    assert model.cls_head.calls[-1] == {}


def test_neck_losses_join_the_head_losses():
    model = build(neck=LossyNeck())
    losses = model(**model.data_preprocessor(batch(), training=True), mode='loss')
    assert losses['loss_aux'] == 0.5 and 'loss_cls' in losses


def test_feature_extraction_stores_pooled_features_averaged_over_views():
    model = build(test_cfg=dict(feature_extraction=True)).eval()
    data = model.data_preprocessor(batch(num_views=2))
    with torch.no_grad():
        predicted = model(**data, mode='predict')
        maps = model(data['inputs'], stage='backbone').view(2, 2, CHANNELS, 4, 8, 8)
    for sample, sample_maps in zip(predicted, maps):
        torch.testing.assert_close(sample.feature, sample_maps.mean(dim=(0, 2, 3, 4)))
        assert 'pred_score' not in sample
