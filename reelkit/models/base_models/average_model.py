"""Weight averages of a generator, kept inside GAN models as ``generator_ema``.

MMGeneration 1.x checkpoints store an averaged generator as ``generator_ema.steps`` plus
``generator_ema.module.<key>`` for every ``generator.<key>``. Older checkpoints store the averaged
weights as ``generator_ema.<key>`` with no ``steps``; both load under ``strict=True``.

``momentum`` keeps MMGeneration 1.x's meaning (and its configs' values such as ``0.999``): it is the
weight of the running average, ``avg = momentum * avg + (1 - momentum) * new``. MMEngine's own
``ExponentialMovingAverage`` uses the opposite convention (``momentum=0.0002``), and under the
``reelkit`` scope this class shadows it; a momentum of 0.5 or less is therefore refused with a
pointer to ``mmengine.ExponentialMovingAverage`` (e.g. for ``EMAHook``'s ``ema_type``).
"""
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from mmengine.model import BaseAveragedModel
from torch import Tensor

from reelkit.registry import MODELS


class _GeneratorAverage(BaseAveragedModel):
    """Shared behaviour of the averages: loading old layouts and copying from the source model."""

    def _load_from_state_dict(self, state_dict: Dict[str, Tensor], prefix: str,
                              local_metadata: dict, strict: bool, missing_keys: List[str],
                              unexpected_keys: List[str], error_msgs: List[str]) -> None:
        # Old layout: ``<prefix><key>`` instead of ``<prefix>module.<key>``, and no ``steps``.
        for key in [k for k in state_dict if k.startswith(prefix)]:
            local = key[len(prefix):]
            if local != 'steps' and not local.startswith('module.'):
                state_dict[f'{prefix}module.{local}'] = state_dict.pop(key)
        state_dict.setdefault(f'{prefix}steps', torch.zeros_like(self.steps))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)

    @torch.no_grad()
    def sync_buffers(self, model: nn.Module) -> None:
        """Copy the buffers of ``model`` (e.g. batch-norm statistics) into the average."""
        for avg, src in zip(self.module.buffers(), model.buffers()):
            avg.copy_(src)

    @torch.no_grad()
    def sync_parameters(self, model: nn.Module) -> None:
        """Copy the parameters and buffers of ``model`` into the average (before averaging starts)."""
        for avg, src in zip(self.module.parameters(), model.parameters()):
            avg.copy_(src)
        self.sync_buffers(model)


@MODELS.register_module()
class ExponentialMovingAverage(_GeneratorAverage):
    """Exponential moving average: ``avg = momentum * avg + (1 - momentum) * new``.

    Args:
        model (nn.Module): the model to average (a deep copy is kept as ``module``).
        momentum (float): weight of the running average, in (0.5, 1). Defaults to 0.999.
        interval (int): average every ``interval`` updates. Defaults to 1.
        device (torch.device, optional): where to keep the average. Defaults to the model's device.
        update_buffers (bool): average buffers too instead of copying them. Defaults to False.
    """

    def __init__(self,
                 model: nn.Module,
                 momentum: float = 0.999,
                 interval: int = 1,
                 device: Optional[torch.device] = None,
                 update_buffers: bool = False) -> None:
        if not 0.5 < momentum < 1.0:
            raise ValueError(
                f'ExponentialMovingAverage(momentum={momentum!r}): reelkit follows MMGeneration 1.x, '
                'where momentum is the weight of the running average, in (0.5, 1), e.g. 0.999. For '
                "MMEngine's convention (weight of the new value, e.g. 0.0002) name "
                "type='mmengine.ExponentialMovingAverage' (EMAHook: ema_type=...)")
        super().__init__(model, interval, device, update_buffers)
        self.momentum = momentum

    def avg_func(self, averaged_param: Tensor, source_param: Tensor, steps: int) -> None:
        averaged_param.lerp_(source_param, 1.0 - self.momentum)


@MODELS.register_module()
class RampUpEMA(_GeneratorAverage):
    """Moving average whose half-life grows with the images seen (StyleGAN2-ADA/StyleGAN3).

    The weight of the average at update ``steps`` is ``0.5 ** (batch_size / half_life)`` with
    ``half_life = min(ema_kimg * 1000, (steps + 1) * batch_size * ema_rampup)`` images.

    Args:
        model (nn.Module): the model to average.
        interval (int): average every ``interval`` updates. Defaults to 1.
        ema_kimg (float): half-life of the average in thousands of images. Defaults to 10.
        ema_rampup (float, optional): ramp-up ratio; ``None`` disables the ramp-up. Defaults to 0.05.
        batch_size (int): images per update over all processes. Defaults to 32.
        eps (float): guards the division. Defaults to 1e-8.
        start_iter (int): accepted for config compatibility; the GAN model reads ``start_iter``
            from ``ema_config`` itself. Defaults to 0.
        device (torch.device, optional): where to keep the average.
        update_buffers (bool): average buffers too instead of copying them. Defaults to False.
    """

    def __init__(self,
                 model: nn.Module,
                 interval: int = 1,
                 ema_kimg: float = 10,
                 ema_rampup: Optional[float] = 0.05,
                 batch_size: int = 32,
                 eps: float = 1e-8,
                 start_iter: int = 0,
                 device: Optional[torch.device] = None,
                 update_buffers: bool = False) -> None:
        super().__init__(model, interval, device, update_buffers)
        self.ema_kimg = ema_kimg
        self.ema_rampup = ema_rampup
        self.batch_size = batch_size
        self.eps = eps

    @staticmethod
    def rampup(steps: int, ema_kimg: float = 10, ema_rampup: Optional[float] = 0.05,
               batch_size: int = 4, eps: float = 1e-8) -> float:
        """The weight of the running average after ``steps`` updates."""
        seen_images = (steps + 1) * batch_size
        half_life = ema_kimg * 1000
        if ema_rampup is not None:
            half_life = min(half_life, seen_images * ema_rampup)
        return 0.5**(batch_size / max(half_life, eps))

    def avg_func(self, averaged_param: Tensor, source_param: Tensor, steps: int) -> None:
        beta = self.rampup(int(steps), self.ema_kimg, self.ema_rampup, self.batch_size, self.eps)
        averaged_param.lerp_(source_param, 1.0 - beta)
