"""3D ResNets (I3D, SlowOnly/PoseC3D, CSN, R(2+1)D) and the I3D head.

Layouts against MMAction2 1.2.0's reference configs; forward shapes; training switches; 2D
weight inflation; and parities derived independently: an un-inflated 3D ResNet is the 2D ResNet
applied frame by frame, and an inflated one, on a clip of identical frames, gives the 2D response
in the middle of the clip.
"""
import re

import pytest
import torch
import torch.nn.functional as F
from torch.nn.modules.batchnorm import _BatchNorm

import reelkit.models  # noqa: F401  (registers the model parts; the modules below register theirs on import)
from reelkit.models.backbones import ResNet
from reelkit.models.backbones.resnet2plus1d import ResNet2Plus1d
from reelkit.models.backbones.resnet3d import ResNet3d, ResNet3dLayer
from reelkit.models.backbones.resnet3d_csn import ResNet3dCSN
from reelkit.models.backbones.resnet3d_slowonly import ResNet3dSlowOnly
from reelkit.models.common import CONV_LAYERS
from reelkit.models.common.conv2plus1d import Conv2plus1d
from reelkit.models.heads.i3d_head import I3DHead
from reelkit.registry import MODELS
from reference_facts import mmaction2_reference

BACKBONES = ('ResNet3d', 'ResNet3dSlowOnly', 'ResNet3dCSN', 'ResNet2Plus1d')
NOT_BUILT_HERE = ('TPN', 'TPNHead')  # other families; the backbone of those configs is still checked


def test_conv2plus1d_is_a_conv_layer_name():
    assert CONV_LAYERS['Conv2plus1d'] is Conv2plus1d


def reference_configs() -> dict:
    return {name: ref for name, ref in mmaction2_reference().items()
            if 'error' not in ref and ref['model'].get('backbone', {}).get('type') in BACKBONES}


CONFIGS = reference_configs()


def batch_norms(module):
    return [m for m in module.modules() if isinstance(m, _BatchNorm)]


def test_reference_has_the_expected_configs():
    types = [ref['model']['backbone']['type'] for ref in CONFIGS.values()]
    assert {t: types.count(t) for t in BACKBONES} == {
        'ResNet3d': 6, 'ResNet3dSlowOnly': 22, 'ResNet3dCSN': 8, 'ResNet2Plus1d': 2}
    assert sum(ref['model']['backbone'].get('in_channels') == 17 for ref in CONFIGS.values()) == 8  # PoseC3D
    assert sum(ref['model'].get('neck', {}).get('type') == 'TPN' for ref in CONFIGS.values()) == 2


@pytest.mark.parametrize('name', sorted(CONFIGS), ids=lambda name: name.split('/', 1)[1][:-3])
def test_config_builds_with_reference_layout(name):
    ref = CONFIGS[name]
    parts = [part for part in ('backbone', 'neck', 'cls_head')
             if ref['model'].get(part) and ref['model'][part]['type'] not in NOT_BUILT_HERE]
    with torch.device('meta'):
        built = {part: MODELS.build(dict(ref['model'][part])) for part in parts}
    state = {f'{part}.{key}': list(value.shape) for part, module in built.items()
             for key, value in module.state_dict().items()}
    expected = {key: shape for key, shape in ref['state_dict'].items() if key.split('.')[0] in parts}

    assert set(state) - set(expected) == set(), 'keys the reference does not have'
    assert set(expected) - set(state) == set(), 'reference keys missing'
    assert {key: (shape, expected[key]) for key, shape in state.items() if shape != expected[key]} == {}
    if len(parts) == sum(bool(ref['model'].get(part)) for part in ('backbone', 'neck', 'cls_head')):
        assert sum(p.numel() for m in built.values() for p in m.parameters()) == ref['params']


@pytest.mark.parametrize('cfg, shape, expected', [
    # I3D: stem stride 2, pool 2, pool2 halves T; layers 2-4 stride 2 in space.
    (dict(type='ResNet3d', depth=18), (1, 3, 8, 64, 64), (1, 512, 4, 2, 2)),
    (dict(type='ResNet3dSlowOnly', depth=50), (2, 3, 4, 64, 64), (2, 2048, 4, 2, 2)),
    # PoseC3D on heatmaps: no stem stride, 3 stages, the last one halving T.
    (dict(type='ResNet3dSlowOnly', depth=50, in_channels=17, base_channels=32, num_stages=3, out_indices=(2, ),
          stage_blocks=(4, 6, 3), conv1_stride_s=1, pool1_stride_s=1, inflate=(0, 1, 1), spatial_strides=(2, 2, 2),
          temporal_strides=(1, 1, 2), dilations=(1, 1, 1)), (1, 17, 8, 32, 32), (1, 512, 4, 4, 4)),
    (dict(type='ResNet3dCSN', depth=50, bottleneck_mode='ip'), (1, 3, 8, 32, 32), (1, 2048, 1, 1, 1)),
    (dict(type='ResNet2Plus1d', depth=18, conv_cfg=dict(type='Conv2plus1d'), temporal_strides=(1, 2, 2, 2)),
     (1, 3, 8, 32, 32), (1, 512, 1, 1, 1)),
])
def test_forward_shapes(cfg, shape, expected):
    model = MODELS.build(cfg).eval()
    with torch.no_grad():
        assert tuple(model(torch.randn(shape)).shape) == expected


def test_several_out_indices_give_a_tuple():
    outs = ResNet3d(18, out_indices=(1, 3), with_pool2=False).eval()(torch.randn(1, 3, 2, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 128, 2, 8, 8), (1, 512, 2, 2, 2)]


def test_inflate_flags_and_style_set_the_temporal_kernels():
    model = ResNet3d(50, inflate=((1, 0, 1), 0, 1, 0), inflate_style='3x3x3')
    kernels = [(block.conv1.conv.kernel_size, block.conv2.conv.kernel_size) for block in model.layer1]
    assert kernels == [((1, 1, 1), (3, 3, 3)), ((1, 1, 1), (1, 3, 3)), ((1, 1, 1), (3, 3, 3))]
    assert model.layer2[0].conv2.conv.kernel_size == (1, 3, 3)
    assert ResNet3d(50).layer1[0].conv1.conv.kernel_size == (3, 1, 1)  # 3x1x1: on the first conv
    assert ResNet3d(18, inflate=0).layer1[0].conv1.conv.kernel_size == (1, 3, 3)


def test_non_local_blocks_follow_the_flagged_blocks():
    model = ResNet3d(50, non_local=(0, (0, 1, 0, 1), 0, 0), non_local_cfg=dict(mode='dot_product', sub_sample=True))
    flagged = [i for i, block in enumerate(model.layer2) if block.non_local_block is not None]
    assert flagged == [1, 3]
    assert model.layer2[1].non_local_block.mode == 'dot_product'
    assert all(block.non_local_block is None for block in model.layer1)


def test_csn_factorises_the_middle_conv():
    ir, ip = ResNet3dCSN(50, bottleneck_mode='ir'), ResNet3dCSN(50, bottleneck_mode='ip')
    assert len(ir.layer1[0].conv2) == 1 and ir.layer1[0].conv2[0].conv.groups == 64
    assert [m.conv.kernel_size for m in ip.layer1[0].conv2] == [(1, 1, 1), (3, 3, 3)]
    assert ip.layer1[0].conv2[1].conv.groups == 64 and ip.conv1.bn.eps == 1e-3


def test_conv2plus1d_middle_channels_and_factorisation():
    # M = floor(3 * 3 * 64 * 49 / (3 * 49 + 3 * 64)) = floor(28224 / 339) = 83, the stem of R(2+1)D-34.
    conv = Conv2plus1d(3, 64, (3, 7, 7), stride=(1, 2, 2), padding=(1, 3, 3), bias=False)
    assert conv.conv_s.weight.shape == (83, 3, 1, 7, 7) and conv.conv_t.weight.shape == (64, 83, 3, 1, 1)
    conv.eval()
    x = torch.randn(1, 3, 4, 16, 16)
    bn = conv.bn_s
    mid = F.conv3d(x, conv.conv_s.weight, stride=(1, 2, 2), padding=(0, 3, 3))
    mid = (mid - bn.running_mean[:, None, None, None]) / (bn.running_var[:, None, None, None] + bn.eps).sqrt()
    expected = F.conv3d(mid.clamp(min=0), conv.conv_t.weight, padding=(1, 0, 0))
    assert torch.allclose(conv(x), expected, atol=1e-5)
    with pytest.raises(ValueError, match='dilation=2'):
        Conv2plus1d(3, 8, 3, dilation=2)


def test_zero_init_residual_makes_each_block_its_shortcut():
    model = ResNet3d(50).eval()
    block = model.layer1[0]
    assert torch.count_nonzero(block.conv3.bn.weight) == 0
    x = torch.randn(1, 64, 2, 8, 8)
    assert torch.equal(block(x), block.downsample(x).relu())
    assert torch.count_nonzero(ResNet3d(50, zero_init_residual=False).layer1[0].conv3.bn.weight) > 0


def test_frozen_stages_keeps_stem_and_first_stages_fixed():
    model = ResNet3d(18, frozen_stages=1).train()
    for part in (model.conv1, model.layer1):
        assert not any(p.requires_grad for p in part.parameters())
        assert not any(bn.training for bn in batch_norms(part))
    assert all(p.requires_grad for p in model.layer2.parameters())
    before = model.layer1[0].conv1.bn.running_mean.clone()
    model(torch.randn(2, 3, 2, 32, 32))
    assert torch.equal(model.layer1[0].conv1.bn.running_mean, before)


def test_norm_eval_and_csn_bn_frozen():
    model = ResNet3d(18, norm_eval=True).train()
    assert model.training and not any(bn.training for bn in batch_norms(model))
    assert all(p.requires_grad for p in model.parameters())
    csn = ResNet3dCSN(50, norm_eval=True, bn_frozen=True).train()
    assert not any(p.requires_grad for bn in batch_norms(csn) for p in bn.parameters())
    assert csn.layer1[0].conv1.conv.weight.requires_grad


def test_with_cp_gives_the_same_gradients():
    torch.manual_seed(0)
    plain, checkpointed = ResNet3d(18, zero_init_residual=False), ResNet3d(18, zero_init_residual=False, with_cp=True)
    checkpointed.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 2, 32, 32, requires_grad=True)
    for model in (plain, checkpointed):
        model(x).sum().backward()
    assert torch.allclose(plain.layer1[0].conv1.conv.weight.grad, checkpointed.layer1[0].conv1.conv.weight.grad,
                          atol=1e-5)


def test_resnet3d_layer_is_one_stage():
    layer = ResNet3dLayer(50, stage=3, all_frozen=True).train()
    assert set(k.split('.')[0] for k in layer.state_dict()) == {'layer4'}
    assert not any(p.requires_grad for p in layer.parameters())
    assert tuple(layer.eval()(torch.randn(1, 1024, 2, 8, 8)).shape) == (1, 2048, 2, 4, 4)


@pytest.mark.parametrize('build, message', [
    (lambda: ResNet3d(19), r'depth=19; expected one of \[18, 34, 50, 101, 152\]'),
    (lambda: ResNet3d(18, num_stages=3), r'spatial_strides=\(1, 2, 2, 2\): expected one entry per stage'),
    (lambda: ResNet3d(18, out_indices=(4, )), r'out_indices=\(4,\)'),
    (lambda: ResNet3d(18, frozen_stages=5), 'frozen_stages=5'),
    (lambda: ResNet3d(50, inflate_style='3x3x1'), "inflate_style='3x3x1'"),
    (lambda: ResNet3d(50, style='tf'), "style='tf'"),
    (lambda: ResNet3d(50, inflate=((1, 0), 1, 1, 1)), r'inflate of layer1=\(1, 0\): expected an int or one flag'),
    (lambda: ResNet3d(50, non_local=(0, 0)), r'non_local=\(0, 0\): expected an entry for each of the 4 stages'),
    (lambda: ResNet3dCSN(18), r'depth=18; expected one of \[50, 101, 152\]'),
    (lambda: ResNet3dCSN(50, bottleneck_mode='ix'), "bottleneck_mode='ix'"),
    (lambda: ResNet3dSlowOnly(lateral=True), 'lateral=True'),
    (lambda: ResNet2Plus1d(34, pretrained2d=True), 'pretrained2d=True'),
    (lambda: ResNet2Plus1d(34, conv_cfg=dict(type='Conv3d')), 'conv_cfg='),
    (lambda: I3DHead(10, 64, spatial_type='max'), "spatial_type='max'"),
])
def test_bad_arguments_are_rejected_with_the_key(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def random_2d_state(depth: int) -> dict:
    """A 2D ResNet with every float tensor random (positive variances), in eval-ready shape."""
    torch.manual_seed(depth)
    state = {}
    for key, value in ResNet(depth).state_dict().items():
        state[key] = torch.rand_like(value) + 0.5 if key.endswith('running_var') else \
            torch.randn_like(value) * 0.2 if value.is_floating_point() else value
    return state


def inflated_copy(state_2d: dict, model_3d: torch.nn.Module) -> dict:
    """The 2D weights in the 3D model's shapes: each kernel repeated over time and divided by kT."""
    out = {}
    for key, own in model_3d.state_dict().items():
        value = state_2d[key]
        out[key] = value.unsqueeze(2).repeat(1, 1, own.shape[2], 1, 1) / own.shape[2] if own.dim() == 5 else value
    return out


@pytest.mark.parametrize('depth', [18, 50])
def test_uninflated_resnet3d_is_the_2d_resnet_frame_by_frame(depth):
    model_2d = ResNet(depth)
    model_2d.load_state_dict(random_2d_state(depth))
    model_3d = ResNet3d(depth, inflate=0, conv1_kernel=(1, 7, 7), with_pool2=False)
    model_3d.load_state_dict(inflated_copy(random_2d_state(depth), model_3d))
    clip = torch.randn(2, 3, 3, 64, 64)
    with torch.no_grad():
        out_3d = model_3d.eval()(clip)
        out_2d = model_2d.eval()(clip.transpose(1, 2).flatten(0, 1))  # (N * T, C, H, W)
    assert torch.allclose(out_3d.transpose(1, 2).flatten(0, 1), out_2d, atol=1e-4)


def test_inflated_i3d_on_a_static_clip_gives_the_2d_response():
    # ResNet-18 inflated everywhere: temporal receptive radius 1 (stem) + 8 blocks x 2 convs = 17 frames,
    # so the middle of a 35-frame static clip never sees the zero padding in time.
    state = random_2d_state(18)
    model_2d = ResNet(18)
    model_2d.load_state_dict(state)
    model_3d = ResNet3d(18, with_pool2=False)
    model_3d.load_state_dict(inflated_copy(state, model_3d))
    frame = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        out_3d = model_3d.eval()(frame[:, :, None].expand(1, 3, 35, 32, 32).contiguous())
        out_2d = model_2d.eval()(frame)
    assert torch.allclose(out_3d[:, :, 17], out_2d, atol=1e-4)


# Our 2D key -> torchvision's (independent of the loader's rules).
TO_TORCHVISION = ((r'^conv1\.conv\.', 'conv1.'), (r'^conv1\.bn\.', 'bn1.'), (r'\.conv(\d)\.conv\.', r'.conv\1.'),
                  (r'\.conv(\d)\.bn\.', r'.bn\1.'), (r'\.downsample\.conv\.', '.downsample.0.'),
                  (r'\.downsample\.bn\.', '.downsample.1.'))


def torchvision_file(tmp_path, state: dict) -> str:
    out = {}
    for key, value in state.items():
        if not key.endswith('num_batches_tracked'):
            for pattern, replacement in TO_TORCHVISION:
                key = re.sub(pattern, replacement, key)
            out[key] = value
    out.update({'fc.weight': torch.zeros(10, 512), 'fc.bias': torch.zeros(10)})
    path = tmp_path / 'resnet_torchvision.pth'
    torch.save(out, path)
    return str(path)


def test_pretrained2d_inflates_a_torchvision_checkpoint(tmp_path):
    state = random_2d_state(18)
    model = ResNet3d(18, pretrained=torchvision_file(tmp_path, state), non_local=(0, 1, 0, 0))
    model.init_weights()
    expected = inflated_copy(state, ResNet3d(18))
    loaded = model.state_dict()
    assert all(torch.allclose(loaded[key], value) for key, value in expected.items() if 'num_batches' not in key)
    # Non-local blocks have no 2D counterpart: they keep their start (an identity block).
    assert torch.count_nonzero(loaded['layer2.0.non_local_block.conv_out.conv.weight']) == 0


def test_slowonly_pads_extra_input_channels_with_zeros(tmp_path):
    state = random_2d_state(18)
    model = ResNet3dSlowOnly(depth=18, in_channels=5, pretrained=torchvision_file(tmp_path, state))
    model.init_weights()
    stem = model.conv1.conv.weight  # (64, 5, 1, 7, 7)
    assert torch.allclose(stem[:, :3, 0], state['conv1.conv.weight']) and torch.count_nonzero(stem[:, 3:]) == 0
    # ResNet3d (I3D) does not pad: the stem keeps its initial values.
    i3d = ResNet3d(18, in_channels=5, pretrained=torchvision_file(tmp_path, state))
    before = i3d.conv1.conv.weight.clone()
    i3d.init_weights()
    assert torch.equal(i3d.conv1.conv.weight, before)


def test_pretrained_3d_checkpoint_loads_as_it_is(tmp_path):
    source = ResNet3dCSN(50, zero_init_residual=False)
    path = tmp_path / 'csn.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in source.state_dict().items()}}, path)
    model = ResNet3dCSN(50, pretrained=str(path), pretrained2d=False)
    model.init_weights()
    assert all(torch.equal(v, source.state_dict()[k]) for k, v in model.state_dict().items())


def test_i3d_head_pools_then_classifies():
    head = I3DHead(5, 16, dropout_ratio=0.0).eval()
    feats = torch.randn(3, 16, 2, 4, 4)
    expected = feats.mean(dim=(2, 3, 4)) @ head.fc_cls.weight.T + head.fc_cls.bias
    assert torch.allclose(head(feats), expected, atol=1e-6)
    unpooled = I3DHead(5, 16, spatial_type=None, dropout_ratio=0.0).eval()
    unpooled.load_state_dict(head.state_dict())
    assert torch.allclose(unpooled(feats.mean(dim=(2, 3, 4), keepdim=True)), expected, atol=1e-6)
    assert head.fc_cls.bias.abs().sum() == 0 and 0.001 < I3DHead(400, 2048).fc_cls.weight.std() < 0.02
