"""tools/check_parity.py: config choice, shrunk inputs, perturbed weights and the strict comparison.

MMAction2 is not installed in the test environment, so the round trip runs with reelkit on both
sides: what is checked here is the tool's own plumbing (the real comparison needs ``--reference``).
"""
import pytest
import torch
from reference_facts import mmaction2_reference
from repo_scripts import load_script


@pytest.fixture(scope='module')
def tool():
    return load_script('tools/check_parity.py')


@pytest.fixture(scope='module')
def reference():
    return mmaction2_reference()


@pytest.fixture
def reelkit_on_both_sides(tool, monkeypatch):
    real = tool.load_side
    monkeypatch.setattr(tool, 'load_side', lambda side: real('reelkit'))


def test_one_config_per_family_and_none_that_cannot_run(tool, reference):
    chosen = tool.chosen_configs(reference, [], every=False)
    families = [path.split('/')[1] for path in chosen]
    assert len(families) == len(set(families)) >= 25
    assert all(reference[path]['model']['backbone']['type'] != 'ResNetTIN' for path in chosen)
    x3d = [path for path in reference if 'recognition/x3d/' in path]
    assert [path for path in chosen if 'recognition/x3d/' in path] == [min(x3d, key=lambda p: reference[p]['params'])]
    assert tool.chosen_configs(reference, ['stgcn_'], every=True) == sorted(
        path for path in reference if 'stgcn_' in path and 'error' not in reference[path])


def test_perturbation_leaves_no_constant_tensor_and_keeps_variances_positive(tool):
    state = dict(bias=torch.zeros(8), weight=torch.ones(8), running_var=torch.ones(8) * 1e-3,
                 num_batches_tracked=torch.tensor(0), random=torch.randn(8))
    random = state['random'].clone()
    tool.perturb_constants(state, torch.Generator().manual_seed(0))
    assert all(state[key].unique().numel() == 8 for key in ('bias', 'weight', 'running_var'))
    assert (state['running_var'] > 0).all() and state['num_batches_tracked'] == 0
    assert torch.equal(state['random'], random)


def test_tpn_neck_lists_become_tuples(tool):
    assert tool.as_tuples(dict(in_channels=[1024, 2048], up=dict(scale_factor=[1, 1, 1]))) == \
        dict(in_channels=(1024, 2048), up=dict(scale_factor=(1, 1, 1)))


@pytest.mark.parametrize('family', ['skeleton/stgcn/', 'recognition/x3d/', 'recognition/tsm/',
                                    'recognition_audio/resnet/'])
def test_round_trip_agrees_exactly_and_a_changed_output_is_caught(tool, reference, family, tmp_path,
                                                                   reelkit_on_both_sides):
    path = tool.chosen_configs(reference, [family], every=False)[0]
    job = tool.shrunk_job(reference[path]['model'], size=32, frames=4)
    assert tool.run_side('reference', job, tmp_path) == {}
    assert tool.run_side('reelkit', job, tmp_path) == dict(tensor=0.0, predict=0.0)
    saved = torch.load(tmp_path / 'reference.pt', weights_only=True)
    saved['outputs']['tensor'][0] += 1e-2 * saved['outputs']['tensor'][0].abs().max()
    torch.save(saved, tmp_path / 'reference.pt')
    assert tool.run_side('reelkit', job, tmp_path)['tensor'] > 1e-3
