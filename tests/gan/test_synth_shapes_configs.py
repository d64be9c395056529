"""Every shipped GAN config trains as shipped (networks, losses, optimizers, step schedule, EMA,
labelled data) for two generator phases on a tiny SynthShapes set; only the data, batch size,
evaluation and logging are shrunk."""
import math

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from reelkit.datasets.synth_shapes import generate_synth_shapes
from reelkit.apis import load_config
from test_dcgan_training import load, shrink_run
from test_gan_configs import GAN_CONFIGS
from test_official_configs import SHIPPED_NAMES

GENERATOR_PHASES = 2
FAMILIES = ('dcgan', 'lsgan', 'wgan-gp', 'sngan_proj', 'biggan', 'styleganv2')
# The configs of MMGeneration's own datasets (CelebA, CIFAR-10, FFHQ, at full size) are tested in
# test_official_configs.py, which also checks that every other shipped GAN config reads SynthShapes.
SYNTH_SHAPES_CONFIGS = [name for name in GAN_CONFIGS if name not in SHIPPED_NAMES.values()]


@pytest.fixture(scope='module')
def shapes_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('synth_shapes_32')
    generate_synth_shapes(str(root), num_images=32, size=32)  # labels.txt too, for conditional GANs
    return str(root)


class _Record(Hook):
    """Keeps the log variables of every training iteration and the validation metrics."""

    def __init__(self):
        self.train_outputs, self.metrics = [], []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.train_outputs.append({key: float(value) for key, value in outputs.items()})

    def after_val_epoch(self, runner, metrics=None):
        self.metrics.append(dict(metrics))


def test_every_family_ships_a_synth_shapes_config():
    shipped = {name.split('/')[1] for name in GAN_CONFIGS if 'synth-shapes-32x32' in name}
    assert set(FAMILIES) <= shipped


def adam_steps(optimizer_state: dict) -> set:
    return {int(state['step']) for state in optimizer_state['state'].values()}


@pytest.mark.parametrize('name', SYNTH_SHAPES_CONFIGS)
def test_shipped_gan_config_trains_its_schedule(name, shapes_root, tmp_path):
    cfg = load_config(name)
    disc_steps = cfg.model.get('discriminator_steps', 1)
    gen_steps = cfg.model.get('generator_steps', 1)
    ema_config = cfg.model.get('ema_config')
    if ema_config is not None and ema_config.get('start_iter'):
        ema_config.start_iter = GENERATOR_PHASES  # the first phase copies, the second averages
    max_iters = GENERATOR_PHASES * disc_steps
    shrink_run(cfg, shapes_root, tmp_path, max_iters, batch_size=8, fake_nums=16)
    cfg.default_hooks.checkpoint.interval = max_iters
    runner = Runner.from_cfg(cfg)
    record = _Record()
    runner.register_hook(record, priority='LOWEST')
    runner.train()

    outputs = record.train_outputs
    assert len(outputs) == max_iters
    for index, log_vars in enumerate(outputs):
        assert all(math.isfinite(v) for v in log_vars.values()), (index, log_vars)
        assert {'loss_disc_fake', 'loss_disc_real'} <= set(log_vars), log_vars
        generator_phase = (index + 1) % disc_steps == 0
        assert ('loss_gen' in log_vars) == generator_phase, (index, sorted(log_vars))

    checkpoint = load(tmp_path / f'iter_{max_iters}.pth')
    assert adam_steps(checkpoint['optimizer']['discriminator']) == {max_iters}
    assert adam_steps(checkpoint['optimizer']['generator']) == {GENERATOR_PHASES * gen_steps}
    state_dict = checkpoint['state_dict']
    generator_keys = [k for k in state_dict if k.startswith('generator.')]
    ema_keys = [k for k in state_dict if k.startswith('generator_ema.module.')]
    if ema_config is None:
        assert not any(k.startswith('generator_ema') for k in state_dict)
    else:
        assert len(ema_keys) == len(generator_keys)
        averaged = GENERATOR_PHASES - max(ema_config.get('start_iter', 1), 1) + 1
        assert int(state_dict['generator_ema.steps']) == averaged

    prefixes = {'FID-orig'} | ({'FID-ema'} if ema_config is not None else set())
    assert len(record.metrics) == 1
    assert {key.split('/')[0] for key in record.metrics[0]} == prefixes
    assert all(math.isfinite(record.metrics[0][f'{p}/fid']) for p in prefixes)
    if 'num_classes' in cfg.model:  # conditional: real images came with their shape labels
        assert runner.train_dataloader.dataset[0]['data_samples'].gt_label.shape == torch.Size([1])
