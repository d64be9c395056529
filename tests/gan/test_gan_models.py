"""GAN model classes: every MMGeneration 1.x config of an implemented model builds the whole
reference layout (networks, EMA, model buffers), and each model trains a step with its losses."""

import pytest
import torch

import reelkit.engine  # noqa: F401
import reelkit.models  # noqa: F401
from reelkit.engine.gen import GenOptimWrapperConstructor, PGGANOptimWrapperConstructor
from reelkit.registry import MODELS
from reelkit.structures import GenDataSample
from reference_facts import mmgen_reference

REFS = mmgen_reference()
IMPLEMENTED = {'DCGAN', 'LSGAN', 'GGAN', 'WGANGP', 'SNGAN', 'SAGAN', 'BigGAN', 'StyleGAN2',
               'StyleGAN3', 'ProgressiveGrowingGAN', 'StyleGANv1'}
CONFIGS = sorted(k for k, v in REFS.items() if 'error' not in v and v['model']['type'] in IMPLEMENTED)


@pytest.mark.parametrize('config', CONFIGS)
def test_reference_config_builds_the_reference_layout(config):
    reference = REFS[config]
    with torch.device('meta'):
        model = MODELS.build(reference['model'])
    state = model.state_dict()
    layout = {k: list(v.shape) for k, v in state.items()}
    missing = sorted(set(reference['state_dict']) - set(layout))
    extra = sorted(set(layout) - set(reference['state_dict']))
    assert not missing and not extra, f'missing {missing[:5]}, unexpected {extra[:5]}'
    assert layout == reference['state_dict']
    assert list(layout) == list(reference['state_dict'])  # checkpoint order
    assert sum(p.numel() for p in model.parameters()) == reference['params']
    buffers = {name for name, _ in model.named_buffers() if name in state}
    assert buffers == set(reference['buffers'])


def test_every_reference_model_type_is_implemented():
    assert {v['model']['type'] for v in REFS.values() if 'error' not in v} <= IMPLEMENTED


# ----------------------------------------------------------------------------- one training step
DCGAN_NETS = dict(
    generator=dict(type='DCGANGenerator', output_scale=16, base_channels=16),
    discriminator=dict(type='DCGANDiscriminator', input_scale=16, output_scale=4, out_channels=1,
                       base_channels=4))
TINY_MODELS = {
    'LSGAN': dict(type='LSGAN', noise_size=8, **DCGAN_NETS),
    'GGAN': dict(type='GGAN', noise_size=8, **DCGAN_NETS),
    'WGANGP': dict(type='WGANGP', noise_size=8, loss_config=dict(gp_loss_weight=10, gp_norm_mode='HWC'),
                   **DCGAN_NETS),
    'SNGAN': dict(type='SNGAN', num_classes=3, noise_size=8,
                  generator=dict(type='SNGANGenerator', output_scale=32, base_channels=8),
                  discriminator=dict(type='ProjDiscriminator', input_scale=32, base_channels=8)),
    'BigGAN': dict(type='BigGAN', num_classes=3,
                   generator=dict(type='BigGANGenerator', output_scale=32, noise_size=16,
                                  base_channels=8, shared_dim=8),
                   discriminator=dict(type='BigGANDiscriminator', input_scale=32, base_channels=8),
                   ema_config=dict(momentum=0.9)),
    'StyleGAN2': dict(type='StyleGAN2',
                      generator=dict(type='StyleGANv2Generator', out_size=8, style_channels=8,
                                     num_mlps=2, channel_multiplier=1),
                      discriminator=dict(type='StyleGAN2Discriminator', in_size=8,
                                         channel_multiplier=1),
                      loss_config=dict(r1_interval=1, g_reg_interval=1)),
}
EXPECTED_LOGS = {
    'WGANGP': {'loss_gp'},
    'StyleGAN2': {'loss_r1_gp', 'loss_path_regular'},
}


def tiny_batch(size, labelled):
    samples = [GenDataSample().set_gt_label(i % 3) for i in range(4)] if labelled else None
    images = [torch.randint(0, 256, (3, size, size), dtype=torch.uint8) for _ in range(4)]
    return dict(inputs=dict(img=images), data_samples=samples)


@pytest.mark.parametrize('name', sorted(TINY_MODELS))
def test_one_training_step_updates_both_networks(name):
    torch.manual_seed(0)
    model = MODELS.build(TINY_MODELS[name])
    wrappers = GenOptimWrapperConstructor(dict(
        generator=dict(optimizer=dict(type='Adam', lr=1e-3)),
        discriminator=dict(optimizer=dict(type='Adam', lr=1e-3))))(model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    size = {'SNGAN': 32, 'BigGAN': 32, 'StyleGAN2': 8}.get(name, 16)
    log_vars = model.train_step(tiny_batch(size, labelled=name in ('SNGAN', 'BigGAN')), wrappers)
    assert {'loss', 'loss_disc_fake', 'loss_disc_real', 'loss_gen'} | EXPECTED_LOGS.get(name, set()) \
        <= set(log_vars)
    assert all(torch.isfinite(v).all() for v in log_vars.values())
    for part in ('generator', 'discriminator'):
        changed = [k for k, v in model.state_dict().items()
                   if k.startswith(f'{part}.') and v.is_floating_point() and not torch.equal(v, before[k])]
        assert changed, f'{part} was not updated'
    samples = model.eval().val_step(dict(inputs=dict(num_batches=2)))
    assert samples[0].fake_img.shape == (3, size, size)


def test_conditional_sampling_uses_the_given_labels():
    model = MODELS.build(TINY_MODELS['SNGAN']).eval()
    samples = model(dict(noise=torch.randn(2, 8), label=torch.tensor([2, 0])))
    assert [int(s.gt_label) for s in samples] == [2, 0]


def test_conditional_training_without_labels_names_the_fix():
    model = MODELS.build(TINY_MODELS['SNGAN'])
    wrappers = GenOptimWrapperConstructor(dict(
        generator=dict(optimizer=dict(type='Adam', lr=1e-3)),
        discriminator=dict(optimizer=dict(type='Adam', lr=1e-3))))(model)
    with pytest.raises(ValueError, match='gt_label'):
        model.train_step(tiny_batch(32, labelled=False), wrappers)


def test_misspelt_loss_config_key_is_refused():
    with pytest.raises(ValueError, match="unknown keys \\['gp_weight'\\]"):
        MODELS.build(dict(TINY_MODELS['WGANGP'], loss_config=dict(gp_weight=5)))


# ----------------------------------------------------------------------------- progressive growing
PROGRESSIVE = {
    'PGGAN': dict(type='PGGAN', noise_size=16, nkimgs_per_scale={'4': 0.008, '8': 0.016},
                  transition_kimgs=0.008, ema_config=dict(interval=1),
                  generator=dict(type='PGGANGenerator', out_scale=8, noise_size=16, base_channels=32,
                                 max_channels=32),
                  discriminator=dict(type='PGGANDiscriminator', in_scale=8, base_channels=32,
                                     max_channels=32)),
    'StyleGANv1': dict(type='StyleGANv1', style_channels=16, nkimgs_per_scale={'4': 0.008, '8': 0.016},
                       transition_kimgs=0.008,
                       generator=dict(type='StyleGANv1Generator', out_size=8, style_channels=16,
                                      num_mlps=2),
                       discriminator=dict(type='StyleGAN1Discriminator', in_size=8)),
}


def progressive_model(name):
    torch.manual_seed(0)
    model = MODELS.build(PROGRESSIVE[name])
    adam = dict(type='Adam', lr=1e-3, betas=(0., 0.99))
    wrappers = PGGANOptimWrapperConstructor(dict(generator=dict(optimizer=adam),
                                                 discriminator=dict(optimizer=adam)))(model)
    return model, wrappers


def test_progressive_growing_moves_through_scales_and_fades_in():
    model, wrappers = progressive_model('PGGAN')
    first, second = model.scales
    batch = tiny_batch(second, labelled=False)  # 4 images: 0.004 kimg per iteration
    schedule = []
    for _ in range(5):
        log_vars = model.train_step(batch, wrappers)
        schedule.append((int(log_vars['curr_scale']), float(log_vars['transition_weight'])))
    assert [scale for scale, _ in schedule] == [first, first, second, second, second]
    assert [weight for _, weight in schedule] == pytest.approx([1.0, 1.0, 0.0, 0.5, 1.0], abs=1e-5)
    assert float(model.shown_nkimg) == pytest.approx(0.02)
    assert int(model._next_scale_int) == second
    assert {'loss_gp', 'loss_disc_shift'} <= set(log_vars)
    assert model.eval()(dict(num_batches=2))[0].fake_img.shape == (3, second, second)


def test_styleganv1_trains_with_logistic_loss_and_r1_at_the_current_scale():
    model, wrappers = progressive_model('StyleGANv1')
    log_vars = model.train_step(tiny_batch(8, labelled=False), wrappers)
    assert {'loss_disc_fake', 'loss_disc_real', 'loss_r1_gp', 'loss_gen'} <= set(log_vars)
    assert int(log_vars['curr_scale']) == 4
    assert model.eval()(dict(num_batches=2))[0].fake_img.shape == (3, 4, 4)


def test_visualization_hook_draws_conditional_models_class_by_class(tmp_path):
    from unittest import mock

    from reelkit.engine.gen import GenVisualizationHook
    model = MODELS.build(TINY_MODELS['SNGAN'])
    hook = GenVisualizationHook(interval=1, n_samples=4, n_row=2)
    runner = mock.Mock(model=model, iter=0)
    drawn = {}
    with mock.patch('reelkit.engine.gen.hooks.Visualizer') as visualizer:
        visualizer.get_current_instance().add_datasample.side_effect = \
            lambda **kwargs: drawn.update(kwargs)
        state = torch.get_rng_state()
        hook.after_train_iter(runner, batch_idx=0)
    assert [int(s.gt_label) for s in drawn['gen_samples']] == [0, 1, 2, 0]
    assert torch.equal(torch.get_rng_state(), state)  # training's random state untouched
    assert model.training
