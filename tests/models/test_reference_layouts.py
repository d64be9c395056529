"""Every official MMAction2 1.2.0 recognition, skeleton and audio config builds with its checkpoint layout.

For each such entry of ``tests/data/reference/mmaction2_1.2.0_models.json.gz`` (the configs whose model
MMAction2 itself builds), the ``model`` dict is built with ``MODELS``; its state-dict keys and shapes and
its parameter count must equal the reference's. Models are built on the ``meta`` device: only shapes
matter here, and nothing is allocated. ``test_model_zoo_count`` prints how many build.
"""
from functools import lru_cache
from typing import Optional

import pytest
import torch

import reelkit.models  # noqa: F401  (registers every model part)
from reelkit.registry import MODELS
from reference_facts import mmaction2_reference

TASKS = ('recognition/', 'skeleton/', 'recognition_audio/')


def zoo_configs() -> dict:
    return {name: ref for name, ref in mmaction2_reference().items()
            if name.startswith(TASKS) and 'error' not in ref}


CONFIGS = zoo_configs()


def strip_scope(cfg):
    """The model dict with ``mmaction.`` scope prefixes dropped from its types."""
    if isinstance(cfg, dict):
        return {key: (value.split('.', 1)[1] if key == 'type' and isinstance(value, str)
                      and value.startswith('mmaction.') else strip_scope(value))
                for key, value in cfg.items()}
    if isinstance(cfg, list):
        return [strip_scope(item) for item in cfg]
    return cfg


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
    extra, missing = sorted(set(state) - set(ref['state_dict'])), sorted(set(ref['state_dict']) - set(state))
    wrong = {key: (shape, ref['state_dict'][key]) for key, shape in state.items()
             if key in ref['state_dict'] and shape != ref['state_dict'][key]}
    params = sum(p.numel() for p in model.parameters())
    if extra or missing or wrong or params != ref['params']:
        return (f'{len(extra)} extra keys {extra[:3]}, {len(missing)} missing {missing[:3]}, '
                f'{len(wrong)} wrong shapes {list(wrong.items())[:2]}, params {params} vs {ref["params"]}')
    return None


def test_reference_has_the_expected_configs():
    # 160 configs MMAction2 1.2.0 builds itself; a smaller set means a broken filter.
    assert len(CONFIGS) == 160
    assert sum(name.startswith('skeleton/') for name in CONFIGS) == 42
    assert sum(name.startswith('recognition_audio/') for name in CONFIGS) == 2


@pytest.mark.parametrize('name', sorted(CONFIGS), ids=lambda name: name[:-3])
def test_config_builds_with_reference_layout(name):
    assert layout_mismatch(name) is None, layout_mismatch(name)


def test_model_zoo_count(capsys):
    failed = sorted(name for name in CONFIGS if layout_mismatch(name) is not None)
    with capsys.disabled():
        print(f'\nMMAction2 1.2.0 model zoo: {len(CONFIGS) - len(failed)}/{len(CONFIGS)} configs build '
              'with the reference layout')
    assert failed == []
