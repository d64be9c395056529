"""Video Swin Transformer and MViTv2 backbones and the MViT head, in MMAction2 1.2.0's layout.

Layouts are checked against the reference facts on the meta device; behaviour on tiny custom
architectures, with expectations derived here by hand (window groups, position-table rows,
inflated weights) rather than read from the code under test.
"""
import inspect
import itertools

import pytest
import torch
import torch.nn as nn

import reelkit.models  # noqa: F401  (registers the shared parts; the imports below register this family)
from reelkit.models.backbones.mvit import (MultiScaleAttention, MViT, add_decomposed_rel_pos, attention_pool,
                                           decomposed_rel_pos)
from reelkit.models.backbones.swin import (PatchMerging, SwinTransformer3D, SwinTransformerBlock3D,
                                           relative_position_index, shifted_window_mask)
from reelkit.models.common.pretrained import load_pretrained
from reelkit.models.common.transformer import DropPath, Mlp, drop_path_rates
from reelkit.models.heads.mvit_head import MViTHead
from reelkit.registry import MODELS
from reelkit.structures import ActionDataSample
from reelkit.utils.errors import ConfigError
from reference_facts import mmaction2_reference

BACKBONES = ('SwinTransformer3D', 'MViT')


def family_configs() -> dict:
    return {name: ref for name, ref in mmaction2_reference().items()
            if 'error' not in ref and ref['model'].get('backbone', {}).get('type') in BACKBONES}


CONFIGS = family_configs()
# Tiny architectures (Swin: two stages, so ``out_indices`` must name stage 0 or 1) for fast tests.
TINY_SWIN = dict(embed_dims=16, depths=[2, 2], num_heads=[2, 4])
TINY_MVIT = dict(embed_dims=16, num_layers=3, num_heads=1, downscale_indices=[1])


def test_reference_has_the_expected_configs():
    types = [ref['model']['backbone']['type'] for ref in CONFIGS.values()]
    assert types.count('SwinTransformer3D') == 6
    assert types.count('MViT') == 6  # the seventh (init_cfg=None) did not build upstream
    assert all(CONFIGS[name]['model']['cls_head']['type'] == 'MViTHead'
               for name in CONFIGS if name.startswith('recognition/mvit/'))


@pytest.mark.parametrize('name', sorted(CONFIGS), ids=lambda name: name.split('/')[-1][:-3])
def test_config_builds_with_reference_layout(name):
    ref = CONFIGS[name]
    # The Swin configs use I3DHead (another file); MViTHead is built here too.
    parts = ['backbone'] + (['cls_head'] if ref['model']['cls_head']['type'] == 'MViTHead' else [])
    with torch.device('meta'):
        modules = {part: MODELS.build(ref['model'][part]) for part in parts}
    state = {f'{part}.{key}': list(value.shape) for part, module in modules.items()
             for key, value in module.state_dict().items()}
    expected = {key: shape for key, shape in ref['state_dict'].items() if key.split('.')[0] in parts}
    assert set(state) - set(expected) == set(), 'keys the reference does not have'
    assert set(expected) - set(state) == set(), 'reference keys missing'
    assert {key: shape for key, shape in state.items() if shape != expected[key]} == {}
    other_params = sum(torch.Size(shape).numel() for key, shape in ref['state_dict'].items()
                       if key.split('.')[0] not in parts)  # I3DHead's fc_cls: parameters only
    assert sum(p.numel() for m in modules.values() for p in m.parameters()) + other_params == ref['params']


def test_mvit_builds_with_init_cfg_none():
    # recognition/mvit/mvit-small-p244_k400-pre_16xb16-u16-100e_sthv2-rgb.py failed upstream on init_cfg=None.
    with torch.device('meta'):
        model = MODELS.build(dict(type='MViT', arch='small', drop_path_rate=0.2, init_cfg=None))
        reference = MViT(arch='small')
    assert model.init_cfg is None
    assert {k: v.shape for k, v in model.state_dict().items()} == \
        {k: v.shape for k, v in reference.state_dict().items()}


# ----------------------------------------------------------------------------------------------- shapes


def test_swin_tiny_forward_shape():
    model = SwinTransformer3D('tiny').eval()
    with torch.no_grad():
        out = model(torch.randn(1, 3, 4, 32, 32))
    assert out.shape == (1, 768, 2, 1, 1)


def test_swin_all_stages_and_after_downsample_shapes():
    x = torch.randn(2, 3, 4, 32, 32)
    before = SwinTransformer3D(TINY_SWIN, window_size=(2, 3, 3), out_indices=(0, 1)).eval()
    after = SwinTransformer3D(TINY_SWIN, window_size=(2, 3, 3), out_indices=(0, 1), out_after_downsample=True).eval()
    with torch.no_grad():
        assert [o.shape for o in before(x)] == [(2, 16, 2, 8, 8), (2, 32, 2, 4, 4)]
        assert [o.shape for o in after(x)] == [(2, 32, 2, 4, 4), (2, 32, 2, 4, 4)]


def test_swin_pads_input_to_whole_patches_and_odd_maps_to_merge():
    model = SwinTransformer3D(TINY_SWIN, window_size=(2, 3, 3), out_indices=(0, 1)).eval()
    with torch.no_grad():
        out = model(torch.randn(1, 3, 5, 26, 18))  # patches (3, 7, 5); merging pads 7 x 5 to 8 x 6
    assert [o.shape for o in out] == [(1, 16, 3, 7, 5), (1, 32, 3, 4, 3)]


def test_mvit_tiny_forward_shapes_and_head():
    model = MViT('tiny', spatial_size=32, temporal_size=4, out_scales=[0, 1, 2, 3]).eval()
    with torch.no_grad():
        outs = model(torch.randn(2, 3, 4, 32, 32))
    assert [tuple(p.shape) for p, _ in outs] == [(2, 96, 2, 8, 8), (2, 192, 2, 4, 4), (2, 384, 2, 2, 2),
                                                 (2, 768, 2, 1, 1)]
    assert [tuple(c.shape) for _, c in outs] == [(2, 96), (2, 192), (2, 384), (2, 768)]
    head = MViTHead(num_classes=5, in_channels=768).eval()
    assert head(outs).shape == (2, 5)


def test_mvit_recognizer_tests_in_chunks_of_views_as_in_one_pass():
    """MViT gives (patch tokens, class token) per stage: chunks are joined at every depth."""
    def recognizer(**test_cfg):
        torch.manual_seed(0)
        return MODELS.build(dict(type='Recognizer3D', test_cfg=test_cfg,
                                 backbone=dict(type='MViT', arch=TINY_MVIT, spatial_size=32, temporal_size=4),
                                 cls_head=dict(type='MViTHead', num_classes=3, in_channels=32,
                                               average_clips='prob'))).eval()
    inputs = torch.randn(1, 5, 3, 4, 32, 32)  # five views, in chunks of 2, 2 and 1
    with torch.no_grad():
        whole = recognizer()(inputs, [ActionDataSample()], mode='predict')[0].pred_score
        chunked = recognizer(max_testing_views=2)(inputs, [ActionDataSample()], mode='predict')[0].pred_score
    torch.testing.assert_close(chunked, whole)


def test_mvit_runs_on_another_input_size_than_built_for():
    model = MViT(TINY_MVIT, spatial_size=32, temporal_size=4, use_abs_pos_embed=True).eval()
    with torch.no_grad():
        (patches, cls_token), = model(torch.randn(1, 3, 6, 48, 48))
    assert patches.shape == (1, 32, 3, 6, 6) and cls_token.shape == (1, 32)


def test_mvit_without_cls_token_outputs_patches_and_head_averages_them():
    model = MViT(TINY_MVIT, spatial_size=32, temporal_size=4, with_cls_token=False, output_cls_token=False).eval()
    head = MViTHead(num_classes=3, in_channels=32, with_cls_token=False, dropout_ratio=0.).eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 4, 32, 32))
        patches, = outs
        expected = head.fc_cls(patches.mean(dim=(2, 3, 4)))
        assert torch.allclose(head(outs), expected)
    assert patches.shape == (1, 32, 2, 4, 4)


# ------------------------------------------------------------------------------------------- Swin parts


def test_relative_position_index_by_hand():
    window = (2, 2, 3)
    spans = (3, 3, 5)
    coords = list(itertools.product(range(2), range(2), range(3)))  # token order: d, then h, then w
    expected = torch.tensor([[((a[0] - b[0] + 1) * spans[1] + (a[1] - b[1] + 1)) * spans[2] + (a[2] - b[2] + 2)
                              for b in coords] for a in coords])
    assert torch.equal(relative_position_index(window), expected)


def wrapped_apart(window, shift, padded):
    """Brute force: after rolling by -shift, the tokens at shifted position >= length - shift came
    around from the start; two tokens of one window may attend iff no axis has exactly one of them wrapped."""
    mask = []
    windows = itertools.product(*[range(0, n, w) for n, w in zip(padded, window)])
    for start in windows:
        tokens = list(itertools.product(*[range(s, s + w) for s, w in zip(start, window)]))
        wrapped = [[pos >= n - s if s else False for pos, n, s in zip(t, padded, shift)] for t in tokens]
        mask.append([[any(a != b for a, b in zip(wa, wb)) for wb in wrapped] for wa in wrapped])
    return torch.tensor(mask)


@pytest.mark.parametrize('padded, window, shift', [((1, 4, 4), (1, 2, 2), (0, 1, 1)),
                                                   ((4, 6, 6), (2, 3, 3), (1, 1, 1)),
                                                   ((2, 14, 14), (2, 7, 7), (0, 3, 3))])
def test_shifted_window_mask_separates_wrapped_tokens(padded, window, shift):
    mask = shifted_window_mask(padded, window, shift, torch.device('cpu'))
    assert set(mask.unique().tolist()) <= {0.0, -100.0}
    assert torch.equal(mask != 0, wrapped_apart(window, shift, padded))


def dependency(block, size):
    """(H * W, H * W) bool: output token (row) depends on input token (column), for a (1, 1, H, W, C) map."""
    torch.manual_seed(0)
    x = torch.randn(1, 1, *size, 8, requires_grad=True)
    padded = [-(-n // w) * w for n, w in zip((1, *size), block.window_size)]
    mask = shifted_window_mask(tuple(padded), block.window_size, block.shift_size, x.device) \
        if any(block.shift_size) else None
    out = block(x, mask)
    rows = []
    for h, w in itertools.product(range(size[0]), range(size[1])):
        grad, = torch.autograd.grad(out[0, 0, h, w].sum(), x, retain_graph=True)
        # A masked pair still gets exp(-100) of the weight: a dependency is what is far above that.
        rows.append(grad[0, 0].abs().sum(-1).flatten() > 1e-12)
    return torch.stack(rows)


def groups_to_dependency(groups_h, groups_w):
    """Tokens interact iff they share a group along both axes."""
    group_h = {i: g for g, members in enumerate(groups_h) for i in members}
    group_w = {i: g for g, members in enumerate(groups_w) for i in members}
    tokens = list(itertools.product(sorted(group_h), sorted(group_w)))
    return torch.tensor([[group_h[a[0]] == group_h[b[0]] and group_w[a[1]] == group_w[b[1]] for b in tokens]
                         for a in tokens])


def test_swin_block_attends_within_windows():
    block = SwinTransformerBlock3D(8, 2, window_size=(1, 2, 2), shift_size=(0, 0, 0), drop_path=0.)
    assert torch.equal(dependency(block, (4, 4)), groups_to_dependency([{0, 1}, {2, 3}], [{0, 1}, {2, 3}]))


def test_swin_shifted_block_attends_within_shifted_windows_without_wrapping():
    # Shift by 1 on 4 positions with windows of 2: windows {1, 2} and {3, 0}; 0 came around, so apart.
    block = SwinTransformerBlock3D(8, 2, window_size=(1, 2, 2), shift_size=(0, 1, 1), drop_path=0.)
    assert torch.equal(dependency(block, (4, 4)), groups_to_dependency([{0}, {1, 2}, {3}], [{0}, {1, 2}, {3}]))


def test_swin_block_pads_to_whole_windows():
    # 5 positions, windows of 2: {0, 1}, {2, 3}, {4 + padding}.
    block = SwinTransformerBlock3D(8, 2, window_size=(1, 2, 2), shift_size=(0, 0, 0), drop_path=0.)
    groups = [{0, 1}, {2, 3}, {4}]
    assert torch.equal(dependency(block, (5, 5)), groups_to_dependency(groups, groups))


def test_swin_window_covering_the_map_is_full_attention_with_position_bias():
    torch.manual_seed(0)
    block = SwinTransformerBlock3D(8, 2, window_size=(2, 2, 2), shift_size=(1, 1, 1), drop_path=0.).eval()
    x = torch.randn(3, 2, 2, 2, 8)  # the map fits one window: no shift, no mask
    attn = block.attn
    tokens = block.norm1(x).reshape(3, 8, 8)
    q, k, v = attn.qkv(tokens).reshape(3, 8, 3, 2, 4).permute(2, 0, 3, 1, 4)
    bias = torch.stack([attn.relative_position_bias_table[relative_position_index((2, 2, 2)), h] for h in range(2)])
    weights = (q @ k.transpose(-2, -1) / 2 + bias).softmax(-1)  # head_dim 4: scale 1/2
    y = x + attn.proj((weights @ v).transpose(1, 2).reshape(3, 8, 8)).view(3, 2, 2, 2, 8)
    y = y + block.mlp(block.norm2(y))
    with torch.no_grad():
        assert torch.allclose(block(x, None), y, atol=1e-6)


def test_patch_merging_concatenates_neighbours_in_checkpoint_order():
    # MMAction2's order of the 2 x 2 neighbours: (0, 0), (1, 0), (0, 1), (1, 1) as (h, w).
    merging = PatchMerging(1)
    seen = []
    merging.norm.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    x = torch.tensor([[0., 1.], [10., 11.]]).view(1, 1, 2, 2, 1)  # value 10 h + w
    assert merging(x).shape == (1, 1, 1, 1, 2)
    assert seen[0].flatten().tolist() == [0., 10., 1., 11.]


def test_swin_frozen_stages_stay_frozen_in_train_mode():
    model = SwinTransformer3D(TINY_SWIN, out_indices=(1, ), frozen_stages=1)
    model.train()
    assert not model.patch_embed.training and not model.layers[0].training
    assert model.layers[1].training and model.norm1.training
    assert not any(p.requires_grad for p in model.patch_embed.parameters())
    assert not any(p.requires_grad for p in model.layers[0].parameters())
    assert all(p.requires_grad for p in model.layers[1].parameters())


def test_swin_with_cp_gives_the_same_output_and_gradients():
    torch.manual_seed(0)
    plain = SwinTransformer3D(TINY_SWIN, out_indices=(1, ), window_size=(2, 3, 3), drop_path_rate=0.)
    recomputed = SwinTransformer3D(TINY_SWIN, out_indices=(1, ), window_size=(2, 3, 3), drop_path_rate=0., with_cp=True)
    recomputed.load_state_dict(plain.state_dict())
    x = torch.randn(1, 3, 4, 24, 24)
    grads = []
    for model in (plain, recomputed):
        out = model(x)
        out.square().sum().backward()
        grads.append((out.detach(), model.patch_embed.proj.weight.grad))
    assert torch.allclose(grads[0][0], grads[1][0]) and torch.allclose(grads[0][1], grads[1][1], atol=1e-6)


def test_swin_patch_norm_and_qk_scale_change_what_they_should():
    assert SwinTransformer3D(TINY_SWIN, out_indices=(1, ), patch_norm=False).patch_embed.norm is None
    assert isinstance(SwinTransformer3D(TINY_SWIN, out_indices=(1, )).patch_embed.norm, nn.LayerNorm)
    assert SwinTransformer3D(TINY_SWIN, out_indices=(1, ), qk_scale=0.5).layers[1].blocks[0].attn.scale == 0.5
    assert SwinTransformer3D(TINY_SWIN, out_indices=(1, )).layers[1].blocks[0].attn.scale == (32 // 4)**-0.5


def test_swin_drop_path_rises_linearly_over_all_blocks():
    model = SwinTransformer3D(TINY_SWIN, out_indices=(1, ), drop_path_rate=0.3)
    rates = [getattr(block.drop_path, 'drop_prob', 0.) for stage in model.layers for block in stage.blocks]
    assert rates == pytest.approx([0., 0.1, 0.2, 0.3])


@pytest.mark.parametrize('kwargs, word', [
    (dict(arch='huge'), 'arch'),
    (dict(arch=dict(embed_dims=8, depths=[1])), 'arch'),
    (dict(arch=dict(embed_dims=8, depths=[1, 1], num_heads=[1])), 'depths'),
    (dict(arch='tiny', out_indices=(4, )), 'out_indices'),
    (dict(arch='tiny', frozen_stages=5), 'frozen_stages'),
    (dict(arch='tiny', window_size=(7, 7)), 'window_size'),
])
def test_swin_bad_arguments_name_the_argument(kwargs, word):
    with torch.device('meta'), pytest.raises(ValueError, match=word):
        SwinTransformer3D(**kwargs)


def test_swin_block_rejects_a_shift_as_large_as_the_window():
    with pytest.raises(ValueError, match='shift_size'):
        SwinTransformerBlock3D(8, 2, window_size=(2, 2, 2), shift_size=(0, 2, 0))


def test_swin_init_weights_follows_init_cfg():
    model = SwinTransformer3D(TINY_SWIN, out_indices=(1, ))
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.LayerNorm)) and module.bias is not None:
            nn.init.constant_(module.bias, 5.)
    model.init_weights()
    linear = model.layers[0].blocks[0].attn.qkv
    assert torch.equal(linear.bias, torch.zeros_like(linear.bias))
    assert 0.015 < linear.weight.std() < 0.025  # TruncNormal, std 0.02
    assert torch.equal(model.norm1.weight, torch.ones(32)) and torch.equal(model.norm1.bias, torch.zeros(32))


# ------------------------------------------------------------------------------------------- MViT parts


def test_decomposed_rel_pos_rows_by_hand():
    table = torch.arange(7.).unsqueeze(1).repeat(1, 2)  # row r holds r
    same = decomposed_rel_pos(table, 4, 4)  # offset i - j, shifted by 3
    assert torch.equal(same[..., 0], torch.tensor([[i - j + 3. for j in range(4)] for i in range(4)]))
    # 2 queries over 4 keys: the query grid is stretched by 2, so query i sits at 2 i.
    stretched = decomposed_rel_pos(table, 2, 4)
    assert torch.equal(stretched[..., 0], torch.tensor([[2 * i - j + 3. for j in range(4)] for i in range(2)]))


def test_decomposed_rel_pos_resizes_the_table_linearly():
    table = torch.full((3, 4), 2.5)  # made for 2 positions; 4 need 7 offsets
    resized = decomposed_rel_pos(table, 4, 4)
    assert resized.shape == (4, 4, 4) and torch.allclose(resized, torch.full_like(resized, 2.5))


def test_add_decomposed_rel_pos_by_brute_force():
    torch.manual_seed(0)
    size = (2, 3, 3)
    q = torch.randn(1, 2, 1 + 18, 4)
    tables = [torch.randn(2 * n - 1, 4) for n in size]  # t, h, w
    out = add_decomposed_rel_pos(torch.zeros(1, 2, 19, 19), q, size, size, tables[1], tables[2], tables[0],
                                 with_cls_token=True)
    assert torch.equal(out[:, :, 0], torch.zeros(1, 2, 19)) and torch.equal(out[:, :, :, 0], torch.zeros(1, 2, 19))
    positions = list(itertools.product(*[range(n) for n in size]))
    expected = torch.zeros(1, 2, 18, 18)
    for (i, a), (j, b) in itertools.product(enumerate(positions), repeat=2):
        for axis, n in enumerate(size):  # q_i . R[a - b + n - 1] per axis
            expected[0, :, i, j] += q[0, :, 1 + i] @ tables[axis][a[axis] - b[axis] + n - 1]
    assert torch.allclose(out[:, :, 1:, 1:], expected, atol=1e-5)


def test_attention_pool_keeps_the_cls_token_and_pools_the_grid():
    x = torch.randn(2, 3, 1 + 2 * 4 * 4, 5)
    pool = nn.MaxPool3d((1, 2, 2), (1, 2, 2))
    pooled, size = attention_pool(x, pool, (2, 4, 4), with_cls_token=True)
    assert size == (2, 2, 2)
    assert torch.equal(pooled[:, :, 0], x[:, :, 0])
    grid = x[:, :, 1:].reshape(2, 3, 2, 2, 2, 2, 2, 5)  # (B, heads, T, H/2, 2, W/2, 2, C)
    assert torch.equal(pooled[:, :, 1:], grid.amax(dim=(4, 6)).reshape(2, 3, 8, 5))
    with pytest.raises(ValueError, match='class token'):
        attention_pool(x[:, :, 1:], pool, (2, 4, 4), with_cls_token=True)


def test_residual_pooling_adds_the_pooled_queries_but_not_to_the_cls_token():
    torch.manual_seed(0)
    kwargs = dict(stride_q=(1, 2, 2), input_size=(2, 4, 4), rel_pos_embed=False)
    residual = MultiScaleAttention(8, 8, num_heads=2, **kwargs).eval()
    plain = MultiScaleAttention(8, 8, num_heads=2, residual_pooling=False, **kwargs).eval()
    plain.load_state_dict(residual.state_dict())
    for attn in (residual, plain):
        nn.init.eye_(attn.proj.weight)
        nn.init.zeros_(attn.proj.bias)
    x = torch.randn(1, 1 + 2 * 4 * 4, 8)
    with torch.no_grad():
        q = residual.qkv(x).view(1, -1, 3, 2, 4)[:, :, 0].transpose(1, 2)  # (B, heads, L, head_dim)
        pooled_q, _ = attention_pool(q, residual.pool_q, (2, 4, 4), True, residual.norm_q)
        difference = residual(x, (2, 4, 4))[0] - plain(x, (2, 4, 4))[0]
    assert torch.allclose(difference[:, 0], torch.zeros(1, 8))
    assert torch.allclose(difference[:, 1:], pooled_q[:, :, 1:].transpose(1, 2).reshape(1, 8, 8), atol=1e-6)


def test_mvit_zero_rel_pos_tables_equal_no_rel_pos_embed():
    torch.manual_seed(0)
    with_rel = MViT(TINY_MVIT, spatial_size=16, temporal_size=4).eval()
    with_rel.init_weights()
    without = MViT(TINY_MVIT, spatial_size=16, temporal_size=4, rel_pos_embed=False).eval()
    without.load_state_dict({k: v for k, v in with_rel.state_dict().items() if '.rel_pos_' not in k})
    x = torch.randn(1, 3, 4, 16, 16)
    with torch.no_grad():
        assert not torch.allclose(with_rel(x)[0][1], without(x)[0][1])  # the drawn tables matter
        for name, param in with_rel.named_parameters():
            if '.rel_pos_' in name:
                param.zero_()
        assert torch.allclose(with_rel(x)[0][1], without(x)[0][1], atol=1e-6)


def test_mvit_downscale_doubles_channels_and_heads_and_halves_the_grid():
    model = MViT('small', spatial_size=32, temporal_size=4)
    heads = [block.attn.num_heads for block in model.blocks]
    assert heads == [1, 2, 2, 4] + [4] * 10 + [8, 8]
    assert [block.init_out_size for block in model.blocks[:4]] == [(2, 8, 8), [2, 4, 4], [2, 4, 4], [2, 2, 2]]
    # kv stride (1, 8, 8) halves at each downscale, down to 1
    assert [block.attn.pool_k.stride for block in model.blocks[:4]] == [(1, 8, 8), (1, 4, 4), (1, 4, 4), (1, 2, 2)]


def test_mvit_dim_mul_in_mlp_moves_the_channel_change_to_the_block_before():
    model = MViT(TINY_MVIT, spatial_size=16, temporal_size=4, dim_mul_in_attention=False)
    assert model.blocks[0].mlp.fc2.out_features == 32 and model.blocks[0].attn.out_dims == 16
    assert model.blocks[1].attn.out_dims == 32 and model.blocks[1].proj is None


def test_mvit_out_scales_build_their_norms_only():
    model = MViT('tiny', spatial_size=32, temporal_size=4, out_scales=[1, -1])
    assert model.out_scales == [1, 3]
    assert hasattr(model, 'norm1') and hasattr(model, 'norm3') and not hasattr(model, 'norm0')


@pytest.mark.parametrize('kwargs, word', [
    (dict(arch='giant'), 'arch'),
    (dict(arch=dict(embed_dims=8, num_layers=2)), 'arch'),
    (dict(out_scales=4), 'out_scales'),
    (dict(out_scales=[-5]), 'out_scales'),
    (dict(with_cls_token=False), 'output_cls_token'),
    (dict(pretrained_type='kinetics'), 'pretrained_type'),
    (dict(patch_cfg=dict(kernel_size=3, stride=2, padding='same')), 'padding'),
])
def test_mvit_bad_arguments_name_the_argument(kwargs, word):
    with torch.device('meta'), pytest.raises(ValueError, match=word):
        MViT(**kwargs)


def test_mvit_init_weights_draws_tables_unless_zero_init():
    drawn = MViT(TINY_MVIT, spatial_size=16, temporal_size=4, use_abs_pos_embed=True)
    zero = MViT(TINY_MVIT, spatial_size=16, temporal_size=4, rel_pos_zero_init=True)
    drawn.init_weights()
    zero.init_weights()
    assert drawn.blocks[0].attn.rel_pos_h.abs().sum() > 0 and drawn.pos_embed.abs().sum() > 0
    assert torch.equal(zero.blocks[0].attn.rel_pos_h, torch.zeros_like(zero.blocks[0].attn.rel_pos_h))
    bias = drawn.blocks[0].attn.qkv.bias
    assert torch.allclose(bias, torch.full_like(bias, 0.02))  # TruncNormal Linear, bias 0.02
    assert torch.allclose(drawn.norm1.bias, torch.full((32, ), 0.02))  # Constant LayerNorm, bias 0.02
    assert torch.equal(drawn.cls_token, torch.zeros(1, 1, 16))  # never drawn, as MMAction2


def test_mvit_head_init_scale_and_dropout():
    head = MViTHead(num_classes=16, in_channels=64, init_scale=0.001, dropout_ratio=0.)
    assert head.dropout is None
    assert torch.allclose(head.fc_cls.bias, torch.full((16, ), 0.02 * 0.001))
    assert 0.015 * 0.001 < head.fc_cls.weight.std() < 0.025 * 0.001
    assert isinstance(MViTHead(num_classes=4, in_channels=8).dropout, nn.Dropout)


# ------------------------------------------------------------------------------------------- common parts


def test_drop_path_drops_whole_samples_and_keeps_the_mean():
    torch.manual_seed(0)
    layer = DropPath(0.25)
    x = torch.ones(4000, 3, 2)
    out = layer(x)
    per_sample = out.flatten(1)
    assert per_sample.unique().tolist() == pytest.approx([0.0, 1 / 0.75])
    assert torch.equal(per_sample.min(1).values, per_sample.max(1).values)  # all or nothing per sample
    assert abs(out.mean().item() - 1) < 0.05
    assert torch.equal(layer.eval()(x), x)
    with pytest.raises(ValueError, match='drop_prob'):
        DropPath(1.0)


def test_mlp_and_drop_path_rates():
    mlp = Mlp(6, 12, 4)
    assert mlp(torch.randn(2, 5, 6)).shape == (2, 5, 4)
    assert set(mlp.state_dict()) == {'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'}
    assert drop_path_rates(0.2, 5) == pytest.approx([0., 0.05, 0.1, 0.15, 0.2])
    assert drop_path_rates(0.2, 1) == [0.]


# --------------------------------------------------------------------------------------- pretrained weights

needs_convert = pytest.mark.skipif(
    'convert' not in inspect.signature(load_pretrained).parameters,
    reason="needs load_pretrained(..., convert=) and read_state_dict's 'model' key (common/pretrained.py diff)")


def random_state(model: nn.Module) -> dict:
    torch.manual_seed(1)
    return {k: torch.randn_like(v) if v.is_floating_point() else v for k, v in model.state_dict().items()}


@needs_convert
def test_swin_recognizer_checkpoint_loads_its_backbone(tmp_path):
    expected = random_state(SwinTransformer3D(TINY_SWIN, out_indices=(1, )))
    torch.save({'state_dict': {**{f'backbone.{k}': v for k, v in expected.items()},
                               'cls_head.fc_cls.weight': torch.zeros(3, 32)}}, tmp_path / 'swin.pth')
    model = SwinTransformer3D(TINY_SWIN, out_indices=(1, ), pretrained=str(tmp_path / 'swin.pth'), pretrained2d=False)
    model.init_weights()
    state = model.state_dict()
    assert all(torch.equal(state[k], v) for k, v in expected.items())


@needs_convert
@pytest.mark.parametrize('window_2d, window_3d', [(3, (2, 3, 3)), (3, (2, 4, 4))])
def test_swin_2d_checkpoint_is_inflated(tmp_path, window_2d, window_3d):
    model = SwinTransformer3D(TINY_SWIN, window_size=window_3d, out_indices=(1, ))
    torch.manual_seed(2)
    offsets_2d = (2 * window_2d - 1)**2
    image_swin = {  # the image model's names, 2D shapes
        'patch_embed.proj.weight': torch.randn(16, 3, 4, 4),
        'patch_embed.proj.bias': torch.randn(16),
        'layers.0.blocks.0.attn.relative_position_bias_table': torch.randn(offsets_2d, 2),
        'layers.0.blocks.0.attn.relative_position_index': torch.zeros(window_2d**2, window_2d**2, dtype=torch.long),
        'layers.1.blocks.1.attn.relative_position_bias_table': torch.full((offsets_2d, 4), 0.5),
        'layers.1.blocks.1.attn.attn_mask': torch.zeros(4, 9, 9),
        'layers.0.downsample.reduction.weight': torch.randn(32, 64),
        'norm.weight': torch.randn(32),
        'head.weight': torch.randn(10, 32),
    }
    torch.save({'model': image_swin}, tmp_path / 'swin2d.pth')
    model.pretrained = str(tmp_path / 'swin2d.pth')
    index_before = model.layers[0].blocks[0].attn.relative_position_index.clone()
    model.init_weights()

    kernel = model.patch_embed.proj.weight
    assert kernel.shape == (16, 3, 2, 4, 4)
    assert torch.allclose(kernel, image_swin['patch_embed.proj.weight'].unsqueeze(2).expand(-1, -1, 2, -1, -1) / 2)
    assert torch.equal(model.norm1.weight, image_swin['norm.weight'])  # image `norm` -> last stage's norm
    assert torch.equal(model.layers[0].downsample.reduction.weight, image_swin['layers.0.downsample.reduction.weight'])
    assert torch.equal(model.layers[0].blocks[0].attn.relative_position_index, index_before)
    wd, wh, ww = window_3d
    table = model.layers[0].blocks[0].attn.relative_position_bias_table
    assert table.shape == ((2 * wd - 1) * (2 * wh - 1) * (2 * ww - 1), 2)
    per_time_offset = table.view(2 * wd - 1, (2 * wh - 1) * (2 * ww - 1), 2)
    assert all(torch.equal(per_time_offset[t], per_time_offset[0]) for t in range(2 * wd - 1))
    if wh == window_2d:
        assert torch.equal(per_time_offset[0], image_swin['layers.0.blocks.0.attn.relative_position_bias_table'])
    constant = model.layers[1].blocks[1].attn.relative_position_bias_table
    assert torch.allclose(constant, torch.full_like(constant, 0.5))  # bicubic resizing keeps a constant


@needs_convert
def test_mvit_maskfeat_checkpoint_gets_its_tables_resized(tmp_path):
    source = MViT(TINY_MVIT, spatial_size=16, temporal_size=4)
    state = random_state(source)
    state['blocks.0.attn.rel_pos_h'] = torch.full_like(state['blocks.0.attn.rel_pos_h'], 0.25)
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in state.items()}}, tmp_path / 'maskfeat.pth')
    for pretrained_type in ('maskfeat', None):
        model = MViT(TINY_MVIT, spatial_size=32, temporal_size=4, pretrained=str(tmp_path / 'maskfeat.pth'),
                     pretrained_type=pretrained_type, init_cfg=None, rel_pos_zero_init=True)
        model.init_weights()
        table = model.blocks[0].attn.rel_pos_h
        assert table.shape == (15, 16) and state['blocks.0.attn.rel_pos_h'].shape == (7, 16)
        resized = torch.allclose(table, torch.full_like(table, 0.25))
        assert resized == (pretrained_type == 'maskfeat')  # plain loading keeps the model's zeros
        assert torch.equal(model.blocks[2].mlp.fc1.weight, state['blocks.2.mlp.fc1.weight'])


def test_missing_pretrained_file_names_the_config_key(tmp_path):
    for model in (SwinTransformer3D(TINY_SWIN, out_indices=(1, ), pretrained=str(tmp_path / 'no.pth')),
                  MViT(TINY_MVIT, spatial_size=16, temporal_size=4, pretrained=str(tmp_path / 'no.pth'))):
        with pytest.raises(ConfigError, match='model.backbone.pretrained'):
            model.init_weights()
