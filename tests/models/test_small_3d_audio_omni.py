"""C2D, C3D, X3D (+ X3DHead), ResNetAudio / RecognizerAudio (+ TSNAudioHead) and OmniResNet /
RecognizerOmni (+ OmniHead): MMAction2 layouts, tiny forwards, training switches, independent parity."""
import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.optim import OptimWrapper
from torch.nn.modules.batchnorm import _BatchNorm

import reelkit.models  # noqa: F401  (registers the shared parts: ResNet, Recognizer3D, losses)
import reelkit.models.recognizers.recognizer_audio  # noqa: F401  (registers RecognizerAudio)
import reelkit.models.recognizers.recognizer_omni  # noqa: F401  (registers RecognizerOmni)
from reelkit.models.backbones.c2d import C2D
from reelkit.models.backbones.c3d import C3D
from reelkit.models.common import backbone_key_map
from reelkit.models.backbones.resnet import ResNet
from reelkit.models.backbones.resnet_audio import Bottleneck2dAudio, ConvAudio, ResNetAudio
from reelkit.models.backbones.resnet_omni import OmniResNet, inflate_2d_state_dict
from reelkit.models.backbones.x3d import X3D, BlockX3D, SEModule, Swish, round_repeats, round_width
from reelkit.models.heads.omni_head import OmniHead
from reelkit.models.heads.tsn_audio_head import TSNAudioHead
from reelkit.models.heads.x3d_head import X3DHead
from reelkit.registry import MODELS
from reelkit.structures import ActionDataSample
from reelkit.utils.errors import ConfigError
from reference_facts import mmaction2_reference

MY_BACKBONES = ('C2D', 'C3D', 'X3D', 'ResNetAudio', 'OmniResNet')
MY_HEADS = ('X3DHead', 'TSNAudioHead', 'OmniHead')
MY_RECOGNIZERS = ('RecognizerAudio', 'RecognizerOmni')


def strip_scope(cfg):
    if isinstance(cfg, dict):
        return {key: (value.split('.', 1)[1] if key == 'type' and isinstance(value, str)
                      and value.startswith('mmaction.') else strip_scope(value)) for key, value in cfg.items()}
    return [strip_scope(item) for item in cfg] if isinstance(cfg, list) else cfg


def family_configs() -> dict:
    configs = {}
    for name, ref in mmaction2_reference().items():
        if 'error' in ref:
            continue
        model = strip_scope(ref['model'])
        if model['type'] in MY_RECOGNIZERS or model.get('backbone', {}).get('type') in MY_BACKBONES:
            configs[name] = dict(ref, model=model)
    return configs


CONFIGS = family_configs()


def batch_norms(module):
    return [m for m in module.modules() if isinstance(m, _BatchNorm)]


def shapes(module: nn.Module, prefix: str) -> dict:
    return {f'{prefix}{key}': list(value.shape) for key, value in module.state_dict().items()}


# --------------------------------------------------------------------------- reference layouts

def test_family_config_count():
    # c2d: 2 of 4 (the nopool ones are ResNet3d), c3d: 1, x3d: 2, audio: 2, omnisource: 1.
    assert len(CONFIGS) == 8
    types = sorted(ref['model'].get('backbone', {}).get('type') for ref in CONFIGS.values())
    assert types == ['C2D', 'C2D', 'C3D', 'OmniResNet', 'ResNet', 'ResNetAudio', 'X3D', 'X3D']


@pytest.mark.parametrize('name', sorted(CONFIGS), ids=lambda name: name.split('/')[-1][:-3])
def test_reference_layout(name):
    """Whole recognizers where every part is here or shared; else the backbone (and head) by prefix."""
    ref, model_cfg = CONFIGS[name], CONFIGS[name]['model']
    with torch.device('meta'):
        if model_cfg['type'] in MY_RECOGNIZERS:
            parts = {'': MODELS.build(model_cfg)}
        else:
            parts = {'backbone.': MODELS.build(model_cfg['backbone'])}
            if model_cfg['cls_head']['type'] in MY_HEADS:
                parts['cls_head.'] = MODELS.build(model_cfg['cls_head'])
    mine = {key: shape for prefix, part in parts.items() for key, shape in shapes(part, prefix).items()}
    covered = {key: shape for key, shape in ref['state_dict'].items()
               if '' in parts or key.startswith(tuple(parts))}
    assert mine == covered
    # Parameters: ours plus those of the reference parts not built here (I3DHead: fc_cls only, no buffers).
    rest = sum(math.prod(shape) for key, shape in ref['state_dict'].items() if key not in covered)
    assert sum(p.numel() for part in parts.values() for p in part.parameters()) + rest == ref['params']


# --------------------------------------------------------------------------- C2D

def frame_wise_resnet(resnet: ResNet, clips: torch.Tensor) -> torch.Tensor:
    """C2D written out: 2D ResNet on frames, unpadded stem pool, frames max-pooled in pairs after layer1."""
    N, C, T, H, W = clips.shape
    x = clips.permute(0, 2, 1, 3, 4).reshape(N * T, C, H, W)
    x = F.max_pool2d(resnet.conv1(x), 3, 2)
    x = resnet.layer1(x)
    x = x.reshape(N, T // 2, 2, *x.shape[1:]).amax(dim=2).flatten(0, 1)
    x = resnet.layer4(resnet.layer3(resnet.layer2(x)))
    return x.reshape(N, T // 2, *x.shape[1:]).permute(0, 2, 1, 3, 4)


def test_c2d_equals_a_frame_wise_resnet_with_temporal_pooling():
    torch.manual_seed(0)
    c2d = C2D(18).eval()
    resnet = ResNet(18).eval()
    resnet.load_state_dict(c2d.state_dict(), strict=True)  # same keys: C2D adds no weights
    clips = torch.randn(2, 3, 4, 40, 40)
    with torch.no_grad():
        out = c2d(clips)
        expected = frame_wise_resnet(resnet, clips)
    assert out.shape == (2, 512, 2, 2, 2)  # 40 -> 20 -> 9 (unpadded pool) -> 9, 5, 3, 2
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-5)


def test_c2d_several_out_indices_are_clips():
    """Taking an early stage's output leaves the later stages as they are (MMAction2's C2D feeds the
    reshaped 5D output on and fails there)."""
    torch.manual_seed(0)
    model = C2D(18, out_indices=(0, 3)).eval()
    alone = C2D(18).eval()
    alone.load_state_dict(model.state_dict())
    clips = torch.randn(1, 3, 4, 32, 32)
    with torch.no_grad():
        first, last = model(clips)
        torch.testing.assert_close(last, alone(clips), rtol=0, atol=0)
    # layer1's output is taken after the temporal pool that follows it, as in MMAction2.
    assert first.shape == (1, 64, 2, 7, 7) and last.shape == (1, 512, 2, 1, 1)


def test_c2d_frozen_stages_and_norm_eval_come_from_resnet():
    model = C2D(18, frozen_stages=1, norm_eval=True).train()
    assert not any(p.requires_grad for p in model.layer1.parameters())
    assert all(p.requires_grad for p in model.layer2.parameters())
    assert not any(bn.training for bn in batch_norms(model))


# --------------------------------------------------------------------------- C3D

def test_c3d_forward_and_options():
    torch.manual_seed(0)
    model = C3D(out_dim=512).eval()  # 16x16 frames end at a 1x1 map: 512 features
    assert model(torch.randn(2, 3, 16, 16, 16)).shape == (2, 4096)
    assert model.conv1a.conv.bias is not None and model.conv1a.bn is None
    with torch.device('meta'):
        with_bn = C3D(out_dim=512, norm_cfg=dict(type='BN3d'))
        # None means MMAction2's defaults, not "no conv" / "no activation".
        defaults = C3D(conv_cfg=None, act_cfg=None)
    assert with_bn.conv1a.conv.bias is None and isinstance(with_bn.conv1a.bn, nn.BatchNorm3d)
    assert isinstance(defaults.conv5b.conv, nn.Conv3d) and isinstance(defaults.conv5b.activate, nn.ReLU)
    assert torch.all(model(torch.randn(1, 3, 16, 16, 16)) >= 0)  # fc7 is followed by ReLU


def test_c3d_pretrained_is_read_in_init_weights_only(tmp_path):
    missing = C3D(pretrained=str(tmp_path / 'absent.pth'), out_dim=512)  # builds without reading
    with pytest.raises(ConfigError, match='model.backbone.pretrained'):
        missing.init_weights()

    torch.manual_seed(0)
    source = C3D(out_dim=512)
    path = tmp_path / 'c3d.pth'
    # A whole-recognizer checkpoint: keys under ``backbone.``, plus a head that has no place here.
    torch.save({'state_dict': {**{f'backbone.{k}': v for k, v in source.state_dict().items()},
                               'cls_head.fc_cls.weight': torch.zeros(3, 4096)}}, path)
    model = C3D(pretrained=str(path), out_dim=512)
    model.init_weights()
    assert all(torch.equal(v, source.state_dict()[k]) for k, v in model.state_dict().items())


def test_backbone_key_map_places_prefixed_keys():
    own = ['conv1a.conv.weight', 'fc6.bias']
    source = ['backbone.conv1a.conv.weight', 'module.fc6.bias', 'cls_head.fc_cls.weight']
    assert backbone_key_map(source, own) == {'backbone.conv1a.conv.weight': 'conv1a.conv.weight',
                                             'module.fc6.bias': 'fc6.bias'}


# --------------------------------------------------------------------------- X3D

def test_round_width_and_repeats_by_hand():
    assert round_width(24, 1) == 24 and round_width(24, 2) == 48 and round_width(24, None) == 24
    assert round_width(54, 1 / 16) == 8  # 3.4 -> at least min_width
    assert round_width(432, 1 / 16) == 32  # 27 rounds to 24, more than 10% low -> 32
    assert round_width(216, 1 / 16) == 16  # 13.5 -> 16
    assert [round_repeats(n, 2.2) for n in (1, 2, 5, 3)] == [3, 5, 11, 7]  # X3D-M depth


def small_x3d(**kwargs) -> X3D:
    torch.manual_seed(0)
    return X3D(gamma_b=2.25, **kwargs)


def test_x3d_forward_shape_and_se_placement():
    model = small_x3d().eval()
    assert model.stage_blocks == [1, 2, 5, 3] and model.feat_dim == 432
    assert model(torch.randn(1, 3, 4, 32, 32)).shape == (1, 432, 4, 1, 1)
    assert [block.se_module is not None for block in model.layer3] == [True, False, True, False, True]
    every = small_x3d(se_style='all')
    assert all(block.se_module is not None for stage in (every.layer1, every.layer3) for block in stage)
    assert not any(isinstance(m, SEModule) for m in small_x3d(se_ratio=None).modules())


def test_x3d_zero_init_residual_makes_blocks_start_as_shortcuts():
    block = small_x3d().layer2[0].eval()
    x = torch.randn(1, 24, 2, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(block(x), F.relu(block.downsample(x)))
        nn.init.ones_(block.conv3.bn.weight)
        assert not torch.allclose(block(x), F.relu(block.downsample(x)))


def test_x3d_se_and_swish_by_hand():
    torch.manual_seed(0)
    se = SEModule(16, 1 / 4)  # hidden width round_width(16 / 4) = 8 (min_width)
    x = torch.randn(2, 16, 3, 4, 4)
    gate = torch.sigmoid(se.fc2(F.relu(se.fc1(x.mean(dim=(2, 3, 4), keepdim=True)))))
    torch.testing.assert_close(se(x), x * gate)
    assert se.fc1.out_channels == 8
    torch.testing.assert_close(Swish()(x), F.silu(x))


def test_x3d_use_swish_false_uses_act_cfg():
    swish = BlockX3D(8, 16, 8)
    relu = BlockX3D(8, 16, 8, use_swish=False)
    assert isinstance(swish.swish, Swish) and isinstance(relu.swish, nn.ReLU)


def test_x3d_frozen_stages_and_norm_eval():
    model = small_x3d(frozen_stages=1).train()
    for part in (model.conv1_s, model.conv1_t, model.layer1):
        assert not any(p.requires_grad for p in part.parameters())
        assert not any(bn.training for bn in batch_norms(part))
    assert all(p.requires_grad for p in model.layer2.parameters())
    assert all(bn.training for bn in batch_norms(model.layer2))
    model = small_x3d(norm_eval=True).train()
    assert model.layer1.training and not any(bn.training for bn in batch_norms(model))


@pytest.mark.parametrize('kwargs, message', [
    (dict(se_style='quarter'), "se_style='quarter'"),
    (dict(se_ratio=0), 'se_ratio=0'),
    (dict(num_stages=3), r'spatial_strides=\(2, 2, 2, 2\)'),
    (dict(frozen_stages=5), 'frozen_stages=5'),
])
def test_x3d_bad_arguments_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        X3D(**kwargs)


def test_x3d_head():
    torch.manual_seed(0)
    head = X3DHead(5, 432, dropout_ratio=0.0).eval()
    x = torch.randn(2, 432, 4, 2, 2)
    expected = head.fc2(F.relu(head.fc1(x.mean(dim=(2, 3, 4)))))
    torch.testing.assert_close(head(x), expected)
    assert head.fc1.bias is None and X3DHead(5, 432, fc1_bias=True).fc1.bias is not None
    maxed = X3DHead(5, 432, spatial_type='max', dropout_ratio=0.0).eval()
    maxed.load_state_dict(head.state_dict())
    torch.testing.assert_close(maxed(x), head.fc2(F.relu(head.fc1(x.amax(dim=(2, 3, 4))))))
    with pytest.raises(ValueError, match="spatial_type=None"):
        X3DHead(5, 432, spatial_type=None)


# --------------------------------------------------------------------------- audio

def test_conv_audio_merges_a_time_and_a_frequency_conv():
    torch.manual_seed(0)
    conv = ConvAudio(2, 4, 3, op='sum').eval()
    x = torch.randn(1, 2, 8, 6)
    time = F.relu(conv.conv_1.bn(F.conv2d(x, conv.conv_1.conv.weight, padding=(1, 0))))
    frequency = F.relu(conv.conv_2.bn(F.conv2d(x, conv.conv_2.conv.weight, padding=(0, 1))))
    torch.testing.assert_close(conv(x), time + frequency)
    concat = ConvAudio(2, 4, 3).eval()
    concat.load_state_dict(conv.state_dict())
    torch.testing.assert_close(concat(x), torch.cat([time, frequency], dim=1))
    with pytest.raises(ValueError, match="op='mean'"):
        ConvAudio(2, 4, 3, op='mean')
    with pytest.raises(ValueError, match='dilation=2'):
        ConvAudio(2, 4, 3, dilation=2)


def small_audio(**kwargs) -> ResNetAudio:
    torch.manual_seed(0)
    return ResNetAudio(50, base_channels=8, **kwargs)


def test_resnet_audio_forward_and_factorization():
    model = small_audio().eval()
    assert model.feat_dim == 256
    assert model(torch.randn(2, 1, 32, 24)).shape == (2, 256, 4, 3)
    factorized = [isinstance(stage[0].conv2.conv, ConvAudio) for stage in (model.layer1, model.layer2,
                                                                          model.layer3, model.layer4)]
    assert factorized == [True, True, False, False]
    assert model.layer1[0].conv3.conv.in_channels == 16 and model.layer3[0].conv3.conv.in_channels == 32
    per_block = small_audio(factorize=((1, 0, 1), 0, 0, 0))
    assert [isinstance(block.conv2.conv, ConvAudio) for block in per_block.layer1] == [True, False, True]


def test_resnet_audio_blocks_start_as_shortcuts_and_freeze():
    model = small_audio(frozen_stages=1).train()
    assert all(torch.all(block.conv3.bn.weight == 0) for block in model.modules()
               if isinstance(block, Bottleneck2dAudio))
    for part in (model.conv1, model.layer1):
        assert not any(p.requires_grad for p in part.parameters())
        assert not any(bn.training for bn in batch_norms(part))  # the stem's branch norms too
    assert all(bn.training for bn in batch_norms(model.layer2))
    assert not any(bn.training for bn in batch_norms(small_audio(norm_eval=True).train()))


@pytest.mark.parametrize('kwargs, message', [
    (dict(depth=18), 'depth=18'),
    (dict(depth=50, factorize=((1, 1), 1, 0, 0)), r'factorize\[0\]=\(1, 1\): layer1 has 3 blocks'),
    (dict(depth=50, strides=(1, 2)), r'strides=\(1, 2\)'),
    (dict(depth=50, frozen_stages=7), 'frozen_stages=7'),
])
def test_resnet_audio_bad_arguments_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ResNetAudio(base_channels=8, **kwargs)


def audio_batch(num_clips: int, labels=(2, 0)) -> dict:
    generator = torch.Generator().manual_seed(0)
    return dict(inputs=[torch.randn(num_clips, 1, 32, 16, generator=generator) for _ in labels],
                data_samples=[ActionDataSample().set_gt_label(label) for label in labels])


def build_audio_recognizer() -> nn.Module:
    torch.manual_seed(0)
    return MODELS.build(dict(type='RecognizerAudio',
                             backbone=dict(type='ResNetAudio', depth=50, base_channels=8),
                             cls_head=dict(type='TSNAudioHead', num_classes=3, in_channels=256,
                                           average_clips='prob')))


def test_recognizer_audio_trains_and_averages_clips_in_predict():
    model = build_audio_recognizer()
    losses = model(**model.data_preprocessor(audio_batch(1), training=True), mode='loss')
    assert {'loss_cls', 'top1_acc'} <= set(losses)
    losses['loss_cls'].backward()
    assert model.backbone.conv1.conv.conv_1.conv.weight.grad.abs().sum() > 0

    model.eval()
    data = model.data_preprocessor(audio_batch(3))
    assert data['inputs'].shape == (2, 3, 1, 32, 16)
    with torch.no_grad():
        scores = model(data['inputs'], stage='head')  # one row per clip
        predictions = model(**data, mode='predict')
    assert scores.shape == (6, 3)
    expected = scores.softmax(dim=1).view(2, 3, 3).mean(dim=1)
    torch.testing.assert_close(torch.stack([p.pred_score for p in predictions]), expected)


def test_tsn_audio_head_scores_every_clip():
    torch.manual_seed(0)
    head = TSNAudioHead(4, 16, dropout_ratio=0.0).eval()
    x = torch.randn(6, 16, 3, 2)
    torch.testing.assert_close(head(x), head.fc_cls(x.mean(dim=(2, 3))))


# --------------------------------------------------------------------------- Omni

def tiny_omni() -> OmniResNet:
    torch.manual_seed(0)
    model = OmniResNet(layers=(1, 1, 1, 1))
    with torch.no_grad():  # non-trivial running statistics, so eval mode uses them
        for bn in batch_norms(model):
            bn.running_mean.normal_(0, 0.1)
            bn.running_var.uniform_(0.5, 1.5)
    return model


def test_omni_resnet_image_equals_the_centre_of_a_static_clip():
    """The 2D path (temporal kernels summed) is the 3D path on a clip of identical frames, wherever
    the temporal kernels see no padding: with one temporal block in layer3 and one in layer4,
    frame 2 of 5."""
    model = tiny_omni().eval()
    image = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        image_out = model(image)
        clip_out = model(image.unsqueeze(2).expand(-1, -1, 5, -1, -1).contiguous())
    assert image_out.shape == (2, 2048, 1, 1) and clip_out.shape == (2, 2048, 5, 1, 1)
    torch.testing.assert_close(image_out, clip_out[:, :, 2], rtol=1e-4, atol=1e-4)
    assert not torch.allclose(image_out, clip_out[:, :, 0], rtol=1e-4, atol=1e-4)  # padded edge differs


def test_omni_resnet_images_never_update_running_statistics():
    model = tiny_omni().train()
    before = model.layer1[0].bn1.running_mean.clone()
    model(torch.randn(2, 3, 32, 32))
    assert torch.equal(model.layer1[0].bn1.running_mean, before)
    model(torch.randn(2, 3, 2, 32, 32))
    assert not torch.equal(model.layer1[0].bn1.running_mean, before)
    with pytest.raises(ValueError, match=r'\(2, 3, 32\)'):
        model(torch.randn(2, 3, 32))


def test_omni_resnet_inflates_a_2d_checkpoint_in_init_weights(tmp_path):
    model = OmniResNet(layers=(1, 1, 1, 1), pretrain_2d=str(tmp_path / 'absent.pth'))  # not read yet
    with pytest.raises(ConfigError, match='model.backbone.pretrain_2d'):
        model.init_weights()

    own = model.state_dict()
    generator = torch.Generator().manual_seed(0)
    weights_2d = {key: torch.randn(value.shape[:2] + value.shape[3:], generator=generator)
                  if value.dim() == 5 else torch.rand(value.shape, generator=generator)
                  for key, value in own.items() if not key.endswith('num_batches_tracked')}
    weights_2d['fc.weight'] = torch.zeros(10, 2048)  # torchvision's classifier has no place
    path = tmp_path / 'resnet2d.pth'
    torch.save(weights_2d, path)
    model = OmniResNet(layers=(1, 1, 1, 1), pretrain_2d=str(path))
    model.init_weights()
    state = model.state_dict()
    torch.testing.assert_close(state['conv1.weight'][:, :, 0], weights_2d['conv1.weight'])
    for frame in range(3):  # layer3's first conv has a temporal kernel of 3: the 2D kernel / 3 per frame
        torch.testing.assert_close(state['layer3.0.conv1.weight'][:, :, frame],
                                   weights_2d['layer3.0.conv1.weight'] / 3)
    torch.testing.assert_close(state['bn1.running_var'], weights_2d['bn1.running_var'])
    assert 'fc.weight' not in inflate_2d_state_dict(weights_2d, own)


def test_omni_head_picks_the_classifier_by_input():
    torch.manual_seed(0)
    head = OmniHead(6, 5, 32, image_dropout_ratio=0.0, video_dropout_ratio=0.0).eval()
    assert head(torch.randn(2, 32, 3, 3)).shape == (2, 6)
    assert head(torch.randn(2, 32, 2, 3, 3)).shape == (2, 5)
    assert head.fc3d[2].out_features == 10  # the non-linear video head's hidden layer: 2 * video_classes
    plain = OmniHead(6, 5, 32, video_nl_head=False)
    assert isinstance(plain.fc3d[2], nn.BatchNorm1d) and plain.fc3d[4].out_features == 5
    with pytest.raises(ValueError, match=r'\(2, 32\)'):
        head(torch.randn(2, 32))


OMNI_PREPROCESSOR = dict(type='ActionDataPreprocessor', mean=[128.0] * 3, std=[64.0] * 3, format_shape='MIX2d3d')


def build_omni(**head_kwargs) -> nn.Module:
    torch.manual_seed(0)
    head = dict(type='OmniHead', image_classes=6, video_classes=4, in_channels=2048, average_clips='prob',
                **head_kwargs)
    return MODELS.build(dict(type='RecognizerOmni', backbone=tiny_omni(), cls_head=head,
                             data_preprocessor=OMNI_PREPROCESSOR))


def omni_batches(num_views: int = 1):
    generator = torch.Generator().manual_seed(0)
    video = dict(inputs=[torch.randint(0, 256, (num_views, 3, 2, 32, 32), dtype=torch.uint8, generator=generator)
                         for _ in range(3)],
                 data_samples=[ActionDataSample().set_gt_label(label) for label in (0, 3, 1)])
    image = dict(inputs=[torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8, generator=generator)
                         for _ in range(2)],
                 data_samples=[ActionDataSample().set_gt_label(label) for label in (5, 2)])
    return video, image


def test_recognizer_omni_train_step_on_two_sources():
    """MMEngine's train_step on the tuple a multi-loader loop yields: one summed loss, one step."""
    model = build_omni().train()
    optimizer = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    video_head, image_head = model.cls_head.fc3d[-1].weight.clone(), model.cls_head.fc2d[-1].weight.clone()
    log_vars = model.train_step(omni_batches(), optimizer)
    assert {'loss', 'loss_cls_0', 'loss_cls_1', 'top1_acc_0', 'top1_acc_1'} <= set(log_vars)
    torch.testing.assert_close(log_vars['loss'].detach(), (log_vars['loss_cls_0'] + log_vars['loss_cls_1']).detach())
    # Both classifiers stepped: each source reached its own head.
    assert not torch.equal(model.cls_head.fc3d[-1].weight, video_head)
    assert not torch.equal(model.cls_head.fc2d[-1].weight, image_head)


def test_recognizer_omni_single_batch_is_source_zero_and_predict_takes_one():
    model = build_omni().train()
    video, image = omni_batches()
    data = model.data_preprocessor(image, training=True)
    assert data['inputs'].shape == (2, 3, 32, 32)
    assert set(model(**data, mode='loss')) == {'loss_cls_0', 'top1_acc_0', 'top5_acc_0'}
    batches = model.data_preprocessor((video, image))
    with pytest.raises(ValueError, match="mode='predict' takes one batch, got 2"):
        model(*batches, mode='predict')


def test_recognizer_omni_predict_averages_views():
    model = build_omni().eval()
    video, _ = omni_batches(num_views=2)
    data = model.data_preprocessor(video)
    assert data['inputs'].shape == (3, 2, 3, 2, 32, 32)
    with torch.no_grad():
        scores = model(data['inputs'], stage='head')
        predictions = model(data, mode='predict')  # a batch dict, as a multi-source call passes it
    assert scores.shape == (6, 4)
    expected = scores.softmax(dim=1).view(3, 2, 4).mean(dim=1)
    torch.testing.assert_close(torch.stack([p.pred_score for p in predictions]), expected)
    with pytest.raises(ValueError, match="stage='neck'"):
        model(data['inputs'], stage='neck')


def test_omni_label_smoothing_on_the_video_source():
    model = build_omni(label_smooth_eps=0.1).train()
    video, _ = omni_batches()
    losses = model(**model.data_preprocessor(video, training=True), mode='loss')
    assert torch.isfinite(losses['loss_cls_0'])
