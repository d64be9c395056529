"""The remaining 2D recognition families: TIN, TANet, TRN, TPN (neck + head) and MobileNetV2(-TSM).

Layouts against MMAction2 1.2.0's 12 configs of these families, forward shapes on tiny inputs, and
behaviour checked against independent loop implementations and hand-computed cases.
"""
import copy
import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import reelkit.models  # noqa: F401  (registers the shared parts; the imports below register this family's)
from reelkit.models.backbones import ResNet, ResNetTSM, TemporalShift
from reelkit.models.backbones.mobilenet_v2 import InvertedResidual, MobileNetV2, make_divisible
from reelkit.models.backbones.mobilenet_v2_tsm import MobileNetV2TSM
from reelkit.models.backbones.resnet_tin import (CombineNet, ResNetTIN, TemporalInterlace, interlace_shift,
                                                 shift_frames, tin_key_map)
from reelkit.models.backbones.tanet import TAM, TABlock, TANet
from reelkit.models.heads import TSNHead
from reelkit.models.heads.tpn_head import TPNHead
from reelkit.models.heads.trn_head import RelationModule, RelationModuleMultiScale, TRNHead
from reelkit.models.necks.tpn import TPN
from reelkit.registry import MODELS
from reelkit.structures import ActionDataSample
from reference_facts import mmaction2_reference

FAMILY_BACKBONES = ('ResNetTIN', 'TANet', 'MobileNetV2', 'MobileNetV2TSM')
FAMILY_HEADS = ('TRNHead', 'TPNHead')


def strip_scope(cfg):
    """``cfg`` with ``mmaction.`` prefixes dropped from its types."""
    if isinstance(cfg, dict):
        return {key: (value[len('mmaction.'):] if key == 'type' and isinstance(value, str)
                      and value.startswith('mmaction.') else strip_scope(value)) for key, value in cfg.items()}
    if isinstance(cfg, list):
        return [strip_scope(item) for item in cfg]
    return cfg


def family_configs() -> dict:
    configs = {}
    for name, ref in mmaction2_reference().items():
        if 'error' in ref:
            continue
        model = strip_scope(ref['model'])
        if (model.get('backbone', {}).get('type') in FAMILY_BACKBONES
                or (model.get('cls_head') or {}).get('type') in FAMILY_HEADS
                or (model.get('neck') or {}).get('type') == 'TPN'):
            configs[name] = dict(ref, model=model)
    return configs


CONFIGS = family_configs()
WHOLE = sorted(name for name, ref in CONFIGS.items() if ref['model']['type'] == 'Recognizer2D')
# The Recognizer3D TPN configs run on ResNet3dSlowOnly (another family): only their neck and head here.
PARTS_ONLY = sorted(set(CONFIGS) - set(WHOLE))


def layout(module: nn.Module, prefix: str = '') -> dict:
    return {prefix + key: list(value.shape) for key, value in module.state_dict().items()}


# ---------------------------------------------------------------------------------------------- layouts

def test_the_family_has_twelve_reference_configs():
    families = sorted(name.split('/')[1] for name in CONFIGS)
    assert families == ['tanet'] * 3 + ['tin'] * 3 + ['tpn'] * 3 + ['trn'] * 2 + ['tsm']
    assert len(WHOLE) == 10 and len(PARTS_ONLY) == 2


@pytest.mark.parametrize('name', WHOLE, ids=lambda name: name.split('/')[-1][:-3])
def test_whole_recognizer2d_has_the_reference_layout_and_parameter_count(name):
    ref = CONFIGS[name]
    with torch.device('meta'):
        model = MODELS.build(copy.deepcopy(ref['model']))
    assert layout(model) == ref['state_dict']
    assert sum(p.numel() for p in model.parameters()) == ref['params']


@pytest.mark.parametrize('name', PARTS_ONLY, ids=lambda name: name.split('/')[-1][:-3])
def test_tpn_neck_and_head_of_recognizer3d_configs_have_the_reference_layout(name):
    ref = CONFIGS[name]
    with torch.device('meta'):
        neck = MODELS.build(copy.deepcopy(ref['model']['neck']))
        head = MODELS.build(copy.deepcopy(ref['model']['cls_head']))
    own = {**layout(neck, 'neck.'), **layout(head, 'cls_head.')}
    expected = {key: shape for key, shape in ref['state_dict'].items() if key.startswith(('neck.', 'cls_head.'))}
    assert own == expected
    assert len(expected) > 50  # a broken prefix filter would compare nothing


# ------------------------------------------------------------------------------ whole models, tiny input

ONE_PER_FAMILY = [name for name in WHOLE if any(tag in name for tag in (
    'tin_imagenet-pretrained-r50_8xb6-1x1x8-40e_sthv1', 'tanet_imagenet-pretrained-r50_8xb6-1x1x16',
    'trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_sthv1', 'tpn-tsm', 'mobilenetv2'))]


@pytest.mark.parametrize('name', ONE_PER_FAMILY, ids=lambda name: name.split('/')[1])
def test_reference_config_predicts_one_score_vector_per_sample(name):
    assert len(ONE_PER_FAMILY) == 5
    cfg = CONFIGS[name]['model']
    segments = cfg['backbone'].get('num_segments', 8)
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg)).eval()
    samples = [ActionDataSample().set_gt_label(0)]
    with torch.no_grad():
        preds = model(torch.randn(1, segments, 3, 32, 32), samples, mode='predict')
    score = preds[0].pred_score
    assert score.shape == (cfg['cls_head']['num_classes'], )
    assert torch.allclose(score.sum(), torch.tensor(1.0), atol=1e-4)  # average_clips='prob'


# --------------------------------------------------------------------------------------------- TIN shift

def interlace_by_loops(x: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """Frame by frame: ``out[t] = (1 - frac) * x[t - floor(o)] + frac * x[t - floor(o) - 1]``, per group."""
    N, T, C = x.shape[:3]
    G = offsets.shape[1]
    width = C // G
    out = torch.zeros_like(x)
    for n, g, t in itertools.product(range(N), range(G), range(T)):
        o = float(offsets[n, g])
        f = math.floor(o)
        channels = slice(g * width, (g + 1) * width)
        for source, weight in ((t - f, 1 - (o - f)), (t - f - 1, o - f)):
            if 0 <= source < T:
                out[n, t, channels] += weight * x[n, source, channels]
    return out


def test_interlace_shift_matches_a_frame_by_frame_loop():
    torch.manual_seed(0)
    x = torch.randn(3, 6, 8, 2, 3)
    # Fractional, whole, negative and out-of-clip offsets.
    offsets = torch.tensor([[0.3, -1.6, 2.0, -0.5], [5.5, 0.0, -7.2, 1.999], [-2.25, 3.75, 0.5, -3.0]])
    assert torch.allclose(interlace_shift(x, offsets), interlace_by_loops(x, offsets), atol=1e-6)


def test_whole_offsets_move_frames_and_half_offsets_average_neighbours():
    x = torch.arange(1., 5.).view(1, 4, 1, 1)  # one clip of 4 frames, one channel: 1 2 3 4
    move = lambda o: interlace_shift(x, torch.tensor([[o]])).flatten().tolist()  # noqa: E731
    assert move(1.0) == [0, 1, 2, 3]  # to later frames
    assert move(-2.0) == [3, 4, 0, 0]
    assert move(0.5) == [0.5, 1.5, 2.5, 3.5]


def test_shift_frames_is_mmcv_tin_shift():
    x = torch.arange(12.).view(1, 3, 2, 2)  # (N, T, G, R)
    out = shift_frames(x, torch.tensor([[1, -1]]))
    assert torch.equal(out[0, :, 0], torch.tensor([[0., 0.], [0., 1.], [4., 5.]]))
    assert torch.equal(out[0, :, 1], torch.tensor([[6., 7.], [10., 11.], [0., 0.]]))


def test_interlace_shift_gradients_reach_data_and_offsets():
    torch.manual_seed(0)
    x = torch.randn(1, 4, 4, 2, dtype=torch.double, requires_grad=True)
    offsets = torch.tensor([[0.3, -1.6]], dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(interlace_shift, (x, offsets))


def interlace(in_channels=8, segments=4, shift_div=2, offset_bias=None, weight_bias=None) -> TemporalInterlace:
    """A TemporalInterlace whose offsets and frame weights are constants (zero weights, given biases)."""
    module = TemporalInterlace(in_channels, segments, shift_div)
    with torch.no_grad():
        module.offset_net.fc2.weight.zero_()
        module.weight_net.conv.weight.zero_()
        if offset_bias is not None:
            module.offset_net.fc2.bias.copy_(torch.tensor(offset_bias))
        if weight_bias is not None:
            module.weight_net.conv.bias.copy_(torch.tensor(weight_bias))
    return module


def test_interlace_starts_with_half_frame_moves_and_unit_weights():
    torch.manual_seed(0)
    x = torch.randn(2 * 4, 8, 3, 3)  # 2 clips, 4 frames; shift_div=2 moves 4 channels, 1 per group
    out = interlace()(x).view(2, 4, 8, 3, 3)
    clips = x.view(2, 4, 8, 3, 3)
    later = torch.cat([torch.zeros_like(clips[:, :1]), clips[:, :-1]], dim=1)  # x[t - 1]
    earlier = torch.cat([clips[:, 1:], torch.zeros_like(clips[:, :1])], dim=1)  # x[t + 1]
    # Groups 0, 1 move by +o frames, groups 2, 3 by -o, o = 4 * (sigmoid(0.5108) - 0.5) = 0.50002;
    # channels 4..7 pass unchanged.
    o = 4 * (torch.sigmoid(torch.tensor(0.5108)) - 0.5)
    assert abs(o - 0.5) < 1e-4
    assert torch.allclose(out[:, :, :2], ((1 - o) * clips + o * later)[:, :, :2], atol=1e-5)
    assert torch.allclose(out[:, :, 2:4], (o * earlier + (1 - o) * clips)[:, :, 2:4], atol=1e-5)
    assert torch.equal(out[:, :, 4:], clips[:, :, 4:])


def test_interlace_groups_move_by_plus_and_minus_offsets_with_alternating_weights():
    torch.manual_seed(0)
    x = torch.randn(4, 8, 2, 2)
    # Offsets 4 * (sigmoid(b) - 0.5): o0 = 1 (b = ln 3), o1 = 0. Weights 2 * sigmoid(b): w0 = 1.5, w1 = 0.5.
    module = interlace(offset_bias=[math.log(3), 0.0], weight_bias=[math.log(3), -math.log(3)])
    out = module(x)
    previous = torch.cat([torch.zeros_like(x[:1]), x[:-1]])
    following = torch.cat([x[1:], torch.zeros_like(x[:1])])
    assert torch.allclose(out[:, 0], 1.5 * previous[:, 0], atol=1e-5)  # +o0, w0
    assert torch.allclose(out[:, 1], 0.5 * x[:, 1], atol=1e-5)  # +o1, w1
    assert torch.allclose(out[:, 2], 1.5 * following[:, 2], atol=1e-5)  # -o0, w0
    assert torch.allclose(out[:, 3], 0.5 * x[:, 3], atol=1e-5)  # -o1, w1


def test_interlace_needs_four_equal_groups_and_whole_clips():
    with pytest.raises(ValueError, match='shift_div=4'):
        TemporalInterlace(24, 4, shift_div=4)  # 6 channels move: not 4 equal groups
    with pytest.raises(ValueError, match='not a whole number of 4-segment clips'):
        TemporalInterlace(8, 4, shift_div=2)(torch.zeros(6, 8, 2, 2))


# ---------------------------------------------------------------------------------------------- ResNetTIN

def tiny_tin(**kwargs) -> ResNetTIN:
    """One bottleneck stage: (N * 4, 3, H, W) -> (N * 4, 256, H/4, W/4)."""
    return ResNetTIN(50, num_segments=4, shift_div=4, num_stages=1, strides=(1, ), dilations=(1, ),
                     out_indices=(0, ), **kwargs)


def test_tin_interlaces_the_first_conv_of_every_block():
    model = tiny_tin()
    assert all(isinstance(block.conv1.conv, CombineNet) for block in model.layer1)
    assert model(torch.randn(8, 3, 16, 16)).shape == (8, 256, 4, 4)
    plain = tiny_tin(is_tin=False)
    assert not any(isinstance(m, TemporalInterlace) for m in plain.modules())


def test_tin_keeps_the_interlace_init_that_conv_module_would_overwrite():
    torch.manual_seed(0)
    interlaces = [m for m in tiny_tin().modules() if isinstance(m, TemporalInterlace)]
    assert len(interlaces) == 3
    for module in interlaces:
        assert torch.all(module.offset_net.fc2.bias == 0.5108)
        assert torch.all(module.weight_net.conv.bias == 0)
        # PyTorch's default Conv1d init (uniform, bound 1/sqrt(fan_in)), not He init with a zero bias.
        conv = module.offset_net.conv
        bound = 1 / math.sqrt(conv.in_channels * 3)
        assert conv.weight.abs().max() <= bound and conv.bias.abs().max() > 0


def test_tin_rejects_shift_and_pool_options():
    for name in ('is_shift', 'temporal_pool'):
        with pytest.raises(ValueError, match=f'{name}=True'):
            tiny_tin(**{name: True})


def test_tin_loads_2d_and_tin_checkpoints(tmp_path):
    torch.manual_seed(0)
    resnet = {k: torch.rand_like(v) if v.is_floating_point() else v for k, v in ResNet(18).state_dict().items()}
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in resnet.items()}}, tmp_path / 'r18.pth')
    model = ResNetTIN(18, pretrained=str(tmp_path / 'r18.pth'))
    interlace_before = copy.deepcopy(model.layer1[0].conv1.conv.net1.state_dict())
    model.init_weights()
    state = model.state_dict()
    assert torch.equal(state['layer1.0.conv1.conv.net2.weight'], resnet['layer1.0.conv1.conv.weight'])
    assert torch.equal(state['layer4.1.conv2.bn.running_var'], resnet['layer4.1.conv2.bn.running_var'])
    for key, value in model.layer1[0].conv1.conv.net1.state_dict().items():
        assert torch.equal(value, interlace_before[key])  # not in a 2D checkpoint: left as they were
    # A TSM checkpoint (the Kinetics TIN config starts from one): ``conv1.conv.net`` -> ``conv1.conv.net2``.
    tsm = {k: torch.rand_like(v) if v.is_floating_point() else v for k, v in ResNetTSM(18).state_dict().items()}
    torch.save(tsm, tmp_path / 'tsm.pth')
    model = ResNetTIN(18, pretrained=str(tmp_path / 'tsm.pth'))
    model.init_weights()
    assert torch.equal(model.state_dict()['layer2.1.conv1.conv.net2.weight'], tsm['layer2.1.conv1.conv.net.weight'])
    # A TIN checkpoint places every key onto itself.
    own = list(state)
    assert tin_key_map(own, own) == {key: key for key in own}


# ---------------------------------------------------------------------------------------------- TANet

def tam_by_loops(tam: TAM, x: torch.Tensor) -> torch.Tensor:
    """Clip by clip, channel by channel: ``out[t] = sum_j kernel[j] * gate[s] * x[s]``, s = t + j - padding."""
    NT, C, H, W = x.shape
    T = tam.num_segments
    clips = x.view(NT // T, T, C, H, W)
    out = torch.zeros_like(clips)
    pad = tam.adaptive_convolution_padding
    for n in range(NT // T):
        descriptor = clips[n].mean(dim=(2, 3)).t()  # (C, T)
        kernels = tam.G(descriptor)  # (C, K)
        gate = tam.L(descriptor.unsqueeze(0))[0]  # (C, T)
        for c, t, j in itertools.product(range(C), range(T), range(kernels.shape[1])):
            s = t + j - pad
            if 0 <= s < T:
                out[n, t, c] += kernels[c, j] * gate[c, s] * clips[n, s, c]
    return out.view(NT, C, H, W)


def randomize_norms(module: nn.Module) -> None:
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)


@pytest.mark.parametrize('kernel_size', [3, 5])
def test_tam_matches_a_loop_over_clips_channels_and_taps(kernel_size):
    torch.manual_seed(0)
    tam = TAM(8, num_segments=4, adaptive_kernel_size=kernel_size, adaptive_convolution_padding=kernel_size // 2)
    randomize_norms(tam)
    tam.eval()
    x = torch.randn(2 * 4, 8, 3, 2)
    with torch.no_grad():
        assert torch.allclose(tam(x), tam_by_loops(tam, x), atol=1e-5)


def test_tanet_wraps_every_block_and_keeps_clip_shapes():
    model = TANet(50, num_segments=4, num_stages=2, strides=(1, 2), dilations=(1, 1), out_indices=(1, ))
    assert all(isinstance(block, TABlock) for layer in (model.layer1, model.layer2) for block in layer)
    assert model.layer2[0].tam.in_channels == 128  # the first conv's output channels
    assert model(torch.randn(8, 3, 32, 32)).shape == (8, 512, 4, 4)


def test_ta_block_is_the_bottleneck_with_tam_after_its_first_conv():
    torch.manual_seed(0)
    model = TANet(50, num_segments=3, num_stages=1, strides=(1, ), dilations=(1, ), out_indices=(0, )).eval()
    block = model.layer1[0]
    x = torch.randn(6, 64, 5, 5)
    inner = block.block
    expected = F.relu(inner.conv3(inner.conv2(block.tam(inner.conv1(x)))) + inner.downsample(x))
    with torch.no_grad():
        assert torch.allclose(block(x), expected)


def test_checkpointed_blocks_give_the_same_output_and_gradients():
    for build in (lambda cp: TANet(50, num_segments=3, num_stages=1, strides=(1, ), dilations=(1, ),
                                   out_indices=(0, ), with_cp=cp),
                  lambda cp: MobileNetV2(out_indices=(1, ), with_cp=cp)):
        torch.manual_seed(0)
        plain = build(False)
        checkpointed = build(True)
        checkpointed.load_state_dict(plain.state_dict())
        x = torch.randn(3, 3, 16, 16, requires_grad=True)
        grads = [torch.autograd.grad(model(x).square().sum(), x)[0] for model in (plain, checkpointed)]
        assert torch.allclose(grads[0], grads[1], atol=1e-5)


def test_tanet_arguments_are_checked():
    with pytest.raises(ValueError, match='depth=18'):
        TANet(18, num_segments=8)
    with pytest.raises(ValueError, match='num_segments=2'):
        TANet(50, num_segments=2)


def test_tanet_frozen_stages_freeze_the_tam_too():
    model = TANet(50, num_segments=4, frozen_stages=1, num_stages=2, strides=(1, 2), dilations=(1, 1),
                  out_indices=(1, ))
    model.train()
    assert not any(p.requires_grad for p in model.layer1[0].tam.parameters())
    assert not model.layer1[0].tam.G[1].training
    assert all(p.requires_grad for p in model.layer2[0].tam.parameters())


def test_tanet_loads_a_2d_checkpoint_into_its_wrapped_blocks(tmp_path):
    kwargs = dict(num_stages=1, strides=(1, ), dilations=(1, ), out_indices=(0, ))
    torch.manual_seed(0)
    resnet = {k: torch.rand_like(v) if v.is_floating_point() else v
              for k, v in ResNet(50, **kwargs).state_dict().items()}
    torch.save(resnet, tmp_path / 'r50.pth')
    model = TANet(50, num_segments=4, pretrained=str(tmp_path / 'r50.pth'), **kwargs)
    model.init_weights()
    assert torch.equal(model.state_dict()['layer1.2.block.conv3.conv.weight'], resnet['layer1.2.conv3.conv.weight'])


# -------------------------------------------------------------------------------------------- MobileNetV2

def test_make_divisible_rounds_to_the_nearest_multiple_without_losing_over_ten_percent():
    assert make_divisible(32 * 0.5, 8) == 16
    assert make_divisible(20, 8) == 24  # 20 -> 24 (nearest, rounding half up)
    assert make_divisible(10, 8) == 16  # 10 -> 8 loses 20 %, so one multiple up
    assert make_divisible(3, 8) == 8  # at least the divisor


def test_mobilenet_v2_layers_and_widths():
    model = MobileNetV2(out_indices=(0, 6, 7))
    outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(out.shape) for out in outs] == [(1, 16, 32, 32), (1, 320, 2, 2), (1, 1280, 2, 2)]
    residual = [f'{name}.{i}' for name in model.layers[:-1] for i, block in enumerate(getattr(model, name))
                if block.use_res_connect]
    assert residual == ['layer2.1', 'layer3.1', 'layer3.2', 'layer4.1', 'layer4.2', 'layer4.3',
                        'layer5.1', 'layer5.2', 'layer6.1', 'layer6.2']
    assert len(model.layer1[0].conv) == 2  # expand_ratio 1: no expand conv
    assert MobileNetV2(widen_factor=1.5).conv2.conv.out_channels == 1920
    assert MobileNetV2(widen_factor=0.5).conv2.conv.out_channels == 1280


def test_inverted_residual_adds_its_input_only_when_the_shape_is_kept():
    torch.manual_seed(0)
    block = InvertedResidual(16, 16, 1, expand_ratio=6).eval()
    x = torch.randn(2, 16, 5, 5)
    with torch.no_grad():
        assert torch.allclose(block(x), x + block.conv(x))
    with pytest.raises(ValueError, match='stride=3'):
        InvertedResidual(16, 16, 3, expand_ratio=6)


def test_mobilenet_v2_frozen_stages_and_norm_eval():
    model = MobileNetV2(frozen_stages=2, norm_eval=True)
    model.train()
    assert not any(p.requires_grad for m in (model.conv1, model.layer1, model.layer2) for p in m.parameters())
    assert all(p.requires_grad for p in model.layer3.parameters())
    assert not any(m.training for m in model.modules() if isinstance(m, nn.BatchNorm2d))
    with pytest.raises(ValueError, match='frozen_stages=9'):
        MobileNetV2(frozen_stages=9)
    with pytest.raises(ValueError, match='out_indices'):
        MobileNetV2(out_indices=(8, ))


def test_mobilenet_v2_tsm_shifts_the_expand_conv_of_residual_blocks_only():
    model = MobileNetV2TSM(num_segments=4)
    shifted = [name for name, m in model.named_modules() if isinstance(m, TemporalShift)]
    assert len(shifted) == 10 and shifted[0] == 'layer2.1.conv.0'
    assert not isinstance(model.layer2[0].conv[0], TemporalShift)  # stride 2: no residual
    assert not any(isinstance(m, TemporalShift) for m in MobileNetV2TSM(is_shift=False).modules())


def test_mobilenet_v2_tsm_mixes_frames_of_a_clip_only():
    torch.manual_seed(0)
    model = MobileNetV2TSM(num_segments=4).eval()
    x = torch.randn(8, 3, 32, 32)
    moved = x.clone()
    moved[1] += 1  # frame 1 of clip 0
    with torch.no_grad():
        out, out_moved = model(x), model(moved)
    assert not torch.equal(out[0], out_moved[0])  # frame 0 sees frame 1 through the shifts
    assert torch.equal(out[4:], out_moved[4:])  # the other clip does not


def test_mobilenet_v2_tsm_loads_a_2d_checkpoint(tmp_path):
    torch.manual_seed(0)
    plain = {k: torch.rand_like(v) if v.is_floating_point() else v for k, v in MobileNetV2().state_dict().items()}
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in plain.items()}}, tmp_path / 'mbv2.pth')
    model = MobileNetV2TSM(pretrained=str(tmp_path / 'mbv2.pth'))
    model.init_weights()
    state = model.state_dict()
    assert torch.equal(state['layer2.1.conv.0.net.conv.weight'], plain['layer2.1.conv.0.conv.weight'])
    assert torch.equal(state['conv2.bn.running_mean'], plain['conv2.bn.running_mean'])


# ------------------------------------------------------------------------------------------------- TRN

def test_multi_scale_relations_of_three_frames_sum_every_pair():
    # With 3 frames, size 2 has 3 relations, all used (max_subsample 3): the result is deterministic.
    torch.manual_seed(0)
    module = RelationModuleMultiScale(hidden_dim=4, num_segments=3, num_classes=5)
    x = torch.randn(2, 3, 4)
    expected = module.fc_fusion_scales[0](x.flatten(1))
    for pair in ((0, 1), (0, 2), (1, 2)):
        expected = expected + module.fc_fusion_scales[1](x[:, list(pair)].flatten(1))
    assert torch.allclose(module(x), expected, atol=1e-6)


def test_multi_scale_relations_sample_three_ordered_subsets_per_size():
    module = RelationModuleMultiScale(hidden_dim=4, num_segments=8, num_classes=5)
    assert module.scales == (8, 7, 6, 5, 4, 3, 2)
    assert [len(r) for r in module.relations_scales] == [math.comb(8, k) for k in module.scales]
    assert module.subsample_scales == [1, 3, 3, 3, 3, 3, 3]
    assert all(list(r) == sorted(r) for relations in module.relations_scales for r in relations)
    x = torch.randn(2, 8, 4)
    np.random.seed(0)
    first = module(x)
    np.random.seed(0)
    assert torch.equal(module(x), first)  # NumPy's generator draws the subsets


def test_trn_head_embeds_frames_then_relates_them():
    torch.manual_seed(0)
    head = TRNHead(5, 16, num_segments=3, relation_type='TRN', hidden_dim=4).eval()
    assert isinstance(head.consensus, RelationModule)
    x = torch.randn(2 * 3, 16, 2, 2)
    frames = head.fc_cls(x.mean(dim=(2, 3))).view(2, 3, 4)
    with torch.no_grad():
        assert torch.allclose(head(x, num_segs=99), head.consensus.classifier(frames.flatten(1)), atol=1e-6)
    assert head.fc_cls.weight.std() < 0.01 and torch.all(head.fc_cls.bias == 0)  # N(0, init_std=0.001)
    with pytest.raises(ValueError, match="relation_type='TSN'"):
        TRNHead(5, 16, relation_type='TSN')


def test_trn_head_loss_on_a_batch():
    torch.manual_seed(0)
    head = TRNHead(5, 16, num_segments=4, hidden_dim=8)
    samples = [ActionDataSample().set_gt_label(i) for i in (1, 3)]
    losses = head.loss(torch.randn(8, 16, 2, 2), samples, num_segs=4)
    assert losses['loss_cls'].requires_grad and torch.isfinite(losses['loss_cls'])


# ------------------------------------------------------------------------------------------ TPN head

def test_tpn_head_paths():
    torch.manual_seed(0)
    head = TPNHead(num_classes=5, in_channels=16).eval()
    maps = torch.randn(2, 16, 3, 4, 4)
    linear = lambda feats: head.fc_cls(feats)  # noqa: E731
    with torch.no_grad():
        # Recognizer3D: pooled over T, H, W at once.
        assert torch.allclose(head(maps), linear(maps.mean(dim=(2, 3, 4))), atol=1e-6)
        # fcn_test: fc_cls as a 1x1x1 conv on the pooled map, without new state.
        keys = set(head.state_dict())
        assert torch.allclose(head(maps, fcn_test=True), linear(maps.mean(dim=(2, 3, 4))), atol=1e-6)
        assert set(head.state_dict()) == keys
        # Recognizer2D after the neck: the TSN head path.
        frames = torch.randn(6, 16, 4, 4)
        tsn = TSNHead(num_classes=5, in_channels=16)
        tsn.load_state_dict(head.state_dict())
        assert torch.allclose(head(frames, num_segs=3), tsn.eval()(frames, num_segs=3))


def test_tpn_head_fcn_test_without_pooling_scores_every_position():
    head = TPNHead(num_classes=5, in_channels=16, spatial_type=None)
    assert head(torch.randn(2, 16, 1, 2, 3), fcn_test=True).shape == (2, 5 * 6)


# ------------------------------------------------------------------------------------------ TPN neck

def tiny_tpn_cfg(**overrides) -> dict:
    cfg = dict(
        type='TPN', in_channels=(64, 128), out_channels=64,
        spatial_modulation_cfg=dict(in_channels=(64, 128), out_channels=128),
        temporal_modulation_cfg=dict(downsample_scales=(4, 4)),
        upsample_cfg=dict(scale_factor=(1, 1, 1)),
        downsample_cfg=dict(downsample_scale=(1, 1, 1)),
        level_fusion_cfg=dict(in_channels=(64, 64), mid_channels=(64, 64), out_channels=128,
                              downsample_scales=((1, 1, 1), (1, 1, 1))),
        aux_head_cfg=dict(out_channels=5, loss_weight=0.5))
    cfg.update(overrides)
    return cfg


def tiny_maps(n=2):
    torch.manual_seed(1)
    return [torch.randn(n, 64, 4, 4, 4), torch.randn(n, 128, 4, 2, 2)]


def test_tpn_fuses_levels_to_2048_channels_at_the_top_level_size():
    neck = MODELS.build(tiny_tpn_cfg()).eval()
    assert isinstance(neck, TPN)
    assert len(neck.spatial_modulation.spatial_modulation[0]) == 1  # 64 -> 128: one strided conv
    assert len(neck.spatial_modulation.spatial_modulation[1]) == 0  # the top level: none
    out, losses = neck(tiny_maps())
    assert out.shape == (2, 2048, 1, 2, 2) and losses == {}


def test_tpn_cascade_flow_is_top_down_then_bottom_up():
    torch.manual_seed(0)
    neck = MODELS.build(tiny_tpn_cfg()).eval()
    x = tiny_maps()
    with torch.no_grad():
        levels = [tm(sm) for tm, sm in zip(neck.temporal_modulation_ops, neck.spatial_modulation(x))]
        top_down = [levels[0] + neck.upsample_ops[0](levels[1]), levels[1]]
        bottom_up = [top_down[0], top_down[1] + neck.downsample_ops[0](top_down[0])]
        expected = neck.pyramid_fusion(torch.cat([neck.level_fusion_1(top_down), neck.level_fusion_2(bottom_up)], 1))
        assert torch.allclose(neck(x)[0], expected, atol=1e-5)
        parallel = MODELS.build(tiny_tpn_cfg(flow_type='parallel')).eval()
        parallel.load_state_dict(neck.state_dict())
        bottom_up = [levels[0], levels[1] + neck.downsample_ops[0](levels[0])]
        expected = neck.pyramid_fusion(torch.cat([neck.level_fusion_1(top_down), neck.level_fusion_2(bottom_up)], 1))
        assert torch.allclose(parallel(x)[0], expected, atol=1e-5)


def test_tpn_auxiliary_loss_only_with_data_samples():
    torch.manual_seed(0)
    neck = MODELS.build(tiny_tpn_cfg()).eval()
    x = tiny_maps()
    samples = [ActionDataSample().set_gt_label(i) for i in (2, 4)]
    _, losses = neck(x, data_samples=samples)
    with torch.no_grad():
        expected = 0.5 * F.cross_entropy(neck.aux_head(x[-2]), torch.tensor([2, 4]))
    assert set(losses) == {'loss_aux'} and torch.allclose(losses['loss_aux'], expected)
    assert MODELS.build(tiny_tpn_cfg(aux_head_cfg=None))(x, data_samples=samples)[1] == {}


def test_tpn_init_and_argument_checks():
    neck = MODELS.build(tiny_tpn_cfg())
    conv = neck.pyramid_fusion.conv
    fan_in, fan_out = conv.weight.shape[1], conv.weight.shape[0]
    assert conv.weight.abs().max() <= math.sqrt(6 / (fan_in + fan_out))  # Xavier uniform
    assert torch.all(neck.aux_head.fc.bias == 0) and neck.aux_head.fc.weight.std() < 0.02
    with pytest.raises(ValueError, match="flow_type='sideways'"):
        MODELS.build(tiny_tpn_cfg(flow_type='sideways'))
    with pytest.raises(ValueError, match='level_fusion_cfg'):
        MODELS.build(tiny_tpn_cfg(level_fusion_cfg=None))
    with pytest.raises(ValueError, match='downsample_scales'):
        MODELS.build(tiny_tpn_cfg(temporal_modulation_cfg=dict(downsample_scales=(4, ))))


def tiny_tpn_recognizer() -> nn.Module:
    return MODELS.build(dict(
        type='Recognizer2D',
        backbone=dict(type='ResNetTSM', depth=18, num_segments=4, out_indices=(2, 3)),
        neck=tiny_tpn_cfg(in_channels=(256, 512),
                          spatial_modulation_cfg=dict(in_channels=(256, 512), out_channels=512)),
        cls_head=dict(type='TPNHead', num_classes=5, in_channels=2048, average_clips='prob'),
        test_cfg=dict(fcn_test=True)))


def test_recognizer2d_adds_the_tpn_auxiliary_loss_and_predicts_with_fcn_test():
    torch.manual_seed(0)
    model = tiny_tpn_recognizer()
    inputs = torch.randn(2, 4, 3, 32, 32)
    samples = [ActionDataSample().set_gt_label(i) for i in (0, 3)]
    losses = model(inputs, samples, mode='loss')
    assert {'loss_cls', 'loss_aux'} <= set(losses)
    (losses['loss_cls'] + losses['loss_aux']).backward()
    assert model.neck.aux_head.fc.weight.grad is not None
    model.eval()
    with torch.no_grad():
        preds = model(inputs, [ActionDataSample(), ActionDataSample()], mode='predict')
    assert [tuple(p.pred_score.shape) for p in preds] == [(5, ), (5, )]


def test_tpn_recognizer_neck_features_have_one_map_per_clip():
    model = tiny_tpn_recognizer().eval()
    with torch.no_grad():
        feats = model(torch.randn(2, 4, 3, 32, 32), stage='neck')
    assert feats.shape == (2, 2048, 1, 1)
    assert isinstance(model.backbone, ResNetTSM)
