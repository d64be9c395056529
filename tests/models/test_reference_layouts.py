"""Every official TSN/TSM config with a ResNet backbone builds with MMAction2 1.2.0's checkpoint layout.

For each entry of ``shared/reference/mmaction2_1.2.0_models.json.gz`` under ``recognition/tsn/`` or
``recognition/tsm/`` whose backbone is ``ResNet`` or ``ResNetTSM`` (RGB and flow TSN, TSM with and
without non-local blocks), the ``model`` dict is built with ``MODELS``; its state-dict keys and
shapes and its parameter count must equal the reference's. Models are built on the ``meta`` device:
only shapes matter here, and nothing is allocated.
"""
import gzip
import json
from pathlib import Path

import pytest
import torch

import reelkit.models  # noqa: F401  (registers every model part)
from reelkit.registry import MODELS

REFERENCE = Path(__file__).resolve().parents[2] / 'shared' / 'reference' / 'mmaction2_1.2.0_models.json.gz'
if not REFERENCE.exists():  # the shared folder may sit beside the checkout rather than in it
    REFERENCE = Path('/work/shared/reference/mmaction2_1.2.0_models.json.gz')

BACKBONES = ('ResNet', 'ResNetTSM')


def recognition_configs() -> dict:
    with gzip.open(REFERENCE, 'rt') as f:
        reference = json.load(f)
    return {
        name: ref for name, ref in reference.items()
        if name.startswith(('recognition/tsn/', 'recognition/tsm/')) and 'error' not in ref
        and ref['model']['backbone']['type'] in BACKBONES
    }


CONFIGS = recognition_configs() if REFERENCE.exists() else {}
pytestmark = pytest.mark.skipif(not REFERENCE.exists(), reason=f'reference facts not found at {REFERENCE}')


def test_reference_has_the_expected_configs():
    # 8 TSN (incl. flow, in_channels=10) + 10 TSM (incl. 3 non-local); a smaller set means a broken filter.
    assert len(CONFIGS) == 18
    assert any(ref['model']['backbone'].get('in_channels') == 10 for ref in CONFIGS.values())
    assert sum('non_local' in ref['model']['backbone'] for ref in CONFIGS.values()) == 3


@pytest.mark.parametrize('name', sorted(CONFIGS), ids=lambda name: name.split('/', 1)[1][:-3])
def test_config_builds_with_reference_layout(name):
    ref = CONFIGS[name]
    with torch.device('meta'):
        model = MODELS.build(ref['model'])
    state = {key: list(value.shape) for key, value in model.state_dict().items()}

    assert set(state) - set(ref['state_dict']) == set(), 'keys the reference does not have'
    assert set(ref['state_dict']) - set(state) == set(), 'reference keys missing'
    wrong_shapes = {key: (shape, ref['state_dict'][key]) for key, shape in state.items()
                    if shape != ref['state_dict'][key]}
    assert wrong_shapes == {}
    assert sum(p.numel() for p in model.parameters()) == ref['params']
