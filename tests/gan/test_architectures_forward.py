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


@pytest.mark.parametrize('norm', ['LN2d', 'GN'])
def test_wgangp_generator_and_discriminator_shapes_and_grads(norm):
    gen = MODELS.build(dict(type='WGANGPGenerator', noise_size=8, out_scale=8))
    img = gen(torch.randn(2, 8))
    assert img.shape == (2, 3, 8, 8)
    check_backward(gen, img)

    disc = MODELS.build(dict(type='WGANGPDiscriminator', in_channel=3, in_scale=8,
                             conv_module_cfg=dict(norm_cfg=dict(type=norm))))
    score = disc(torch.randn(2, 3, 8, 8))
    assert score.shape == (2, 1)
    check_backward(disc, score)


def test_wgangp_rejects_unsupported_scale():
    with pytest.raises(ValueError, match='out_scale=256'):
        MODELS.build(dict(type='WGANGPGenerator', noise_size=8, out_scale=256))
