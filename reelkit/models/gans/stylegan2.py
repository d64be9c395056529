"""StyleGAN2 (`Analyzing and Improving the Image Quality of StyleGAN
<https://arxiv.org/abs/1912.04958>`_) and StyleGAN3 (`Alias-Free GANs
<https://arxiv.org/abs/2106.12423>`_), trained with the logistic loss and lazy regularization.

Networks: ``StyleGANv2Generator``/``StyleGAN2Discriminator`` (``ADAStyleGAN2Discriminator`` for
adaptive augmentation), ``StyleGANv3Generator``.
"""
from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor

from reelkit.models.losses.gan_auxiliary_loss import gen_path_regularizer, r1_gradient_penalty_loss
from reelkit.registry import MODELS
from reelkit.structures import GenDataSample
from .adversarial_losses import logistic_disc, logistic_gen
from .base_gan import BaseGAN, unwrap

LOSS_DEFAULTS = dict(
    r1_loss_weight=80.0,   # R1 penalty weight
    r1_interval=16,        # R1 every this many iterations
    norm_mode='pixel',     # R1 gradient norm: per pixel or per sample ('HWC')
    g_reg_interval=4,      # path-length regularization every this many iterations
    g_reg_weight=8.0,      # its weight
    pl_batch_shrink=2,     # its batch is the real batch divided by this
    r1_use_apex_amp=False, g_reg_use_apex_amp=False, scale_r1_loss=False)  # MMGeneration fp16 options


@MODELS.register_module()
class StyleGAN2(BaseGAN):
    """StyleGAN2 training.

    D minimises ``softplus(D(fake)) + softplus(-D(real))`` plus, at iterations divisible by
    ``r1_interval``, ``r1_loss_weight * R1``; G minimises ``softplus(-D(fake))`` plus, at
    iterations divisible by ``g_reg_interval``, ``g_reg_weight * path-length penalty`` whose
    running target is the buffer ``mean_path_length``. The noise is the generator's ``z``
    (``style_channels`` values). With an ADA discriminator, its augmentation probability is
    adapted after every iteration (logged as ``augment``).

    ``loss_config`` keys: see ``LOSS_DEFAULTS`` in this module. Log keys: ``loss_disc_fake``,
    ``loss_disc_real``, ``loss_r1_gp``, ``loss_gen``, ``loss_path_regular``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.noise_size = unwrap(self.generator).style_channels
        self.loss_cfg = self.loss_settings(LOSS_DEFAULTS)
        for key in ('r1_use_apex_amp', 'g_reg_use_apex_amp'):
            if self.loss_cfg[key]:
                raise ValueError(f'model.loss_config.{key}=True: apex is not supported; use '
                                 "optim_wrapper type='AmpOptimWrapper' for mixed precision")
        self.register_buffer('mean_path_length', torch.tensor(0.))

    def disc_loss(self, disc_pred_fake: Tensor, disc_pred_real: Tensor, fake_imgs: Tensor,
                  real_imgs: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        losses = logistic_disc(disc_pred_fake, disc_pred_real)
        if self._ada is not None:  # ADA's overfitting heuristic: the sign of D on reals
            signs = disc_pred_real.detach().sign()
            self._ada.log_buffer += torch.stack([signs.new_tensor(float(signs.numel())), signs.sum()])
        if self.iteration % self.loss_cfg['r1_interval'] == 0:
            losses['loss_r1_gp'] = self.loss_cfg['r1_loss_weight'] * r1_gradient_penalty_loss(
                self.discriminator, real_imgs, norm_mode=self.loss_cfg['norm_mode'])
        return self.parse_losses(losses)

    def gen_loss(self, disc_pred_fake: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        losses = logistic_gen(disc_pred_fake)
        if self.iteration % self.loss_cfg['g_reg_interval'] == 0:
            penalty, path_mean, _ = gen_path_regularizer(
                self.generator, disc_pred_fake.shape[0], self.mean_path_length,
                pl_batch_shrink=self.loss_cfg['pl_batch_shrink'])
            self.mean_path_length.copy_(path_mean)
            losses['loss_path_regular'] = self.loss_cfg['g_reg_weight'] * penalty
        return self.parse_losses(losses)

    def train_discriminator(self, inputs: dict, data_samples: Optional[List[GenDataSample]],
                            optimizer_wrapper) -> Dict[str, Tensor]:
        log_vars = super().train_discriminator(inputs, data_samples, optimizer_wrapper)
        if self._ada is not None:
            self._ada.update(iteration=self.iteration, num_batches=inputs['img'].shape[0])
            log_vars['augment'] = self._ada.aug_pipeline.p.detach().clone()
        return log_vars

    @property
    def _ada(self):
        discriminator = unwrap(self.discriminator)
        return discriminator.ada_aug if getattr(discriminator, 'with_ada', False) else None


@MODELS.register_module()
class StyleGAN3(StyleGAN2):
    """StyleGAN3, trained as StyleGAN2 (``loss_config`` usually sets ``g_reg_weight`` to 0 or
    ``g_reg_interval`` large; ``RampUpEMA`` for the average)."""
