"""DCGAN generator and discriminator.

Radford et al., "Unsupervised Representation Learning with Deep Convolutional Generative Adversarial
Networks", ICLR 2016 (https://arxiv.org/abs/1511.06434). The generator maps noise to a 4x4 map with a
transposed convolution and doubles the resolution with stride-2 transposed convolutions (BN + ReLU,
Tanh at the output); the discriminator mirrors it with stride-2 convolutions (no norm on the first
layer). LSGAN's and GGAN's "dcgan-archi" configs use these networks too.

Sub-module names (``noise2feat``, ``upsampling.<i>``, ``downsamples.<i>``, ``output_layer``, each a
``ConvModule`` with ``conv``/``bn``) are MMGeneration's, so its checkpoints load unchanged.
"""
from typing import Mapping, Optional, Union

import torch.nn as nn
from torch import Tensor

from reelkit.registry import MODELS
from ..common import ConvModule, frozen_cfg, module_device, num_doublings, sample_noise
from ..common.sampling import NoiseInput


def init_dcgan_weights(module: nn.Module) -> None:
    """DCGAN's init: conv weights ~ N(0, 0.02) and zero bias; BN scale ~ N(1, 0.02) and zero shift."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.modules.batchnorm._BatchNorm):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


@MODELS.register_module()
class DCGANGenerator(nn.Module):
    """DCGAN generator: noise (N, noise_size) -> image (N, out_channels, output_scale, output_scale).

    Args:
        output_scale: Side of the generated image; ``input_scale`` times a power of two.
        out_channels: Channels of the generated image.
        base_channels: Channels of the 4x4 feature map; halved at every upsampling.
        input_scale: Side of the first feature map (the noise is projected by a 4x4 transposed conv).
        noise_size: Length of the input noise vector.
        conv_cfg: Convolution type of every layer.
        default_norm_cfg: Normalisation of every layer but the output one.
        default_act_cfg: Activation of every layer but the output one.
        out_act_cfg: Activation of the output layer.
    """

    def __init__(
            self,
            output_scale: int,
            out_channels: int = 3,
            base_channels: int = 1024,
            input_scale: int = 4,
            noise_size: int = 100,
            conv_cfg: Optional[Mapping] = frozen_cfg(type='ConvTranspose2d'),
            default_norm_cfg: Optional[Mapping] = frozen_cfg(type='BN'),
            default_act_cfg: Optional[Mapping] = frozen_cfg(type='ReLU'),
            out_act_cfg: Optional[Mapping] = frozen_cfg(type='Tanh'),
    ):
        super().__init__()
        self.output_scale = output_scale
        self.base_channels = base_channels
        self.input_scale = input_scale
        self.noise_size = noise_size
        self.num_upsamples = num_doublings(input_scale, output_scale, 'input_scale', 'output_scale')

        self.noise2feat = ConvModule(noise_size, base_channels, kernel_size=4, stride=1, padding=0,
                                     conv_cfg=conv_cfg, norm_cfg=default_norm_cfg, act_cfg=default_act_cfg)
        channels = base_channels
        upsampling = []
        for _ in range(self.num_upsamples - 1):
            upsampling.append(
                ConvModule(channels, channels // 2, kernel_size=4, stride=2, padding=1, conv_cfg=conv_cfg,
                           norm_cfg=default_norm_cfg, act_cfg=default_act_cfg))
            channels //= 2
        self.upsampling = nn.Sequential(*upsampling)
        self.output_layer = ConvModule(channels, out_channels, kernel_size=4, stride=2, padding=1,
                                       conv_cfg=conv_cfg, norm_cfg=None, act_cfg=out_act_cfg)
        self.init_weights()

    def init_weights(self) -> None:
        init_dcgan_weights(self)

    def forward(self,
                noise: NoiseInput = None,
                num_batches: int = 0,
                return_noise: bool = False) -> Union[Tensor, dict]:
        """Generate images.

        Args:
            noise: (N, noise_size) or (N, noise_size, 1, 1) tensor, a sampler called with the shape,
                or ``None`` to draw ``num_batches`` standard normal vectors.
            num_batches: Batch size when ``noise`` is not a tensor.
            return_noise: Return ``dict(fake_img, noise_batch)`` instead of the images.

        Returns:
            Images (N, out_channels, output_scale, output_scale) in [-1, 1], or the dict above.
        """
        if isinstance(noise, Tensor) and noise.ndim == 4:
            if noise.shape[2:] != (1, 1):
                raise ValueError(f'4-D noise must have shape (N, {self.noise_size}, 1, 1), got {tuple(noise.shape)}')
            noise = noise.flatten(1)
        noise_batch = sample_noise(noise, num_batches, (self.noise_size, ), module_device(self))

        x = self.noise2feat(noise_batch[:, :, None, None])
        x = self.upsampling(x)
        img = self.output_layer(x)

        if return_noise:
            return dict(fake_img=img, noise_batch=noise_batch)
        return img


@MODELS.register_module()
class DCGANDiscriminator(nn.Module):
    """DCGAN discriminator: image (N, in_channels, input_scale, input_scale) -> score (N, out_channels * s * s).

    ``s = output_scale - 3`` is the side left after the final 4x4 convolution (1 for the usual
    ``output_scale=4``).

    Args:
        input_scale: Side of the input image; ``output_scale`` times a power of two.
        output_scale: Side of the last feature map before the output convolution.
        out_channels: Channels of the output convolution.
        in_channels: Channels of the input image.
        base_channels: Channels after the first downsampling; doubled at every further one.
        conv_cfg: Convolution type of every layer.
        default_norm_cfg: Normalisation of every layer but the first and the output one.
        default_act_cfg: Activation of every layer but the output one.
        out_act_cfg: Activation of the output layer.
    """

    def __init__(
            self,
            input_scale: int,
            output_scale: int,
            out_channels: int,
            in_channels: int = 3,
            base_channels: int = 128,
            conv_cfg: Optional[Mapping] = frozen_cfg(type='Conv2d'),
            default_norm_cfg: Optional[Mapping] = frozen_cfg(type='BN'),
            default_act_cfg: Optional[Mapping] = frozen_cfg(type='LeakyReLU'),
            out_act_cfg: Optional[Mapping] = None,
    ):
        super().__init__()
        self.input_scale = input_scale
        self.output_scale = output_scale
        self.out_channels = out_channels
        self.base_channels = base_channels
        self.num_downsamples = num_doublings(output_scale, input_scale, 'output_scale', 'input_scale')

        downsamples = []
        channels = in_channels
        for i in range(self.num_downsamples):
            downsamples.append(
                ConvModule(channels, base_channels * 2**i, kernel_size=4, stride=2, padding=1, conv_cfg=conv_cfg,
                           norm_cfg=None if i == 0 else default_norm_cfg, act_cfg=default_act_cfg))
            channels = base_channels * 2**i
        self.downsamples = nn.Sequential(*downsamples)
        self.output_layer = ConvModule(channels, out_channels, kernel_size=4, stride=1, padding=0,
                                       conv_cfg=conv_cfg, norm_cfg=None, act_cfg=out_act_cfg)
        self.init_weights()

    def init_weights(self) -> None:
        init_dcgan_weights(self)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) image -> (N, K) flattened scores."""
        N = x.shape[0]
        x = self.downsamples(x)
        x = self.output_layer(x)
        return x.reshape(N, -1)
