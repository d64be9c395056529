"""LSGAN: `Least Squares Generative Adversarial Networks <https://arxiv.org/abs/1611.04076>`_.

Networks: ``LSGANGenerator``/``LSGANDiscriminator`` or DCGAN's (the "dcgan-archi" configs).
"""
from typing import Dict, Tuple

from torch import Tensor

from reelkit.registry import MODELS
from .adversarial_losses import least_squares_disc, least_squares_gen
from .base_gan import BaseGAN


@MODELS.register_module()
class LSGAN(BaseGAN):
    """Least-squares losses: D minimises ``(D(real) - 1)^2 + D(fake)^2``; G minimises
    ``(D(fake) - 1)^2``. Log keys: ``loss_disc_fake``, ``loss_disc_real``, ``loss_gen``."""

    def disc_loss(self, disc_pred_fake: Tensor, disc_pred_real: Tensor, fake_imgs: Tensor,
                  real_imgs: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        return self.parse_losses(least_squares_disc(disc_pred_fake, disc_pred_real))

    def gen_loss(self, disc_pred_fake: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        return self.parse_losses(least_squares_gen(disc_pred_fake))
