"""DCGAN: `Unsupervised Representation Learning with Deep Convolutional Generative Adversarial
Networks <https://arxiv.org/abs/1511.06434>`_, trained with the non-saturating logistic loss.

The networks are ``DCGANGenerator`` and ``DCGANDiscriminator`` (``models/architectures/dcgan``).
"""
from typing import Dict, Tuple

from torch import Tensor

from reelkit.registry import MODELS
from .adversarial_losses import vanilla_disc, vanilla_gen
from .base_gan import BaseGAN


@MODELS.register_module()
class DCGAN(BaseGAN):
    """Vanilla GAN losses on logits: D minimises BCE(real -> 1, fake -> 0); G minimises
    BCE(fake -> 1). Log keys: ``loss_disc_fake``, ``loss_disc_real``, ``loss_gen``."""

    def disc_loss(self, disc_pred_fake: Tensor, disc_pred_real: Tensor, fake_imgs: Tensor,
                  real_imgs: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        return self.parse_losses(vanilla_disc(disc_pred_fake, disc_pred_real))

    def gen_loss(self, disc_pred_fake: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        return self.parse_losses(vanilla_gen(disc_pred_fake))
