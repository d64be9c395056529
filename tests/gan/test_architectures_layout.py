"""Every MMGeneration 1.x GAN config builds a generator and discriminator with the reference layout.

For each config in ``tests/data/reference/mmgen_1.x_models.json.gz`` the ``model.generator`` and
``model.discriminator`` dicts are built with ``MODELS`` (with the defaults MMGeneration's ``BaseGAN``
passes: ``noise_size`` and, for conditional models, ``num_classes``), and their state dicts must have the
reference's keys (``generator.*`` / ``discriminator.*``, prefix stripped) and shapes. The parameter count
of G + D (+ G again for ``generator_ema`` when ``ema_config`` is set) must equal the reference's ``params``.

Models are built on the ``meta`` device: only shapes matter here, and nothing is allocated.
"""
import json
from functools import lru_cache

import pytest
import torch

import reelkit.models.architectures  # noqa: F401  (registers the architectures)
from reelkit.registry import MODELS
from reference_facts import mmgen_reference


# MMGeneration's conditional models (``BaseConditionalGAN``) pass ``num_classes`` to G and D.
CONDITIONAL_MODELS = {'SNGAN', 'SAGAN', 'BigGAN'}


REFS = mmgen_reference()
CONFIGS = sorted(name for name, ref in REFS.items() if 'error' not in ref)


def default_args(model_cfg: dict, part: str) -> dict:
    """The ``default_args`` MMGeneration's BaseGAN gives when it builds ``part`` of ``model_cfg``."""
    args = {}
    if part == 'generator':
        noise_size = model_cfg.get('noise_size') or model_cfg['generator'].get('noise_size')
        if noise_size:
            args['noise_size'] = noise_size
    if model_cfg['type'] in CONDITIONAL_MODELS:
        args['num_classes'] = model_cfg.get('num_classes')
    return args


@lru_cache(maxsize=None)
def built_layout(cfg_json: str, defaults_json: str):
    """(key -> shape, parameter count) of the module built from a config, on the meta device."""
    with torch.device('meta'):
        module = MODELS.build(json.loads(cfg_json), default_args=json.loads(defaults_json))
    shapes = {k: list(v.shape) for k, v in module.state_dict().items()}
    return shapes, sum(p.numel() for p in module.parameters())


def build_part(model_cfg: dict, part: str):
    return built_layout(json.dumps(model_cfg[part], sort_keys=True),
                        json.dumps(default_args(model_cfg, part), sort_keys=True))


def reference_part(ref: dict, part: str) -> dict:
    prefix = f'{part}.'
    return {k[len(prefix):]: v for k, v in ref['state_dict'].items() if k.startswith(prefix)}


def describe_diff(ours: dict, theirs: dict) -> str:
    missing = sorted(set(theirs) - set(ours))
    extra = sorted(set(ours) - set(theirs))
    shape = sorted(k for k in set(ours) & set(theirs) if ours[k] != theirs[k])
    lines = [f'missing ({len(missing)}): {missing[:8]}', f'unexpected ({len(extra)}): {extra[:8]}']
    lines += [f'shape {k}: ours {ours[k]} vs reference {theirs[k]}' for k in shape[:8]]
    return '\n'.join(lines)


def unimplemented_types(model_cfg: dict) -> list:
    return [model_cfg[part]['type'] for part in ('generator', 'discriminator')
            if MODELS.get(model_cfg[part]['type']) is None]


@pytest.mark.parametrize('config', CONFIGS, ids=[c.removesuffix('.py') for c in CONFIGS])
def test_reference_layout(config):
    ref = REFS[config]
    model_cfg = ref['model']
    missing_types = unimplemented_types(model_cfg)
    if missing_types:
        pytest.skip(f'not implemented yet: {", ".join(missing_types)}')

    total = 0
    for part in ('generator', 'discriminator'):
        shapes, num_params = build_part(model_cfg, part)
        expected = reference_part(ref, part)
        assert shapes == expected, f'{config} {part} layout differs:\n{describe_diff(shapes, expected)}'
        total += num_params * (2 if part == 'generator' and model_cfg.get('ema_config') else 1)
    assert total == ref['params']


ERROR_CONFIGS = sorted(name for name, ref in REFS.items() if 'error' in ref)
SAME_AS = 'styleganv2/stylegan2_c2_8xb4-800kiters_ffhq-256x256.py'


@pytest.mark.parametrize('config', ERROR_CONFIGS, ids=[c.removesuffix('.py') for c in ERROR_CONFIGS])
def test_configs_the_reference_could_not_build_have_the_documented_layout(config):
    """The two fp16 quicktest configs fail in MMGeneration only because of a 0.x-era model argument; their
    G and D have the layout of the plain 256x256 StyleGAN2 config."""
    assert 'fp16' in config and 'quicktest' in config
    model_cfg = REFS[config]['model']
    for part in ('generator', 'discriminator'):
        shapes, _ = build_part(model_cfg, part)
        assert shapes == reference_part(REFS[SAME_AS], part)
