"""SlowFast and RGBPoseConv3D (two-pathway 3D ResNets) and their heads.

Layouts against MMAction2 1.2.0's reference configs; forward shapes; lateral connections; and a
parity derived independently: with the laterals silenced, each SlowFast pathway is a plain 3D
ResNet on every ``resample_rate``-th (slow) or ``resample_rate / speed_ratio``-th (fast) frame.
"""
import pytest
import torch

import reelkit.models  # noqa: F401  (registers every model part)
from reelkit.evaluation.metrics import AccMetric
from reelkit.models.backbones.resnet3d import ResNet3d
from reelkit.models.backbones.resnet3d_slowfast import ResNet3dPathway, ResNet3dSlowFast
from reelkit.models.backbones.rgbposeconv3d import RGBPoseConv3D
from reelkit.models.heads.rgbpose_head import RGBPoseHead
from reelkit.models.heads.slowfast_head import SlowFastHead
from reelkit.registry import MODELS
from reelkit.structures import ActionDataSample
from reference_facts import mmaction2_reference

BACKBONES = ('ResNet3dSlowFast', 'RGBPoseConv3D')


def pathways(depth: int) -> dict:
    return dict(slow_pathway=dict(type='resnet3d', depth=depth, lateral=True, conv1_kernel=(1, 7, 7),
                                  inflate=(0, 0, 1, 1)),
                fast_pathway=dict(type='resnet3d', depth=depth, lateral=False, base_channels=8,
                                  conv1_kernel=(5, 7, 7)))


SMALL = pathways(18)  # a small SlowFast: ResNet-18 pathways


def reference_configs() -> dict:
    return {name: ref for name, ref in mmaction2_reference().items()
            if 'error' not in ref and ref['model'].get('backbone', {}).get('type') in BACKBONES}


CONFIGS = reference_configs()


def test_reference_has_the_expected_configs():
    types = [ref['model']['backbone']['type'] for ref in CONFIGS.values()]
    assert {t: types.count(t) for t in BACKBONES} == {'ResNet3dSlowFast': 5, 'RGBPoseConv3D': 1}


@pytest.mark.parametrize('name', sorted(CONFIGS), ids=lambda name: name.split('/', 1)[1][:-3])
def test_config_builds_with_reference_layout(name):
    ref = CONFIGS[name]
    with torch.device('meta'):
        built = {part: MODELS.build(dict(ref['model'][part])) for part in ('backbone', 'cls_head')}
    state = {f'{part}.{key}': list(value.shape) for part, module in built.items()
             for key, value in module.state_dict().items()}

    assert set(state) - set(ref['state_dict']) == set(), 'keys the reference does not have'
    assert set(ref['state_dict']) - set(state) == set(), 'reference keys missing'
    assert {key: (shape, ref['state_dict'][key]) for key, shape in state.items()
            if shape != ref['state_dict'][key]} == {}
    assert sum(p.numel() for m in built.values() for p in m.parameters()) == ref['params']


def test_slowfast_shapes_and_lateral_channels():
    model = ResNet3dSlowFast(resample_rate=4, speed_ratio=4, **SMALL).eval()
    # ResNet-18 slow stage inputs 64, 64, 128, 256 plus fast 8, 8, 16, 32 channels x lateral_infl 2.
    assert [model.slow_path.stage_inplanes(i) + model.slow_path.lateral_inplanes(i) for i in range(4)] == \
        [80, 80, 160, 320]
    assert model.slow_path.layer1_lateral.conv.weight.shape == (16, 8, 5, 1, 1)
    assert not hasattr(model.slow_path, 'layer4_lateral')
    slow, fast = model(torch.randn(1, 3, 16, 32, 32))
    assert tuple(slow.shape) == (1, 512, 4, 1, 1) and tuple(fast.shape) == (1, 64, 16, 1, 1)


def test_lateral_norm_and_fusion_kernel():
    cfg = dict(SMALL, slow_pathway=dict(SMALL['slow_pathway'], lateral_norm=True, fusion_kernel=7))
    model = ResNet3dSlowFast(**cfg)
    assert model.slow_path.conv1_lateral.conv.kernel_size == (7, 1, 1)
    assert model.slow_path.conv1_lateral.bn is not None and model.slow_path.conv1_lateral.activate is not None
    assert ResNet3dSlowFast(**SMALL).slow_path.conv1_lateral.bn is None


def test_silenced_laterals_leave_two_plain_pathways_on_subsampled_frames():
    # ResNet-50: every first block of a stage has a projection shortcut with or without laterals.
    torch.manual_seed(0)
    model = ResNet3dSlowFast(resample_rate=4, speed_ratio=2, **pathways(50)).eval()
    for name in ('conv1_lateral', 'layer1_lateral', 'layer2_lateral', 'layer3_lateral'):
        torch.nn.init.zeros_(getattr(model.slow_path, name).conv.weight)
    # The same networks without lateral inputs: the slow convs keep their first (own) input channels.
    slow = ResNet3d(50, conv1_kernel=(1, 7, 7), inflate=(0, 0, 1, 1), with_pool2=False)
    slow.load_state_dict({k: v[:, :slow.state_dict()[k].shape[1]] if v.dim() == 5 else v
                          for k, v in model.slow_path.state_dict().items() if 'lateral' not in k})
    fast = ResNet3d(50, base_channels=8, conv1_kernel=(5, 7, 7), with_pool2=False)
    fast.load_state_dict(model.fast_path.state_dict())
    clip = torch.randn(1, 3, 16, 32, 32)
    with torch.no_grad():
        out_slow, out_fast = model(clip)
        assert torch.allclose(out_slow, slow.eval()(clip[:, :, ::4]), atol=1e-5)
        assert torch.allclose(out_fast, fast.eval()(clip[:, :, ::2]), atol=1e-5)


def test_frozen_stages_freeze_the_laterals_after_them():
    cfg = dict(SMALL, slow_pathway=dict(SMALL['slow_pathway'], frozen_stages=2))
    slow = ResNet3dSlowFast(**cfg).train().slow_path
    assert not any(p.requires_grad for name in ('layer1_lateral', 'layer2_lateral')
                   for p in getattr(slow, name).parameters())
    assert all(p.requires_grad for p in slow.layer3_lateral.parameters())
    assert all(p.requires_grad for p in slow.conv1_lateral.parameters())  # as MMAction2


def test_bad_pathway_arguments_name_the_key():
    with pytest.raises(ValueError, match="pathway type='resnet2d'"):
        ResNet3dSlowFast(slow_pathway=dict(SMALL['slow_pathway'], type='resnet2d'))
    with pytest.raises(ValueError, match=r'lateral_activate=\(1, 1\)'):
        ResNet3dPathway(depth=18, lateral=True, lateral_activate=(1, 1))
    with pytest.raises(ValueError, match='resample_rate=2 < speed_ratio=4'):
        ResNet3dSlowFast(resample_rate=2, speed_ratio=4, **SMALL)


def test_slowfast_head_concatenates_fast_then_slow():
    head = SlowFastHead(3, 12, dropout_ratio=0).eval()
    slow, fast = torch.randn(2, 8, 2, 2, 2), torch.randn(2, 4, 4, 2, 2)
    pooled = torch.cat([fast.mean(dim=(2, 3, 4)), slow.mean(dim=(2, 3, 4))], dim=1)
    assert torch.allclose(head((slow, fast)), pooled @ head.fc_cls.weight.T + head.fc_cls.bias, atol=1e-6)
    assert SlowFastHead(3, 12).dropout.p == 0.8


def rgbpose_inputs():
    # The pose clip: 4x the frames (speed_ratio) at a quarter of the resolution (no stem strides).
    return torch.randn(2, 3, 4, 32, 32), torch.randn(2, 17, 16, 8, 8)


def test_rgbposeconv3d_shapes():
    model = RGBPoseConv3D().eval()
    rgb, pose = model(*rgbpose_inputs())
    assert tuple(rgb.shape) == (2, 2048, 4, 1, 1) and tuple(pose.shape) == (2, 512, 16, 1, 1)
    assert model.pose_path.layer1_lateral.conv.weight.shape == (512, 32, 7, 1, 1)  # transposed: (in, out, ...)


def test_rgbposeconv3d_drop_path_and_detach():
    torch.manual_seed(0)
    imgs, heatmaps = rgbpose_inputs()
    model = RGBPoseConv3D(rgb_drop_path=1.0).train()
    rgb_a, _ = model(imgs, heatmaps)
    rgb_b, _ = model(imgs, heatmaps * 2)
    assert torch.allclose(rgb_a, rgb_b)  # the RGB pathway got zeros instead of the pose features
    model.eval()
    with torch.no_grad():
        assert not torch.allclose(model(imgs, heatmaps)[0], model(imgs, heatmaps * 2)[0])  # no drop in testing

    for detach in (False, True):
        model = RGBPoseConv3D(rgb_detach=detach).train()
        model(imgs, heatmaps)[0].sum().backward()
        assert (model.pose_path.conv1.conv.weight.grad is None) == detach


def test_rgbpose_head_losses_per_modality():
    head = RGBPoseHead(5, (16, 8), loss_weights=(1.0, 0.5))
    feats = (torch.randn(2, 16, 2, 2, 2), torch.randn(2, 8, 4, 2, 2))
    scores = head(feats)
    assert {k: tuple(v.shape) for k, v in scores.items()} == {'rgb': (2, 5), 'pose': (2, 5)}
    samples = [ActionDataSample().set_gt_label(torch.tensor(i)) for i in (1, 3)]
    losses = head.loss_by_feat(scores, samples)
    assert {'rgb_loss_cls', 'rgb_top1_acc', 'pose_loss_cls', 'pose_top5_acc'} <= set(losses)
    expected = 0.5 * torch.nn.functional.cross_entropy(scores['pose'], torch.tensor([1, 3]))
    assert torch.allclose(losses['pose_loss_cls'], expected)
    with pytest.raises(ValueError, match='loss_weights'):
        RGBPoseHead(5, (16, 8), loss_weights=(1.0, ))


def test_rgbpose_head_predicts_per_modality_scores_and_acc_metric_fuses_them():
    torch.manual_seed(0)
    head = RGBPoseHead(5, (16, 8), average_clips='prob').eval()
    feats = (torch.randn(4, 16, 2, 2, 2), torch.randn(4, 8, 4, 2, 2))  # 2 samples x 2 views
    samples = [ActionDataSample().set_gt_label(i) for i in (1, 3)]
    scores = head(feats)
    head.predict(feats, samples)
    for index, sample in enumerate(samples):
        for name in ('rgb', 'pose'):
            expected = scores[name].view(2, 2, 5)[index].softmax(dim=1).mean(dim=0)
            torch.testing.assert_close(sample.pred_score[name], expected)
        fused = sample.pred_score['rgb'] + sample.pred_score['pose']
        assert sample.pred_label.item() == int(fused.argmax())
    metric = AccMetric()
    metric.process(None, [s.to_dict() for s in samples])
    results = metric.compute_metrics(metric.results)
    assert {'rgb_top1', 'pose_top5', 'RGBPose_1:1_top1', 'RGBPose_2:1_top1', 'RGBPose_1:2_top5'} <= set(results)
    hits = [int(s.pred_label.item() == s.gt_label.item()) for s in samples]
    assert results['RGBPose_1:1_top1'] == pytest.approx(sum(hits) / 2)
