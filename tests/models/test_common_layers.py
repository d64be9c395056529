"""Shared blocks: layer configs, ConvModule names, the non-local block."""
import pytest
import torch
import torch.nn as nn

from reelkit.models.common import ConvModule, NonLocal3d, build_activation_layer, build_norm_layer


def test_conv_module_keys_read_conv_and_bn():
    module = ConvModule(3, 8, 3, norm_cfg=dict(type='BN2d'))
    assert list(module.state_dict()) == [
        'conv.weight', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']
    assert isinstance(module.activate, nn.ReLU) and module.norm is module.bn


def test_conv_module_has_a_bias_only_without_norm():
    assert ConvModule(3, 8, 1, act_cfg=None).conv.bias is not None
    assert ConvModule(3, 8, 1, norm_cfg=dict(type='BN'), act_cfg=None).conv.bias is None


@pytest.mark.parametrize('cfg, layer', [
    (dict(type='BN'), nn.BatchNorm2d), (dict(type='BN2d'), nn.BatchNorm2d), (dict(type='BN3d'), nn.BatchNorm3d),
    (dict(type='SyncBN'), nn.SyncBatchNorm)])
def test_norm_names_resolve(cfg, layer):
    assert type(build_norm_layer(cfg, 4)) is layer


def test_norm_requires_grad_false_freezes_the_affine_parameters():
    norm = build_norm_layer(dict(type='BN3d', requires_grad=False, momentum=0.2), 4)
    assert norm.momentum == 0.2 and not any(p.requires_grad for p in norm.parameters())


def test_activation_takes_inplace_only_where_supported():
    assert build_activation_layer(dict(type='ReLU'), inplace=True).inplace
    assert isinstance(build_activation_layer(dict(type='Sigmoid'), inplace=True), nn.Sigmoid)


def test_unknown_types_list_the_known_ones():
    with pytest.raises(ValueError, match=r"act_cfg: unknown type 'Relu'; expected one of \['ELU'"):
        build_activation_layer(dict(type='Relu'))
    with pytest.raises(ValueError, match="conv_cfg: unknown type 'Conv4d'"):
        ConvModule(3, 8, 1, conv_cfg=dict(type='Conv4d'))


@pytest.mark.parametrize('mode', ['dot_product', 'embedded_gaussian', 'gaussian'])
def test_non_local_starts_as_identity_and_keeps_the_shape(mode):
    block = NonLocal3d(8, mode=mode, sub_sample=True, norm_cfg=dict(type='BN3d')).eval()
    x = torch.randn(2, 8, 3, 4, 4)
    assert torch.equal(block(x), x)  # conv_out's norm starts at zero

    torch.nn.init.ones_(block.conv_out.bn.weight)
    y = block(x)
    assert y.shape == x.shape and not torch.equal(y, x)


def test_non_local_key_names_follow_mmcv():
    keys = set(NonLocal3d(8, mode='embedded_gaussian', sub_sample=True, norm_cfg=dict(type='BN3d')).state_dict())
    assert {'g.0.conv.weight', 'theta.conv.weight', 'phi.0.conv.weight', 'conv_out.conv.weight',
            'conv_out.bn.weight'} <= keys
    assert not any(key.startswith(('theta', 'phi')) for key in NonLocal3d(8, mode='gaussian').state_dict())


def test_non_local_unknown_mode_lists_the_modes():
    with pytest.raises(ValueError, match=r"mode='concat'; expected one of \['dot_product'"):
        NonLocal3d(8, mode='concat')


def test_ln_norm_cfg_builds_a_layer_norm_over_the_channels():
    norm = build_norm_layer(dict(type='LN', eps=1e-6), 8)
    assert isinstance(norm, torch.nn.LayerNorm) and norm.normalized_shape == (8, ) and norm.eps == 1e-6
    out = norm(torch.randn(2, 5, 8) * 3 + 1)
    torch.testing.assert_close(out.mean(-1), torch.zeros(2, 5), atol=1e-5, rtol=0)
