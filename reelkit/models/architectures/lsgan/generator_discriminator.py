"""LSGAN generator and discriminator ("lsgan-archi").

Mao et al., "Least Squares Generative Adversarial Networks", ICCV 2017 (https://arxiv.org/abs/1611.04076).
The generator projects the noise with a linear layer to ``base_channels`` x ``input_scale``^2, then
alternates a stride-2 and a stride-1 3x3 transposed convolution at constant width before two
channel-halving upsamplings and a Tanh output. The discriminator uses 5x5 stride-2 convolutions and a
linear decision layer. GGAN's "lsgan-archi" config uses these networks too.

Sub-module names (``noise2feat_head.0``, ``noise2feat_tail.0``, ``conv_blocks.<i>``, ``decision.0``)
are MMGeneration's.
"""
from typing import Mapping, Optional, Union

import torch.nn as nn
from torch import Tensor

from reelkit.registry import MODELS
from ..common import ConvModule, build_activation, frozen_cfg, module_device, num_doublings, sample_noise
from ..common.sampling import NoiseInput


@MODELS.register_module()
class LSGANGenerator(nn.Module):
    """LSGAN generator: noise (N, noise_size) -> image (N, out_channels, output_scale, output_scale).

    Args:
        output_scale: Side of the generated image; at least 4x ``input_scale``, by a power of two.
        out_channels: Channels of the generated image.
        base_channels: Width of the constant-width part of the network.
        input_scale: Side of the feature map the noise is projected to.
        noise_size: Length of the input noise vector.
        conv_cfg: Convolution type of every layer.
        default_norm_cfg: Normalisation of every layer but the output one.
        default_act_cfg: Activation of every layer but the output one.
        out_act_cfg: Activation of the output layer.
    """

    def __init__(
            self,
            output_scale: int = 128,
            out_channels: int = 3,
            base_channels: int = 256,
            input_scale: int = 8,
            noise_size: int = 1024,
            conv_cfg: Mapping = frozen_cfg(type='ConvTranspose2d'),
            default_norm_cfg: Optional[Mapping] = frozen_cfg(type='BN'),
            default_act_cfg: Optional[Mapping] = frozen_cfg(type='ReLU'),
            out_act_cfg: Optional[Mapping] = frozen_cfg(type='Tanh'),
    ):
        super().__init__()
        doublings = num_doublings(input_scale, output_scale, 'input_scale', 'output_scale')
        if doublings < 2:
            raise ValueError(f'output_scale={output_scale} must be at least 4 x input_scale={input_scale}')
        self.output_scale = output_scale
        self.base_channels = base_channels
        self.input_scale = input_scale
        self.noise_size = noise_size
        self.num_upsamples = doublings - 2

        self.noise2feat_head = nn.Sequential(nn.Linear(noise_size, input_scale * input_scale * base_channels))
        self.noise2feat_tail = nn.Sequential(nn.BatchNorm2d(base_channels))
        if default_act_cfg is not None:
            self.noise2feat_tail.add_module('act', build_activation(default_act_cfg))

        up_cfg = dict(conv_cfg, output_padding=1)

        def block(c_in: int, c_out: int, stride: int, norm: bool = True, act=default_act_cfg) -> ConvModule:
            return ConvModule(c_in, c_out, kernel_size=3, stride=stride, padding=1,
                              conv_cfg=up_cfg if stride == 2 else conv_cfg,
                              norm_cfg=default_norm_cfg if norm else None, act_cfg=act)

        self.conv_blocks = nn.ModuleList()
        for _ in range(self.num_upsamples):
            self.conv_blocks.append(block(base_channels, base_channels, stride=2))
            self.conv_blocks.append(block(base_channels, base_channels, stride=1))
        self.conv_blocks.append(block(base_channels, base_channels // 2, stride=2))
        self.conv_blocks.append(block(base_channels // 2, base_channels // 4, stride=2))
        self.conv_blocks.append(block(base_channels // 4, out_channels, stride=1, norm=False, act=out_act_cfg))

    def forward(self,
                noise: NoiseInput = None,
                num_batches: int = 0,
                return_noise: bool = False) -> Union[Tensor, dict]:
        """Generate images.

        Args:
            noise: (N, noise_size) tensor, a sampler called with the shape, or ``None``.
            num_batches: Batch size when ``noise`` is not a tensor.
            return_noise: Return ``dict(fake_img, noise_batch)`` instead of the images.

        Returns:
            Images (N, out_channels, output_scale, output_scale), or the dict above.
        """
        noise_batch = sample_noise(noise, num_batches, (self.noise_size, ), module_device(self))
        x = self.noise2feat_head(noise_batch)
        x = x.reshape(-1, self.base_channels, self.input_scale, self.input_scale)
        x = self.noise2feat_tail(x)
        for conv in self.conv_blocks:
            x = conv(x)
        if return_noise:
            return dict(fake_img=x, noise_batch=noise_batch)
        return x


@MODELS.register_module()
class LSGANDiscriminator(nn.Module):
    """LSGAN discriminator: image (N, in_channels, input_scale, input_scale) -> score (N, out_channels).

    Args:
        input_scale: Side of the input image; ``output_scale`` times a power of two.
        output_scale: Side of the last feature map, flattened into the decision layer.
        out_channels: Outputs of the decision layer.
        in_channels: Channels of the input image.
        base_channels: Channels after the first convolution; doubled at every further one.
        conv_cfg: Convolution type of every layer.
        default_norm_cfg: Normalisation of every convolution but the first.
        default_act_cfg: Activation of every convolution.
        out_act_cfg: Activation after the decision layer, ``None`` for none.
    """

    def __init__(
            self,
            input_scale: int = 128,
            output_scale: int = 8,
            out_channels: int = 1,
            in_channels: int = 3,
            base_channels: int = 64,
            conv_cfg: Mapping = frozen_cfg(type='Conv2d'),
            default_norm_cfg: Optional[Mapping] = frozen_cfg(type='BN'),
            default_act_cfg: Optional[Mapping] = frozen_cfg(type='LeakyReLU', negative_slope=0.2),
            out_act_cfg: Optional[Mapping] = None,
    ):
        super().__init__()
        doublings = num_doublings(output_scale, input_scale, 'output_scale', 'input_scale')
        self.input_scale = input_scale
        self.output_scale = output_scale
        self.out_channels = out_channels
        self.base_channels = base_channels
        self.num_downsamples = doublings - 1

        self.conv_blocks = nn.ModuleList([
            ConvModule(in_channels, base_channels, kernel_size=5, stride=2, padding=2, conv_cfg=conv_cfg,
                       norm_cfg=None, act_cfg=default_act_cfg)
        ])
        channels = base_channels
        for _ in range(self.num_downsamples):
            self.conv_blocks.append(
                ConvModule(channels, channels * 2, kernel_size=5, stride=2, padding=2, conv_cfg=conv_cfg,
                           norm_cfg=default_norm_cfg, act_cfg=default_act_cfg))
            channels *= 2
        self.decision = nn.Sequential(nn.Linear(output_scale * output_scale * channels, out_channels))
        self.out_activation = build_activation(out_act_cfg)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) image -> (N, out_channels) scores."""
        N = x.shape[0]
        for conv in self.conv_blocks:
            x = conv(x)
        x = self.decision(x.reshape(N, -1))
        if self.out_activation is not None:
            x = self.out_activation(x)
        return x
