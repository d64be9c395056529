"""Every shipped GAN config loads, names registered components, and builds its model."""
import pytest
import torch

import reelkit.datasets  # noqa: F401
import reelkit.engine  # noqa: F401
import reelkit.evaluation  # noqa: F401
import reelkit.models  # noqa: F401
import reelkit.visualization  # noqa: F401
from reelkit.registry import (DATASETS, EVALUATOR, HOOKS, LOG_PROCESSORS, LOOPS, METRICS, MODELS,
                              OPTIM_WRAPPER_CONSTRUCTORS, TRANSFORMS, VISUALIZERS)
from reelkit.utils.config import SHIPPED_CONFIGS, load_config

GAN_CONFIGS = sorted(str(p.relative_to(SHIPPED_CONFIGS)) for p in (SHIPPED_CONFIGS / 'gan').rglob('*.py')
                     if '_base_' not in p.parts)


def test_there_are_shipped_gan_configs():
    assert 'gan/dcgan/dcgan_1xb32-1500iters_synth-shapes-32x32.py' in GAN_CONFIGS


@pytest.mark.parametrize('name', GAN_CONFIGS)
def test_shipped_gan_config_builds(name):
    cfg = load_config(name)
    registered = [(MODELS, cfg.model['type']), (LOOPS, cfg.val_cfg['type']),
                  (LOG_PROCESSORS, cfg.log_processor['type']),
                  (EVALUATOR, cfg.val_evaluator['type']), (VISUALIZERS, cfg.visualizer['type']),
                  (OPTIM_WRAPPER_CONSTRUCTORS, cfg.optim_wrapper['constructor']),
                  (DATASETS, cfg.train_dataloader['dataset']['type'])]
    registered += [(HOOKS, hook['type']) for hook in cfg.default_hooks.values()]
    registered += [(HOOKS, hook['type']) for hook in cfg.get('custom_hooks', [])]
    registered += [(METRICS, metric['type']) for metric in cfg.val_evaluator['metrics']]
    registered += [(TRANSFORMS, step['type']) for step in cfg.train_dataloader['dataset']['pipeline']]
    missing = [name for registry, name in registered if registry.get(name) is None]
    assert not missing, f'unregistered types: {missing}'
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    assert {'generator', 'discriminator'} <= set(dict(model.named_children()))
