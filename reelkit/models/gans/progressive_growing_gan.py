"""Progressive growing: PGGAN (`Progressive Growing of GANs <https://arxiv.org/abs/1710.10196>`_)
and StyleGAN (`A Style-Based Generator Architecture <https://arxiv.org/abs/1812.04948>`_).

Training starts at the smallest scale of ``nkimgs_per_scale`` and moves to the next one after
that many thousand images; for ``transition_kimgs`` thousand images the new stage fades in
(``transition_weight`` from 0 to 1). Real images are resized down to the current scale.

The schedule lives in buffers, so checkpoints resume it: ``shown_nkimg`` (thousands of images
seen), ``_curr_transition_weight``, ``_curr_scale_int`` and ``_next_scale_int`` (MMGeneration's
names). The fade-in is measured from the planned start of the stage, which makes it a function
of ``shown_nkimg`` alone (MMGeneration measured it from the first iteration of the stage, up
to one batch later, and lost that on resume).

Each scale has its own optimizers, ``generator_<scale>`` and ``discriminator_<scale>``
(``PGGANOptimWrapperConstructor``).
"""
from functools import partial
from typing import Dict, List, Optional, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.dist import get_world_size
from mmengine.optim import OptimWrapperDict
from torch import Tensor

from reelkit.models.losses.gan_auxiliary_loss import (disc_shift_loss, gradient_penalty_loss,
                                                      r1_gradient_penalty_loss)
from reelkit.registry import MODELS
from reelkit.structures import GenDataSample
from .adversarial_losses import logistic_disc, logistic_gen, negated_score_gen, wasserstein_disc
from .base_gan import BaseGAN, ModuleOrConfig, accumulative_counts


def parse_scales(nkimgs_per_scale: dict) -> Tuple[List[int], List[float]]:
    """``{'4': 600, '8': 1200, ...}`` -> ``([4, 8, ...], [600, 1200, ...])``, checked."""
    if not isinstance(nkimgs_per_scale, dict) or not nkimgs_per_scale:
        raise ValueError(f'model.nkimgs_per_scale={nkimgs_per_scale!r}; expected a dict '
                         "{scale: thousands of images}, e.g. {'4': 600, '8': 1200}")
    scales = [int(k) for k in nkimgs_per_scale]
    if any(b <= a for a, b in zip(scales, scales[1:])):
        raise ValueError(f'model.nkimgs_per_scale: scales {scales} must increase')
    return scales, [float(v) for v in nkimgs_per_scale.values()]


@MODELS.register_module('PGGAN')
@MODELS.register_module()
class ProgressiveGrowingGAN(BaseGAN):
    """PGGAN: Wasserstein losses, gradient penalty (weight 10, per-sample norm) and drift
    penalty (``0.001 * mean(D^2) / 2`` over real and fake) on the critic.

    Args:
        generator, discriminator, data_preprocessor, noise_size, ema_config: see ``BaseGAN``.
        nkimgs_per_scale (dict): ``{scale: thousands of images}`` in increasing scale order.
        interp_real (dict, optional): ``F.interpolate`` options for resizing the real images.
            Defaults to ``dict(mode='bilinear', align_corners=True)``.
        transition_kimgs (float): thousands of images of the fade-in of each new stage.
        prev_stage (int): accepted for MMGeneration configs; the stage follows ``shown_nkimg``.
    Log keys: ``loss_disc_fake``, ``loss_disc_real``, ``loss_gp``, ``loss_disc_shift``,
    ``loss_gen``, ``shown_nkimg``, ``curr_scale``, ``transition_weight``.
    """

    def __init__(self,
                 generator: ModuleOrConfig,
                 discriminator: Optional[ModuleOrConfig] = None,
                 data_preprocessor: Optional[ModuleOrConfig] = None,
                 nkimgs_per_scale: Optional[dict] = None,
                 noise_size: Optional[int] = None,
                 interp_real: Optional[dict] = None,
                 transition_kimgs: float = 600,
                 prev_stage: int = 0,
                 ema_config: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(generator, discriminator, data_preprocessor, 1, 1, noise_size, ema_config,
                         None, init_cfg)
        if self.ema_start:
            raise ValueError(f'model.ema_config.start_iter={self.ema_start}: progressive growing '
                             'averages from the first iteration; remove start_iter')
        self.scales, self.nkimgs = parse_scales(nkimgs_per_scale)
        self.cum_nkimgs = np.cumsum(self.nkimgs)
        self.transition_kimgs = transition_kimgs
        self.interp_real = dict(interp_real or dict(mode='bilinear', align_corners=True))
        self.register_buffer('shown_nkimg', torch.tensor(0.))
        self.register_buffer('_curr_transition_weight', torch.tensor(1.))
        self.register_buffer('_next_scale_int', torch.tensor(self.scales[0], dtype=torch.int32))
        self.register_buffer('_curr_scale_int', torch.tensor(self.scales[-1], dtype=torch.int32))

    # ------------------------------------------------------------------ schedule
    def stage_at(self, shown_nkimg: float) -> int:
        return int(min(np.sum(self.cum_nkimgs <= shown_nkimg), len(self.scales) - 1))

    def transition_weight_at(self, shown_nkimg: float) -> float:
        stage = self.stage_at(shown_nkimg)
        if stage == 0:
            return 1.0
        return float(np.clip((shown_nkimg - self.cum_nkimgs[stage - 1]) / self.transition_kimgs, 0, 1))

    def stage_kwargs(self) -> dict:
        """The scale and fade-in given to both networks in this iteration."""
        return dict(curr_scale=int(self._curr_scale_int),
                    transition_weight=float(self._curr_transition_weight))

    # ------------------------------------------------------------------ sampling
    def sampling_condition(self, inputs: Union[Tensor, dict], num_batches: int,
                           data_samples: Optional[List[GenDataSample]]) -> Dict:
        """``curr_scale``/``transition_weight`` from the inputs, else the current stage's."""
        condition = self.stage_kwargs()
        if isinstance(inputs, dict):
            condition.update({k: inputs[k] for k in condition if inputs.get(k) is not None})
        return condition

    # ------------------------------------------------------------------ training
    def generate_fake(self, num_batches: int) -> Tuple[Tensor, dict]:
        stage = self.stage_kwargs()
        fake = self.generator(noise=self.noise_fn(num_batches=num_batches), return_noise=False, **stage)
        return fake, stage

    def real_condition(self, inputs: dict, data_samples: Optional[List[GenDataSample]]) -> dict:
        return self.stage_kwargs()

    def _real_at_scale(self, images: Tensor, scale: int) -> Tensor:
        if images.shape[2:] == (scale, scale):
            return images
        if min(images.shape[2:]) < scale:
            raise ValueError(f'{type(self).__name__}: real images of size {tuple(images.shape[2:])} '
                             f'are smaller than the current scale {scale}; load larger images')
        return F.interpolate(images, size=(scale, scale), **self.interp_real)

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        shown = float(self.shown_nkimg)
        scale = self.scales[self.stage_at(shown)]
        self._curr_scale_int.fill_(scale)
        self._curr_transition_weight.fill_(self.transition_weight_at(shown))
        data = self.data_preprocessor(data, True)
        data['inputs'] = dict(data['inputs'], img=self._real_at_scale(data['inputs']['img'], scale))
        disc_wrapper = _stage_wrapper(optim_wrapper, 'discriminator', scale)
        gen_wrapper = _stage_wrapper(optim_wrapper, 'generator', scale)
        with disc_wrapper.optim_context(self.discriminator):
            log_vars = self.train_discriminator(**data, optimizer_wrapper=disc_wrapper)
        if disc_wrapper.inner_count % accumulative_counts(disc_wrapper) == 0:
            log_vars.update(self._generator_phase(data, gen_wrapper))
            self._update_ema(reached_start=True)
        batch = data['inputs']['img'].shape[0] * get_world_size()
        self.shown_nkimg += batch / 1000.
        self._next_scale_int.fill_(self.scales[self.stage_at(float(self.shown_nkimg))])
        log_vars.update(shown_nkimg=self.shown_nkimg.clone(), curr_scale=torch.tensor(float(scale)),
                        transition_weight=self._curr_transition_weight.clone())
        return {key: value.detach() for key, value in log_vars.items()}

    def disc_loss(self, disc_pred_fake: Tensor, disc_pred_real: Tensor, fake_imgs: Tensor,
                  real_imgs: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        losses = wasserstein_disc(disc_pred_fake, disc_pred_real)
        critic = partial(self.discriminator, **self.stage_kwargs())
        losses['loss_gp'] = gradient_penalty_loss(critic, real_imgs, fake_imgs, norm_mode='HWC',
                                                  weight=10)
        losses['loss_disc_shift'] = 0.5 * (disc_shift_loss(disc_pred_fake, 0.001) +
                                           disc_shift_loss(disc_pred_real, 0.001))
        return self.parse_losses(losses)

    def gen_loss(self, disc_pred_fake: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        return self.parse_losses(negated_score_gen(disc_pred_fake))


def _stage_wrapper(optim_wrapper: OptimWrapperDict, name: str, scale: int):
    key = f'{name}_{scale}'
    if key not in optim_wrapper.optim_wrappers:
        raise KeyError(f'optim_wrapper has no {key!r} (it has {sorted(optim_wrapper.keys())}); '
                       "progressive growing needs constructor='PGGANOptimWrapperConstructor'")
    return optim_wrapper[key]


@MODELS.register_module('StyleGANV1')
@MODELS.register_module()
class StyleGANv1(ProgressiveGrowingGAN):
    """StyleGAN (v1), grown progressively: logistic non-saturating losses and the R1 penalty
    (``gamma = 10``, i.e. weight 5 on ``mean ||grad D(real)||^2`` per sample) at the current
    stage. (MMGeneration 1.x scored real images with ``softplus(D(real))``, a sign error; this
    uses ``softplus(-D(real))`` as the paper and the official code do.)

    Args:
        style_channels (int): length of the noise ``z``; must equal the generator's.
        Other arguments: see :class:`ProgressiveGrowingGAN`.
    Log keys: ``loss_disc_fake``, ``loss_disc_real``, ``loss_r1_gp``, ``loss_gen``, ...
    """

    def __init__(self,
                 generator: ModuleOrConfig,
                 discriminator: Optional[ModuleOrConfig] = None,
                 data_preprocessor: Optional[ModuleOrConfig] = None,
                 style_channels: int = 512,
                 nkimgs_per_scale: Optional[dict] = None,
                 interp_real: Optional[dict] = None,
                 transition_kimgs: float = 600,
                 prev_stage: int = 0,
                 ema_config: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(generator, discriminator, data_preprocessor, nkimgs_per_scale, None,
                         interp_real, transition_kimgs, prev_stage, ema_config, init_cfg)
        generator_channels = getattr(self.generator, 'style_channels', style_channels)
        if generator_channels != style_channels:
            raise ValueError(f'model.style_channels={style_channels} but the generator has '
                             f'style_channels={generator_channels}; make them equal')
        self.noise_size = style_channels

    def disc_loss(self, disc_pred_fake: Tensor, disc_pred_real: Tensor, fake_imgs: Tensor,
                  real_imgs: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        losses = logistic_disc(disc_pred_fake, disc_pred_real)
        critic = partial(self.discriminator, **self.stage_kwargs())
        losses['loss_r1_gp'] = r1_gradient_penalty_loss(critic, real_imgs, norm_mode='HWC', weight=5.)
        return self.parse_losses(losses)

    def gen_loss(self, disc_pred_fake: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        return self.parse_losses(logistic_gen(disc_pred_fake))
