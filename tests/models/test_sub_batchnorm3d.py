"""SubBatchNorm3D: MMAction2's state-dict keys, per-sub-batch training, aggregated evaluation."""
import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from reelkit.models.backbones import ResNet3d
from reelkit.models.common import SubBatchNorm3D, build_norm_layer

UPSTREAM_KEYS = [  # MMAction2 1.2.0's SubBatchNorm3D(4, num_splits=2).state_dict()
    'weight', 'bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked',
    'split_bn.running_mean', 'split_bn.running_var', 'split_bn.num_batches_tracked']


def affine_norm(num_splits: int = 2) -> SubBatchNorm3D:
    norm = SubBatchNorm3D(3, num_splits=num_splits, momentum=0.5)
    with torch.no_grad():
        norm.weight.copy_(torch.tensor([1.0, 2.0, 0.5]))
        norm.bias.copy_(torch.tensor([0.0, 1.0, -1.0]))
    return norm


def test_state_dict_keys_and_shapes_are_mmaction2s():
    state = SubBatchNorm3D(4, num_splits=2).state_dict()
    assert list(state) == UPSTREAM_KEYS
    assert state['bn.running_mean'].shape == (4, ) and state['split_bn.running_mean'].shape == (8, )


def test_without_affine_there_is_no_weight_or_bias():
    assert list(SubBatchNorm3D(4, num_splits=2, affine=False).state_dict()) == UPSTREAM_KEYS[2:]


def test_training_normalizes_each_interleaved_sub_batch_on_its_own():
    torch.manual_seed(0)
    x = torch.randn(6, 3, 2, 3, 3) * 2 + 1
    norm = affine_norm(num_splits=2).train()
    out = norm(x)
    for split in range(2):
        part = x[split::2]  # samples split, split + 2, split + 4
        reference = nn.BatchNorm3d(3, momentum=0.5)
        with torch.no_grad():
            reference.weight.copy_(norm.weight)
            reference.bias.copy_(norm.bias)
        assert torch.allclose(out[split::2], reference(part), atol=1e-5)
        assert torch.allclose(norm.split_bn.running_mean.view(2, 3)[split], reference.running_mean)
        assert torch.allclose(norm.split_bn.running_var.view(2, 3)[split], reference.running_var)


def test_aggregate_stats_merges_the_sub_batch_statistics_into_bn():
    norm = SubBatchNorm3D(1, num_splits=2)
    norm.split_bn.running_mean.copy_(torch.tensor([1.0, 3.0]))
    norm.split_bn.running_var.copy_(torch.tensor([2.0, 4.0]))
    norm.split_bn.num_batches_tracked.fill_(7)
    norm.aggregate_stats()
    # mean (1 + 3) / 2 = 2; variance (2 + 4) / 2 + ((1 - 2)^2 + (3 - 2)^2) / 2 = 4
    assert norm.bn.running_mean.tolist() == [2.0] and norm.bn.running_var.tolist() == [4.0]
    assert norm.bn.num_batches_tracked.item() == 7
    x = torch.full((1, 1, 1, 1, 2), 6.0)
    assert torch.allclose(norm.eval()(x), torch.full_like(x, 4 / math.sqrt(4 + 1e-5)))


def test_evaluation_after_aggregation_matches_bn_on_the_whole_batch():
    # One step at momentum 1 stores each sub-batch's statistics; aggregated, they are the batch's.
    torch.manual_seed(1)
    x = torch.randn(4, 3, 2, 2, 2) + torch.arange(4.).view(4, 1, 1, 1, 1)
    norm = SubBatchNorm3D(3, num_splits=2, momentum=1.0)
    norm.train()(x)
    norm.aggregate_stats()
    # split_bn keeps the unbiased variance of each sub-batch of n = 2 * 8 values; undo it to merge
    n = x[0::2].numel() // 3
    mean = x.mean(dim=(0, 2, 3, 4))
    within = torch.stack([x[s::2].var(dim=(0, 2, 3, 4), unbiased=False) for s in range(2)]).mean(0)
    between = torch.stack([(x[s::2].mean(dim=(0, 2, 3, 4)) - mean) ** 2 for s in range(2)]).mean(0)
    assert torch.allclose(norm.bn.running_mean, mean, atol=1e-6)
    assert torch.allclose(norm.bn.running_var, within * n / (n - 1) + between, atol=1e-5)
    expected = F.batch_norm(x, norm.bn.running_mean, norm.bn.running_var, norm.weight, norm.bias, False)
    assert torch.allclose(norm.eval()(x), expected, atol=1e-6)


def test_batch_that_does_not_split_is_rejected():
    with pytest.raises(ValueError, match='batch of 3 does not split into num_splits=2'):
        SubBatchNorm3D(3, num_splits=2).train()(torch.zeros(3, 3, 1, 1, 1))


def test_norm_cfg_builds_it_with_frozen_affine_parameters():
    norm = build_norm_layer(dict(type='SubBatchNorm3D', num_splits=4, requires_grad=False), 8)
    assert isinstance(norm, SubBatchNorm3D) and norm.split_bn.num_features == 32
    assert not norm.weight.requires_grad and not norm.bias.requires_grad


def test_resnet3d_with_sub_batch_norms_has_mmaction2_keys_and_runs():
    model = ResNet3d(18, base_channels=8, norm_cfg=dict(type='SubBatchNorm3D', num_splits=2),
                     conv1_kernel=(1, 7, 7), inflate=(0, 0, 1, 1))
    keys = list(model.state_dict())
    assert [k[len('conv1.'):] for k in keys if k.startswith('conv1.')] == ['conv.weight'] + [
        f'bn.{key}' for key in UPSTREAM_KEYS]
    assert len(keys) == 180  # as MMAction2's ResNet3d with this norm_cfg
    assert model.train()(torch.randn(4, 3, 2, 32, 32)).shape == (4, 64, 1, 1, 1)
