"""TSMOptimWrapperConstructor: which parameter lands in which group, with which lr and decay."""
import pytest
import torch
import torch.nn as nn
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

from reelkit.engine.optimizers import TSMOptimWrapperConstructor
from reelkit.registry import OPTIM_WRAPPER_CONSTRUCTORS

LR, WD = 0.01, 1e-4
OPTIM_CFG = dict(optimizer=dict(type='SGD', lr=LR, momentum=0.9, weight_decay=WD))


class TinyNet(nn.Module):
    """conv1 (first conv, with bias), BN, a stage with two convs and a BN, GroupNorm, two fcs."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3)
        self.bn1 = nn.BatchNorm2d(4)
        self.layer1 = nn.Sequential(nn.Conv2d(4, 4, 3, bias=False), nn.BatchNorm2d(4), nn.Conv2d(4, 4, 1))
        self.gn = nn.GroupNorm(2, 4)
        self.neck_fc = nn.Linear(4, 4)
        self.fc_cls = nn.Linear(4, 3)


def build_groups(model, paramwise_cfg):
    constructor = TSMOptimWrapperConstructor(OPTIM_CFG, paramwise_cfg)
    groups = constructor(model).optimizer.param_groups
    names = {id(p): n for n, p in model.named_parameters()}
    return [(sorted(names[id(p)] for p in g['params']), g['lr'], g['weight_decay']) for g in groups]


def test_fc_lr5_groups_lrs_and_decays():
    assert build_groups(TinyNet(), dict(fc_lr5=True)) == [
        (['conv1.weight'], LR, WD),
        (['conv1.bias'], 2 * LR, 0),
        (['layer1.0.weight', 'layer1.2.weight', 'neck_fc.weight'], LR, WD),
        (['layer1.2.bias', 'neck_fc.bias'], 2 * LR, 0),
        (['bn1.bias', 'bn1.weight', 'gn.bias', 'gn.weight', 'layer1.1.bias', 'layer1.1.weight'], LR, 0),
        (['fc_cls.weight'], 5 * LR, WD),
        (['fc_cls.bias'], 10 * LR, 0),
    ]


def test_without_fc_lr5_the_classifier_joins_the_normal_groups():
    groups = build_groups(TinyNet(), dict(fc_lr5=False))
    assert groups[2] == (['fc_cls.weight', 'layer1.0.weight', 'layer1.2.weight', 'neck_fc.weight'], LR, WD)
    assert groups[3] == (['fc_cls.bias', 'layer1.2.bias', 'neck_fc.bias'], 2 * LR, 0)
    assert groups[5][0] == [] and groups[6][0] == []


def test_every_trainable_parameter_is_in_exactly_one_group():
    model = TinyNet()
    grouped = [n for names, _, _ in build_groups(model, dict(fc_lr5=True)) for n in names]
    assert sorted(grouped) == sorted(n for n, _ in model.named_parameters())


def test_frozen_norm_parameters_are_left_out():
    model = TinyNet()
    model.bn1.requires_grad_(False)
    assert build_groups(model, dict(fc_lr5=True))[4][0] == [
        'gn.bias', 'gn.weight', 'layer1.1.bias', 'layer1.1.weight']


def test_optimizer_steps_with_empty_groups():
    model = TinyNet()
    optim_wrapper = TSMOptimWrapperConstructor(OPTIM_CFG, dict(fc_lr5=False))(model)
    before = model.fc_cls.weight.detach().clone()
    model.fc_cls(torch.ones(2, 4)).sum().backward()
    optim_wrapper.step()
    assert not torch.equal(before, model.fc_cls.weight)


def test_module_without_rule_is_named():
    model = TinyNet()
    model.embed = nn.Embedding(5, 4)
    with pytest.raises(ValueError, match=r'model\.embed \(Embedding\) holds parameters'):
        build_groups(model, dict(fc_lr5=True))


def test_fc_lr5_without_linear_layer_raises():
    with pytest.raises(ValueError, match='fc_lr5=True needs an nn.Linear'):
        build_groups(nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4)), dict(fc_lr5=True))


def test_unknown_paramwise_key_is_rejected():
    with pytest.raises(ValueError, match=r"reads only fc_lr5, got \['norm_decay_mult'\]"):
        TSMOptimWrapperConstructor(OPTIM_CFG, dict(fc_lr5=True, norm_decay_mult=0.0))


def test_builds_from_optim_wrapper_config_in_reelkit_scope():
    cfg = dict(OPTIM_CFG, constructor='TSMOptimWrapperConstructor', paramwise_cfg=dict(fc_lr5=True))
    with DefaultScope.overwrite_default_scope('reelkit'):
        optim_wrapper = build_optim_wrapper(TinyNet(), cfg)
    lrs = [g['lr'] for g in optim_wrapper.optimizer.param_groups]
    assert lrs == [LR, 2 * LR, LR, 2 * LR, LR, 5 * LR, 10 * LR]


def test_registered_in_reelkit_registry():
    assert OPTIM_WRAPPER_CONSTRUCTORS.get('TSMOptimWrapperConstructor') is TSMOptimWrapperConstructor
