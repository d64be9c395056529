"""UniFormerV2 backbone, TimeSformerHead and UniFormerHead, in MMAction2 1.2.0's layout.

Layouts are checked against the reference facts on the meta device; behaviour on tiny architectures,
with expectations derived here independently: a frame-by-frame CLIP ViT written with plain torch ops,
token layouts indexed by hand, inflated kernels and selected head rows built in the test.
"""
import json
import socket
import urllib.request

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import reelkit.models  # noqa: F401  (registers the shared parts; the imports below register this family)
from reelkit.models.backbones.uniformerv2 import (CLIP_URLS, GlobalUniBlock, LocalMHRA, UniFormerV2,
                                                  UniFormerV2Transformer, tokens_to_video, video_to_tokens)
from reelkit.models.common import hub_cache_path
from reelkit.models.heads.timesformer_head import TimeSformerHead
from reelkit.models.heads.uniformer_head import UniFormerHead
from reelkit.registry import MODELS
from reelkit.structures import ActionDataSample
from reelkit.utils.errors import ConfigError
from reference_facts import mmaction2_reference

HEADS = ('TimeSformerHead', 'UniFormerHead')
# Tiny architecture: a 2 x 2 patch grid, 2 local and 2 global UniBlocks, 4 frames.
TINY = dict(input_resolution=32, patch_size=16, width=64, layers=2, heads=4, t_size=4, return_list=[0, 1],
            n_layers=2, n_dim=64, n_head=4, mlp_dropout=[0.5, 0.5], clip_pretrained=False)


def strip_scope(cfg: dict) -> dict:
    return {key: value.split('.')[-1] if key == 'type' else value for key, value in cfg.items()}


def family_configs() -> dict:
    return {name: ref for name, ref in mmaction2_reference().items()
            if 'error' not in ref and ref['model'].get('backbone', {}).get('type', '').endswith('UniFormerV2')}


CONFIGS = family_configs()


def tiny(**kwargs) -> UniFormerV2:
    return UniFormerV2(**{**TINY, **kwargs}).eval()


@torch.no_grad()
def randomize(module: nn.Module, seed: int = 0) -> nn.Module:
    """Non-zero values everywhere (the zero-initialised branches too), positive BN variances."""
    generator = torch.Generator().manual_seed(seed)
    for name, tensor in list(module.named_parameters()) + list(module.named_buffers()):
        if tensor.is_floating_point():
            values = torch.randn(tensor.shape, generator=generator) * 0.2
            tensor.copy_(values.abs() + 0.5 if name.endswith('running_var') else values)
    return module


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError('network access attempted')

    monkeypatch.setattr(socket, 'create_connection', refuse)
    monkeypatch.setattr(urllib.request, 'urlopen', refuse)
    monkeypatch.setattr(torch.hub, 'download_url_to_file', refuse)


@pytest.fixture
def hub_dir(tmp_path):
    previous = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / 'hub'))
    yield tmp_path / 'hub'
    torch.hub.set_dir(previous)


# ---------------------------------------------------------------------------------------------- layouts

def test_reference_has_the_expected_configs():
    assert len(CONFIGS) == 24
    heads = [ref['model']['cls_head']['type'].split('.')[-1] for ref in CONFIGS.values()]
    assert heads.count('TimeSformerHead') == 19
    assert heads.count('UniFormerHead') == 5


@pytest.mark.parametrize('name', sorted(CONFIGS), ids=lambda name: name.split('/')[-1][:-3])
def test_config_builds_with_reference_layout(name):
    ref = CONFIGS[name]
    with torch.device('meta'):
        parts = {part: MODELS.build(strip_scope(ref['model'][part])) for part in ('backbone', 'cls_head')}
    state = {f'{part}.{key}': list(value.shape) for part, module in parts.items()
             for key, value in module.state_dict().items()}
    assert set(state) - set(ref['state_dict']) == set(), 'keys the reference does not have'
    assert set(ref['state_dict']) - set(state) == set(), 'reference keys missing'
    assert {key: shape for key, shape in state.items() if shape != ref['state_dict'][key]} == {}
    # Backbone and head are the whole recognizer: the counts must add up.
    assert sum(p.numel() for module in parts.values() for p in module.parameters()) == ref['params']


def test_clip_pretrained_config_builds_without_the_file(no_network, hub_dir):
    name = 'recognition/uniformerv2/uniformerv2-base-p16-res224_clip_8xb32-u8_kinetics400-rgb.py'
    cfg = dict(strip_scope(CONFIGS[name]['model']['backbone']), pretrained='ViT-B/16')
    assert cfg['clip_pretrained'] is True
    with torch.device('meta'):
        model = MODELS.build(cfg)
    assert model.pretrained == 'ViT-B/16'
    with pytest.raises(ConfigError, match='ViT-B/16'):
        model.init_weights()  # only now is the file needed, and it is not downloaded


# ---------------------------------------------------------------------------------------------- forward

@pytest.mark.parametrize('kwargs,frames', [
    (dict(), 4),
    (dict(no_lmhra=False, double_lmhra=True), 4),
    (dict(no_lmhra=False, double_lmhra=False), 4),
    (dict(temporal_downsample=True, kernel_size=3, t_size=8), 8),
])
def test_tiny_forward_shapes(kwargs, frames):
    model = randomize(tiny(**kwargs))
    with torch.no_grad():
        out = model(torch.randn(2, 3, frames, 32, 32))
    assert out.shape == (2, 64)
    assert torch.isfinite(out).all()


def test_recognizer_scores_every_view_and_averages_them():
    model = MODELS.build(dict(
        type='Recognizer3D', backbone=dict(type='UniFormerV2', **TINY, no_lmhra=False),
        cls_head=dict(type='UniFormerHead', num_classes=5, in_channels=64, dropout_ratio=0.5, average_clips='prob')))
    randomize(model.backbone).eval()
    model.cls_head.eval()
    inputs = torch.randn(2, 3, 3, 4, 32, 32)  # 2 samples, 3 views
    with torch.no_grad():
        scores = model(inputs, mode='tensor', stage='head')
        samples = model(inputs, [ActionDataSample() for _ in range(2)], mode='predict')
    assert scores.shape == (6, 5)
    expected = scores.softmax(dim=1).view(2, 3, 5).mean(dim=1)
    torch.testing.assert_close(torch.stack([s.pred_score for s in samples]), expected)


def attention_by_hand(query: torch.Tensor, context: torch.Tensor, attn: nn.MultiheadAttention) -> torch.Tensor:
    """Multi-head attention of query (B, Lq, C) to context (B, Lk, C) with ``attn``'s weights."""
    B, C, heads = query.shape[0], query.shape[-1], attn.num_heads
    w_q, w_k, w_v = attn.in_proj_weight.split(C)
    b_q, b_k, b_v = attn.in_proj_bias.split(C)
    q, k, v = (((x @ w.T + b).reshape(B, -1, heads, C // heads).transpose(1, 2))
               for x, w, b in ((query, w_q, b_q), (context, w_k, b_k), (context, w_v, b_v)))
    weights = (q @ k.transpose(-1, -2) / (C // heads)**0.5).softmax(-1)
    return (weights @ v).transpose(1, 2).reshape(B, -1, C) @ attn.out_proj.weight.T + attn.out_proj.bias


def mlp_by_hand(x: torch.Tensor, mlp: nn.Module) -> torch.Tensor:
    y = x @ mlp.c_fc.weight.T + mlp.c_fc.bias
    return (y * torch.sigmoid(1.702 * y)) @ mlp.c_proj.weight.T + mlp.c_proj.bias


def norm(x: torch.Tensor, ln: nn.LayerNorm) -> torch.Tensor:
    return F.layer_norm(x, ln.normalized_shape, ln.weight, ln.bias)


def clip_frames_by_hand(model: UniFormerV2, x: torch.Tensor) -> torch.Tensor:
    """The class token of every frame after CLIP's image ViT, written with plain torch ops:
    (N, 3, T, H, W) -> (N, T, C)."""
    N, _, T, H, W = x.shape
    frames = x.transpose(1, 2).reshape(N * T, 3, H, W)
    tokens = F.conv2d(frames, model.conv1.weight[:, :, 0], stride=model.conv1.stride[1:]).flatten(2).transpose(1, 2)
    cls = model.class_embedding.expand(N * T, 1, -1)
    x = norm(torch.cat([cls, tokens], 1) + model.positional_embedding, model.ln_pre)
    for block in model.transformer.resblocks:
        y = norm(x, block.ln_1)
        x = x + attention_by_hand(y, y, block.attn)
        x = x + mlp_by_hand(norm(x, block.ln_2), block.mlp)
    return x[:, 0].reshape(N, T, -1)


def test_global_block_by_hand():
    block = randomize(GlobalUniBlock(16, 4, mlp_factor=1.5)).eval()
    assert block.mlp.c_fc.out_features == 24
    query, context = torch.randn(1, 3, 16), torch.randn(10, 3, 16)  # sequence-first, batch 3
    with torch.no_grad():
        q, c = query.transpose(0, 1), context.transpose(0, 1)
        expected = q + attention_by_hand(norm(q, block.ln_1), norm(c, block.ln_3), block.attn)
        expected = expected + mlp_by_hand(norm(expected, block.ln_2), block.mlp)
        torch.testing.assert_close(block(query, context), expected.transpose(0, 1), atol=1e-5, rtol=1e-5)


def test_fresh_global_block_is_the_identity():
    with torch.no_grad():
        query = torch.randn(1, 2, 16)
        torch.testing.assert_close(GlobalUniBlock(16, 4)(query, torch.randn(5, 2, 16)), query)


def test_fresh_unit_blocks_start_as_clip_frame_features_blended_with_a_zero_video_token():
    """Local MHRA and global blocks start as identities: the output is then the layer norm of
    ``sigmoid(0) * mean frame class token`` (the video token stays 0), CLIP's frame features."""
    model = tiny(no_lmhra=False, double_lmhra=True)
    with torch.no_grad():
        for block in model.transformer.resblocks:  # CLIP weights: random, but the unit parts untouched
            randomize(nn.ModuleList([block.attn, block.ln_1, block.mlp, block.ln_2]), seed=1)
        randomize(nn.ModuleList([model.conv1, model.ln_pre]), seed=2)
        model.positional_embedding.normal_()
        x = torch.randn(2, 3, 4, 32, 32)
        expected = norm(0.5 * clip_frames_by_hand(model, x).mean(dim=1), model.transformer.norm)
        torch.testing.assert_close(model(x), expected, atol=1e-5, rtol=1e-5)


def test_gate_blends_video_token_and_frame_tokens():
    model = randomize(tiny())
    x = torch.randn(1, 3, 4, 32, 32)
    with torch.no_grad():
        model.transformer.balance.fill_(30.)  # gate ~1: only the frame class tokens count
        frames_only = model(x)
        expected = norm(clip_frames_by_hand(model, x).mean(dim=1), model.transformer.norm)
        torch.testing.assert_close(frames_only, expected, atol=1e-5, rtol=1e-5)
        model.transformer.balance.fill_(-30.)  # gate ~0: only the video token, which sees every frame
        later = x.clone()
        later[:, :, -1] += 1
        assert not torch.allclose(model(x), model(later), atol=1e-4)


def test_clips_of_a_batch_stay_apart():
    model = randomize(tiny(no_lmhra=False))
    x = torch.randn(3, 3, 4, 32, 32)
    changed = x.clone()
    changed[1] += 1
    with torch.no_grad():
        a, b = model(x), model(changed)
    torch.testing.assert_close(a[[0, 2]], b[[0, 2]])
    assert not torch.allclose(a[1], b[1], atol=1e-4)


def test_token_layout_by_hand():
    N, C, T, H, W = 2, 3, 4, 2, 3
    video = torch.randn(N, C, T, H, W)
    tokens = video_to_tokens(video)
    assert tokens.shape == (H * W, N * T, C)
    for n, t, h, w in [(0, 0, 0, 0), (1, 2, 1, 2), (0, 3, 1, 0)]:
        torch.testing.assert_close(tokens[h * W + w, n * T + t], video[n, :, t, h, w])
    torch.testing.assert_close(tokens_to_video(tokens, N, H, W), video)


def test_local_mhra_mixes_the_same_patch_of_neighbouring_frames_only():
    mhra = randomize(LocalMHRA(8)).eval()
    assert mhra.pos_embed[1].out_channels == int(8 // 1.5)
    x = torch.randn(1, 8, 5, 3, 3)
    changed = x.clone()
    changed[0, :, 2, 1, 1] += 1
    with torch.no_grad():
        moved = (mhra(changed) - mhra(x)).abs().sum(dim=1)[0]  # (T, H, W)
    assert (moved[1:4, 1, 1] > 0).all()
    moved[1:4, 1, 1] = 0
    assert moved.max() == 0


def test_clip_context_adds_dpe_to_the_patches_and_orders_tokens_frame_by_frame():
    N, T, H, W, C = 2, 3, 2, 2, 4
    L = 1 + H * W
    dpe = nn.Conv3d(C, C, 3, padding=1, groups=C)
    with torch.no_grad():  # centre tap 1, bias 0: dpe(patches) == patches
        dpe.weight.zero_()
        dpe.weight[:, :, 1, 1, 1] = 1
        dpe.bias.zero_()
    x = torch.randn(L, N * T, C)
    context = UniFormerV2Transformer.clip_context(x, dpe, N, H, W)
    assert context.shape == (T * L, N, C)
    for n, t, l in [(0, 0, 0), (1, 2, 0), (0, 1, 3), (1, 2, 4)]:
        expected = x[l, n * T + t] * (1 if l == 0 else 2)
        torch.testing.assert_close(context[t * L + l, n], expected)


def test_double_lmhra_adds_a_second_local_mhra_after_the_attention():
    single = randomize(tiny(no_lmhra=False, double_lmhra=False))
    double = tiny(no_lmhra=False, double_lmhra=True)
    missing = double.load_state_dict(single.state_dict(), strict=False).missing_keys
    assert missing and all('.lmhra2.' in key for key in missing)
    randomize(nn.ModuleList([block.lmhra2 for block in double.transformer.resblocks]), seed=3)
    x = torch.randn(1, 3, 4, 32, 32)
    with torch.no_grad():
        assert not torch.allclose(single(x), double(x), atol=1e-4)
        for block in double.transformer.resblocks:
            block.lmhra2.pos_embed[3].weight.zero_()
            block.lmhra2.pos_embed[3].bias.zero_()
        torch.testing.assert_close(single(x), double(x))
    assert not any('lmhra' in key for key in tiny(no_lmhra=True, double_lmhra=True).state_dict())


def test_fresh_local_mhra_outputs_zero():
    with torch.no_grad():
        assert LocalMHRA(8)(torch.randn(2, 8, 3, 2, 2)).abs().max() == 0


def test_return_list_order_does_not_matter_and_picks_the_layers():
    base = randomize(tiny(layers=3, return_list=[0, 2]))
    shuffled = tiny(layers=3, return_list=[2, 0])
    shuffled.load_state_dict(base.state_dict())
    other = tiny(layers=3, return_list=[1, 2])
    other.load_state_dict(base.state_dict())
    x = torch.randn(1, 3, 4, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(base(x), shuffled(x))
        assert not torch.allclose(base(x), other(x), atol=1e-4)


def test_temporal_downsample_conv1_and_kernel_size():
    model = tiny(temporal_downsample=True, kernel_size=5, t_size=8)
    assert model.conv1.weight.shape == (64, 3, 5, 16, 16)
    assert model.conv1.stride == (2, 16, 16) and model.conv1.padding == (2, 0, 0)
    assert tiny().conv1.weight.shape == (64, 3, 1, 16, 16)


def test_drop_paths_rise_linearly_and_act_in_training_only():
    model = tiny(layers=3, backbone_drop_path_rate=0.2, drop_path_rate=0.1, return_list=[1, 2])
    assert [block.drop_path.drop_prob for block in model.transformer.resblocks] == pytest.approx([0, .1, .2])
    assert [block.drop_path.drop_prob for block in model.transformer.dec] == pytest.approx([0, .1])
    assert [block.mlp.dropout.p for block in model.transformer.dec] == [0.5, 0.5]
    randomize(model)
    x = torch.randn(1, 3, 4, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(model(x), model(x))
        model.train()
        torch.manual_seed(0)
        first = model(x)
        assert not torch.allclose(first, model(x))


@pytest.mark.parametrize('kwargs,word', [
    (dict(heads=5), 'heads'),
    (dict(n_dim=32, n_head=4), 'n_dim'),
    (dict(return_list=[0, 1, 1], n_layers=3, mlp_dropout=[0.5] * 3), 'return_list'),
    (dict(return_list=[0], n_layers=2), 'return_list'),
    (dict(return_list=[0, 2]), 'return_list'),
    (dict(mlp_dropout=[0.5]), 'mlp_dropout'),
    (dict(temporal_downsample=True, t_size=5), 't_size'),
])
def test_bad_arguments_name_the_argument(kwargs, word):
    with torch.device('meta'), pytest.raises(ValueError, match=word):
        tiny(**kwargs)


@pytest.mark.parametrize('shape,word', [((1, 3, 4, 48, 48), 'input_resolution'), ((1, 3, 6, 32, 32), 't_size')])
def test_input_of_another_size_names_the_argument(shape, word):
    with pytest.raises(ValueError, match=word):
        tiny()(torch.randn(*shape))


# ---------------------------------------------------------------------------------------------- weights

def fake_clip(model: UniFormerV2, seed: int = 0, resolution_tokens: int = 5) -> dict:
    """A CLIP image-encoder checkpoint for ``model``: its CLIP keys, a 2D patch kernel, CLIP's extra
    ``ln_post``/``proj`` and a positional embedding of ``resolution_tokens`` rows."""
    generator = torch.Generator().manual_seed(seed)
    own = model.state_dict()
    keys = [k for k in own if not k.startswith('transformer.') or k.startswith('transformer.resblocks.')]
    state = {k: torch.randn(own[k].shape, generator=generator) for k in keys if 'lmhra' not in k}
    state['conv1.weight'] = torch.randn(own['conv1.weight'][:, :, 0].shape, generator=generator)
    state['positional_embedding'] = torch.randn(resolution_tokens, own['positional_embedding'].shape[1])
    state['ln_post.weight'] = torch.ones(64)
    state['proj'] = torch.randn(64, 32)
    return state


def test_clip_name_is_read_from_the_hub_cache_with_inflated_kernel(no_network, hub_dir):
    model = tiny(clip_pretrained=True, pretrained='ViT-B/16', temporal_downsample=True, t_size=8, no_lmhra=False)
    clip = fake_clip(model)
    path = hub_cache_path(CLIP_URLS['ViT-B/16'])
    (hub_dir / 'checkpoints').mkdir(parents=True)
    torch.save(clip, path)
    untouched = {k: v.clone() for k, v in model.state_dict().items() if k.startswith('transformer.dec.')}
    model.init_weights()
    state = model.state_dict()
    kernel = state['conv1.weight']  # (64, 3, 3, 16, 16): the 2D kernel on the middle frame only
    torch.testing.assert_close(kernel[:, :, 1], clip['conv1.weight'])
    assert kernel[:, :, [0, 2]].abs().max() == 0
    for key in ('class_embedding', 'ln_pre.weight', 'transformer.resblocks.1.attn.in_proj_weight',
                'transformer.resblocks.0.mlp.c_proj.bias'):
        torch.testing.assert_close(state[key], clip[key])
    assert state['positional_embedding'].shape == (5, 64)  # a 5-row table fits: loaded
    # Nothing but CLIP changes: the global blocks keep their construction values (no init_cfg).
    assert all(torch.equal(state[k], v) for k, v in untouched.items())
    assert state['transformer.resblocks.0.lmhra1.pos_embed.3.weight'].abs().max() == 0


def test_clip_of_another_resolution_keeps_the_positional_embedding(tmp_path, no_network):
    model = tiny(clip_pretrained=True, pretrained=str(tmp_path / 'clip.pth'))
    clip = fake_clip(model, resolution_tokens=10)
    torch.save(clip, tmp_path / 'clip.pth')
    before = model.positional_embedding.detach().clone()
    model.init_weights()
    torch.testing.assert_close(model.positional_embedding.detach(), before)
    torch.testing.assert_close(model.conv1.weight.detach()[:, :, 0], clip['conv1.weight'])


def test_clip_pretrained_needs_a_name(no_network, hub_dir):
    with pytest.raises(ConfigError, match='clip_pretrained'):
        tiny(clip_pretrained=True).init_weights()
    with pytest.raises(ConfigError, match=str(hub_dir)):  # says where to put the file
        tiny(clip_pretrained=True, pretrained='ViT-L/14').init_weights()


def recognizer_checkpoint(path, num_classes: int) -> dict:
    source = randomize(MODELS.build(dict(
        type='Recognizer3D', backbone=dict(type='UniFormerV2', **TINY),
        cls_head=dict(type='TimeSformerHead', num_classes=num_classes, in_channels=64))), seed=5)
    state = source.state_dict()
    torch.save({'state_dict': state, 'meta': {}}, path)
    return state


def test_init_cfg_pretrained_reads_the_local_file_under_its_prefix(tmp_path, no_network):
    state = recognizer_checkpoint(tmp_path / 'k710.pth', 12)
    model = tiny(init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'k710.pth'), prefix='backbone.'))
    assert model.init_cfg is None  # MMEngine never sees the Pretrained entry (it would download)
    model.init_weights()
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, state[f'backbone.{key}'])


def test_init_cfg_pretrained_url_is_not_downloaded(no_network, hub_dir):
    model = tiny(init_cfg=[dict(type='Constant', layer='LayerNorm', val=2.),
                           dict(type='Pretrained', checkpoint='https://example.com/k710.pth', prefix='backbone.')])
    with pytest.raises(ConfigError, match='never downloads'):
        model.init_weights()


def test_pretrained_checkpoint_replaces_init_cfg(tmp_path, no_network):
    state = recognizer_checkpoint(tmp_path / 'ckpt.pth', 3)
    model = tiny(pretrained=str(tmp_path / 'ckpt.pth'), init_cfg=dict(type='Constant', layer='LayerNorm', val=7.))
    model.init_weights()
    torch.testing.assert_close(model.ln_pre.weight.detach(), state['backbone.ln_pre.weight'])


def test_default_init_cfg_is_truncated_normal_linears_and_unit_layer_norms():
    model = randomize(tiny())
    model.init_weights()
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert all(m.bias.abs().max() == 0 and m.weight.std() < 0.03 for m in linears)
    assert all(m.weight.std() > 0.01 for m in linears)  # the zero-init ones too, as in MMAction2
    norms = [m for m in model.modules() if isinstance(m, nn.LayerNorm)]
    assert all((m.weight == 1).all() and (m.bias == 0).all() for m in norms)


# ---------------------------------------------------------------------------------------------- heads

def test_timesformer_head_is_dropout_and_linear():
    head = TimeSformerHead(10, 64, dropout_ratio=0.5, init_std=0.02)
    weight = head.fc_cls.weight.detach()
    assert weight.abs().max() <= 2 and 0.015 < weight.std() < 0.025 and head.fc_cls.bias.abs().max() == 0
    x = torch.randn(3, 64)
    head.eval()
    torch.testing.assert_close(head(x), x @ weight.T)
    head.train()
    torch.manual_seed(0)
    assert not torch.allclose(head(x), x @ weight.T)
    assert TimeSformerHead(10, 64).dropout.p == 0


def test_timesformer_head_loss():
    head = TimeSformerHead(4, 8)
    samples = [ActionDataSample().set_gt_label(torch.tensor(i)) for i in (0, 3)]
    x = torch.randn(2, 8)
    losses = head.loss(x, samples)
    torch.testing.assert_close(losses['loss_cls'], F.cross_entropy(head(x), torch.tensor([0, 3])))


def test_uniformer_head_loads_the_mapped_rows_of_a_bigger_head(tmp_path, no_network):
    state = recognizer_checkpoint(tmp_path / 'k710.pth', 12)
    rows = [11, 0, 5, 3, 7]
    (tmp_path / 'map.json').write_text(json.dumps(rows))
    head = UniFormerHead(5, 64, channel_map=str(tmp_path / 'map.json'),
                         init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'k710.pth'), prefix='cls_head.'))
    head.init_weights()
    torch.testing.assert_close(head.fc_cls.weight.detach(), state['cls_head.fc_cls.weight'][rows])
    torch.testing.assert_close(head.fc_cls.bias.detach(), state['cls_head.fc_cls.bias'][rows])


def test_uniformer_head_pretrained_needs_a_channel_map(tmp_path, no_network):
    recognizer_checkpoint(tmp_path / 'k710.pth', 12)
    init_cfg = dict(type='Pretrained', checkpoint=str(tmp_path / 'k710.pth'), prefix='cls_head.')
    with pytest.raises(ConfigError, match='channel_map'):
        UniFormerHead(5, 64, init_cfg=init_cfg).init_weights()
    with pytest.raises(ConfigError, match='channel_map'):
        UniFormerHead(5, 64, init_cfg=init_cfg, channel_map=str(tmp_path / 'missing.json')).init_weights()
    (tmp_path / 'map.json').write_text(json.dumps([0, 1, 2]))  # 3 rows for a 5-class head
    with pytest.raises(ConfigError, match='do not fit'):
        UniFormerHead(5, 64, init_cfg=init_cfg, channel_map=str(tmp_path / 'map.json')).init_weights()


def test_uniformer_head_default_init_is_truncated_normal():
    head = UniFormerHead(200, 64)
    with torch.no_grad():
        head.fc_cls.weight.fill_(5.)
        head.fc_cls.bias.fill_(5.)
    head.init_weights()
    weight = head.fc_cls.weight.detach()
    assert weight.abs().max() <= 2 and 0.015 < weight.std() < 0.025 and head.fc_cls.bias.abs().max() == 0
