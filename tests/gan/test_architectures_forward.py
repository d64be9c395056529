"""Tiny forward passes of every GAN family: output shapes, finite values, and gradients reaching every
parameter (timm's ``test_model_backward`` contract)."""
import pytest
import torch

import reelkit.models.architectures  # noqa: F401
from reelkit.registry import MODELS


def check_backward(module: torch.nn.Module, out: torch.Tensor, skip=()) -> None:
    assert torch.isfinite(out).all()
    out.float().square().mean().backward()
    for name, param in module.named_parameters():
        if param.requires_grad and not any(s in name for s in skip):
            assert param.grad is not None, f'{name} got no gradient'
            assert torch.isfinite(param.grad).all(), f'{name} has a non-finite gradient'


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


def test_dcgan_generator_and_discriminator_shapes_and_grads():
    gen = MODELS.build(dict(type='DCGANGenerator', output_scale=16, base_channels=16, noise_size=8))
    img = gen(None, num_batches=2)
    assert img.shape == (2, 3, 16, 16)
    assert img.abs().max() <= 1
    check_backward(gen, img)

    disc = MODELS.build(dict(type='DCGANDiscriminator', input_scale=16, output_scale=4, out_channels=1,
                             base_channels=8))
    score = disc(torch.randn(2, 3, 16, 16))
    assert score.shape == (2, 1)
    check_backward(disc, score)


def test_dcgan_generator_accepts_4d_noise_and_returns_it():
    gen = MODELS.build(dict(type='DCGANGenerator', output_scale=8, base_channels=8, noise_size=4))
    noise = torch.randn(3, 4, 1, 1)
    out = gen(noise, return_noise=True)
    assert out['fake_img'].shape == (3, 3, 8, 8)
    assert torch.equal(out['noise_batch'], noise.flatten(1))


def test_dcgan_rejects_scales_that_are_not_powers_of_two():
    with pytest.raises(ValueError, match='output_scale=48'):
        MODELS.build(dict(type='DCGANGenerator', output_scale=48))


def test_generator_without_noise_needs_num_batches():
    gen = MODELS.build(dict(type='DCGANGenerator', output_scale=8, base_channels=8, noise_size=4))
    with pytest.raises(ValueError, match='num_batches'):
        gen(None)


def test_lsgan_generator_and_discriminator_shapes_and_grads():
    gen = MODELS.build(dict(type='LSGANGenerator', output_scale=16, input_scale=2, base_channels=16,
                            noise_size=8))
    img = gen(None, num_batches=2)
    assert img.shape == (2, 3, 16, 16)
    check_backward(gen, img)

    disc = MODELS.build(dict(type='LSGANDiscriminator', input_scale=16, output_scale=2, base_channels=4))
    score = disc(torch.randn(2, 3, 16, 16))
    assert score.shape == (2, 1)
    check_backward(disc, score)


def test_wgangp_generator_and_discriminator_shapes_and_grads():
    gen = MODELS.build(dict(type='WGANGPGenerator', noise_size=8, out_scale=8))
    img = gen(torch.randn(2, 8))
    assert img.shape == (2, 3, 8, 8)
    check_backward(gen, img)

    for norm in ('LN2d', 'GN'):
        disc = MODELS.build(dict(type='WGANGPDiscriminator', in_channel=3, in_scale=8,
                                 conv_module_cfg=dict(norm_cfg=dict(type=norm))))
        assert hasattr(disc.conv_blocks[0], norm)
        score = disc(torch.randn(2, 3, 8, 8))
        assert score.shape == (2, 1)
        check_backward(disc, score)


def test_wgangp_rejects_unsupported_scale():
    with pytest.raises(ValueError, match='out_scale=256'):
        MODELS.build(dict(type='WGANGPGenerator', noise_size=8, out_scale=256))


@pytest.mark.parametrize('init_type, sn_style', [('studio', 'torch'), ('BigGAN', 'ajbrock'), ('sngan', 'torch')])
def test_sagan_generator_and_projection_discriminator(init_type, sn_style):
    common = dict(num_classes=3, base_channels=8, with_spectral_norm=True, sn_style=sn_style,
                  init_cfg=dict(type=init_type), attention_cfg=dict(type='SelfAttentionBlock'))
    # 'sagan'/'sngan' start the norm embeddings at constants, which spectral norm cannot normalise.
    embedding_sn = init_type in ('studio', 'BigGAN')
    gen = MODELS.build(dict(type='SAGANGenerator', output_scale=32, noise_size=8, attention_after_nth_block=2,
                            with_embedding_spectral_norm=embedding_sn, **common))
    out = gen(None, num_batches=2, return_noise=True)
    img, label = out['fake_img'], out['label']
    assert img.shape == (2, 3, 32, 32) and label.shape == (2, )
    check_backward(gen, img)

    disc = MODELS.build(dict(type='ProjDiscriminator', input_scale=32, attention_after_nth_block=1, **common))
    score = disc(torch.randn(2, 3, 32, 32), label=label)
    assert score.shape == (2, 1)
    check_backward(disc, score)


def test_sngan_unconditional_generator_has_no_labels():
    gen = MODELS.build(dict(type='SNGANGenerator', output_scale=32, base_channels=8, noise_size=4, use_cbn=False))
    out = gen(torch.randn(2, 4), return_noise=True)
    assert out['label'] is None and out['fake_img'].shape == (2, 3, 32, 32)


def test_projection_discriminator_needs_labels_when_conditional():
    disc = MODELS.build(dict(type='ProjDiscriminator', input_scale=32, base_channels=8, num_classes=2))
    with pytest.raises(ValueError, match='label'):
        disc(torch.randn(1, 3, 32, 32))


def test_sngan_rejects_constant_embedding_init_under_spectral_norm():
    with pytest.raises(ValueError, match='with_embedding_spectral_norm=False'):
        MODELS.build(dict(type='SNGANGenerator', output_scale=32, num_classes=2, with_spectral_norm=True,
                          init_cfg=dict(type='sagan')))


def test_sngan_rejects_unknown_init_and_sn_style():
    with pytest.raises(ValueError, match='init_cfg'):
        MODELS.build(dict(type='SNGANGenerator', output_scale=32, init_cfg=dict(type='kaiming')))
    with pytest.raises(ValueError, match="sn_style='tf'"):
        MODELS.build(dict(type='ProjDiscriminator', input_scale=32, sn_style='tf'))


@pytest.mark.parametrize('sn_style', ['ajbrock', 'torch'])
def test_biggan_generator_and_discriminator_shapes_and_grads(sn_style):
    gen = MODELS.build(dict(type='BigGANGenerator', output_scale=32, noise_size=20, num_classes=3, base_channels=8,
                            shared_dim=8, sn_style=sn_style))
    assert gen.noise_chunk_size == 5  # 20 split over 3 blocks + the input layer
    out = gen(None, num_batches=2, return_noise=True)
    img, label = out['fake_img'], out['label']
    assert img.shape == (2, 3, 32, 32)
    check_backward(gen, img)

    disc = MODELS.build(dict(type='BigGANDiscriminator', input_scale=32, num_classes=3, base_channels=8,
                             sn_style=sn_style))
    score = disc(torch.randn(2, 3, 32, 32), label)
    assert score.shape == (2, 1)
    check_backward(disc, score)


def test_biggan_truncation_clamps_noise_and_unconditional_generator_works():
    gen = MODELS.build(dict(type='BigGANGenerator', output_scale=32, noise_size=8, num_classes=0, base_channels=8,
                            with_shared_embedding=False))
    out = gen(torch.full((1, 8), 3.0), truncation=0.5, return_noise=True)
    assert out['noise_batch'].max() == 0.5 and out['label'] is None


def test_biggan_deep_generator_and_discriminator_shapes_and_grads():
    gen = MODELS.build(dict(type='BigGANDeepGenerator', output_scale=32, noise_size=8, num_classes=3,
                            base_channels=8, shared_dim=8, sn_style='torch'))
    out = gen(None, num_batches=2, return_noise=True)
    assert out['fake_img'].shape == (2, 3, 32, 32)
    check_backward(gen, out['fake_img'])

    disc = MODELS.build(dict(type='BigGANDeepDiscriminator', input_scale=32, num_classes=3, base_channels=8))
    score = disc(torch.randn(2, 3, 32, 32), out['label'])
    assert score.shape == (2, 1)
    check_backward(disc, score)


def test_biggan_rejects_inconsistent_embedding_options():
    with pytest.raises(ValueError, match='split_noise'):
        MODELS.build(dict(type='BigGANGenerator', output_scale=32, num_classes=3, with_shared_embedding=False))
    with pytest.raises(ValueError, match="init_type='kaiming'"):
        MODELS.build(dict(type='BigGANDiscriminator', input_scale=32, init_type='kaiming'))


def test_stylegan2_generator_and_discriminator_shapes_and_grads():
    gen = MODELS.build(dict(type='StyleGANv2Generator', out_size=8, style_channels=16, num_mlps=2))
    out = gen(None, num_batches=2, return_latents=True)
    img, latent = out['fake_img'], out['latent']
    assert img.shape == (2, 3, 8, 8) and latent.shape == (2, gen.num_latents, 16)
    check_backward(gen, img)

    disc = MODELS.build(dict(type='StyleGAN2Discriminator', in_size=8))
    score = disc(img.detach())
    assert score.shape == (2, 1)
    check_backward(disc, score)


def test_stylegan2_style_mixing_truncation_and_fixed_noise():
    gen = MODELS.build(dict(type='StyleGANv2Generator', out_size=8, style_channels=16, num_mlps=2)).eval()
    for name, param in gen.named_parameters():
        if 'noise_injector' in name:
            param.data.fill_(1.0)  # noise weights start at 0, which would hide the noise
    z = torch.randn(2, 16)
    fixed = gen(z, randomize_noise=False)
    assert torch.equal(fixed, gen(z, randomize_noise=False))  # buffered noise: deterministic
    assert not torch.equal(fixed, gen(z))  # sampled noise differs
    mixed = gen([z, torch.randn(2, 16)], inject_index=2, return_latents=True, randomize_noise=False)
    assert torch.equal(mixed['latent'][:, 0], mixed['latent'][:, 1])
    assert not torch.equal(mixed['latent'][:, 1], mixed['latent'][:, 2])
    mean_w = gen.style_mapping(torch.randn(64, 16)).mean(0, keepdim=True)
    truncated = gen(z, truncation=0.0, truncation_latent=mean_w, randomize_noise=False, return_latents=True)
    torch.testing.assert_close(truncated['latent'][:, 0], mean_w.expand(2, -1))
    assert gen.style_mixing(n_source=2, n_target=1, truncation=1).shape == (1 + 2 + 1 * 3, 3, 8, 8)


def test_stylegan2_generator_takes_noise_keyword_and_validates_mode():
    gen = MODELS.build(dict(type='StyleGANv2Generator', out_size=4, style_channels=8, num_mlps=1))
    assert gen(noise=torch.randn(1, 8)).shape == (1, 3, 4, 4)
    with pytest.raises(ValueError, match="default_style_mode='mixed'"):
        MODELS.build(dict(type='StyleGANv2Generator', out_size=4, style_channels=8, default_style_mode='mixed'))
    with pytest.raises(ValueError, match='out_size=48'):
        MODELS.build(dict(type='StyleGANv2Generator', out_size=48, style_channels=8))


def test_stylegan2_channel_max_caps_every_width():
    gen = MODELS.build(dict(type='StyleGANv2Generator', out_size=16, style_channels=8, num_mlps=1, channel_max=16))
    disc = MODELS.build(dict(type='StyleGAN2Discriminator', in_size=16, channel_max=16))
    assert gen.constant_input.input.shape == (1, 16, 4, 4)
    assert max(p.shape[1] for n, p in gen.named_parameters() if n.endswith('conv.weight_orig')) == 16
    assert max(p.shape[0] for n, p in disc.named_parameters() if p.dim() == 4) == 16
    img = gen(None, num_batches=4)
    assert img.shape == (4, 3, 16, 16) and disc(img).shape == (4, 1)
    with pytest.raises(ValueError, match='channel_max=0'):
        MODELS.build(dict(type='StyleGAN2Discriminator', in_size=16, channel_max=0))


def test_pggan_generator_and_discriminator_shapes_and_grads():
    gen = MODELS.build(dict(type='PGGANGenerator', noise_size=8, out_scale=16, base_channels=64, max_channels=16))
    img = gen(None, num_batches=2, transition_weight=0.5)
    assert img.shape == (2, 3, 16, 16)
    check_backward(gen, img, skip=('torgb_layers.0.', ))  # the 4x4 to-RGB is not on the 16x16 path

    disc = MODELS.build(dict(type='PGGANDiscriminator', in_scale=16, base_channels=64, max_channels=16))
    score = disc(img.detach(), transition_weight=0.5)
    assert score.shape == (2, 1)
    # MMGeneration's layout has a 4x4 conv (conv_blocks.0) that its forward never runs.
    check_backward(disc, score, skip=('conv_blocks.0.', 'fromrgb_layers.0.'))


def test_pggan_progressive_scales_and_fade_in():
    gen = MODELS.build(dict(type='PGGANGenerator', noise_size=8, out_scale=16, base_channels=64, max_channels=16))
    disc = MODELS.build(dict(type='PGGANDiscriminator', in_scale=16, base_channels=64, max_channels=16))
    noise = torch.randn(2, 8)
    low = gen(noise, curr_scale=4)
    new = gen(noise, curr_scale=8, transition_weight=1.0)
    half = gen(noise, curr_scale=8, transition_weight=0.5)
    assert low.shape == (2, 3, 4, 4) and new.shape == (2, 3, 8, 8)
    upsampled = torch.nn.functional.interpolate(low, scale_factor=2, mode='nearest')
    torch.testing.assert_close(half, 0.5 * (upsampled + new))
    assert disc(half, curr_scale=8, transition_weight=0.5).shape == (2, 1)
    with pytest.raises(ValueError, match='curr_scale=32'):
        gen(noise, curr_scale=32)


def test_stylegan1_generator_and_discriminator_with_fade_in():
    gen = MODELS.build(dict(type='StyleGANv1Generator', out_size=8, style_channels=16, num_mlps=2))
    out = gen(None, num_batches=2, transition_weight=0.5, return_latents=True)
    img = out['fake_img']
    assert img.shape == (2, 3, 8, 8) and out['latent'].shape == (2, 4, 16)
    check_backward(gen, img)
    assert gen(torch.randn(2, 16), curr_scale=4).shape == (2, 3, 4, 4)

    disc = MODELS.build(dict(type='StyleGAN1Discriminator', in_size=8))
    score = disc(img.detach(), transition_weight=0.5)
    assert score.shape == (2, 1)
    check_backward(disc, score)
    assert disc(torch.randn(2, 3, 4, 4), curr_scale=4).shape == (2, 1)


@pytest.mark.parametrize('radial, conv_kernel', [(False, 3), (True, 1)])
def test_stylegan3_generator_shapes_grads_and_emas(radial, conv_kernel):
    synthesis = dict(type='SynthesisNetwork', channel_base=256, channel_max=16, num_layers=4, margin_size=2,
                     use_radial_filters=radial, conv_kernel=conv_kernel)
    gen = MODELS.build(dict(type='StyleGANv3Generator', out_size=16, style_channels=8, img_channels=3, noise_size=8,
                            synthesis_cfg=synthesis))
    assert gen.synthesis.layer_names == ['L0_20_16', 'L1_20_16', 'L2_20_16', 'L3_16_16', 'L4_16_3']
    out = gen(None, num_batches=2, update_emas=True, return_latents=True)
    assert out['fake_img'].shape == (2, 3, 16, 16) and out['latent'].shape == (2, gen.num_ws, 8)
    assert gen.style_mapping.w_avg.abs().sum() > 0  # update_emas moved the running mean w
    check_backward(gen, out['fake_img'])
    truncated = gen(out['noise_batch'], truncation=0.0, return_latents=True)['latent']
    torch.testing.assert_close(truncated, gen.style_mapping.w_avg.expand_as(truncated))


def smooth_images(n: int = 4, size: int = 16) -> torch.Tensor:
    return torch.nn.functional.interpolate(torch.randn(n, 3, 4, 4), size=size, mode='bilinear',
                                           align_corners=False)


def test_ada_pipeline_is_identity_at_p0_and_flips_at_p1():
    from reelkit.models.architectures.stylegan.ada import AugmentPipe
    x = smooth_images()
    pipe = AugmentPipe(xflip=1, brightness=1)
    pipe.p.fill_(0.0)
    torch.testing.assert_close(pipe(x), x, atol=1e-5, rtol=0)
    pipe = AugmentPipe(xflip=1)
    pipe.p.fill_(1.0)
    y = pipe(x)
    for n in range(x.shape[0]):  # each image is kept or mirrored (up to the resampling filters)
        err = min((y[n] - x[n]).abs().max(), (y[n] - x[n].flip(-1)).abs().max())
        assert err < 0.2


def test_ada_brightness_shifts_each_image_uniformly():
    from reelkit.models.architectures.stylegan.ada import AugmentPipe
    x = smooth_images()
    pipe = AugmentPipe(brightness=1)
    pipe.p.fill_(1.0)
    shift = pipe(x) - x
    torch.testing.assert_close(shift, shift[:, :1, :1, :1].expand_as(shift))


def test_ada_image_filtering_keeps_shape_and_mean_level():
    from reelkit.models.architectures.stylegan.ada import AugmentPipe
    pipe = AugmentPipe(imgfilter=1)  # reflect padding by 21 needs images larger than 21 px
    x = torch.ones(2, 3, 32, 32)
    y = pipe(x)
    assert y.shape == x.shape
    # each band filter sums to 0 except the low-pass one (gain 1) and the gains keep the power: a flat image
    # is scaled by the low-pass gain only, uniformly
    torch.testing.assert_close(y, y[:, :1, :1, :1].expand_as(y))


def test_ada_update_moves_p_towards_the_target():
    aug = MODELS.build(dict(type='ADAAug', aug_pipeline=dict(xflip=1), update_interval=2, ada_kimg=1))
    aug.log_buffer.copy_(torch.tensor([8.0, 8.0]))  # D is confident on every real: overfitting
    aug.update(iteration=1, num_batches=10)
    assert aug.aug_pipeline.p.item() == pytest.approx(10 * 2 / 1000)
    assert aug.log_buffer.sum() == 0
    aug.log_buffer.copy_(torch.tensor([8.0, -8.0]))
    aug.update(iteration=3, num_batches=10)
    assert aug.aug_pipeline.p.item() == 0.0  # lowered, clamped at 0


def test_ada_stylegan2_discriminator_augments_and_backpropagates():
    pipeline = dict(xflip=1, rotate90=1, xint=1, scale=1, rotate=1, aniso=1, xfrac=1, brightness=1, contrast=1,
                    lumaflip=1, hue=1, saturation=1, noise=1, cutout=1)
    disc = MODELS.build(dict(type='ADAStyleGAN2Discriminator', in_size=8,
                             data_aug=dict(type='ADAAug', aug_pipeline=pipeline, augment_initial_p=1.0)))
    assert {'ada_aug.log_buffer', 'ada_aug.aug_pipeline.p', 'ada_aug.aug_pipeline.Hz_geom',
            'ada_aug.aug_pipeline.Hz_fbank'} <= set(disc.state_dict())
    x = smooth_images(2, 8).requires_grad_()
    score = disc(x)
    assert score.shape == (2, 1)
    check_backward(disc, score)
    assert x.grad is not None and torch.isfinite(x.grad).all()


@pytest.mark.parametrize('cfg, inputs', [
    (dict(type='StyleGANv2Generator', out_size=8, style_channels=16, num_mlps=2),
     dict(styles=torch.ones(2, 16), randomize_noise=False)),
    (dict(type='BigGANGenerator', output_scale=32, noise_size=20, num_classes=3, base_channels=8, shared_dim=8),
     dict(noise=torch.ones(2, 20), label=torch.tensor([0, 2]))),
    (dict(type='SAGANGenerator', output_scale=32, noise_size=8, num_classes=3, base_channels=8,
          with_spectral_norm=True, attention_after_nth_block=2), dict(noise=torch.ones(2, 8), label=torch.tensor([1, 2]))),
])
def test_state_dict_round_trip_and_deepcopy_reproduce_outputs(cfg, inputs):
    """Equalized-LR and spectral-norm hooks survive a state-dict load (checkpoints) and a deepcopy (EMA)."""
    import copy
    source = MODELS.build(cfg).eval()
    target = MODELS.build(cfg).eval()
    target.load_state_dict(source.state_dict(), strict=True)
    with torch.no_grad():
        expected = source(**inputs)
        torch.testing.assert_close(target(**inputs), expected)
        torch.testing.assert_close(copy.deepcopy(source)(**inputs), expected)
