"""BigGAN-deep generator and discriminator.

BigGAN-deep (Brock et al., ICLR 2019, appendix B) replaces BigGAN's residual blocks by deeper
bottleneck blocks (1x1 -> 3x3 -> 3x3 -> 1x1, channels reduced by ``channel_ratio``), ``block_depth``
per resolution, and concatenates the whole noise vector with the class embedding instead of splitting
it. Channel changes in the generator drop channels from the shortcut; in the discriminator they
concatenate a learned 1x1 projection to it. Following BigGAN-PyTorch's ``BigGANdeep.py``; sub-module
names are MMGeneration's.
"""
from types import MappingProxyType
from typing import Dict, Mapping, Optional

import torch
import torch.nn as nn
from torch import Tensor

from reelkit.registry import MODELS
from ..common import (SelfAttentionBlock, build_activation, build_upsample, check_sn_style, frozen_cfg,
                      maybe_spectral_norm, sn_conv_module)
from .biggan import (NEAREST_X2, RELU, BigGANConditionBN, BigGANDiscriminatorBase, BigGANGeneratorBase, _scaled,
                     check_init_type, output_layer)


@MODELS.register_module()
class BigGANDeepGenResBlock(nn.Module):
    """Bottleneck generator block: (cBN, act, conv) x 4 (1x1, 3x3, 3x3, 1x1), upsampling mid-way.

    The shortcut keeps the first ``out_channels`` channels of the input (and is upsampled with it).
    (N, C_in, H, W), y -> (N, C_out, 2H, 2W) (H, W when ``upsample_cfg`` is ``None``).

    Args:
        in_channels: Input channels.
        out_channels: Output channels (at most ``in_channels``).
        dim_after_concat: Length of the conditioning vector y.
        act_cfg: Activation.
        upsample_cfg: Upsampling, ``None`` for none.
        sn_eps: Epsilon of the spectral norm.
        sn_style: Spectral-norm checkpoint layout.
        bn_eps: Epsilon of the batch norms.
        with_spectral_norm: Spectrally normalise the layers.
        input_is_label: y holds raw labels (no shared embedding).
        auto_sync_bn: Use ``SyncBatchNorm`` when a process group is initialised.
        channel_ratio: ``in_channels / hidden channels``.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 dim_after_concat: int,
                 act_cfg: Mapping = RELU,
                 upsample_cfg: Optional[Mapping] = NEAREST_X2,
                 sn_eps: float = 1e-6,
                 sn_style: str = 'ajbrock',
                 bn_eps: float = 1e-5,
                 with_spectral_norm: bool = True,
                 input_is_label: bool = False,
                 auto_sync_bn: bool = True,
                 channel_ratio: int = 4):
        super().__init__()
        if out_channels > in_channels:
            raise ValueError(f'out_channels={out_channels} must not exceed in_channels={in_channels}: the shortcut '
                             'drops channels')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.hidden_channels = in_channels // channel_ratio
        self.activation = build_activation(act_cfg)
        self.with_upsample = upsample_cfg is not None
        if self.with_upsample:
            self.upsample_layer = build_upsample(upsample_cfg)
        bn = dict(sn_eps=sn_eps, sn_style=sn_style, bn_eps=bn_eps, input_is_label=input_is_label,
                  with_spectral_norm=with_spectral_norm, auto_sync_bn=auto_sync_bn)
        hidden = self.hidden_channels
        self.bn1 = BigGANConditionBN(in_channels, dim_after_concat, **bn)
        self.bn2 = BigGANConditionBN(hidden, dim_after_concat, **bn)
        self.bn3 = BigGANConditionBN(hidden, dim_after_concat, **bn)
        self.bn4 = BigGANConditionBN(hidden, dim_after_concat, **bn)
        sn = dict(with_spectral_norm=with_spectral_norm, sn_style=sn_style, sn_eps=sn_eps)
        self.conv1 = sn_conv_module(in_channels, hidden, 1, **sn)
        self.conv2 = sn_conv_module(hidden, hidden, 3, **sn)
        self.conv3 = sn_conv_module(hidden, hidden, 3, **sn)
        self.conv4 = sn_conv_module(hidden, out_channels, 1, **sn)

    def forward(self, x: Tensor, y: Optional[Tensor]) -> Tensor:
        """(N, C_in, H, W), y -> (N, C_out, H', W')."""
        h = self.conv1(self.activation(self.bn1(x, y)))
        h = self.activation(self.bn2(h, y))
        x = x[:, :self.out_channels]
        if self.with_upsample:
            h = self.upsample_layer(h)
            x = self.upsample_layer(x)
        h = self.conv2(h)
        h = self.conv3(self.activation(self.bn3(h, y)))
        h = self.conv4(self.activation(self.bn4(h, y)))
        return h + x


@MODELS.register_module()
class BigGANDeepDiscResBlock(nn.Module):
    """Bottleneck discriminator block: (act, conv) x 3 (1x1, 3x3, 3x3), act, [avg-pool], 1x1 conv.

    A channel increase concatenates a learned 1x1 projection (``out - in`` channels) to the shortcut.
    (N, C_in, H, W) -> (N, C_out, H/2, W/2) (H, W without downsampling).

    Args:
        in_channels: Input channels.
        out_channels: Output channels (at least ``in_channels``).
        channel_ratio: ``out_channels / hidden channels``.
        act_cfg: Activation.
        sn_eps: Epsilon of the spectral norm.
        sn_style: Spectral-norm checkpoint layout.
        with_downsample: Average-pool 2x2.
        with_spectral_norm: Spectrally normalise the convolutions.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 channel_ratio: int = 4,
                 act_cfg: Mapping = frozen_cfg(type='ReLU', inplace=False),
                 sn_eps: float = 1e-6,
                 sn_style: str = 'ajbrock',
                 with_downsample: bool = True,
                 with_spectral_norm: bool = True):
        super().__init__()
        if out_channels < in_channels:
            raise ValueError(f'out_channels={out_channels} must be at least in_channels={in_channels}: the shortcut '
                             'appends channels')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.hidden_channels = out_channels // channel_ratio
        self.activation = build_activation(act_cfg)
        self.with_downsample = with_downsample
        if with_downsample:
            self.downsample = nn.AvgPool2d(kernel_size=2, stride=2)
        self.learnable_sc = in_channels != out_channels
        sn = dict(with_spectral_norm=with_spectral_norm, sn_style=sn_style, sn_eps=sn_eps)
        if self.learnable_sc:
            self.shortcut = sn_conv_module(in_channels, out_channels - in_channels, 1, **sn)
        hidden = self.hidden_channels
        pre_act = dict(act_cfg=act_cfg, order=('act', 'conv', 'norm'))
        self.conv1 = sn_conv_module(in_channels, hidden, 1, **sn, **pre_act)
        self.conv2 = sn_conv_module(hidden, hidden, 3, **sn, **pre_act)
        self.conv3 = sn_conv_module(hidden, hidden, 3, **sn, **pre_act)
        self.conv4 = sn_conv_module(hidden, out_channels, 1, **sn)

    def forward_sc(self, x: Tensor) -> Tensor:
        if self.with_downsample:
            x = self.downsample(x)
        if self.learnable_sc:
            x = torch.cat([x, self.shortcut(x)], dim=1)
        return x

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H', W')."""
        h = self.activation(self.conv3(self.conv2(self.conv1(x))))
        if self.with_downsample:
            h = self.downsample(h)
        return self.conv4(h) + self.forward_sc(x)


GEN_ARCH_FACTORS = MappingProxyType({
    # output_scale: (in factors, out factors, index of the stage followed by attention)
    32: ((4, 4, 4), (4, 4, 4), None),
    64: ((16, 16, 8, 4), (16, 8, 4, 2), 3),
    128: ((16, 16, 8, 4, 2), (16, 8, 4, 2, 1), 3),
    256: ((16, 16, 8, 8, 4, 2), (16, 8, 8, 4, 2, 1), 3),
    512: ((16, 16, 8, 8, 4, 2, 1), (16, 8, 8, 4, 2, 1, 1), 3),
})

DISC_ARCH_FACTORS = MappingProxyType({
    # input_scale: (in factors, out factors, number of downsampling stages, attention index)
    32: ((4, 4, 4), (4, 4, 4), 2, None),
    64: ((1, 2, 4, 8), (2, 4, 8, 16), 4, None),
    128: ((1, 2, 4, 8, 16), (2, 4, 8, 16, 16), 5, 0),
    256: ((1, 2, 4, 8, 8, 16), (2, 4, 8, 8, 16, 16), 6, 1),
    512: ((1, 1, 2, 4, 8, 8, 16), (1, 2, 4, 8, 8, 16, 16), 7, 3),
})


def default_deep_arch(table: Mapping, scale: int, base_channels: int, scale_arg: str,
                      resample: str) -> Dict[str, list]:
    """MMGeneration's default BigGAN-deep architecture for ``scale`` from a factor table."""
    if scale not in table:
        raise ValueError(f'{scale_arg}={scale} has no default arch_cfg; expected one of {sorted(table)} or an '
                         'explicit arch_cfg')
    entry = table[scale]
    ins, outs, attn = entry[0], entry[1], entry[-1]
    count = len(outs) if len(entry) == 3 else entry[2]
    return {'in_channels': _scaled(base_channels, ins), 'out_channels': _scaled(base_channels, outs),
            resample: [i < count for i in range(len(outs))], 'attention': [i == attn for i in range(len(outs))]}


@MODELS.register_module()
class BigGANDeepGenerator(BigGANGeneratorBase):
    """BigGAN-deep generator: noise (N, noise_size), labels (N,) -> image (N, out_channels, S, S) in [-1, 1].

    Args:
        output_scale: Side S of the generated image.
        noise_size: Length of the noise vector.
        num_classes: Number of classes; 0 gives an unconditional generator.
        out_channels: Channels of the generated image.
        base_channels: Channel unit of the default architecture.
        block_depth: Residual blocks per resolution.
        input_scale: Side of the feature map the first linear layer produces.
        with_shared_embedding: Embed the class once (``shared_dim``) for all blocks.
        shared_dim: Length of the shared class embedding.
        sn_eps: Epsilon of the spectral norms.
        sn_style: Spectral-norm checkpoint layout.
        init_type: Weight init, ``'ortho'``, ``'N02'`` or ``'xavier'``.
        concat_noise: Feed ``[noise, class]`` to the first layer and to every conditional norm.
        act_cfg: Activation.
        upsample_cfg: Upsampling of the last block of each resolution.
        with_spectral_norm: Spectrally normalise the layers.
        auto_sync_bn: Use ``SyncBatchNorm`` when a process group is initialised.
        blocks_cfg: Config of the residual blocks.
        arch_cfg: Explicit architecture (``in_channels``, ``out_channels``, ``upsample``, ``attention``).
        out_norm_cfg: Norm of the output layer.
        rgb2bgr: Flip the output channel order (for weights converted from RGB models).
    """

    def __init__(self,
                 output_scale: int,
                 noise_size: int = 120,
                 num_classes: int = 0,
                 out_channels: int = 3,
                 base_channels: int = 96,
                 block_depth: int = 2,
                 input_scale: int = 4,
                 with_shared_embedding: bool = True,
                 shared_dim: int = 128,
                 sn_eps: float = 1e-6,
                 sn_style: str = 'ajbrock',
                 init_type: str = 'ortho',
                 concat_noise: bool = True,
                 act_cfg: Mapping = frozen_cfg(type='ReLU', inplace=False),
                 upsample_cfg: Mapping = NEAREST_X2,
                 with_spectral_norm: bool = True,
                 auto_sync_bn: bool = True,
                 blocks_cfg: Mapping = frozen_cfg(type='BigGANDeepGenResBlock'),
                 arch_cfg: Optional[Mapping] = None,
                 out_norm_cfg: Mapping = frozen_cfg(type='BN'),
                 rgb2bgr: bool = False):
        super().__init__()
        check_sn_style(sn_style)
        self.init_type = check_init_type(init_type)
        if num_classes == 0 and (with_shared_embedding or concat_noise):
            raise ValueError('with_shared_embedding and concat_noise need num_classes > 0')
        if num_classes > 0 and not with_shared_embedding and concat_noise:
            raise ValueError('concat_noise=True needs with_shared_embedding=True')
        self.noise_size = noise_size
        self.num_classes = num_classes
        self.shared_dim = shared_dim
        self.with_shared_embedding = with_shared_embedding
        self.output_scale = output_scale
        self.input_scale = input_scale
        self.concat_noise = concat_noise
        self.block_depth = block_depth
        self.rgb2bgr = rgb2bgr
        self.sn_style = sn_style
        self.arch = dict(arch_cfg) if arch_cfg else default_deep_arch(GEN_ARCH_FACTORS, output_scale, base_channels,
                                                                      'output_scale', 'upsample')

        sn = dict(with_spectral_norm=with_spectral_norm, sn_style=sn_style, sn_eps=sn_eps)
        in_features = noise_size + (shared_dim if concat_noise else 0)
        self.noise2feat = maybe_spectral_norm(nn.Linear(in_features, self.arch['in_channels'][0] * input_scale**2),
                                   with_spectral_norm, sn_style, sn_eps)
        self.shared_embedding = nn.Embedding(num_classes, shared_dim) if with_shared_embedding else nn.Identity()

        if num_classes == 0:
            self.dim_after_concat = 0
        elif not with_shared_embedding:
            self.dim_after_concat = num_classes
        else:
            self.dim_after_concat = shared_dim + (noise_size if concat_noise else 0)
        block_defaults = dict(dim_after_concat=self.dim_after_concat, act_cfg=act_cfg, sn_eps=sn_eps,
                              sn_style=sn_style, input_is_label=num_classes > 0 and not with_shared_embedding,
                              with_spectral_norm=with_spectral_norm, auto_sync_bn=auto_sync_bn)
        self.conv_blocks = nn.ModuleList()
        for idx, out_ch in enumerate(self.arch['out_channels']):
            in_ch = self.arch['in_channels'][idx]
            for depth in range(block_depth):
                last = depth == block_depth - 1
                block_cfg = dict(blocks_cfg, **block_defaults)
                block_cfg.update(in_channels=in_ch, out_channels=out_ch if last else in_ch,
                                 upsample_cfg=dict(upsample_cfg) if self.arch['upsample'][idx] and last else None)
                self.conv_blocks.append(MODELS.build(block_cfg))
            if self.arch['attention'][idx]:
                self.conv_blocks.append(SelfAttentionBlock(out_ch, **sn))

        self.output_layer = output_layer(self.arch['out_channels'][-1], out_channels, out_norm_cfg, act_cfg,
                                         with_spectral_norm, sn_eps, sn_style)
        self.init_weights()

    def features(self, noise_batch: Tensor, class_vector: Optional[Tensor]) -> Tensor:
        """(N, noise_size) noise, (N, shared_dim) class vector -> features before the output layer."""
        if self.concat_noise:
            z = y = torch.cat([noise_batch, class_vector], dim=1)
        else:
            z, y = noise_batch, class_vector

        x = self.noise2feat(z)
        # TF weight layout: the first features are stored (N, H, W, C).
        x = x.reshape(x.shape[0], self.input_scale, self.input_scale, -1).permute(0, 3, 1, 2).contiguous()
        for block in self.conv_blocks:
            x = block(x) if isinstance(block, SelfAttentionBlock) else block(x, y)
        return x


@MODELS.register_module()
class BigGANDeepDiscriminator(BigGANDiscriminatorBase):
    """BigGAN-deep projection discriminator: image (N, C, S, S), labels (N,) -> score (N, out_channels).

    Args:
        input_scale: Side S of the input image.
        num_classes: Number of classes; 0 gives an unconditional discriminator (no ``proj_y``).
        in_channels: Channels of the input image.
        out_channels: Outputs of the decision layer.
        base_channels: Channel unit of the default architecture.
        block_depth: Residual blocks per resolution.
        sn_eps: Epsilon of the spectral norms.
        sn_style: Spectral-norm checkpoint layout.
        init_type: Weight init, ``'ortho'``, ``'N02'`` or ``'xavier'``.
        act_cfg: Activation.
        with_spectral_norm: Spectrally normalise the layers.
        blocks_cfg: Config of the residual blocks.
        arch_cfg: Explicit architecture (``in_channels``, ``out_channels``, ``downsample``, ``attention``).
    """

    def __init__(self,
                 input_scale: int,
                 num_classes: int = 0,
                 in_channels: int = 3,
                 out_channels: int = 1,
                 base_channels: int = 96,
                 block_depth: int = 2,
                 sn_eps: float = 1e-6,
                 sn_style: str = 'ajbrock',
                 init_type: str = 'ortho',
                 act_cfg: Mapping = frozen_cfg(type='ReLU', inplace=False),
                 with_spectral_norm: bool = True,
                 blocks_cfg: Mapping = frozen_cfg(type='BigGANDeepDiscResBlock'),
                 arch_cfg: Optional[Mapping] = None):
        super().__init__()
        check_sn_style(sn_style)
        self.init_type = check_init_type(init_type)
        self.num_classes = num_classes
        self.out_channels = out_channels
        self.input_scale = input_scale
        self.in_channels = in_channels
        self.base_channels = base_channels
        self.block_depth = block_depth
        self.arch = dict(arch_cfg) if arch_cfg else default_deep_arch(DISC_ARCH_FACTORS, input_scale, base_channels,
                                                                      'input_scale', 'downsample')
        sn = dict(with_spectral_norm=with_spectral_norm, sn_style=sn_style, sn_eps=sn_eps)
        self.input_conv = sn_conv_module(in_channels, self.arch['in_channels'][0], 3, **sn)
        self.conv_blocks = nn.ModuleList()
        for idx, out_ch in enumerate(self.arch['out_channels']):
            for depth in range(block_depth):
                block_cfg = dict(blocks_cfg, act_cfg=act_cfg, **sn)
                block_cfg.update(in_channels=self.arch['in_channels'][idx] if depth == 0 else out_ch,
                                 out_channels=out_ch, with_downsample=self.arch['downsample'][idx] and depth == 0)
                self.conv_blocks.append(MODELS.build(block_cfg))
            if self.arch['attention'][idx]:
                self.conv_blocks.append(SelfAttentionBlock(out_ch, **sn))

        self.build_decision(act_cfg, num_classes, out_channels, with_spectral_norm, sn_style, sn_eps)
        self.init_weights()
