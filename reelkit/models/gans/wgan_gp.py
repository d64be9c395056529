"""WGAN-GP: `Improved Training of Wasserstein GANs <https://arxiv.org/abs/1704.00028>`_.

Networks: ``WGANGPGenerator``/``WGANGPDiscriminator``. Usually ``discriminator_steps=5``.
"""
from typing import Dict, Tuple

from torch import Tensor

from reelkit.models.losses.gan_auxiliary_loss import gradient_penalty_loss
from reelkit.registry import MODELS
from .adversarial_losses import negated_score_gen, wasserstein_disc
from .base_gan import BaseGAN


@MODELS.register_module()
class WGANGP(BaseGAN):
    """Wasserstein losses with a gradient penalty on the critic.

    ``loss_config`` keys (MMGeneration's config names): ``gp_loss_weight`` (default 10) and
    ``gp_norm_mode`` (``'HWC'``, the default, or ``'pixel'``). Log keys: ``loss_disc_fake``,
    ``loss_disc_real``, ``loss_gp``, ``loss_gen``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        settings = self.loss_settings(dict(gp_loss_weight=10, gp_norm_mode='HWC'))
        self.gp_loss_weight = settings['gp_loss_weight']
        self.gp_norm_mode = settings['gp_norm_mode']

    def disc_loss(self, disc_pred_fake: Tensor, disc_pred_real: Tensor, fake_imgs: Tensor,
                  real_imgs: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        losses = wasserstein_disc(disc_pred_fake, disc_pred_real)
        losses['loss_gp'] = gradient_penalty_loss(self.discriminator, real_imgs, fake_imgs,
                                                  norm_mode=self.gp_norm_mode,
                                                  weight=self.gp_loss_weight)
        return self.parse_losses(losses)

    def gen_loss(self, disc_pred_fake: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        return self.parse_losses(negated_score_gen(disc_pred_fake))
