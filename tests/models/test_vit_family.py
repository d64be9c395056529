"""TimeSformer, the VideoMAE VisionTransformer and UniFormer backbones, in MMAction2 1.2.0's layout.

Layouts are checked against the reference facts on the meta device (backbone keys only: the heads
belong to other files); behaviour on tiny models, with expectations derived here (which tokens an
attention may mix, a hand-evaluated sinusoid table, torch's own multi-head attention as reference).
"""
import math

import pytest
import torch
import torch.nn as nn

import reelkit.models  # noqa: F401  (registers the shared parts; the imports below register this family)
from reelkit.models.backbones.timesformer import (DividedSpatialAttentionWithNorm,
                                                  DividedTemporalAttentionWithNorm, TimeSformer)
from reelkit.models.backbones.uniformer import UniFormer
from reelkit.models.backbones.uniformer import Attention as UniFormerAttention
from reelkit.models.backbones.vit_mae import Attention as ViTAttention
from reelkit.models.backbones.vit_mae import VisionTransformer, sinusoid_position_table
from reelkit.models.common.transformer import DropPath
from reelkit.registry import MODELS
from reelkit.utils.errors import ConfigError
from reference_facts import mmaction2_reference

BACKBONES = ('TimeSformer', 'VisionTransformer', 'UniFormer')
CONFIGS = {name: ref for name, ref in mmaction2_reference().items()
           if 'error' not in ref and ref['model'].get('backbone', {}).get('type') in BACKBONES}
TINY_TS = dict(num_frames=4, img_size=32, patch_size=16, embed_dims=64, num_heads=4, num_transformer_layers=2)
TINY_VIT = dict(img_size=32, patch_size=16, embed_dims=64, depth=2, num_heads=4, num_frames=4)
TINY_UNI = dict(depth=(1, 1, 1, 1), embed_dim=(16, 32, 64, 64), head_dim=16)


def clip(*shape) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(0))


def test_reference_has_the_expected_configs():
    types = [ref['model']['backbone']['type'] for ref in CONFIGS.values()]
    assert (types.count('TimeSformer'), types.count('VisionTransformer'), types.count('UniFormer')) == (3, 4, 3)


@pytest.mark.parametrize('name', sorted(CONFIGS), ids=lambda name: name.split('/')[-1][:-3])
def test_config_builds_with_reference_layout(name):
    ref = CONFIGS[name]
    with torch.device('meta'):
        backbone = MODELS.build(dict(ref['model']['backbone']))
    ours = {key: list(value.shape) for key, value in backbone.state_dict().items()}
    theirs = {key[len('backbone.'):]: shape for key, shape in ref['state_dict'].items() if key.startswith('backbone.')}
    assert ours == theirs
    # The reference counts parameters of the whole recognizer; its head holds parameters only.
    head_params = sum(math.prod(shape) for key, shape in ref['state_dict'].items() if key.startswith('cls_head.'))
    assert sum(p.numel() for p in backbone.parameters()) == ref['params'] - head_params


# ---------------------------------------------------------------------------------------------- TimeSformer


@pytest.mark.parametrize('attention_type', ['divided_space_time', 'joint_space_time', 'space_only'])
def test_timesformer_returns_one_feature_per_clip(attention_type):
    model = TimeSformer(**TINY_TS, attention_type=attention_type).eval()
    with torch.no_grad():
        assert model(clip(2, 3, 4, 32, 32)).shape == (2, 64)


def test_space_only_ignores_frame_order_and_divided_and_joint_do_not():
    x = clip(1, 3, 4, 32, 32)
    reversed_frames = x.flip(2)
    for attention_type, invariant in (('space_only', True), ('divided_space_time', False),
                                      ('joint_space_time', False)):
        torch.manual_seed(0)
        model = TimeSformer(**TINY_TS, attention_type=attention_type).eval()
        with torch.no_grad():
            for name, param in model.named_parameters():
                if name == 'time_embed' or 'temporal_fc' in name:  # zero at construction
                    param.normal_()
            same = torch.allclose(model(x), model(reversed_frames), atol=1e-5)
        assert same == invariant, attention_type


def test_space_only_has_no_time_embedding_and_divided_has_two_attentions_per_layer():
    space = TimeSformer(**TINY_TS, attention_type='space_only')
    divided = TimeSformer(**TINY_TS)
    assert not hasattr(space, 'time_embed') and divided.time_embed.shape == (1, 4, 64)
    assert [type(a) for a in divided.transformer_layers.layers[0].attentions] == [
        DividedTemporalAttentionWithNorm, DividedSpatialAttentionWithNorm]
    assert len(space.transformer_layers.layers[0].norms) == 2


def changed_tokens(attention: nn.Module, x: torch.Tensor, index: int) -> list:
    """Token indices whose output moves when token ``index`` of the input does."""
    nudged = x.clone()
    nudged[0, index] += torch.linspace(-1., 2., x.shape[-1])  # not constant: a layer norm would remove that
    with torch.no_grad():
        moved = (attention(nudged) - attention(x)).abs().amax(dim=-1)[0] > 1e-6
    return moved.nonzero().flatten().tolist()


P, T = 5, 3  # patches, frames; the patch-major token (p, t) sits at 1 + p * T + t
TOKENS = [(p, t) for p in range(P) for t in range(T)]


def test_temporal_attention_mixes_only_the_frames_of_one_patch():
    attention = DividedTemporalAttentionWithNorm(8, 2, num_frames=T, drop_path_rate=0.).eval()
    nn.init.eye_(attention.temporal_fc.weight)  # zero at construction: the branch would vanish
    x = clip(1, 1 + P * T, 8)
    for p, t in TOKENS:
        assert changed_tokens(attention, x, 1 + p * T + t) == [1 + p * T + other for other in range(T)]
    assert changed_tokens(attention, x, 0) == [0]  # the class token passes untouched


def test_temporal_attention_starts_as_the_identity():
    attention = DividedTemporalAttentionWithNorm(8, 2, num_frames=T).eval()
    x = clip(2, 1 + P * T, 8)
    assert torch.equal(attention(x), x)


def test_spatial_attention_mixes_only_the_patches_of_one_frame_and_the_class_token():
    attention = DividedSpatialAttentionWithNorm(8, 2, num_frames=T, drop_path_rate=0.).eval()
    x = clip(1, 1 + P * T, 8)
    for p, t in TOKENS:
        assert changed_tokens(attention, x, 1 + p * T + t) == [0] + [1 + other * T + t for other in range(P)]
    assert changed_tokens(attention, x, 0) == list(range(1 + P * T))


def test_stochastic_depth_grows_to_a_tenth_over_the_layers():
    model = TimeSformer(**dict(TINY_TS, num_transformer_layers=3))
    rates = [m.drop_prob for m in model.transformer_layers.modules() if isinstance(m, DropPath)]
    assert rates == [0.] * 3 + [0.05] * 3 + [0.1] * 3  # two attentions and the MLP per layer


def test_timesformer_rejects_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match='attention_type'):
        TimeSformer(**TINY_TS, attention_type='divided')
    with pytest.raises(ValueError, match='transformer_layers'):
        TimeSformer(**TINY_TS, transformer_layers=dict(type='TransformerLayerSequence'))
    with pytest.raises(ValueError, match='img_size=30'):
        TimeSformer(**dict(TINY_TS, img_size=30))
    with pytest.raises(ValueError, match='num_frames=4'):
        TimeSformer(**TINY_TS)(clip(1, 3, 2, 32, 32))


def test_divided_model_from_a_space_only_checkpoint_copies_the_attention_into_both(tmp_path):
    torch.manual_seed(0)
    space = TimeSformer(**TINY_TS, attention_type='space_only')
    path = tmp_path / 'space.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in space.state_dict().items()}}, path)
    divided = TimeSformer(**TINY_TS, pretrained=str(path))
    divided.init_weights()
    source, layer = space.transformer_layers.layers[1], divided.transformer_layers.layers[1]
    for attention in layer.attentions:
        assert torch.equal(attention.attn.in_proj_weight, source.attentions[0].attn.in_proj_weight)
        assert torch.equal(attention.norm.weight, source.norms[0].weight)
    assert torch.equal(layer.ffns[0].norm.bias, source.norms[1].bias)
    assert torch.equal(layer.ffns[0].layers[1].weight, source.ffns[0].layers[1].weight)
    assert torch.equal(divided.pos_embed, space.pos_embed)
    assert not layer.attentions[0].temporal_fc.weight.any()


def test_divided_checkpoint_keeps_its_own_spatial_attention(tmp_path):
    torch.manual_seed(0)
    trained = TimeSformer(**TINY_TS)
    path = tmp_path / 'divided.pth'
    torch.save(trained.state_dict(), path)
    model = TimeSformer(**TINY_TS, pretrained=str(path))
    model.init_weights()
    for key, value in trained.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key


# ----------------------------------------------------------------------------------------- VisionTransformer


def test_sinusoid_table_matches_the_formula():
    table = sinusoid_position_table(5, 6)[0].double()
    p = 3
    expected = [math.sin(p), math.cos(p), math.sin(p / 10000**(2 / 6)), math.cos(p / 10000**(2 / 6)),
                math.sin(p / 10000**(4 / 6)), math.cos(p / 10000**(4 / 6))]
    assert torch.allclose(table[p], torch.tensor(expected, dtype=torch.float64), atol=1e-6)
    assert torch.equal(table[0], torch.tensor([0., 1.] * 3, dtype=torch.float64))


def test_vit_attention_equals_torch_multihead_attention():
    attention = ViTAttention(16, num_heads=4).eval()
    with torch.no_grad():
        for param in attention.parameters():
            param.normal_()
    reference = nn.MultiheadAttention(16, 4, batch_first=True).eval()
    with torch.no_grad():
        reference.in_proj_weight.copy_(attention.qkv.weight)
        reference.in_proj_bias.copy_(torch.cat([attention.q_bias, torch.zeros(16), attention.v_bias]))
        reference.out_proj.load_state_dict(attention.proj.state_dict())
        x = clip(2, 7, 16)
        assert torch.allclose(attention(x), reference(x, x, x)[0], atol=1e-5)


def test_vit_pools_the_mean_token_by_default():
    model = VisionTransformer(**TINY_VIT).eval()
    assert isinstance(model.norm, nn.Identity) and model.fc_norm is not None
    assert not model.pos_embed.requires_grad and 'pos_embed' in model.state_dict()  # a fixed buffer
    with torch.no_grad():
        assert model(clip(2, 3, 4, 32, 32)).shape == (2, 64)


def test_vit_without_mean_pooling_returns_the_first_normalised_token():
    model = VisionTransformer(**TINY_VIT, use_mean_pooling=False, return_feat_map=True).eval()
    first = VisionTransformer(**TINY_VIT, use_mean_pooling=False).eval()
    first.load_state_dict(model.state_dict())
    assert model.fc_norm is None and 'norm.weight' in model.state_dict()
    with torch.no_grad():
        x = clip(2, 3, 4, 32, 32)
        assert torch.allclose(first(x), model(x)[:, :, 0, 0, 0])


def test_tubelet_size_sets_the_token_count():
    for tubelet_size, frames_out in ((2, 2), (1, 4), (4, 1)):
        model = VisionTransformer(**TINY_VIT, tubelet_size=tubelet_size, return_feat_map=True).eval()
        assert model.pos_embed.shape == (1, frames_out * 2 * 2, 64)
        assert model.patch_embed.projection.weight.shape == (64, 3, tubelet_size, 16, 16)
        with torch.no_grad():
            assert model(clip(1, 3, 4, 32, 32)).shape == (1, 64, frames_out, 2, 2)


def test_vit_resizes_the_position_table_for_another_frame_size():
    model = VisionTransformer(**TINY_VIT, return_feat_map=True).eval()
    resized = model.position_embedding((3, 5))
    assert resized.shape == (1, 2 * 3 * 5, 64)
    assert model.position_embedding((2, 2)) is model.pos_embed
    with torch.no_grad():
        assert model(clip(1, 3, 4, 48, 80)).shape == (1, 64, 2, 3, 5)


def test_vit_learnable_position_embedding_and_layer_scale():
    model = VisionTransformer(**TINY_VIT, use_learnable_pos_emb=True, init_values=0.1)
    assert isinstance(model.pos_embed, nn.Parameter)
    assert torch.equal(model.blocks[1].gamma_2, torch.full((64, ), 0.1))
    assert 'blocks.0.gamma_1' in model.state_dict()
    assert 'blocks.0.gamma_1' not in VisionTransformer(**TINY_VIT).state_dict()
    assert 'blocks.0.attn.q_bias' not in VisionTransformer(**TINY_VIT, qkv_bias=False).state_dict()


def test_vit_init_draws_truncated_normal_linear_layers():
    model = VisionTransformer(**dict(TINY_VIT, embed_dims=128))
    model.init_weights()
    weight = model.blocks[0].attn.qkv.weight
    assert 0.016 < weight.std().item() < 0.024 and weight.abs().max().item() <= 2.
    assert not model.blocks[0].attn.proj.bias.any()


def test_vit_rejects_a_frame_count_it_was_not_built_for():
    with pytest.raises(ValueError, match='num_frames'):
        VisionTransformer(**TINY_VIT)(clip(1, 3, 6, 32, 32))
    with pytest.raises(ValueError, match='tubelet_size=3'):
        VisionTransformer(**TINY_VIT, tubelet_size=3)


# ------------------------------------------------------------------------------------------------- UniFormer


def test_uniformer_halves_time_once_and_divides_space_by_32():
    model = UniFormer(**TINY_UNI).eval()
    with torch.no_grad():
        assert model(clip(2, 3, 4, 64, 96)).shape == (2, 64, 2, 2, 3)
    assert model.patch_embed1.proj.weight.shape == (16, 3, 3, 4, 4)
    assert model.patch_embed2.proj.stride == (1, 2, 2)


def test_uniformer_attention_stages_have_embed_dim_over_head_dim_heads():
    model = UniFormer(depth=(1, 1, 1, 1), embed_dim=(16, 32, 64, 128), head_dim=32)
    assert (model.blocks3[0].attn.num_heads, model.blocks4[0].attn.num_heads) == (2, 4)
    assert hasattr(model.blocks2[0], 'conv1') and not hasattr(model.blocks3[0], 'conv1')
    with pytest.raises(ValueError, match='head_dim=48'):
        UniFormer(depth=(1, 1, 1, 1), embed_dim=(16, 32, 64, 128), head_dim=48)


def test_uniformer_attention_equals_torch_multihead_attention():
    attention = UniFormerAttention(16, num_heads=2).eval()
    reference = nn.MultiheadAttention(16, 2, batch_first=True).eval()
    with torch.no_grad():
        reference.in_proj_weight.copy_(attention.qkv.weight)
        reference.in_proj_bias.copy_(attention.qkv.bias.normal_())
        reference.out_proj.load_state_dict(attention.proj.state_dict())
        x = clip(2, 5, 16)
        assert torch.allclose(attention(x), reference(x, x, x)[0], atol=1e-5)


def test_uniformer_inflates_a_2d_checkpoint_into_the_middle_time_step(tmp_path):
    model = UniFormer(**TINY_UNI)
    image_model = {key: value[:, :, 0].clone().normal_() if value.dim() == 5 else value
                   for key, value in model.state_dict().items()}
    path = tmp_path / 'uniformer_2d.pth'
    torch.save({'model': 'ignored', 'state_dict': image_model}, path)
    model = UniFormer(**TINY_UNI, pretrained=str(path))
    model.init_weights()
    attn = model.blocks1[0].attn.weight  # (16, 1, 5, 5, 5): 2D (16, 1, 5, 5) at t = 2
    assert torch.equal(attn[:, :, 2], image_model['blocks1.0.attn.weight'])
    assert not attn[:, :, [0, 1, 3, 4]].any()
    assert torch.equal(model.patch_embed2.proj.weight[:, :, 0], image_model['patch_embed2.proj.weight'])
    assert torch.equal(model.blocks3[0].attn.qkv.weight, image_model['blocks3.0.attn.qkv.weight'])


def timesformer_with_live_temporal_fc() -> TimeSformer:
    """TimeSformer whose ``temporal_fc`` is not zero (at zero, nothing before it gets a gradient)."""
    model = TimeSformer(**TINY_TS)
    for layer in model.transformer_layers.layers:
        nn.init.normal_(layer.attentions[0].temporal_fc.weight)
    return model


@pytest.mark.parametrize('build', [timesformer_with_live_temporal_fc, lambda: VisionTransformer(**TINY_VIT),
                                   lambda: UniFormer(**TINY_UNI, drop_path_rate=0.2)],
                         ids=['timesformer', 'vit', 'uniformer'])
def test_backbones_train_with_gradients_everywhere(build):
    model = build().train()
    side = 64 if isinstance(model, UniFormer) else 32
    model(clip(2, 3, 4, side, side)).square().mean().backward()
    assert [name for name, p in model.named_parameters() if p.grad is None or not p.grad.any()] == []


def test_uniformer_names_its_imagenet_weights_and_never_downloads_them(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path))
    with pytest.raises(ConfigError, match='uniformer_small_in1k_20221219-fe0a7ae0.pth'):
        UniFormer(**TINY_UNI, pretrained='uniformer_small_in1k').init_weights()
