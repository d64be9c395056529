"""Shared GAN building blocks: spectral-norm layouts and numerics, ConvModule naming, config errors,
and the StyleGAN operators (upfirdn2d, fused bias-leaky-ReLU, equalized LR, modulated conv, minibatch std)."""
import pytest
import torch
import torch.nn as nn

from reelkit.models.architectures.common import (ConvModule, SNLinear, apply_spectral_norm, build_activation,
                                                 build_norm, sample_labels, sample_noise)
from reelkit.models.architectures.common.bias_act import fused_bias_leakyrelu
from reelkit.models.architectures.common.equalized_lr import EqualizedLRLinearModule
from reelkit.models.architectures.common.upfirdn2d import DownsampleUpFIRDn, UpsampleUpFIRDn, upfirdn2d
from reelkit.models.architectures.common.minibatch_std import ModMBStddevLayer
from reelkit.models.architectures.stylegan.stylegan2 import ModulatedConv2d


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


def test_torch_style_spectral_norm_stores_weight_orig_u_v():
    layer = apply_spectral_norm(nn.Conv2d(3, 4, 3), 'torch')
    assert {k: tuple(v.shape) for k, v in layer.state_dict().items()} == {
        'bias': (4, ), 'weight_orig': (4, 3, 3, 3), 'weight_u': (4, ), 'weight_v': (27, )}


def test_ajbrock_style_spectral_norm_keeps_weight_and_adds_u0_sv0():
    conv = nn.Conv2d(3, 4, 3, padding=1)
    layer = apply_spectral_norm(conv, 'ajbrock', eps=1e-6)
    assert {k: tuple(v.shape) for k, v in layer.state_dict().items()} == {
        'weight': (4, 3, 3, 3), 'bias': (4, ), 'u0': (1, 4), 'sv0': (1, )}
    assert layer.weight is conv.weight  # the parameters are shared, not copied
    emb = apply_spectral_norm(nn.Embedding(5, 7), 'ajbrock')
    assert tuple(emb.u0.shape) == (1, 5)


def test_ajbrock_power_iteration_finds_the_largest_singular_value():
    layer = SNLinear(6, 4)
    with torch.no_grad():
        # singular values 3, 2, 1, 0.5 with random orthogonal factors
        u, _ = torch.linalg.qr(torch.randn(4, 4))
        v, _ = torch.linalg.qr(torch.randn(6, 4))
        layer.weight.copy_(u @ torch.diag(torch.tensor([3.0, 2.0, 1.0, 0.5])) @ v.t())
    layer.train()
    for _ in range(50):
        layer(torch.randn(2, 6))
    assert layer.sv0.item() == pytest.approx(3.0, rel=1e-4)
    normalized = layer.normalized_weight()
    assert torch.linalg.matrix_norm(normalized, ord=2).item() == pytest.approx(1.0, rel=1e-4)


def test_ajbrock_buffers_are_frozen_in_eval_mode():
    layer = SNLinear(6, 4).eval()
    u0, sv0 = layer.u0.clone(), layer.sv0.clone()
    layer(torch.randn(2, 6))
    assert torch.equal(layer.u0, u0) and torch.equal(layer.sv0, sv0)


def test_torch_and_ajbrock_styles_agree_after_convergence():
    weight = torch.randn(5, 8)
    torch_layer = apply_spectral_norm(nn.Linear(8, 5), 'torch')
    ajbrock_layer = apply_spectral_norm(nn.Linear(8, 5), 'ajbrock')
    with torch.no_grad():
        torch_layer.weight_orig.copy_(weight)
        ajbrock_layer.weight.copy_(weight)
        torch_layer.bias.zero_()
        ajbrock_layer.bias.zero_()
    x = torch.randn(3, 8)
    for _ in range(100):
        out_torch, out_ajbrock = torch_layer(x), ajbrock_layer(x)
    torch.testing.assert_close(out_torch, out_ajbrock, rtol=1e-4, atol=1e-5)


def test_unknown_sn_style_names_the_choices():
    with pytest.raises(ValueError, match=r"sn_style='miyato'; expected one of \['torch', 'ajbrock'\]"):
        apply_spectral_norm(nn.Linear(2, 2), 'miyato')


def test_conv_module_uses_mmcv_names_and_norm_position():
    post = ConvModule(3, 8, 3, norm_cfg=dict(type='BN'))
    assert list(post.state_dict())[:3] == ['conv.weight', 'bn.weight', 'bn.bias']
    assert post.conv.bias is None  # bias='auto' drops it under a norm
    pre = ConvModule(3, 8, 3, norm_cfg=dict(type='GN', num_groups=1), order=('norm', 'act', 'conv'))
    assert pre.gn.num_channels == 3  # a norm before the conv normalises the input channels
    assert ConvModule(3, 8, 1, act_cfg=dict(type='Tanh'))(torch.randn(1, 3, 2, 2)).abs().max() <= 1


def test_layer_config_errors_list_valid_types():
    with pytest.raises(ValueError, match="activation type 'Mish' is not supported"):
        build_activation(dict(type='Mish'))
    with pytest.raises(ValueError, match="norm type 'BatchNorm' is not supported"):
        build_norm(dict(type='BatchNorm'), 4)
    with pytest.raises(ValueError, match='order='):
        ConvModule(3, 3, 1, order=('conv', 'act'))


def test_sample_noise_forms():
    device = torch.device('cpu')
    given = torch.randn(2, 4)
    assert sample_noise(given, 0, (4, ), device) is given
    assert sample_noise(lambda shape: torch.zeros(shape), 3, (4, ), device).shape == (3, 4)
    assert sample_noise(None, 5, (4, ), device).shape == (5, 4)
    with pytest.raises(ValueError, match=r'noise must have shape \(N, 4\), got \(2, 3\)'):
        sample_noise(torch.randn(2, 3), 0, (4, ), device)


def test_sample_labels_forms():
    device = torch.device('cpu')
    assert sample_labels(None, 4, 0, device) is None
    labels = sample_labels(None, 100, 3, device)
    assert labels.shape == (100, ) and labels.min() >= 0 and labels.max() < 3
    assert sample_labels(torch.tensor([[1], [2]]), 0, 3, device).tolist() == [1, 2]


# ---- StyleGAN operators -------------------------------------------------------------------------

def test_upfirdn2d_impulse_response_is_the_unflipped_kernel():
    x = torch.zeros(1, 1, 5, 5)
    x[..., 2, 2] = 1
    kernel = torch.tensor([[1., 2.], [3., 4.]])
    out = upfirdn2d(x, kernel, pad=(1, 0))  # 5 + 1 - 2 + 1 = 5
    expected = torch.zeros(5, 5)
    expected[2:4, 2:4] = kernel
    torch.testing.assert_close(out[0, 0], expected)


def test_upfirdn2d_zero_insertion_decimation_and_cropping():
    x = torch.arange(4.).reshape(1, 1, 2, 2)
    one = torch.ones(1, 1)
    torch.testing.assert_close(upfirdn2d(x, one, up=2)[0, 0],
                               torch.tensor([[0., 0., 1., 0.], [0., 0., 0., 0.], [2., 0., 3., 0.], [0., 0., 0., 0.]]))
    torch.testing.assert_close(upfirdn2d(x, one, down=2)[0, 0], torch.tensor([[0.]]))
    assert upfirdn2d(torch.ones(2, 3, 6, 6), one, pad=(-1, -2)).shape == (2, 3, 3, 3)


def test_fir_up_and_downsampling_keep_constant_images_constant():
    up = UpsampleUpFIRDn([1, 3, 3, 1])(torch.ones(1, 2, 4, 4))
    assert up.shape == (1, 2, 8, 8)
    torch.testing.assert_close(up[..., 2:-2, 2:-2], torch.ones(1, 2, 4, 4))
    down = DownsampleUpFIRDn([1, 3, 3, 1])(torch.ones(1, 2, 8, 8))
    assert down.shape == (1, 2, 4, 4)
    torch.testing.assert_close(down[..., 1:-1, 1:-1], torch.ones(1, 2, 2, 2))


def test_fused_bias_leakyrelu_values():
    x = torch.tensor([[-1.0, 2.0]])
    out = fused_bias_leakyrelu(x, torch.tensor([0.5, -1.0]))
    torch.testing.assert_close(out, torch.tensor([[-0.5 * 0.2, 1.0]]) * 2**0.5)


def test_equalized_lr_scales_by_gain_over_sqrt_fan_in():
    layer = EqualizedLRLinearModule(4, 2, bias=False, equalized_lr_cfg=dict(gain=2.0, lr_mul=0.5))
    assert set(layer.state_dict()) == {'weight_orig'}
    x = torch.randn(3, 4)
    expected = x @ (layer.weight_orig * 2.0 / 4**0.5 * 0.5).t()
    torch.testing.assert_close(layer(x), expected)


def test_modulated_conv_equals_per_sample_convolution():
    conv = ModulatedConv2d(3, 4, 3, style_channels=5)
    x, style = torch.randn(2, 3, 6, 6), torch.randn(2, 5)
    out = conv(x, style)
    weight = conv.weight_orig[0] / (3 * 9)**0.5  # gain 1, fan-in 27
    for n in range(2):
        w = weight * conv.style_modulation(style[n:n + 1]).reshape(1, 3, 1, 1)
        w = w / (w.pow(2).sum([1, 2, 3], keepdim=True) + 1e-8).sqrt()
        torch.testing.assert_close(out[n:n + 1], torch.nn.functional.conv2d(x[n:n + 1], w, padding=1),
                                   rtol=1e-4, atol=1e-5)


def test_modulated_conv_up_and_down_sample_shapes():
    x, style = torch.randn(2, 3, 6, 6), torch.randn(2, 5)
    assert ModulatedConv2d(3, 4, 3, 5, upsample=True)(x, style).shape == (2, 4, 12, 12)
    assert ModulatedConv2d(3, 4, 3, 5, downsample=True)(x, style).shape == (2, 4, 3, 3)


def test_minibatch_stddev_appends_the_group_std():
    layer = ModMBStddevLayer(group_size=2, eps=0.0)
    x = torch.tensor([1.0, 4.0]).reshape(2, 1, 1, 1)
    out = layer(x)
    assert out.shape == (2, 2, 1, 1)
    torch.testing.assert_close(out[:, 1].flatten(), torch.tensor([1.5, 1.5]))  # population std of (1, 4)
    with pytest.raises(ValueError, match='batch size 6'):
        ModMBStddevLayer(group_size=4)(torch.randn(6, 1, 1, 1))


def test_stylegan3_lowpass_filter_response():
    from reelkit.models.architectures.stylegan.stylegan3 import design_lowpass_filter
    cutoff, stopband, fs = 2.0, 2**2.1, 32
    h = design_lowpass_filter(12, cutoff, 2 * (stopband - cutoff), fs).double()
    assert torch.allclose(h, h.flip(0)) and h.sum().item() == pytest.approx(1.0)

    def gain(f):  # |DTFT| at frequency f
        n = torch.arange(12, dtype=torch.float64)
        phase = 2 * torch.pi * f * n / fs
        return torch.hypot((h * torch.cos(phase)).sum(), (h * torch.sin(phase)).sum()).item()

    assert gain(cutoff) == pytest.approx(0.5, abs=0.1)  # about -6 dB at the cutoff
    assert gain(stopband) < 0.05 and gain(fs / 4) < 0.05
    radial = design_lowpass_filter(12, cutoff, 2 * (stopband - cutoff), fs, radial=True)
    assert radial.shape == (12, 12) and torch.allclose(radial, radial.t()) and radial.sum().item() == pytest.approx(1)
    assert design_lowpass_filter(1, cutoff, 1.0, fs) is None


def test_filtered_lrelu_without_filters_is_biased_leaky_relu():
    from reelkit.models.architectures.stylegan.stylegan3 import filtered_lrelu
    x, b = torch.randn(2, 3, 4, 4), torch.randn(3)
    out = filtered_lrelu(x, None, None, b, up=1, down=1, padding=[0, 0, 0, 0], gain=2**0.5, slope=0.2, clamp=1.0)
    expected = (torch.nn.functional.leaky_relu(x + b[:, None, None], 0.2) * 2**0.5).clamp(-1, 1)
    torch.testing.assert_close(out, expected)
