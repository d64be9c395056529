"""ResNet training switches: frozen_stages, norm_eval, partial_bn; and argument checks."""
import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from reelkit.models.backbones import ResNet


def batch_norms(module):
    return [m for m in module.modules() if isinstance(m, _BatchNorm)]


def test_frozen_stages_keeps_stem_and_first_stages_fixed():
    model = ResNet(18, frozen_stages=1).train()
    frozen = [model.conv1, model.layer1]
    assert all(not p.requires_grad for part in frozen for p in part.parameters())
    assert all(not bn.training for part in frozen for bn in batch_norms(part))
    assert all(p.requires_grad for p in model.layer2.parameters())
    assert all(bn.training for bn in batch_norms(model.layer2))

    before = model.layer1[0].conv1.bn.running_mean.clone()
    model(torch.randn(2, 3, 32, 32))
    assert torch.equal(model.layer1[0].conv1.bn.running_mean, before)  # statistics frozen too


def test_norm_eval_keeps_every_batch_norm_in_eval_mode():
    model = ResNet(18, norm_eval=True).train()
    assert model.training and model.layer1[0].conv1.conv.training
    assert not any(bn.training for bn in batch_norms(model))
    assert all(p.requires_grad for p in model.parameters())  # only the statistics are frozen


def test_partial_bn_trains_only_the_first_batch_norm():
    model = ResNet(18, partial_bn=True).train()
    first, *rest = batch_norms(model)
    assert first is model.conv1.bn and first.training and first.weight.requires_grad
    assert not any(bn.training or bn.weight.requires_grad or bn.bias.requires_grad for bn in rest)


def test_eval_switches_everything_to_eval():
    model = ResNet(18, partial_bn=True).eval()
    assert not any(bn.training for bn in batch_norms(model))


@pytest.mark.parametrize('kwargs, message', [
    (dict(depth=19), r'depth=19; expected one of \[18, 34, 50, 101, 152\]'),
    (dict(depth=18, num_stages=2), r'strides=\(1, 2, 2, 2\) and dilations'),
    (dict(depth=18, out_indices=(4, )), r'out_indices=\(4,\)'),
    (dict(depth=18, style='tf'), "style='tf'"),
    (dict(depth=18, frozen_stages=5), 'frozen_stages=5'),
    (dict(depth=18, norm_cfg=dict(type='BatchNorm')), "norm_cfg: unknown type 'BatchNorm'; expected one of"),
])
def test_bad_arguments_are_rejected_with_the_key(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ResNet(**kwargs)


def test_several_out_indices_give_a_tuple_of_stage_outputs():
    outs = ResNet(18, out_indices=(1, 3)).eval()(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 128, 8, 8), (1, 512, 2, 2)]


def test_with_cp_gives_the_same_gradients():
    torch.manual_seed(0)
    plain = ResNet(18)
    checkpointed = ResNet(18, with_cp=True)
    checkpointed.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 32, 32, requires_grad=True)
    for model in (plain, checkpointed):
        model(x).sum().backward()
    assert torch.allclose(plain.layer1[0].conv1.conv.weight.grad, checkpointed.layer1[0].conv1.conv.weight.grad,
                          atol=1e-5)
