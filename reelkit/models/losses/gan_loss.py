"""Adversarial losses of GANs (MMGeneration's ``GANLoss``).

``gan_type`` picks the objective on the discriminator's raw scores ``x``:

==================  ==============================  ==============================  ======================
gan_type            discriminator, real             discriminator, fake             generator (fake as real)
==================  ==============================  ==============================  ======================
``vanilla``         BCE-with-logits(x, real_label)  BCE-with-logits(x, fake_label)  BCE-with-logits(x, real_label)
``lsgan``           mean((x - real_label)^2)        mean((x - fake_label)^2)        mean((x - real_label)^2)
``wgan``            -mean(x)                        mean(x)                         -mean(x)
``wgan-logistic-ns``  mean(softplus(-x))            mean(softplus(x))               mean(softplus(-x))
``hinge``           mean(relu(1 - x))               mean(relu(1 + x))               -mean(x)
==================  ==============================  ==============================  ======================

``loss_weight`` scales the generator's loss only (``is_disc=False``); the discriminator's loss is never
weighted, as in MMGeneration.
"""
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from reelkit.registry import MODELS

GAN_TYPES = ('vanilla', 'lsgan', 'wgan', 'wgan-logistic-ns', 'hinge')


@MODELS.register_module()
class GANLoss(nn.Module):
    """Adversarial loss on discriminator scores.

    Args:
        gan_type: One of ``'vanilla'``, ``'lsgan'``, ``'wgan'``, ``'wgan-logistic-ns'``, ``'hinge'``.
        real_label_val: Target of real samples (``vanilla`` and ``lsgan``).
        fake_label_val: Target of fake samples (``vanilla`` and ``lsgan``).
        loss_weight: Factor of the generator's loss.
    """

    def __init__(self,
                 gan_type: str,
                 real_label_val: float = 1.0,
                 fake_label_val: float = 0.0,
                 loss_weight: float = 1.0):
        super().__init__()
        if gan_type not in GAN_TYPES:
            raise ValueError(f'gan_type={gan_type!r}; expected one of {list(GAN_TYPES)}')
        self.gan_type = gan_type
        self.real_label_val = real_label_val
        self.fake_label_val = fake_label_val
        self.loss_weight = loss_weight

    def forward(self, input: Tensor, target_is_real: bool, is_disc: bool = False) -> Tensor:
        """Scalar loss of scores ``input`` (any shape) judged against real (``True``) or fake targets.

        Args:
            input: Discriminator scores (raw, before any sigmoid).
            target_is_real: Whether the target is "real".
            is_disc: The loss is for the discriminator (unweighted; hinge uses the margin form).
        """
        if self.gan_type == 'vanilla':
            target = self.real_label_val if target_is_real else self.fake_label_val
            loss = F.binary_cross_entropy_with_logits(input, input.new_full(input.shape, target))
        elif self.gan_type == 'lsgan':
            target = self.real_label_val if target_is_real else self.fake_label_val
            loss = F.mse_loss(input, input.new_full(input.shape, target))
        elif self.gan_type == 'wgan':
            loss = -input.mean() if target_is_real else input.mean()
        elif self.gan_type == 'wgan-logistic-ns':
            loss = F.softplus(-input).mean() if target_is_real else F.softplus(input).mean()
        elif is_disc:  # hinge, discriminator
            loss = F.relu(1 - input).mean() if target_is_real else F.relu(1 + input).mean()
        else:  # hinge, generator
            loss = -input.mean()
        return loss if is_disc else loss * self.loss_weight
