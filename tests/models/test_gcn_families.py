"""Skeleton graph convolution: graphs, units, ST-GCN / ST-GCN++ / AAGCN backbones, GCNHead, RecognizerGCN."""
import numpy as np
import pytest
import torch

import reelkit.models  # noqa: F401  (registers the models)
from reelkit.models.backbones import AAGCN, STGCN
from reelkit.models.common.gcn import mstcn, stage_kwargs, unit_aagcn, unit_gcn, unit_tcn
from reelkit.models.common.graph import Graph, get_hop_distance
from reelkit.registry import MODELS
from reelkit.structures import ActionDataSample
from reference_facts import mmaction2_reference


def skeletons(n=2, m=2, t=16, v=17, c=3, seed=0):
    return torch.randn(n, m, t, v, c, generator=torch.Generator().manual_seed(seed))


# ----------------------------------------------------------------------------- graphs
def test_hop_distance_on_a_chain():
    distance = get_hop_distance(4, [(0, 1), (1, 2), (2, 3)], max_hop=2)
    assert distance[0].tolist() == [0, 1, 2, np.inf]
    assert (distance == distance.T).all()


@pytest.mark.parametrize('layout, joints', [('coco', 17), ('nturgb+d', 25), ('openpose', 18)])
def test_spatial_graph_is_identity_inward_outward_normalized(layout, joints):
    graph = Graph(layout, 'spatial')
    assert graph.A.shape == (3, joints, joints)
    assert (graph.A[0] == np.eye(joints)).all()
    for subset in graph.A[1:]:  # a column mixes the neighbours of one joint: mean, or nothing
        sums = subset.sum(axis=0)
        assert np.allclose(sums[sums > 0], 1)
    assert np.allclose(graph.A[1] > 0, (graph.A[2] > 0).T)  # outward is inward reversed


def test_stgcn_spatial_partition_splits_the_normalized_neighbourhood():
    graph = Graph('coco', 'stgcn_spatial')
    assert graph.A.shape == (3, 17, 17)
    within_one_hop = (graph.hop_dis <= 1).astype(float)
    assert np.allclose(graph.A.sum(axis=0), within_one_hop / within_one_hop.sum(axis=0))
    # The nose (the centre) reaches its neighbours only through the "farther" subset: they are
    # all farther from the centre than it is.
    assert graph.A[2][:, 0].sum() == 0 and graph.A[1][[1, 2, 5, 6], 0].all()


def test_custom_layout_and_bad_arguments():
    graph = Graph(dict(num_node=3, inward=[(1, 0), (2, 1)], center=0), 'binary_adj')
    assert graph.A[0].tolist() == [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    with pytest.raises(ValueError, match='layout dict lacks'):
        Graph(dict(num_node=3), 'spatial')
    with pytest.raises(ValueError, match="layout='kinect'"):
        Graph('kinect')
    with pytest.raises(ValueError, match="mode='dense'"):
        Graph('coco', 'dense')


# ----------------------------------------------------------------------------- units
def test_unit_gcn_pre_conv_mixes_joints_per_subset_by_hand():
    A = torch.rand(3, 5, 5)
    unit = unit_gcn(4, 6, A, adaptive=None).eval()
    x = torch.randn(2, 4, 7, 5)
    mixed = unit.conv(x).view(2, 3, 6, 7, 5)
    expected = sum(mixed[:, k] @ A[k] for k in range(3))  # y[..., w] = sum_v x[..., v] A[k, v, w]
    assert torch.allclose(unit(x), torch.relu(unit.bn(expected)), atol=1e-5)


def test_unit_gcn_adaptive_modes_hold_the_graph_as_mmaction2():
    A = torch.rand(3, 5, 5)
    assert 'A' in dict(unit_gcn(4, 4, A, adaptive=None).named_buffers())
    assert 'A' in dict(unit_gcn(4, 4, A, adaptive='init').named_parameters())
    importance = unit_gcn(4, 4, A, adaptive='importance')
    assert torch.equal(importance.PA, torch.ones_like(A)) and torch.equal(importance.adjacency(), A)
    offset = unit_gcn(4, 4, A, adaptive='offset')
    assert offset.PA.abs().max() <= 1e-6
    with pytest.raises(ValueError, match="adaptive='learned'"):
        unit_gcn(4, 4, A, adaptive='learned')


def test_unit_gcn_post_conv_and_residual():
    A = torch.rand(3, 5, 5)
    unit = unit_gcn(4, 6, A, adaptive=None, conv_pos='post', with_res=True).eval()
    assert unit.conv.in_channels == 12 and list(unit.down.state_dict()) == [
        '0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']
    assert unit(torch.randn(2, 4, 7, 5)).shape == (2, 6, 7, 5)


def test_unit_aagcn_starts_as_the_fixed_graph_with_identity_attention():
    A = torch.rand(3, 5, 5)
    unit = unit_aagcn(4, 8, A).eval()
    x = torch.randn(2, 4, 9, 5)
    # alpha = 0 drops the learned graph; zero-init gates give sigmoid(0) = 1/2 at each attention.
    flat = x.reshape(2, 4 * 9, 5)
    y = sum(unit.conv_d[k]((flat @ A[k]).view(2, 4, 9, 5)) for k in range(3))
    y = torch.relu(unit.bn(y) + unit.down(x))
    spatial = y * torch.sigmoid(unit.conv_sa(y.mean(2))).unsqueeze(2) + y
    assert torch.allclose(unit(x), spatial * 1.5 * 1.5, atol=1e-5)


def test_mstcn_splits_the_width_over_its_branches():
    block = mstcn(64, 100, stride=2)
    assert [branch[0].out_channels if isinstance(branch, torch.nn.Sequential) else branch.out_channels
            for branch in block.branches] == [20, 16, 16, 16, 16, 16]
    assert block(torch.randn(1, 64, 10, 5)).shape == (1, 100, 5, 5)
    assert mstcn(8, 16, mid_channels=0.25).mid_channels == 4
    with pytest.raises(ValueError, match='ms_cfg entry'):
        mstcn(8, 16, ms_cfg=[(3, 'x')])


def test_unit_tcn_pads_to_keep_or_stride_the_frames():
    assert unit_tcn(4, 4, 9, dilation=2)(torch.randn(1, 4, 11, 3)).shape == (1, 4, 11, 3)
    assert unit_tcn(4, 8, 9, stride=2)(torch.randn(1, 4, 11, 3)).shape == (1, 8, 6, 3)


def test_stage_kwargs_give_each_stage_its_value():
    stages = stage_kwargs(dict(tcn_dropout=0.1, gcn_adaptive=['init'] * 2 + ['offset'] * 2), 4)
    assert 'tcn_dropout' not in stages[0] and stages[1]['tcn_dropout'] == 0.1
    assert [stage['gcn_adaptive'] for stage in stages] == ['init', 'init', 'offset', 'offset']


# ----------------------------------------------------------------------------- backbones
@pytest.mark.parametrize('backbone', [
    STGCN(graph_cfg=dict(layout='coco', mode='stgcn_spatial')),
    STGCN(graph_cfg=dict(layout='coco', mode='spatial'), gcn_adaptive='init', gcn_with_res=True, tcn_type='mstcn'),
    AAGCN(graph_cfg=dict(layout='coco', mode='spatial')),
], ids=['stgcn', 'stgcnpp', 'aagcn'])
def test_backbones_widen_and_stride_at_stages_5_and_8(backbone):
    widths = [block.gcn.out_channels if hasattr(block.gcn, 'out_channels') else block.gcn.out_c
              for block in backbone.gcn]
    assert widths == [64] * 4 + [128] * 3 + [256] * 3
    assert backbone.eval()(skeletons()).shape == (2, 2, 256, 4, 17)


def test_persons_in_another_order_give_the_same_scores():
    model = MODELS.build(dict(type='RecognizerGCN', backbone=dict(type='STGCN', graph_cfg=dict(layout='coco')),
                              cls_head=dict(type='GCNHead', num_classes=5, in_channels=256))).eval()
    x = skeletons().unsqueeze(1)  # (N, clips, M, T, V, C)
    with torch.no_grad():
        scores = model.cls_head(model(x, mode='tensor'))
        swapped = model.cls_head(model(x.flip(2), mode='tensor'))
    assert torch.allclose(scores, swapped, atol=1e-5)


def test_aagcn_keeps_the_graph_on_the_backbone_and_data_norm_per_person():
    backbone = AAGCN(graph_cfg=dict(layout='nturgb+d', mode='spatial'), gcn_attention=False)
    assert backbone.A.shape == (3, 25, 25) and 'A' in dict(backbone.named_buffers())
    assert backbone.data_bn.num_features == 2 * 3 * 25
    assert not hasattr(backbone.gcn[0].gcn, 'conv_sa')


def test_in_channels_equal_to_base_channels_drops_the_first_stage():
    backbone = STGCN(graph_cfg=dict(layout='coco'), in_channels=64, data_bn_type=None)
    assert backbone.num_stages == 9


@pytest.mark.parametrize('name', [
    'skeleton/stgcn/stgcn_8xb16-joint-u100-80e_ntu60-xsub-keypoint-2d.py',
    'skeleton/stgcnpp/stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py',
    'skeleton/2s-agcn/2s-agcn_8xb16-joint-u100-80e_ntu60-xsub-keypoint-2d.py',
])
def test_official_checkpoint_layout_loads_strictly_and_predicts(name):
    ref = mmaction2_reference()[name]
    model = MODELS.build(ref['model']).eval()
    state = {key: torch.randn(shape) * 0.01 if len(shape) else torch.tensor(0)
             for key, shape in ref['state_dict'].items()}
    for key in state:
        if key.endswith('running_var'):
            state[key] = state[key].abs() + 1
    model.load_state_dict(state, strict=True)
    joints = 17 if '2d' in name else 25
    samples = [ActionDataSample().set_gt_label(1), ActionDataSample().set_gt_label(0)]
    inputs = torch.randn(2, 3, 2, 20, joints, 3)  # 3 clips of (x, y, score) or (x, y, z), averaged
    with torch.no_grad():
        first = model(inputs, samples, mode='predict')
        again = model(inputs, samples, mode='predict')
    assert torch.allclose(first[0].pred_score.sum(), torch.tensor(1.))  # 'prob' averaging
    assert all(torch.equal(a.pred_score, b.pred_score) for a, b in zip(first, again))


def test_recognizer_gcn_trains_on_a_toy_problem():
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='RecognizerGCN',
        backbone=dict(type='STGCN', graph_cfg=dict(layout='coco', mode='stgcn_spatial'), base_channels=8,
                      num_stages=4, inflate_stages=[3], down_stages=[3]),
        cls_head=dict(type='GCNHead', num_classes=2, in_channels=16)))
    # Class 1 moves its joints over time, class 0 stands still.
    still = torch.randn(4, 1, 1, 1, 17, 3).expand(4, 1, 1, 12, 17, 3)
    moving = still + torch.linspace(0, 2, 12).view(1, 1, 1, 12, 1, 1)
    inputs = torch.cat([still, moving])
    samples = [ActionDataSample().set_gt_label(i // 4) for i in range(8)]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(15):
        loss = model(inputs, samples, mode='loss')['loss_cls']
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
