"""The adversarial objectives the GAN models share, as ``{log_key: loss}`` dicts on raw scores."""
from typing import Dict

import torch
import torch.nn.functional as F
from torch import Tensor

Losses = Dict[str, Tensor]


def vanilla_disc(pred_fake: Tensor, pred_real: Tensor) -> Losses:
    """BCE on logits: real -> 1, fake -> 0."""
    return dict(loss_disc_fake=F.binary_cross_entropy_with_logits(pred_fake, torch.zeros_like(pred_fake)),
                loss_disc_real=F.binary_cross_entropy_with_logits(pred_real, torch.ones_like(pred_real)))


def vanilla_gen(pred_fake: Tensor) -> Losses:
    """Non-saturating BCE: fake -> 1."""
    return dict(loss_gen=F.binary_cross_entropy_with_logits(pred_fake, torch.ones_like(pred_fake)))


def least_squares_disc(pred_fake: Tensor, pred_real: Tensor) -> Losses:
    """``mean(D(fake)^2)`` and ``mean((D(real) - 1)^2)``."""
    return dict(loss_disc_fake=F.mse_loss(pred_fake, torch.zeros_like(pred_fake)),
                loss_disc_real=F.mse_loss(pred_real, torch.ones_like(pred_real)))


def least_squares_gen(pred_fake: Tensor) -> Losses:
    return dict(loss_gen=F.mse_loss(pred_fake, torch.ones_like(pred_fake)))


def hinge_disc(pred_fake: Tensor, pred_real: Tensor) -> Losses:
    """``mean(relu(1 + D(fake)))`` and ``mean(relu(1 - D(real)))``."""
    return dict(loss_disc_fake=F.relu(1 + pred_fake).mean(), loss_disc_real=F.relu(1 - pred_real).mean())


def wasserstein_disc(pred_fake: Tensor, pred_real: Tensor) -> Losses:
    return dict(loss_disc_fake=pred_fake.mean(), loss_disc_real=-pred_real.mean())


def negated_score_gen(pred_fake: Tensor) -> Losses:
    """``-mean(D(fake))``: the generator side of the hinge and Wasserstein objectives."""
    return dict(loss_gen=-pred_fake.mean())


def logistic_disc(pred_fake: Tensor, pred_real: Tensor) -> Losses:
    """Non-saturating logistic loss (StyleGAN): ``softplus(D(fake))``, ``softplus(-D(real))``."""
    return dict(loss_disc_fake=F.softplus(pred_fake).mean(), loss_disc_real=F.softplus(-pred_real).mean())


def logistic_gen(pred_fake: Tensor) -> Losses:
    return dict(loss_gen=F.softplus(-pred_fake).mean())
