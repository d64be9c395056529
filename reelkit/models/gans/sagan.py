"""Class-conditional GANs with the hinge loss:

- SNGAN: `Spectral Normalization for GANs <https://arxiv.org/abs/1802.05957>`_ with the
  `projection discriminator <https://arxiv.org/abs/1802.05637>`_ (registered as ``SNGAN`` too);
- SAGAN: `Self-Attention GANs <https://arxiv.org/abs/1805.08318>`_;
- BigGAN: `Large Scale GAN Training <https://arxiv.org/abs/1809.11096>`_, trained the same way
  (usually with ``ema_config`` and ``accumulative_counts``).

Networks: ``SNGANGenerator``/``ProjDiscriminator``, ``BigGAN(Deep)Generator``/``...Discriminator``.
"""
from typing import Dict, Tuple

from torch import Tensor

from reelkit.registry import MODELS
from .adversarial_losses import hinge_disc, negated_score_gen
from .base_conditional_gan import BaseConditionalGAN


@MODELS.register_module('SNGAN')
@MODELS.register_module()
class SAGAN(BaseConditionalGAN):
    """Hinge losses on class-conditional scores: D minimises ``relu(1 - D(x, y)) +
    relu(1 + D(G(z, y'), y'))``; G minimises ``-D(G(z, y'), y')``. ``noise_size`` defaults to 128.
    Log keys: ``loss_disc_fake``, ``loss_disc_real``, ``loss_gen``."""

    def __init__(self, *args, noise_size: int = 128, **kwargs):
        super().__init__(*args, noise_size=noise_size, **kwargs)

    def disc_loss(self, disc_pred_fake: Tensor, disc_pred_real: Tensor, fake_imgs: Tensor,
                  real_imgs: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        return self.parse_losses(hinge_disc(disc_pred_fake, disc_pred_real))

    def gen_loss(self, disc_pred_fake: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        return self.parse_losses(negated_score_gen(disc_pred_fake))


@MODELS.register_module()
class BigGAN(SAGAN):
    """BigGAN, trained like SAGAN; ``noise_size`` defaults to the generator's."""

    def __init__(self, *args, noise_size=None, **kwargs):
        super().__init__(*args, noise_size=noise_size, **kwargs)
