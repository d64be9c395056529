"""GGAN: `Geometric GAN <https://arxiv.org/abs/1705.02894>`_, the hinge (SVM margin) objective
on an unconditional GAN. (MMGeneration's ``ggan_dcgan-archi`` configs build a plain ``DCGAN``.)"""
from typing import Dict, Tuple

from torch import Tensor

from reelkit.registry import MODELS
from .adversarial_losses import hinge_disc, negated_score_gen
from .base_gan import BaseGAN


@MODELS.register_module()
class GGAN(BaseGAN):
    """Hinge losses: D minimises ``relu(1 - D(real)) + relu(1 + D(fake))``; G minimises
    ``-D(fake)``. Log keys: ``loss_disc_fake``, ``loss_disc_real``, ``loss_gen``."""

    def disc_loss(self, disc_pred_fake: Tensor, disc_pred_real: Tensor, fake_imgs: Tensor,
                  real_imgs: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        return self.parse_losses(hinge_disc(disc_pred_fake, disc_pred_real))

    def gen_loss(self, disc_pred_fake: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        return self.parse_losses(negated_score_gen(disc_pred_fake))
