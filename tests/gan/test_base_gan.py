"""BaseGAN/DCGAN: the generator/discriminator schedule, EMA layout and numerics, sampling."""

import pytest
import torch
from mmengine.optim import OptimWrapper

import reelkit.engine  # noqa: F401  (registers the GAN engine parts)
import reelkit.models  # noqa: F401
from reelkit.engine.gen import GenOptimWrapperConstructor
from reelkit.models.base_models import ExponentialMovingAverage, RampUpEMA
from reelkit.registry import MODELS
from reelkit.utils.errors import ConfigError
from reference_facts import mmgen_reference



def tiny_dcgan(**kwargs):
    cfg = dict(
        type='DCGAN', noise_size=8,
        generator=dict(type='DCGANGenerator', output_scale=16, base_channels=16),
        discriminator=dict(type='DCGANDiscriminator', input_scale=16, output_scale=4,
                           out_channels=1, base_channels=4))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def batch(n=2, size=16):
    return dict(inputs=dict(img=[torch.randint(0, 256, (3, size, size), dtype=torch.uint8)
                                 for _ in range(n)]))


def count_steps(optim_wrapper: OptimWrapper) -> list:
    """Record the optimizer steps and backward passes of one wrapper."""
    calls = {'step': 0, 'backward': 0}
    step, backward = optim_wrapper.step, optim_wrapper.backward

    def counted_step(**kwargs):
        calls['step'] += 1
        step(**kwargs)

    def counted_backward(loss, **kwargs):
        calls['backward'] += 1
        backward(loss, **kwargs)

    optim_wrapper.step, optim_wrapper.backward = counted_step, counted_backward
    return calls


def build_wrappers(model, gen_accu=1, disc_accu=1):
    adam = dict(type='Adam', lr=1e-4, betas=(0.5, 0.999))
    constructor = GenOptimWrapperConstructor(dict(
        generator=dict(optimizer=adam, accumulative_counts=gen_accu),
        discriminator=dict(optimizer=adam, accumulative_counts=disc_accu)))
    return constructor(model)


@pytest.mark.parametrize('gen_steps,disc_steps,gen_accu,disc_accu', [
    (1, 1, 1, 1), (1, 5, 1, 1), (2, 1, 1, 1), (1, 2, 1, 3), (2, 1, 2, 1), (3, 2, 2, 2)])
def test_optimizer_steps_follow_generator_and_discriminator_steps(gen_steps, disc_steps, gen_accu,
                                                                  disc_accu):
    torch.manual_seed(0)
    model = tiny_dcgan(generator_steps=gen_steps, discriminator_steps=disc_steps)
    wrappers = build_wrappers(model, gen_accu, disc_accu)
    iters = 12
    wrappers.initialize_count_status(model, 0, iters)
    gen_calls, disc_calls = count_steps(wrappers['generator']), count_steps(wrappers['discriminator'])
    for _ in range(iters):
        model.train_step(batch(), wrappers)
    phases = iters // (disc_steps * disc_accu)
    assert disc_calls == {'backward': iters, 'step': iters // disc_accu}
    assert gen_calls == {'backward': phases * gen_steps * gen_accu, 'step': phases * gen_steps}


def test_train_step_logs_disc_and_gen_losses():
    model = tiny_dcgan()
    log_vars = model.train_step(batch(), build_wrappers(model))
    assert set(log_vars) == {'loss', 'loss_disc_fake', 'loss_disc_real', 'loss_gen'}
    torch.testing.assert_close(log_vars['loss'], log_vars['loss_disc_fake'] + log_vars['loss_disc_real'])


def test_resumed_iteration_keeps_generator_phase():
    """A run resumed at iteration 3 with discriminator_steps=2 updates G at iterations 4, 6, ...
    (1-based 4 -> G), exactly as the uninterrupted run."""
    model = tiny_dcgan(discriminator_steps=2)
    wrappers = build_wrappers(model)
    wrappers.initialize_count_status(model, 3, 10)  # what the runner does after resuming
    gen_calls = count_steps(wrappers['generator'])
    model.train_step(batch(), wrappers)  # iteration 4 (1-based): generator phase
    assert gen_calls['step'] == 1
    model.train_step(batch(), wrappers)  # iteration 5: discriminator only
    assert gen_calls['step'] == 1


def test_ema_state_dict_layout():
    model = tiny_dcgan(ema_config=dict(momentum=0.9))
    keys = list(model.state_dict())
    gen_keys = [k[len('generator.'):] for k in keys if k.startswith('generator.')]
    ema_keys = [k for k in keys if k.startswith('generator_ema.')]
    assert ema_keys == ['generator_ema.steps'] + [f'generator_ema.module.{k}' for k in gen_keys]
    assert model.state_dict()['generator_ema.steps'].dtype == torch.int64


def test_ema_loads_old_layout_without_module_prefix_and_steps_under_strict():
    source = tiny_dcgan(ema_config=dict(momentum=0.9))
    old_layout = {}
    for key, value in source.state_dict().items():
        if key == 'generator_ema.steps':
            continue
        old_layout[key.replace('generator_ema.module.', 'generator_ema.')] = value + 1 \
            if key.startswith('generator_ema.module.') and value.is_floating_point() else value
    target = tiny_dcgan(ema_config=dict(momentum=0.9))
    target.load_state_dict(old_layout, strict=True)
    loaded = target.state_dict()
    for key, value in source.state_dict().items():
        if key.startswith('generator_ema.module.') and value.is_floating_point():
            torch.testing.assert_close(loaded[key], value + 1)
    assert int(loaded['generator_ema.steps']) == 0


def test_ema_momentum_is_the_weight_of_the_average():
    source = torch.nn.Linear(2, 1)
    ema = ExponentialMovingAverage(source, momentum=0.75)
    ema.update_parameters(source)  # first update copies
    start = source.weight.detach().clone()
    with torch.no_grad():
        source.weight.add_(4.0)
    ema.update_parameters(source)
    torch.testing.assert_close(ema.module.weight, 0.75 * start + 0.25 * (start + 4.0))


def test_rampup_ema_beta_matches_stylegan3_formula():
    steps, batch_size = 9, 32
    half_life = min(10 * 1000, (steps + 1) * batch_size * 0.05)
    assert RampUpEMA.rampup(steps, 10, 0.05, batch_size) == pytest.approx(0.5**(batch_size / half_life))


@pytest.mark.parametrize('momentum', [1.5, 0.0002])
def test_ema_momentum_out_of_range_or_in_mmengine_convention_is_refused(momentum):
    with pytest.raises(ValueError, match='mmengine.ExponentialMovingAverage'):
        tiny_dcgan(ema_config=dict(momentum=momentum))


def test_ema_starts_after_start_iter_cycles_and_copies_before():
    model = tiny_dcgan(ema_config=dict(momentum=0.6, start_iter=2))
    wrappers = build_wrappers(model)
    model.train_step(batch(), wrappers)  # before start: a copy
    for ema, gen in zip(model.generator_ema.module.parameters(), model.generator.parameters()):
        torch.testing.assert_close(ema, gen)
    assert int(model.generator_ema.steps) == 0
    model.train_step(batch(), wrappers)
    assert int(model.generator_ema.steps) == 1


def test_sampling_with_ema_orig_returns_both_images():
    model = tiny_dcgan(ema_config=dict(momentum=0.9)).eval()
    samples = model.val_step(dict(inputs=dict(num_batches=3, sample_model='ema/orig')))
    assert len(samples) == 3
    assert samples[0].ema.fake_img.shape == samples[0].orig.fake_img.shape == (3, 16, 16)
    assert samples[0].sample_model == 'ema/orig'


def test_sampling_ema_without_ema_model_names_the_fix():
    model = tiny_dcgan()
    with pytest.raises(ValueError, match='ema_config'):
        model(dict(num_batches=1, sample_model='ema'))


def test_given_noise_is_used_and_default_sample_model_is_orig():
    model = tiny_dcgan().eval()
    noise = torch.randn(2, 8)
    samples = model(dict(noise=noise))
    torch.testing.assert_close(samples[1].noise, noise[1])
    assert samples[0].sample_model == 'orig'
    torch.testing.assert_close(samples[0].fake_img, model.generator(noise)[0])


def test_conflicting_noise_sizes_are_refused():
    with pytest.raises(ValueError, match='noise_size'):
        tiny_dcgan(generator=dict(type='DCGANGenerator', output_scale=16, base_channels=16,
                                  noise_size=4))


def test_optim_wrapper_for_missing_submodule_names_the_submodules():
    model = tiny_dcgan()
    constructor = GenOptimWrapperConstructor(dict(
        generatr=dict(optimizer=dict(type='Adam', lr=1e-4))))
    with pytest.raises(ConfigError, match="no sub-module 'generatr'.*'discriminator'"):
        constructor(model)


def test_dcgan_reference_config_has_reference_layout():
    reference = mmgen_reference()['dcgan/dcgan_1xb128-300kiters_celeba-cropped-64.py']
    model = MODELS.build(reference['model'])
    layout = {k: list(v.shape) for k, v in model.state_dict().items()}
    assert layout == reference['state_dict']
    assert list(layout) == list(reference['state_dict'])
    assert sum(p.numel() for p in model.parameters()) == reference['params']


def test_top_level_wrapper_options_apply_to_every_entry():
    model = tiny_dcgan()
    adam = dict(type='Adam', lr=1e-4)
    wrappers = GenOptimWrapperConstructor(dict(
        accumulative_counts=3,
        generator=dict(optimizer=adam),
        discriminator=dict(optimizer=adam, accumulative_counts=2)))(model)
    assert wrappers['generator']._accumulative_counts == 3
    assert wrappers['discriminator']._accumulative_counts == 2


def test_separate_ddp_wrapper_keeps_the_single_process_checkpoint_layout(tmp_path):
    import torch.distributed as dist
    from reelkit.registry import MODEL_WRAPPERS
    dist.init_process_group('gloo', init_method=f'file://{tmp_path / "rendezvous"}', rank=0,
                            world_size=1)
    try:
        plain = tiny_dcgan(ema_config=dict(momentum=0.9))
        wrapped = MODEL_WRAPPERS.build(dict(type='MMSeparateDistributedDataParallel',
                                            module=tiny_dcgan(ema_config=dict(momentum=0.9)),
                                            device_ids=[0]))
        assert list(wrapped.module.state_dict()) == list(plain.state_dict())
        wrapped.module.load_state_dict(plain.state_dict(), strict=True)
        for key, value in plain.state_dict().items():
            assert torch.equal(wrapped.module.state_dict()[key], value), key
    finally:
        dist.destroy_process_group()


def test_linear_lr_interval_steps_every_interval_iterations():
    from reelkit.engine.gen import LinearLrInterval
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1e-3)
    scheduler = LinearLrInterval(optimizer, start_factor=2e-4, end_factor=0., begin=4, end=12,
                                 interval=2, by_epoch=False)
    lrs = []
    for _ in range(12):  # ParamSchedulerHook steps after each iteration
        scheduler.step()
        lrs.append(optimizer.param_groups[0]['lr'])
    # after iteration t (0-based): untouched before the schedule, then 2e-4 * (1 - k / 4) with
    # k = (t - 4) // 2 whole intervals since `begin`; after `end` the last value stays
    expected = [1e-3] * 3 + [2e-4 * (1 - max(0, t - 4) // 2 / 4) for t in range(3, 11)]
    expected.append(expected[-1])
    assert lrs == pytest.approx(expected)
