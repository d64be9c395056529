"""Regularisers used next to the adversarial loss (MMGeneration's auxiliary losses).

* :func:`disc_shift_loss` / :class:`DiscShiftLoss`: ``mean(D(x)^2)``, keeps critic scores near 0 (PGGAN).
* :func:`gradient_penalty_loss` / :class:`GradientPenaltyLoss`: ``mean((||grad D(x_hat)|| - 1)^2)`` on
  random interpolates of real and fake images (WGAN-GP, Gulrajani et al. 2017).
* :func:`r1_gradient_penalty_loss` / :class:`R1GradientPenalty`: ``mean(||grad D(x_real)||^2)``
  (Mescheder et al., ICML 2018).
* :func:`gen_path_regularizer` / :class:`GeneratorPathRegularizer`: StyleGAN2's path-length penalty
  ``mean((|J_w^T y| - a)^2)`` with ``a`` a running mean of the path length (Karras et al., CVPR 2020).

The gradient norms are taken per pixel over channels (``norm_mode='pixel'``) or per sample over
C*H*W (``'HWC'``). Each module holds ``loss_weight`` and, optionally, ``data_info``: a map from the
loss's argument names to keys of the dict of outputs a GAN's train step collects (``dict(
discriminator='disc', real_data='real_imgs')``); with it, ``module(outputs_dict)`` fetches its own
arguments, and ``interval > 1`` skips the loss (returns ``None``) unless ``outputs_dict['iteration']``
is a multiple of it (lazy regularisation).
"""
import math
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

import torch
import torch.autograd as autograd
import torch.distributed as dist
import torch.nn as nn
from torch import Tensor

from reelkit.registry import MODELS

NORM_MODES = ('pixel', 'HWC')


def check_norm_mode(norm_mode: str) -> str:
    if norm_mode not in NORM_MODES:
        raise ValueError(f'norm_mode={norm_mode!r}; expected one of {list(NORM_MODES)}')
    return norm_mode


def input_gradient(outputs: Tensor, inputs: Tensor, loss_scaler: Any = None) -> Tensor:
    """d sum(outputs) / d inputs, kept in the graph (for a penalty on it).

    With an AMP ``loss_scaler`` (``scale()``/``get_scale()``, e.g. ``torch.amp.GradScaler``) the outputs
    are scaled before differentiation and the gradient unscaled after, to avoid fp16 underflow.
    """
    if loss_scaler is not None:
        outputs = loss_scaler.scale(outputs)
    grad = autograd.grad(outputs=outputs, inputs=inputs, grad_outputs=torch.ones_like(outputs), create_graph=True,
                         retain_graph=True, only_inputs=True)[0]
    if loss_scaler is not None:
        grad = grad / loss_scaler.get_scale()
    return grad


def _check_no_apex(use_apex_amp: bool) -> None:
    if use_apex_amp:
        raise ValueError('use_apex_amp=True is not supported (apex is not used here); pass an AMP loss_scaler')


def disc_shift_loss(pred: Tensor, weight: float = 1.0) -> Tensor:
    """``weight * mean(pred^2)``; pred: discriminator scores of any shape."""
    return (pred**2).mean() * weight


def _norm_penalty(gradients: Tensor, norm_mode: str, target: Optional[float], mask: Optional[Tensor]) -> Tensor:
    """Mean over samples/pixels of ``(||g|| - target)^2`` (or ``||g||^2`` when ``target`` is None)."""
    N = gradients.shape[0]
    if mask is not None:
        gradients = gradients * mask
    if norm_mode == 'pixel':
        norms = gradients.norm(2, dim=1)  # (N, H, W)
    else:
        norms = gradients.reshape(N, -1).norm(2, dim=1)  # (N,)
    penalty = ((norms - target)**2).mean() if target is not None else (norms**2).mean()
    if mask is not None:
        penalty = penalty / mask.mean()
    return penalty


def gradient_penalty_loss(discriminator: Callable[[Tensor], Tensor],
                          real_data: Tensor,
                          fake_data: Tensor,
                          mask: Optional[Tensor] = None,
                          norm_mode: str = 'pixel',
                          weight: float = 1.0) -> Tensor:
    """WGAN-GP penalty ``weight * mean((||grad D(x_hat)|| - 1)^2)``, x_hat = a*real + (1-a)*fake, a ~ U(0, 1).

    Args:
        discriminator: Maps images (N, C, H, W) to scores.
        real_data: Real images (N, C, H, W).
        fake_data: Generated images (N, C, H, W).
        mask: Optional (N, 1 or C, H, W) weights of the gradient (inpainting); the penalty is divided
            by its mean.
        norm_mode: ``'pixel'`` (norm over channels per pixel) or ``'HWC'`` (norm per sample).
        weight: Factor of the penalty.
    """
    check_norm_mode(norm_mode)
    alpha = torch.rand(real_data.shape[0], 1, 1, 1, device=real_data.device, dtype=real_data.dtype)
    interpolates = (alpha * real_data + (1. - alpha) * fake_data).detach().requires_grad_(True)
    gradients = input_gradient(discriminator(interpolates), interpolates)
    return _norm_penalty(gradients, norm_mode, 1.0, mask) * weight


def r1_gradient_penalty_loss(discriminator: Callable[[Tensor], Tensor],
                             real_data: Tensor,
                             mask: Optional[Tensor] = None,
                             norm_mode: str = 'pixel',
                             loss_scaler: Any = None,
                             use_apex_amp: bool = False,
                             weight: float = 1.0) -> Tensor:
    """R1 penalty ``weight * mean(||grad D(x_real)||^2)``; arguments as in :func:`gradient_penalty_loss`.

    ``loss_scaler``: AMP gradient scaler used while differentiating (see :func:`input_gradient`).
    """
    check_norm_mode(norm_mode)
    _check_no_apex(use_apex_amp)
    real_data = real_data.detach().clone().requires_grad_(True)
    gradients = input_gradient(discriminator(real_data), real_data, loss_scaler)
    return _norm_penalty(gradients, norm_mode, None, mask) * weight


def gen_path_regularizer(generator: Callable[..., Dict[str, Tensor]],
                         num_batches: int,
                         mean_path_length: Tensor,
                         pl_batch_shrink: int = 1,
                         decay: float = 0.01,
                         weight: float = 1.0,
                         pl_batch_size: Optional[int] = None,
                         sync_mean_buffer: bool = False,
                         loss_scaler: Any = None,
                         use_apex_amp: bool = False) -> Tuple[Tensor, Tensor, Tensor]:
    """StyleGAN2 path-length penalty.

    Samples ``num_batches // pl_batch_shrink`` (or ``pl_batch_size``) images with
    ``generator(None, num_batches=n, return_latents=True)`` (which must return ``fake_img`` (n, C, H, W)
    and ``latent`` (n, L, D)), projects them on ``y ~ N(0, 1) / sqrt(H * W)`` and measures
    ``|J_w^T y| = sqrt(mean_L(sum_D(grad^2)))``.

    Returns:
        ``(weight * mean((path_lengths - a)^2), a.detach(), path_lengths)`` where
        ``a = mean_path_length + decay * (mean(path_lengths) - mean_path_length)`` (averaged over
        processes when ``sync_mean_buffer``).
    """
    _check_no_apex(use_apex_amp)
    if pl_batch_shrink > 1:
        num_batches = max(1, num_batches // pl_batch_shrink)
    if pl_batch_size is not None:
        num_batches = pl_batch_size
    outputs = generator(None, num_batches=num_batches, return_latents=True)
    fake_img, latents = outputs['fake_img'], outputs['latent']

    noise = torch.randn_like(fake_img) / math.sqrt(fake_img.shape[2] * fake_img.shape[3])
    grad = input_gradient((fake_img * noise).sum(), latents, loss_scaler)
    path_lengths = torch.sqrt(grad.pow(2).sum(2).mean(1))

    path_mean = mean_path_length + decay * (path_lengths.mean() - mean_path_length)
    if sync_mean_buffer and dist.is_available() and dist.is_initialized():
        dist.all_reduce(path_mean)
        path_mean = path_mean / float(dist.get_world_size())
    path_penalty = (path_lengths - path_mean).pow(2).mean() * weight
    return path_penalty, path_mean.detach(), path_lengths


class DataInfoLoss(nn.Module):
    """Common ``data_info`` / ``interval`` / ``loss_name`` handling of the auxiliary losses.

    Subclasses implement :meth:`compute` with the loss's own argument names.
    """

    def __init__(self, loss_weight: float, data_info: Optional[Mapping[str, str]], interval: int, loss_name: str):
        super().__init__()
        if interval < 1:
            raise ValueError(f'interval={interval}; expected a positive integer')
        if interval > 1 and data_info is None:
            raise ValueError(f'interval={interval} needs data_info: the iteration is read from the outputs dict')
        self.loss_weight = loss_weight
        self.data_info = dict(data_info) if data_info is not None else None
        self.interval = interval
        self._loss_name = loss_name

    def loss_name(self) -> str:
        """Name of the loss in the log; only names starting with ``loss_`` are back-propagated."""
        return self._loss_name

    def compute(self, *args, **kwargs):
        raise NotImplementedError

    def forward(self, *args, **kwargs):
        """``compute(*args, **kwargs)``; with ``data_info``, ``forward(outputs_dict)`` (or
        ``forward(outputs_dict=...)``) fetches the arguments from the dict first, and returns ``None``
        on iterations skipped by ``interval``."""
        if self.data_info is None:
            return self.compute(*args, **kwargs)
        if len(args) == 1 and isinstance(args[0], Mapping):
            outputs_dict = args[0]
        elif not args and 'outputs_dict' in kwargs:
            outputs_dict = kwargs.pop('outputs_dict')
        else:
            raise TypeError(f'{type(self).__name__} has data_info, so call it with the outputs dict alone '
                            '(positionally or as outputs_dict=...)')
        if self.interval > 1 and outputs_dict['iteration'] % self.interval != 0:
            return None
        missing = sorted(v for v in self.data_info.values() if v not in outputs_dict)
        if missing:
            raise KeyError(f'{type(self).__name__}.data_info refers to {missing}, which the outputs dict lacks; '
                           f'it has {sorted(outputs_dict)}')
        kwargs.update({arg: outputs_dict[key] for arg, key in self.data_info.items()})
        return self.compute(**kwargs)


@MODELS.register_module()
class DiscShiftLoss(DataInfoLoss):
    """``loss_weight * mean(pred^2)`` (PGGAN's drift penalty). Call with ``pred`` or an outputs dict.

    Args:
        loss_weight: Factor of the loss.
        data_info: Map of ``pred`` to an outputs-dict key, e.g. ``dict(pred='disc_pred_real')``.
        loss_name: Log name.
    """

    def __init__(self, loss_weight: float = 1.0, data_info: Optional[Mapping[str, str]] = None,
                 loss_name: str = 'loss_disc_shift'):
        super().__init__(loss_weight, data_info, 1, loss_name)

    def compute(self, pred: Tensor) -> Tensor:
        return disc_shift_loss(pred, weight=self.loss_weight)


@MODELS.register_module()
class GradientPenaltyLoss(DataInfoLoss):
    """WGAN-GP penalty (see :func:`gradient_penalty_loss`), times ``loss_weight``.

    Args:
        loss_weight: Factor of the penalty.
        norm_mode: ``'pixel'`` or ``'HWC'``.
        data_info: Map of ``discriminator``/``real_data``/``fake_data`` to outputs-dict keys.
        loss_name: Log name.
    """

    def __init__(self, loss_weight: float = 1.0, norm_mode: str = 'pixel',
                 data_info: Optional[Mapping[str, str]] = None, loss_name: str = 'loss_gp'):
        super().__init__(loss_weight, data_info, 1, loss_name)
        self.norm_mode = check_norm_mode(norm_mode)

    def compute(self, discriminator, real_data: Tensor, fake_data: Tensor, mask: Optional[Tensor] = None) -> Tensor:
        return gradient_penalty_loss(discriminator, real_data, fake_data, mask=mask, norm_mode=self.norm_mode,
                                     weight=self.loss_weight)


@MODELS.register_module()
class R1GradientPenalty(DataInfoLoss):
    """R1 penalty (see :func:`r1_gradient_penalty_loss`), times ``loss_weight``.

    Args:
        loss_weight: Factor of the penalty.
        norm_mode: ``'pixel'`` or ``'HWC'``.
        interval: Compute it every ``interval`` iterations only (needs ``data_info``).
        data_info: Map of ``discriminator``/``real_data`` to outputs-dict keys.
        use_apex_amp: Not supported; must stay ``False``.
        loss_name: Log name.
    """

    def __init__(self, loss_weight: float = 1.0, norm_mode: str = 'pixel', interval: int = 1,
                 data_info: Optional[Mapping[str, str]] = None, use_apex_amp: bool = False,
                 loss_name: str = 'loss_r1_gp'):
        super().__init__(loss_weight, data_info, interval, loss_name)
        _check_no_apex(use_apex_amp)
        self.norm_mode = check_norm_mode(norm_mode)

    def compute(self, discriminator, real_data: Tensor, mask: Optional[Tensor] = None,
                loss_scaler: Any = None) -> Tensor:
        return r1_gradient_penalty_loss(discriminator, real_data, mask=mask, norm_mode=self.norm_mode,
                                        loss_scaler=loss_scaler, weight=self.loss_weight)


@MODELS.register_module()
class GeneratorPathRegularizer(DataInfoLoss):
    """StyleGAN2 path-length penalty (see :func:`gen_path_regularizer`), times ``loss_weight``.

    Keeps the running mean path length in the buffer ``mean_path_length``.

    Args:
        loss_weight: Factor of the penalty.
        pl_batch_shrink: Divide the batch size by this for the penalty.
        decay: Update rate of the running mean path length.
        pl_batch_size: Fixed batch size for the penalty (overrides ``pl_batch_shrink``).
        sync_mean_buffer: Average the running mean over processes.
        interval: Compute it every ``interval`` iterations only (needs ``data_info``).
        data_info: Map of ``generator``/``num_batches`` to outputs-dict keys.
        use_apex_amp: Not supported; must stay ``False``.
        loss_name: Log name.
    """

    def __init__(self, loss_weight: float = 1.0, pl_batch_shrink: int = 1, decay: float = 0.01,
                 pl_batch_size: Optional[int] = None, sync_mean_buffer: bool = False, interval: int = 1,
                 data_info: Optional[Mapping[str, str]] = None, use_apex_amp: bool = False,
                 loss_name: str = 'loss_path_regular'):
        super().__init__(loss_weight, data_info, interval, loss_name)
        _check_no_apex(use_apex_amp)
        self.pl_batch_shrink = pl_batch_shrink
        self.decay = decay
        self.pl_batch_size = pl_batch_size
        self.sync_mean_buffer = sync_mean_buffer
        self.register_buffer('mean_path_length', torch.tensor(0.))

    def compute(self, generator, num_batches: int, loss_scaler: Any = None) -> Tensor:
        penalty, self.mean_path_length, _ = gen_path_regularizer(
            generator, num_batches, self.mean_path_length, pl_batch_shrink=self.pl_batch_shrink, decay=self.decay,
            weight=self.loss_weight, pl_batch_size=self.pl_batch_size, sync_mean_buffer=self.sync_mean_buffer,
            loss_scaler=loss_scaler)
        return penalty
