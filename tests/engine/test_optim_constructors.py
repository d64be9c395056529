"""SwinOptimWrapperConstructor and LearningRateDecayOptimizerConstructor: the lr and weight decay
each parameter gets, on small recognizers built from reelkit's Swin, VideoMAE ViT and MViT.

The expected values are written out by hand; they were checked once against MMAction2 1.2.0's
constructors on the same-named models (same groups, same order, same lr and weight decay).
"""
import pytest
import torch
import torch.nn as nn
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

from reelkit.engine.optimizers import LearningRateDecayOptimizerConstructor, SwinOptimWrapperConstructor
from reelkit.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS
from reelkit.utils.errors import ConfigError

LR, WD, RATE = 1e-3, 0.05, 0.75
OPTIMIZER = dict(type='AdamW', lr=LR, weight_decay=WD)
SWIN_PARAMWISE = dict(absolute_pos_embed=dict(decay_mult=0.), relative_position_bias_table=dict(decay_mult=0.),
                      norm=dict(decay_mult=0.), backbone=dict(lr_mult=0.1))


def build_recognizer(backbone: dict, head: dict) -> nn.Module:
    with DefaultScope.overwrite_default_scope('reelkit'):
        return MODELS.build(dict(type='Recognizer3D', backbone=backbone, cls_head=dict(head, num_classes=3)))


def swin() -> nn.Module:
    return build_recognizer(
        dict(type='SwinTransformer3D', arch=dict(embed_dims=8, depths=[1, 1], num_heads=[1, 2]),
             patch_size=(2, 4, 4), window_size=(2, 2, 2), out_indices=(1, )),
        dict(type='I3DHead', in_channels=16))


def vit() -> nn.Module:
    return build_recognizer(
        dict(type='VisionTransformer', img_size=32, patch_size=16, embed_dims=16, depth=2, num_heads=2,
             num_frames=4, tubelet_size=2, use_learnable_pos_emb=True),
        dict(type='TimeSformerHead', in_channels=16))


def mvit() -> nn.Module:
    return build_recognizer(
        dict(type='MViT', arch=dict(embed_dims=8, num_layers=3, num_heads=1, downscale_indices=[1]),
             spatial_size=32, temporal_size=4, use_abs_pos_embed=True),
        dict(type='MViTHead', in_channels=16))


def groups_by_name(model: nn.Module, optim_wrapper_cfg: dict) -> list:
    """[(sorted parameter names, lr, weight_decay)] of the built optimizer, group by group."""
    with DefaultScope.overwrite_default_scope('reelkit'):
        optimizer = build_optim_wrapper(model, optim_wrapper_cfg).optimizer
    names = {id(p): n for n, p in model.named_parameters()}
    return [(sorted(names[id(p)] for p in g['params']), g['lr'], g['weight_decay']) for g in optimizer.param_groups]


# ---- SwinOptimWrapperConstructor ----

def swin_cfg(paramwise_cfg: dict = SWIN_PARAMWISE) -> dict:
    return dict(optimizer=OPTIMIZER, constructor='SwinOptimWrapperConstructor', paramwise_cfg=paramwise_cfg)


def test_swin_recipe_gives_each_parameter_its_lr_and_decay():
    model = swin()
    groups = groups_by_name(model, swin_cfg())
    assert [names for names, _, _ in groups] == [[n] for n, _ in model.named_parameters()]
    got = {names[0]: (lr, wd) for names, lr, wd in groups}
    backbone_lr = pytest.approx(0.1 * LR)
    assert got['backbone.patch_embed.proj.weight'] == (backbone_lr, WD)
    assert got['backbone.patch_embed.norm.weight'] == (backbone_lr, 0)
    assert got['backbone.layers.0.blocks.0.attn.relative_position_bias_table'] == (backbone_lr, 0)
    assert got['backbone.layers.0.blocks.0.norm2.bias'] == (backbone_lr, 0)
    assert got['backbone.layers.0.blocks.0.attn.qkv.bias'] == (backbone_lr, WD)  # biases keep their decay
    assert got['backbone.layers.0.downsample.norm.weight'] == (backbone_lr, 0)
    assert got['backbone.layers.0.downsample.reduction.weight'] == (backbone_lr, WD)
    assert got['backbone.norm1.bias'] == (backbone_lr, 0)
    assert got['cls_head.fc_cls.weight'] == (LR, WD)
    assert got['cls_head.fc_cls.bias'] == (LR, WD)


def test_swin_multipliers_of_several_matching_fragments_multiply():
    paramwise = dict(backbone=dict(lr_mult=0.1, decay_mult=0.5), norm=dict(lr_mult=0.5, decay_mult=0.2))
    got = {names[0]: (lr, wd) for names, lr, wd in groups_by_name(swin(), swin_cfg(paramwise))}
    assert got['backbone.norm1.weight'] == (pytest.approx(0.05 * LR), pytest.approx(0.1 * WD))
    assert got['backbone.layers.1.blocks.0.mlp.fc1.weight'] == (pytest.approx(0.1 * LR), pytest.approx(0.5 * WD))


def test_swin_fragments_are_matched_against_base_prefixed_names():
    got = {names[0]: (lr, wd) for names, lr, wd in groups_by_name(swin(), swin_cfg({'base.cls': dict(lr_mult=10.)}))}
    assert got['cls_head.fc_cls.weight'] == (pytest.approx(10 * LR), WD)
    assert got['backbone.norm1.weight'] == (LR, WD)


def test_swin_frozen_parameter_gets_the_optimizer_defaults():
    model = swin()
    model.backbone.patch_embed.proj.bias.requires_grad_(False)
    got = {names[0]: (lr, wd) for names, lr, wd in groups_by_name(model, swin_cfg())}
    assert got['backbone.patch_embed.proj.bias'] == (LR, WD)


def test_swin_without_paramwise_cfg_builds_one_group():
    assert len(groups_by_name(swin(), swin_cfg(None))) == 1


def test_swin_rule_that_is_not_a_multiplier_dict_is_named():
    with pytest.raises(ConfigError, match=r'paramwise_cfg\.norm=.*lr_mult and decay_mult'):
        SwinOptimWrapperConstructor(dict(optimizer=OPTIMIZER), dict(norm=dict(decay_multi=0.)))


# ---- LearningRateDecayOptimizerConstructor ----

def decay_cfg(num_layers: int, **paramwise) -> dict:
    return dict(optimizer=OPTIMIZER, constructor='LearningRateDecayOptimizerConstructor',
                paramwise_cfg=dict(dict(decay_rate=RATE, decay_type='layer_wise', num_layers=num_layers), **paramwise))


def vit_block(i: int) -> tuple:
    """(no-decay names, decay names) of VideoMAE ViT block ``i``."""
    no_decay = ['attn.proj.bias', 'attn.q_bias', 'attn.v_bias', 'mlp.layers.0.0.bias', 'mlp.layers.1.bias',
                'norm1.bias', 'norm1.weight', 'norm2.bias', 'norm2.weight']
    decay = ['attn.proj.weight', 'attn.qkv.weight', 'mlp.layers.0.0.weight', 'mlp.layers.1.weight']
    return [f'backbone.blocks.{i}.{n}' for n in no_decay], [f'backbone.blocks.{i}.{n}' for n in decay]


def test_vit_layer_decay_groups():
    block0, block1 = vit_block(0), vit_block(1)
    expected = [  # lr = LR * RATE ** (num_layers + 1 - layer id), num_layers = 2
        (['backbone.patch_embed.projection.weight', 'backbone.pos_embed'], RATE ** 3 * LR, WD),
        (['backbone.patch_embed.projection.bias'], RATE ** 3 * LR, 0),
        (block0[0], RATE ** 2 * LR, 0),
        (block0[1], RATE ** 2 * LR, WD),
        (block1[0], RATE * LR, 0),
        (block1[1], RATE * LR, WD),
        (['backbone.fc_norm.bias', 'backbone.fc_norm.weight', 'cls_head.fc_cls.bias'], LR, 0),
        (['cls_head.fc_cls.weight'], LR, WD),
    ]
    got = groups_by_name(vit(), decay_cfg(2))
    assert [(names, wd) for names, _, wd in got] == [(names, wd) for names, _, wd in expected]
    assert [lr for _, lr, _ in got] == pytest.approx([lr for _, lr, _ in expected])


def test_mvit_layer_ids_of_tokens_blocks_and_final_norm():
    got = {name: (lr, wd) for names, lr, wd in groups_by_name(mvit(), decay_cfg(3)) for name in names}
    assert got['backbone.cls_token'] == (pytest.approx(RATE ** 4 * LR), WD)  # 3-D: decays
    assert got['backbone.pos_embed'] == (pytest.approx(RATE ** 4 * LR), WD)
    assert got['backbone.patch_embed.projection.bias'] == (pytest.approx(RATE ** 4 * LR), 0)
    assert got['backbone.blocks.0.attn.rel_pos_t'] == (pytest.approx(RATE ** 3 * LR), WD)
    assert got['backbone.blocks.1.proj.weight'] == (pytest.approx(RATE ** 2 * LR), WD)
    assert got['backbone.blocks.2.attn.norm_q.weight'] == (pytest.approx(RATE * LR), 0)
    assert got['backbone.norm1.weight'] == (LR, 0)
    assert got['cls_head.fc_cls.weight'] == (LR, WD)


def test_layer_decay_groups_carry_scale_name_and_parameter_names():
    model = vit()
    with DefaultScope.overwrite_default_scope('reelkit'):
        group = build_optim_wrapper(model, decay_cfg(2)).optimizer.param_groups[1]
    assert group['group_name'] == 'layer_0_no_decay'
    assert group['lr_scale'] == pytest.approx(RATE ** 3)
    assert group['param_names'] == ['backbone.patch_embed.projection.bias']


def test_layer_decay_leaves_frozen_parameters_out():
    model = vit()
    model.backbone.patch_embed.requires_grad_(False)
    got = groups_by_name(model, decay_cfg(2))
    assert got[0] == (['backbone.pos_embed'], pytest.approx(RATE ** 3 * LR), WD)
    assert all('patch_embed' not in name for names, _, _ in got for name in names)


def test_layer_decay_optimizer_steps():
    model = vit()
    with DefaultScope.overwrite_default_scope('reelkit'):
        optim_wrapper = build_optim_wrapper(model, decay_cfg(2))
    before = model.cls_head.fc_cls.weight.detach().clone()
    model.cls_head.fc_cls(torch.ones(2, 16)).sum().backward()
    optim_wrapper.step()
    assert not torch.equal(before, model.cls_head.fc_cls.weight)


def test_layer_decay_rejects_stage_wise():
    with pytest.raises(ConfigError, match="decay_type='stage_wise'; only 'layer_wise'"):
        LearningRateDecayOptimizerConstructor(
            dict(optimizer=OPTIMIZER), dict(decay_rate=RATE, num_layers=2, decay_type='stage_wise'))


def test_layer_decay_needs_decay_rate_and_num_layers():
    with pytest.raises(ConfigError, match=r"needs \['num_layers'\]"):
        LearningRateDecayOptimizerConstructor(dict(optimizer=OPTIMIZER), dict(decay_rate=RATE))


def test_layer_decay_rejects_a_backbone_without_layer_ids():
    with pytest.raises(ConfigError, match='model.backbone is SwinTransformer3D'):
        groups_by_name(swin(), decay_cfg(2))


def test_layer_decay_rejects_batch_norms():
    model = vit()
    model.cls_head.bn = nn.BatchNorm1d(3)
    with pytest.raises(ConfigError, match=r'model\.cls_head\.bn \(BatchNorm1d\) is a batch norm'):
        groups_by_name(model, decay_cfg(2))


def test_layer_decay_rejects_fewer_layers_than_blocks():
    with pytest.raises(ConfigError, match='num_layers=1, but model.backbone has 2 blocks'):
        groups_by_name(vit(), decay_cfg(1))


def test_constructors_are_registered_in_reelkit_registry():
    assert OPTIM_WRAPPER_CONSTRUCTORS.get('SwinOptimWrapperConstructor') is SwinOptimWrapperConstructor
    assert (OPTIM_WRAPPER_CONSTRUCTORS.get('LearningRateDecayOptimizerConstructor')
            is LearningRateDecayOptimizerConstructor)
