"""Every shipped GAN config loads, names registered components, and builds its model."""
import pytest
import torch

import reelkit.datasets  # noqa: F401
import reelkit.engine  # noqa: F401
import reelkit.evaluation  # noqa: F401
import reelkit.models  # noqa: F401
import reelkit.visualization  # noqa: F401
from reelkit.registry import (DATA_SAMPLERS, DATASETS, EVALUATOR, HOOKS, LOG_PROCESSORS, LOOPS,
                              METRICS, MODEL_WRAPPERS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS,
                              OPTIMIZERS, TRANSFORMS, VISBACKENDS, VISUALIZERS)
from reelkit.apis import load_config
from reelkit.utils.config import SHIPPED_CONFIGS

GAN_CONFIGS = sorted(str(p.relative_to(SHIPPED_CONFIGS)) for p in (SHIPPED_CONFIGS / 'gan').rglob('*.py')
                     if '_base_' not in p.parts)


def named_types(cfg) -> list:
    """``(registry, type)`` of every component a GAN config names outside its model."""
    named = [(MODELS, cfg.model['type']), (MODEL_WRAPPERS, cfg.model_wrapper_cfg['type']),
             (LOOPS, cfg.val_cfg['type']), (LOOPS, cfg.test_cfg['type']),
             (LOG_PROCESSORS, cfg.log_processor['type']), (VISUALIZERS, cfg.visualizer['type']),
             (OPTIM_WRAPPER_CONSTRUCTORS, cfg.optim_wrapper['constructor'])]
    named += [(VISBACKENDS, backend['type']) for backend in cfg.visualizer.get('vis_backends', [])]
    named += [(OPTIMIZERS, cfg.optim_wrapper[net]['optimizer']['type'])
              for net in ('generator', 'discriminator')]
    named += [(HOOKS, hook['type']) for hook in cfg.default_hooks.values()]
    named += [(HOOKS, hook['type']) for hook in cfg.get('custom_hooks', [])]
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        named += [(EVALUATOR, evaluator['type'])]
        named += [(METRICS, metric['type']) for metric in evaluator['metrics']]
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        named += [(DATASETS, loader['dataset']['type']), (DATA_SAMPLERS, loader['sampler']['type'])]
        named += [(TRANSFORMS, step['type']) for step in loader['dataset']['pipeline']]
    return named


def unregistered_types(cfg) -> list:
    return [name for registry, name in named_types(cfg) if registry.get(name) is None]


def test_there_are_shipped_gan_configs():
    assert 'gan/dcgan/dcgan_1xb32-1500iters_synth-shapes-32x32.py' in GAN_CONFIGS


@pytest.mark.parametrize('name', GAN_CONFIGS)
def test_shipped_gan_config_builds(name):
    cfg = load_config(name)
    missing = unregistered_types(cfg)
    assert not missing, f'unregistered types: {missing}'
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    assert {'generator', 'discriminator'} <= set(dict(model.named_children()))
