"""Backbones of other libraries (``timm.``, ``torchvision.``, ``mmpretrain.``): built only when named,
a clear error when the library is absent, MMAction2's pooling and checkpoint keys.

The libraries are stood in for by small modules put in ``sys.modules``: the recognizer's wiring is
what is tested, not the libraries.
"""
import importlib
import sys
import types

import pytest
import torch
import torch.nn as nn

import reelkit.models  # noqa: F401
from reelkit.registry import MODELS
from reelkit.structures import ActionDataSample
from reelkit.utils.errors import ConfigError


class TinyConvNet(nn.Module):
    """A stand-in image model: (N, 3, H, W) -> (N, 8, H/2, W/2) features, a classifier after them."""

    def __init__(self, num_classes=10, **kwargs):
        super().__init__()
        self.kwargs = kwargs
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.fc = nn.Linear(8, num_classes) if num_classes else nn.Identity()

    def forward_features(self, x):
        return self.conv(x)

    def forward(self, x):
        return self.fc(self.forward_features(x).mean(dim=(2, 3)))


class TinyTokenNet(TinyConvNet):
    def forward_features(self, x):
        return self.conv(x).flatten(2).transpose(1, 2)  # (N, L, 8) tokens


@pytest.fixture
def fake_timm(monkeypatch):
    timm = types.ModuleType('timm')
    models = {'tiny_conv': TinyConvNet, 'tiny_vit': TinyTokenNet}
    timm.create_model = lambda name, **kwargs: models[name](**kwargs)
    monkeypatch.setitem(sys.modules, 'timm', timm)
    return timm


def tsn(backbone, in_channels=8):
    return MODELS.build(dict(type='Recognizer2D', backbone=backbone,
                             cls_head=dict(type='TSNHead', num_classes=4, in_channels=in_channels)))


@pytest.mark.parametrize('name', ['tiny_conv', 'tiny_vit'])
def test_timm_backbone_features_are_pooled_as_mmaction2(fake_timm, name):
    model = tsn(dict(type=f'timm.{name}', pretrained=False)).eval()
    assert model.backbone_from == 'timm' and model.backbone.kwargs == dict(pretrained=False)
    assert isinstance(model.backbone.fc, nn.Identity)  # num_classes=0: no classifier
    frames = torch.randn(2, 3, 3, 16, 16)  # (N, segments, C, H, W)
    features = model(frames, mode='tensor')
    expected = model.backbone.conv(frames.flatten(0, 1)).mean(dim=(2, 3))
    assert features.shape == (6, 8, 1, 1) and torch.allclose(features.flatten(1), expected, atol=1e-6)
    samples = [ActionDataSample().set_gt_label(1), ActionDataSample().set_gt_label(2)]
    assert model(frames, samples, mode='loss')['loss_cls'].requires_grad


def test_external_backbone_keys_sit_directly_under_backbone(fake_timm):
    keys = set(tsn(dict(type='timm.tiny_conv')).state_dict())
    assert {'backbone.conv.weight', 'backbone.conv.bias', 'cls_head.fc_cls.weight'} <= keys


def test_torchvision_backbone_drops_its_classifier(monkeypatch):
    torchvision = types.ModuleType('torchvision')
    models = types.ModuleType('torchvision.models')
    models.tinynet = lambda **kwargs: TinyConvNet(**kwargs)
    torchvision.models = models
    monkeypatch.setitem(sys.modules, 'torchvision', torchvision)
    monkeypatch.setitem(sys.modules, 'torchvision.models', models)
    model = tsn(dict(type='torchvision.tinynet', num_classes=7))
    assert model.backbone_from == 'torchvision' and isinstance(model.backbone.fc, nn.Identity)
    # torchvision models without ``features`` run whole; TinyConvNet then gives (N, 8) vectors.
    assert model(torch.randn(1, 2, 3, 8, 8), mode='tensor').shape == (2, 8, 1, 1)
    with pytest.raises(ConfigError, match="torchvision.models has no 'nosuchnet'"):
        tsn(dict(type='torchvision.nosuchnet'))


@pytest.mark.parametrize('kind, package', [('timm.resnet50', 'timm>=0.9'), ('torchvision.resnet50', 'torchvision'),
                                           ('mmpretrain.ResNet', 'mmpretrain')])
def test_a_missing_library_names_the_package_to_install(monkeypatch, kind, package):
    real_import = importlib.import_module

    def import_module(name, *args):
        if name.split('.')[0] in ('timm', 'torchvision', 'mmpretrain'):
            raise ModuleNotFoundError(f"No module named '{name}'")
        return real_import(name, *args)

    monkeypatch.setattr(importlib, 'import_module', import_module)
    with pytest.raises(ConfigError, match=f"needs .*pip install '{package}'"):
        tsn(dict(type=kind))


def test_bad_feature_shape_names_the_key(fake_timm):
    with pytest.raises(ConfigError, match='feature_shape'):
        tsn(dict(type='timm.tiny_conv', feature_shape='CHW'))


def test_reelkit_backbones_are_untouched():
    model = tsn(dict(type='ResNet', depth=18), in_channels=512)
    assert model.backbone_from == 'reelkit' and model.feature_shape is None
