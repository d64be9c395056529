"""Every official MMAction2 1.2.0 localization config builds with its checkpoint layout.

For each ``localization/`` entry of ``tests/data/reference/mmaction2_1.2.0_models.json.gz`` the
``model`` dict is built with ``MODELS`` on the ``meta`` device (BMN's 32M-entry sampling mask costs
nothing there); its state-dict keys and shapes and its parameter count must equal the reference's.
``test_localization_zoo_count`` prints how many build.
"""
from functools import lru_cache
from typing import Optional

import pytest
import torch

import reelkit.models  # noqa: F401  (registers every model part)
from reelkit.registry import MODELS
from reference_facts import mmaction2_reference
from test_reference_layouts import strip_scope

CONFIGS = {name: ref for name, ref in mmaction2_reference().items() if name.startswith('localization/')}


@lru_cache(maxsize=None)
def layout_mismatch(name: str) -> Optional[str]:
    """``None`` when the config builds with the reference layout, else what differs."""
    ref = CONFIGS[name]
    try:
        with torch.device('meta'):
            model = MODELS.build(strip_scope(ref['model']))
    except Exception as error:  # the reason is the test's report
        return f'does not build: {type(error).__name__}: {error}'
    state = {key: list(value.shape) for key, value in model.state_dict().items()}
    if state != ref['state_dict']:
        differing = sorted(set(state) ^ set(ref['state_dict']))
        wrong = [key for key in state if key in ref['state_dict'] and state[key] != ref['state_dict'][key]]
        return f'keys only on one side {differing[:4]}, wrong shapes {wrong[:4]}'
    params = sum(p.numel() for p in model.parameters())
    return None if params == ref['params'] else f'params {params} vs {ref["params"]}'


def test_reference_has_the_localization_configs():
    # BMN x2, BSN TEM x2 and PEM x2, TCANet, DRN x3: all built by MMAction2 itself.
    assert len(CONFIGS) == 10
    assert not any('error' in ref for ref in CONFIGS.values())


@pytest.mark.parametrize('name', sorted(CONFIGS), ids=lambda name: name[:-3])
def test_localization_config_builds_with_reference_layout(name):
    assert layout_mismatch(name) is None, layout_mismatch(name)


def test_localization_zoo_count(capsys):
    failed = sorted(name for name in CONFIGS if layout_mismatch(name) is not None)
    with capsys.disabled():
        print(f'\nMMAction2 1.2.0 localization zoo: {len(CONFIGS) - len(failed)}/{len(CONFIGS)} configs build '
              'with the reference layout')
    assert failed == []
