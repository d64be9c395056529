"""What the style-based generators (StyleGAN1, StyleGAN2) share: style sampling and mixing, the
truncation trick, the mean latent, the injected-noise buffers and the train/eval style modes."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from torch import Tensor

from ..common import module_device

STYLE_MODES = ('mix', 'single')
Styles = Union[Tensor, Sequence[Tensor], None]


class StyleBasedGenerator(nn.Module):
    """Base of the style-based generators.

    Subclasses set ``style_channels``, ``style_mapping`` (z -> w), ``num_latents`` (w vectors per image),
    ``num_injected_noises`` and register the ``injected_noise_<i>`` buffers (see
    :meth:`register_injected_noises`), then call :meth:`_init_style_modes`.
    """

    style_channels: int
    style_mapping: nn.Module
    num_latents: int
    num_injected_noises: int

    def _init_style_modes(self, default_style_mode: str, eval_style_mode: str, mix_prob: float) -> None:
        for name, mode in (('default_style_mode', default_style_mode), ('eval_style_mode', eval_style_mode)):
            if mode not in STYLE_MODES:
                raise ValueError(f'{name}={mode!r}; expected one of {list(STYLE_MODES)}')
        if not 0 <= mix_prob <= 1:
            raise ValueError(f'mix_prob={mix_prob} must be in [0, 1]')
        self._default_style_mode = default_style_mode
        self.default_style_mode = default_style_mode
        self.eval_style_mode = eval_style_mode
        self.mix_prob = mix_prob

    def register_injected_noises(self, sides: Sequence[int]) -> None:
        """One fixed noise map (1, 1, side, side) per noise-injection layer, as ``injected_noise_<i>``."""
        self.num_injected_noises = len(sides)
        for idx, side in enumerate(sides):
            self.register_buffer(f'injected_noise_{idx}', torch.randn(1, 1, side, side))

    def injected_noises(self, injected_noise: Optional[Sequence[Optional[Tensor]]],
                        randomize_noise: bool) -> List[Optional[Tensor]]:
        """The noise of each layer: as given, ``None`` (sample) or the fixed buffers."""
        if injected_noise is not None:
            return list(injected_noise)
        if randomize_noise:
            return [None] * self.num_injected_noises
        return [getattr(self, f'injected_noise_{i}') for i in range(self.num_injected_noises)]

    def train(self, mode: bool = True):
        """Also switch the default style mode: ``default_style_mode`` in training, ``eval_style_mode`` else."""
        self.default_style_mode = self._default_style_mode if mode else self.eval_style_mode
        return super().train(mode)

    @torch.no_grad()
    def get_mean_latent(self, num_samples: int = 4096, bs_per_repeat: int = 1024) -> Tensor:
        """Mean w (1, style_channels) over ``num_samples`` random z, computed ``bs_per_repeat`` at a time."""
        if num_samples % bs_per_repeat:
            raise ValueError(f'num_samples={num_samples} must be a multiple of bs_per_repeat={bs_per_repeat}')
        device = module_device(self)
        repeats = num_samples // bs_per_repeat
        total = sum(
            self.style_mapping(torch.randn(bs_per_repeat, self.style_channels, device=device)).mean(0, keepdim=True)
            for _ in range(repeats))
        return total / repeats

    def sample_styles(self, styles, num_batches: int, input_is_latent: bool) -> List[Tensor]:
        """The list of z (or w) batches to use: given tensors, or 1 or 2 (style mixing) sampled ones."""
        if isinstance(styles, Tensor):
            styles = [styles]
        if isinstance(styles, (list, tuple)) and styles and all(isinstance(s, Tensor) for s in styles):
            for s in styles:
                if s.shape[-1] != self.style_channels:
                    raise ValueError(f'styles must end with style_channels={self.style_channels}, got {tuple(s.shape)}')
            return list(styles)
        if styles is not None and not callable(styles):
            raise TypeError(f'styles must be a Tensor, a list of Tensors, a callable or None, got {type(styles)}')
        if num_batches <= 0:
            raise ValueError(f'styles are sampled here, so num_batches must be positive, got {num_batches}')
        if input_is_latent:
            raise ValueError('input_is_latent=True needs the latents as styles')
        device = module_device(self)
        mixing = self.default_style_mode == 'mix' and torch.rand(()).item() < self.mix_prob
        shape = (num_batches, self.style_channels)
        sampler = styles if callable(styles) else (lambda size: torch.randn(size, device=device))
        return [sampler(shape).to(device) for _ in range(2 if mixing else 1)]

    def make_latent(self, styles: Styles, num_batches: int, input_is_latent: bool, truncation: float,
                    truncation_latent: Optional[Tensor],
                    inject_index: Optional[int]) -> Tuple[Tensor, Optional[List[Tensor]], int]:
        """Map, truncate and mix the styles into per-layer latents.

        Returns:
            ``(latent, noise_batch, inject_index)``: latent (N, num_latents, style_channels), the z's used
            (``None`` with ``input_is_latent``) and the layer where the second style takes over.
        """
        styles = self.sample_styles(styles, num_batches, input_is_latent)
        noise_batch = None if input_is_latent else styles
        if not input_is_latent:
            styles = [self.style_mapping(s) for s in styles]

        if truncation < 1:
            if truncation_latent is None:
                if not hasattr(self, 'truncation_latent'):
                    self.truncation_latent = self.get_mean_latent()
                truncation_latent = self.truncation_latent
            styles = [truncation_latent + truncation * (s - truncation_latent) for s in styles]

        if len(styles) < 2:
            inject_index = self.num_latents
            latent = styles[0] if styles[0].ndim == 3 else styles[0].unsqueeze(1).repeat(1, inject_index, 1)
        else:
            if inject_index is None:
                inject_index = int(torch.randint(1, self.num_latents, ()).item())
            latent = torch.cat([styles[0].unsqueeze(1).repeat(1, inject_index, 1),
                                styles[1].unsqueeze(1).repeat(1, self.num_latents - inject_index, 1)], dim=1)
        return latent, noise_batch, inject_index

    @torch.no_grad()
    def style_mixing(self,
                     n_source: int,
                     n_target: int,
                     inject_index: int = 1,
                     truncation_latent: Optional[Tensor] = None,
                     truncation: float = 0.7,
                     **kwargs) -> Tensor:
        """A style-mixing grid: a blank tile, the ``n_source`` sources, then per target its image followed by
        the sources restyled with the target's coarse styles (layers < ``inject_index``).

        Returns:
            Images (1 + n_source + n_target * (1 + n_source), 3, H, W).
        """
        device = module_device(self)
        source = torch.randn(n_source, self.style_channels, device=device)
        target = torch.randn(n_target, self.style_channels, device=device)
        kwargs.update(truncation_latent=truncation_latent, truncation=truncation)
        source_images = self(source, **kwargs)
        H, W = source_images.shape[-2:]
        target_images = self(target, **kwargs)
        images = [torch.full((1, 3, H, W), -1.0, device=device), source_images]
        for i in range(n_target):
            mixed = self([target[i:i + 1].repeat(n_source, 1), source], inject_index=inject_index, **kwargs)
            images += [target_images[i:i + 1], mixed]
        return torch.cat(images, dim=0)
