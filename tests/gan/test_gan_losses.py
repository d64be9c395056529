"""GAN losses against values worked out by hand."""
import math

import pytest
import torch
import torch.nn as nn

import reelkit.models  # noqa: F401  (registers the losses)
from reelkit.models.losses.gan_auxiliary_loss import (disc_shift_loss, gen_path_regularizer, gradient_penalty_loss,
                                                      r1_gradient_penalty_loss)
from reelkit.registry import MODELS

SCORES = torch.tensor([[0.5], [-1.0]])


def softplus(x: float) -> float:
    return math.log1p(math.exp(x))


@pytest.mark.parametrize('gan_type, target_is_real, is_disc, expected', [
    # BCE-with-logits against 1 is softplus(-x), against 0 is softplus(x)
    ('vanilla', True, True, (softplus(-0.5) + softplus(1.0)) / 2),
    ('vanilla', False, True, (softplus(0.5) + softplus(-1.0)) / 2),
    ('lsgan', True, True, ((0.5 - 1)**2 + (-1.0 - 1)**2) / 2),  # (0.25 + 4) / 2
    ('lsgan', False, True, (0.5**2 + 1.0**2) / 2),
    ('wgan', True, True, 0.25),  # -mean(x) = -(-0.25)
    ('wgan', False, True, -0.25),
    ('wgan-logistic-ns', True, True, (softplus(-0.5) + softplus(1.0)) / 2),
    ('wgan-logistic-ns', False, True, (softplus(0.5) + softplus(-1.0)) / 2),
    ('hinge', True, True, (0.5 + 2.0) / 2),  # relu(1 - x)
    ('hinge', False, True, (1.5 + 0.0) / 2),  # relu(1 + x)
    ('hinge', True, False, 0.25),  # generator: -mean(x)
])
def test_gan_loss_values(gan_type, target_is_real, is_disc, expected):
    loss = MODELS.build(dict(type='GANLoss', gan_type=gan_type))
    assert loss(SCORES, target_is_real, is_disc=is_disc).item() == pytest.approx(expected, rel=1e-6)


def test_gan_loss_weight_applies_to_the_generator_only():
    loss = MODELS.build(dict(type='GANLoss', gan_type='wgan', loss_weight=3.0))
    assert loss(SCORES, True, is_disc=False).item() == pytest.approx(0.75)
    assert loss(SCORES, True, is_disc=True).item() == pytest.approx(0.25)


def test_gan_loss_custom_label_values():
    loss = MODELS.build(dict(type='GANLoss', gan_type='lsgan', real_label_val=0.9, fake_label_val=0.1))
    assert loss(SCORES, True).item() == pytest.approx(((0.5 - 0.9)**2 + (-1.9)**2) / 2)


def test_gan_loss_rejects_unknown_type():
    with pytest.raises(ValueError, match=r"gan_type='wgan-gp'; expected one of \['vanilla'"):
        MODELS.build(dict(type='GANLoss', gan_type='wgan-gp'))


class ScaledSum(nn.Module):
    """D(x) = c * sum(x): its input gradient is c everywhere."""

    def __init__(self, c: float):
        super().__init__()
        self.c = nn.Parameter(torch.tensor(c))

    def forward(self, x):
        return self.c * x.flatten(1).sum(1, keepdim=True)


def test_gradient_penalty_values():
    disc = ScaledSum(3.0)
    real, fake = torch.randn(2, 2, 2, 2), torch.randn(2, 2, 2, 2)
    # pixel: norm over 2 channels of (3, 3) = 3*sqrt(2); HWC: norm over 8 entries = 3*sqrt(8)
    pixel = gradient_penalty_loss(disc, real, fake, norm_mode='pixel')
    assert pixel.item() == pytest.approx((3 * math.sqrt(2) - 1)**2, rel=1e-5)
    hwc = gradient_penalty_loss(disc, real, fake, norm_mode='HWC')
    assert hwc.item() == pytest.approx((3 * math.sqrt(8) - 1)**2, rel=1e-5)
    module = MODELS.build(dict(type='GradientPenaltyLoss', loss_weight=10.0, norm_mode='HWC'))
    assert module(disc, real, fake).item() == pytest.approx(10 * (3 * math.sqrt(8) - 1)**2, rel=1e-5)


def test_gradient_penalty_reaches_discriminator_parameters():
    disc = ScaledSum(3.0)
    gradient_penalty_loss(disc, torch.randn(2, 1, 2, 2), torch.randn(2, 1, 2, 2)).backward()
    # penalty (3*1 - 1)^2 per pixel (C=1): d/dc (c - 1)^2 = 2 (c - 1) = 4
    assert disc.c.grad.item() == pytest.approx(4.0, rel=1e-5)


def test_gradient_penalty_with_mask_divides_by_mask_mean():
    disc = ScaledSum(2.0)
    mask = torch.zeros(1, 1, 2, 2)
    mask[..., 0, 0] = 1  # one of four pixels kept
    real, fake = torch.randn(1, 1, 2, 2), torch.randn(1, 1, 2, 2)
    # masked grads: 2 at one pixel, 0 elsewhere -> per-pixel (2-1)^2 once, (0-1)^2 three times, mean 1, / 0.25
    assert gradient_penalty_loss(disc, real, fake, mask=mask).item() == pytest.approx(4.0)


def test_r1_penalty_values():
    disc = ScaledSum(3.0)
    real = torch.randn(2, 2, 2, 2)
    assert r1_gradient_penalty_loss(disc, real, norm_mode='pixel').item() == pytest.approx(9 * 2, rel=1e-5)
    assert r1_gradient_penalty_loss(disc, real, norm_mode='HWC').item() == pytest.approx(9 * 8, rel=1e-5)
    module = MODELS.build(dict(type='R1GradientPenalty', loss_weight=0.5, norm_mode='HWC'))
    assert module(disc, real).item() == pytest.approx(36.0, rel=1e-5)


def test_r1_penalty_with_loss_scaler_is_unscaled():
    class Scaler:
        def scale(self, x):
            return x * 1024.0

        def get_scale(self):
            return 1024.0

    disc = ScaledSum(3.0)
    value = r1_gradient_penalty_loss(disc, torch.randn(1, 1, 2, 2), norm_mode='HWC', loss_scaler=Scaler())
    assert value.item() == pytest.approx(36.0, rel=1e-5)


def test_data_info_interval_skips_iterations():
    disc = ScaledSum(1.0)
    module = MODELS.build(dict(type='R1GradientPenalty', interval=4, norm_mode='HWC',
                               data_info=dict(discriminator='disc', real_data='real_imgs')))
    outputs = dict(disc=disc, real_imgs=torch.randn(1, 1, 2, 2), iteration=3)
    assert module(outputs) is None
    outputs['iteration'] = 8
    assert module(outputs).item() == pytest.approx(4.0, rel=1e-5)
    assert module.loss_name() == 'loss_r1_gp'


def test_data_info_errors_are_explicit():
    with pytest.raises(ValueError, match='interval=2 needs data_info'):
        MODELS.build(dict(type='R1GradientPenalty', interval=2))
    module = MODELS.build(dict(type='DiscShiftLoss', data_info=dict(pred='disc_pred_real')))
    with pytest.raises(KeyError, match="'disc_pred_real'"):
        module(dict(disc_pred_fake=torch.ones(1)))
    with pytest.raises(ValueError, match="norm_mode='L2'"):
        MODELS.build(dict(type='GradientPenaltyLoss', norm_mode='L2'))


def test_disc_shift_loss_values():
    pred = torch.tensor([1.0, 2.0, 3.0])
    assert disc_shift_loss(pred).item() == pytest.approx(14 / 3)
    module = MODELS.build(dict(type='DiscShiftLoss', loss_weight=0.1, data_info=dict(pred='disc_pred_real')))
    assert module(dict(disc_pred_real=pred)).item() == pytest.approx(0.1 * 14 / 3)


class LinearGenerator(nn.Module):
    """fake_img = c * latent viewed as (N, 1, 2, 2); the latent (N, 1, 4) is a fixed ramp (no randomness)."""

    def __init__(self, c: float):
        super().__init__()
        self.c = nn.Parameter(torch.tensor(c))

    def forward(self, noise, num_batches, return_latents):
        latent = torch.arange(num_batches * 4, dtype=torch.float32).reshape(num_batches, 1, 4).requires_grad_()
        return dict(fake_img=self.c * latent.reshape(num_batches, 1, 2, 2), latent=latent)


def test_path_regularizer_values_and_running_mean():
    gen = LinearGenerator(2.0)
    torch.manual_seed(0)
    penalty, path_mean, lengths = gen_path_regularizer(gen, 4, torch.tensor(1.0), pl_batch_shrink=2, decay=0.5)
    torch.manual_seed(0)
    y = torch.randn(2, 1, 2, 2) / 2  # the projection noise: N(0, 1) / sqrt(H * W)
    # d sum(c * w * y) / dw = c * y, so |J^T y| = c * ||y|| per sample (one latent row)
    expected_lengths = 2.0 * y.flatten(1).norm(dim=1)
    torch.testing.assert_close(lengths, expected_lengths)
    expected_mean = 1.0 + 0.5 * (expected_lengths.mean() - 1.0)
    assert path_mean.item() == pytest.approx(expected_mean.item(), rel=1e-6)
    assert penalty.item() == pytest.approx(((expected_lengths - expected_mean)**2).mean().item(), rel=1e-5)


def test_path_regularizer_module_updates_its_buffer():
    module = MODELS.build(dict(type='GeneratorPathRegularizer', loss_weight=2.0, pl_batch_size=3,
                               data_info=dict(generator='gen', num_batches='batch_size')))
    assert module.mean_path_length.item() == 0.0
    penalty = module(dict(gen=LinearGenerator(1.0), batch_size=8))
    assert penalty.ndim == 0 and penalty.requires_grad
    assert module.mean_path_length.item() > 0
    assert 'mean_path_length' in module.state_dict()
