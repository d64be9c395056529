"""FeatureHead: the pooling of each feature layout, checked against direct reductions."""
import pytest
import torch

from reelkit.models.heads import FeatureHead
from reelkit.structures import ActionDataSample


def test_2d_features_pool_space_then_the_segments_of_a_clip():
    x = torch.randn(2 * 3, 5, 4, 4)  # 2 clips x 3 segments
    expected = x.view(2, 3, 5, 4, 4).mean(dim=(1, 3, 4))
    torch.testing.assert_close(FeatureHead()(x, num_segs=3), expected)
    torch.testing.assert_close(FeatureHead(backbone_name='tsm', num_segments=3)(x, num_segs=99), expected)


def test_3d_and_max_pooling():
    x = torch.randn(2, 5, 3, 4, 4)
    torch.testing.assert_close(FeatureHead()(x), x.mean(dim=(2, 3, 4)))
    torch.testing.assert_close(FeatureHead(spatial_type='max', temporal_type='max')(x), x.amax(dim=(2, 3, 4)))
    assert FeatureHead(temporal_type=None)(x).shape == (2, 5, 3)


def test_slowfast_pathways_are_pooled_and_concatenated():
    slow, fast = torch.randn(2, 8, 2, 3, 3), torch.randn(2, 4, 8, 3, 3)
    out = FeatureHead(backbone_name='slowfast')((slow, fast))
    torch.testing.assert_close(out, torch.cat([slow.mean(dim=(2, 3, 4)), fast.mean(dim=(2, 3, 4))], dim=1))


def test_gcn_features_pool_time_joints_then_persons():
    x = torch.randn(2, 3, 6, 5, 17)  # N, M, C, T, V
    torch.testing.assert_close(FeatureHead(backbone_name='gcn')(x), x.mean(dim=(1, 3, 4)))


def test_predict_stores_the_mean_over_views_and_loss_is_refused():
    samples = [ActionDataSample(), ActionDataSample()]
    feats = torch.arange(12, dtype=torch.float).view(4, 3)  # 2 samples x 2 views
    FeatureHead().predict(feats, samples)
    torch.testing.assert_close(samples[0].feature, feats[:2].mean(dim=0))
    torch.testing.assert_close(samples[1].feature, feats[2:].mean(dim=0))
    with pytest.raises(RuntimeError, match='no loss'):
        FeatureHead().loss(feats, samples)


@pytest.mark.parametrize('kwargs, message', [
    (dict(spatial_type='median'), "spatial_type='median'"),
    (dict(backbone_name='vit'), "backbone_name='vit'"),
    (dict(backbone_name='tsm'), 'needs num_segments'),
    (dict(backbone_name='slowfast', temporal_type=None), 'needs a temporal_type'),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FeatureHead(**kwargs)
