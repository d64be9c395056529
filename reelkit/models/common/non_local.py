"""Non-local block (Wang et al., *Non-local Neural Networks*, CVPR 2018), in 3D.

Every position attends to every (optionally subsampled) position of the clip, and the weighted sum
is added back through ``conv_out``. Submodule names follow MMCV's ``NonLocal3d``
(``g``, ``theta``, ``phi``, ``conv_out``) so MMAction2 checkpoints load unchanged.
"""
from typing import Callable, Dict

import torch
import torch.nn as nn

from .conv_module import ConvModule
from .layers import LayerConfig, frozen


def gaussian(theta_x: torch.Tensor, phi_x: torch.Tensor, use_scale: bool) -> torch.Tensor:
    """softmax(x_i . x_j) on the raw features; ``use_scale`` does not apply."""
    return torch.matmul(theta_x, phi_x).softmax(dim=-1)


def embedded_gaussian(theta_x: torch.Tensor, phi_x: torch.Tensor, use_scale: bool) -> torch.Tensor:
    """softmax(theta(x_i) . phi(x_j)), divided by sqrt(channels) first when ``use_scale``."""
    weight = torch.matmul(theta_x, phi_x)
    if use_scale:
        weight = weight / theta_x.shape[-1] ** 0.5
    return weight.softmax(dim=-1)


def dot_product(theta_x: torch.Tensor, phi_x: torch.Tensor, use_scale: bool) -> torch.Tensor:
    """theta(x_i) . phi(x_j) divided by the number of positions j; ``use_scale`` does not apply."""
    weight = torch.matmul(theta_x, phi_x)
    return weight / weight.shape[-1]


PAIRWISE_FUNCTIONS: Dict[str, Callable[[torch.Tensor, torch.Tensor, bool], torch.Tensor]] = {
    'gaussian': gaussian,
    'embedded_gaussian': embedded_gaussian,
    'dot_product': dot_product,
}


class NonLocal3d(nn.Module):
    """Non-local block on (N, C, T, H, W) features.

    Args:
        in_channels: channels of the input (and output).
        reduction: the embeddings have ``in_channels // reduction`` channels.
        use_scale: divide the embedded-gaussian affinities by sqrt(embedding channels).
        conv_cfg: config of the 1x1x1 convolutions.
        norm_cfg: config of the norm after ``conv_out`` (``None`` for none).
        mode: pairwise function, one of ``gaussian``, ``embedded_gaussian``, ``dot_product``.
        sub_sample: max-pool ``g`` and ``phi`` by 2 in H and W, so there are 4x fewer keys.
        init_std: std of the normal init of the embedding convolutions.
    """

    def __init__(
            self,
            in_channels: int,
            reduction: int = 2,
            use_scale: bool = True,
            conv_cfg: LayerConfig = frozen(type='Conv3d'),
            norm_cfg: LayerConfig = None,
            mode: str = 'embedded_gaussian',
            sub_sample: bool = False,
            init_std: float = 0.01,
    ) -> None:
        super().__init__()
        if mode not in PAIRWISE_FUNCTIONS:
            raise ValueError(f'non_local_cfg.mode={mode!r}; expected one of {sorted(PAIRWISE_FUNCTIONS)}')
        self.in_channels = in_channels
        self.inter_channels = max(in_channels // reduction, 1)
        self.use_scale = use_scale
        self.mode = mode
        self.pairwise = PAIRWISE_FUNCTIONS[mode]

        def embed() -> ConvModule:
            return ConvModule(in_channels, self.inter_channels, 1, conv_cfg=conv_cfg, act_cfg=None)

        pool = nn.MaxPool3d(kernel_size=(1, 2, 2)) if sub_sample else None
        self.g = nn.Sequential(embed(), pool) if pool else embed()
        if mode == 'gaussian':
            # The gaussian affinity compares the raw features: no theta/phi weights.
            self.theta = nn.Identity()
            self.phi = pool or nn.Identity()
        else:
            self.theta = embed()
            self.phi = nn.Sequential(embed(), pool) if pool else embed()
        self.conv_out = ConvModule(
            self.inter_channels, in_channels, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=None)
        self.reset_parameters(init_std)

    def reset_parameters(self, init_std: float) -> None:
        """Small normal embeddings; ``conv_out`` (its norm if any) starts at zero, so the block starts as identity."""
        for module in (self.g, self.theta, self.phi):
            for conv in module.modules():
                if isinstance(conv, nn.modules.conv._ConvNd):
                    nn.init.normal_(conv.weight, std=init_std)
                    nn.init.zeros_(conv.bias)
        last = self.conv_out.bn if self.conv_out.bn is not None else self.conv_out.conv
        nn.init.zeros_(last.weight)
        if last.bias is not None:
            nn.init.zeros_(last.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, T, H, W) -> (N, C, T, H, W)."""
        N, C, T, H, W = x.shape
        g_x = self.g(x).flatten(2).transpose(1, 2)  # (N, P', C')
        theta_x = self.theta(x).flatten(2).transpose(1, 2)  # (N, P, C')
        phi_x = self.phi(x).flatten(2)  # (N, C', P')
        weight = self.pairwise(theta_x, phi_x, self.use_scale)  # (N, P, P')
        y = torch.matmul(weight, g_x)  # (N, P, C')
        y = y.transpose(1, 2).reshape(N, self.inter_channels, T, H, W)
        return x + self.conv_out(y)
