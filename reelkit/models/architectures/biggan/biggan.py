"""BigGAN generator and discriminator.

Brock et al., "Large Scale GAN Training for High Fidelity Natural Image Synthesis", ICLR 2019
(https://arxiv.org/abs/1809.11096), following BigGAN-PyTorch (https://github.com/ajbrock/BigGAN-PyTorch).

The generator embeds the class with a shared embedding, splits the noise into one chunk per block
plus one for the input layer (hierarchical latents, ``split_noise``), and feeds ``[class, chunk]`` to the
class-conditional batch norms of every residual block; a self-attention block follows the 64x64
stage. The discriminator is a stack of downsampling residual blocks with a projection head. All layers
are spectrally normalised, in either checkpoint layout (``sn_style='ajbrock'`` keeps ``weight`` plus
``u0``/``sv0``, ``'torch'`` stores ``weight_orig`` plus ``weight_u``/``weight_v``).

The default architectures per resolution (``arch_cfg``) and the sub-module names are MMGeneration's.
"""
from types import MappingProxyType
from typing import Dict, List, Mapping, Optional, Union

import torch
import torch.distributed as dist
import torch.nn as nn
from torch import Tensor

from reelkit.registry import MODELS
from ..common import (ConvModule, SelfAttentionBlock, build_activation, build_upsample, check_sn_style, frozen_cfg,
                      maybe_spectral_norm, module_device, projection_logits, sample_labels, sample_noise,
                      sn_conv_module)
from ..common.sampling import NoiseInput

INIT_TYPES = ('ortho', 'N02', 'xavier')
RELU = frozen_cfg(type='ReLU')
NEAREST_X2 = frozen_cfg(type='nearest', scale_factor=2)


def check_init_type(init_type: str) -> str:
    if init_type not in INIT_TYPES:
        raise ValueError(f'init_type={init_type!r}; expected one of {list(INIT_TYPES)}')
    return init_type


def init_biggan_weights(module: nn.Module, init_type: str) -> None:
    """``'ortho'``: orthogonal; ``'N02'``: N(0, 0.02) and zero bias; ``'xavier'``: Xavier-normal and zero bias.

    Applies to every conv, linear and embedding layer under ``module`` (the raw weight of
    spectrally-normalised ones).
    """
    check_init_type(init_type)
    for m in module.modules():
        if not isinstance(m, (nn.Conv2d, nn.Linear, nn.Embedding)):
            continue
        weight = getattr(m, 'weight_orig', m.weight)
        if init_type == 'ortho':
            nn.init.orthogonal_(weight)
            continue
        if init_type == 'N02':
            nn.init.normal_(weight, 0.0, 0.02)
        else:
            nn.init.xavier_normal_(weight)
        if getattr(m, 'bias', None) is not None:
            nn.init.zeros_(m.bias)


@MODELS.register_module()
class BigGANConditionBN(nn.Module):
    """Conditional batch norm: ``bn(x) * (1 + gain(y)) + bias(y)``; (N, C, H, W), y -> (N, C, H, W).

    ``y`` is a class vector (N, linear_input_channels) mapped by bias-free linear layers, or raw labels
    (N,) mapped by embeddings when ``input_is_label``. ``linear_input_channels=0`` gives a plain BN.

    Args:
        num_features: Channels C.
        linear_input_channels: Length of ``y`` (or number of classes when ``input_is_label``).
        bn_eps: Epsilon of the batch norm.
        sn_eps: Epsilon of the spectral norm.
        sn_style: Spectral-norm checkpoint layout.
        momentum: Momentum of the running statistics.
        input_is_label: ``y`` holds class labels.
        with_spectral_norm: Spectrally normalise the linear layers (not the embeddings).
        auto_sync_bn: Use ``SyncBatchNorm`` when a process group is initialised.
    """

    def __init__(self,
                 num_features: int,
                 linear_input_channels: int,
                 bn_eps: float = 1e-5,
                 sn_eps: float = 1e-6,
                 sn_style: str = 'ajbrock',
                 momentum: float = 0.1,
                 input_is_label: bool = False,
                 with_spectral_norm: bool = True,
                 auto_sync_bn: bool = True):
        super().__init__()
        if num_features <= 0:
            raise ValueError(f'num_features={num_features} must be positive')
        check_sn_style(sn_style)
        self.use_cbn = linear_input_channels > 0
        if self.use_cbn:
            if input_is_label:
                self.gain = nn.Embedding(linear_input_channels, num_features)
                self.bias = nn.Embedding(linear_input_channels, num_features)
            else:
                sn = (with_spectral_norm, sn_style, sn_eps)
                self.gain = maybe_spectral_norm(nn.Linear(linear_input_channels, num_features, bias=False), *sn)
                self.bias = maybe_spectral_norm(nn.Linear(linear_input_channels, num_features, bias=False), *sn)
        self.bn = nn.BatchNorm2d(num_features, eps=bn_eps, momentum=momentum, affine=not self.use_cbn)
        if auto_sync_bn and dist.is_available() and dist.is_initialized():
            self.bn = nn.SyncBatchNorm.convert_sync_batchnorm(self.bn)

    def forward(self, x: Tensor, y: Optional[Tensor]) -> Tensor:
        """(N, C, H, W), y -> (N, C, H, W)."""
        out = self.bn(x)
        if self.use_cbn:
            N = y.shape[0]
            out = out * (1. + self.gain(y)).reshape(N, -1, 1, 1) + self.bias(y).reshape(N, -1, 1, 1)
        return out


@MODELS.register_module()
class BigGANGenResBlock(nn.Module):
    """Generator residual block: (cBN, act, [upsample], conv3x3) x 2 plus a 1x1 shortcut.

    (N, C_in, H, W), y -> (N, C_out, 2H, 2W) (H, W when ``upsample_cfg`` is ``None``).

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        dim_after_concat: Length of the conditioning vector y (class vector + noise chunk).
        act_cfg: Activation.
        upsample_cfg: Upsampling, ``None`` for none.
        sn_eps: Epsilon of the spectral norm.
        sn_style: Spectral-norm checkpoint layout.
        with_spectral_norm: Spectrally normalise the layers.
        input_is_label: y holds raw labels (no shared embedding).
        auto_sync_bn: Use ``SyncBatchNorm`` when a process group is initialised.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 dim_after_concat: int,
                 act_cfg: Mapping = RELU,
                 upsample_cfg: Optional[Mapping] = NEAREST_X2,
                 sn_eps: float = 1e-6,
                 sn_style: str = 'ajbrock',
                 with_spectral_norm: bool = True,
                 input_is_label: bool = False,
                 auto_sync_bn: bool = True):
        super().__init__()
        self.activation = build_activation(act_cfg)
        self.with_upsample = upsample_cfg is not None
        if self.with_upsample:
            self.upsample_layer = build_upsample(upsample_cfg)
        self.learnable_sc = in_channels != out_channels or self.with_upsample
        sn = dict(with_spectral_norm=with_spectral_norm, sn_style=sn_style, sn_eps=sn_eps)
        if self.learnable_sc:
            self.shortcut = sn_conv_module(in_channels, out_channels, 1, **sn)
        bn = dict(sn_eps=sn_eps, sn_style=sn_style, input_is_label=input_is_label,
                  with_spectral_norm=with_spectral_norm, auto_sync_bn=auto_sync_bn)
        self.bn1 = BigGANConditionBN(in_channels, dim_after_concat, **bn)
        self.bn2 = BigGANConditionBN(out_channels, dim_after_concat, **bn)
        self.conv1 = sn_conv_module(in_channels, out_channels, 3, **sn)
        self.conv2 = sn_conv_module(out_channels, out_channels, 3, **sn)

    def forward(self, x: Tensor, y: Optional[Tensor]) -> Tensor:
        """(N, C_in, H, W), y -> (N, C_out, H', W')."""
        h = self.activation(self.bn1(x, y))
        if self.with_upsample:
            h = self.upsample_layer(h)
            x = self.upsample_layer(x)
        h = self.conv1(h)
        h = self.conv2(self.activation(self.bn2(h, y)))
        if self.learnable_sc:
            x = self.shortcut(x)
        return h + x


@MODELS.register_module()
class BigGANDiscResBlock(nn.Module):
    """Discriminator residual block: [act], conv3x3, act, conv3x3, [avg-pool], plus a 1x1 shortcut.

    (N, C_in, H, W) -> (N, C_out, H/2, W/2) (H, W without downsampling). The head block skips the
    first activation and pools before its shortcut conv.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        act_cfg: Activation.
        sn_eps: Epsilon of the spectral norm.
        sn_style: Spectral-norm checkpoint layout.
        with_downsample: Average-pool 2x2.
        with_spectral_norm: Spectrally normalise the convolutions.
        is_head_block: First block of the discriminator (input is an image).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 act_cfg: Mapping = frozen_cfg(type='ReLU', inplace=False),
                 sn_eps: float = 1e-6,
                 sn_style: str = 'ajbrock',
                 with_downsample: bool = True,
                 with_spectral_norm: bool = True,
                 is_head_block: bool = False):
        super().__init__()
        self.activation = build_activation(act_cfg)
        self.with_downsample = with_downsample
        self.is_head_block = is_head_block
        if with_downsample:
            self.downsample = nn.AvgPool2d(kernel_size=2, stride=2)
        self.learnable_sc = in_channels != out_channels or with_downsample
        sn = dict(with_spectral_norm=with_spectral_norm, sn_style=sn_style, sn_eps=sn_eps)
        if self.learnable_sc:
            self.shortcut = sn_conv_module(in_channels, out_channels, 1, **sn)
        self.conv1 = sn_conv_module(in_channels, out_channels, 3, **sn)
        self.conv2 = sn_conv_module(out_channels, out_channels, 3, **sn)

    def forward_sc(self, x: Tensor) -> Tensor:
        if self.is_head_block and self.with_downsample:
            x = self.downsample(x)
        if self.learnable_sc:
            x = self.shortcut(x)
        if not self.is_head_block and self.with_downsample:
            x = self.downsample(x)
        return x

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H', W')."""
        h = x if self.is_head_block else self.activation(x)
        h = self.conv2(self.activation(self.conv1(h)))
        if self.with_downsample:
            h = self.downsample(h)
        return h + self.forward_sc(x)


def _scaled(base: int, factors) -> List[int]:
    return [base * f for f in factors]


GEN_ARCH_FACTORS = MappingProxyType({
    # output_scale: (in factors, out factors, index of the block followed by attention)
    32: ((4, 4, 4), (4, 4, 4), None),
    64: ((16, 16, 8, 4), (16, 8, 4, 2), 3),
    128: ((16, 16, 8, 4, 2), (16, 8, 4, 2, 1), 3),
    256: ((16, 16, 8, 8, 4, 2), (16, 8, 8, 4, 2, 1), 3),
    512: ((16, 16, 8, 8, 4, 2, 1), (16, 8, 8, 4, 2, 1, 1), 3),
})

DISC_ARCH_FACTORS = MappingProxyType({
    # input_scale: (in factors after the image, out factors, number of downsampling blocks, attention index)
    32: ((4, 4, 4), (4, 4, 4, 4), 2, None),
    64: ((1, 2, 4, 8), (1, 2, 4, 8, 16), 4, None),
    128: ((1, 2, 4, 8, 16), (1, 2, 4, 8, 16, 16), 5, 0),
    256: ((1, 2, 4, 8, 8, 16), (1, 2, 4, 8, 8, 16, 16), 6, 1),
    512: ((1, 1, 2, 4, 8, 8, 16), (1, 1, 2, 4, 8, 8, 16, 16), 7, 3),
})


def default_generator_arch(output_scale: int, base_channels: int) -> Dict[str, list]:
    """MMGeneration's default BigGAN generator architecture for ``output_scale``."""
    if output_scale not in GEN_ARCH_FACTORS:
        raise ValueError(f'output_scale={output_scale} has no default arch_cfg; expected one of '
                         f'{sorted(GEN_ARCH_FACTORS)} or an explicit arch_cfg')
    ins, outs, attn = GEN_ARCH_FACTORS[output_scale]
    return dict(in_channels=_scaled(base_channels, ins), out_channels=_scaled(base_channels, outs),
                upsample=[True] * len(outs), attention=[i == attn for i in range(len(outs))])


def default_discriminator_arch(input_scale: int, in_channels: int, base_channels: int) -> Dict[str, list]:
    """MMGeneration's default BigGAN discriminator architecture for ``input_scale``."""
    if input_scale not in DISC_ARCH_FACTORS:
        raise ValueError(f'input_scale={input_scale} has no default arch_cfg; expected one of '
                         f'{sorted(DISC_ARCH_FACTORS)} or an explicit arch_cfg')
    ins, outs, num_down, attn = DISC_ARCH_FACTORS[input_scale]
    return dict(in_channels=[in_channels] + _scaled(base_channels, ins), out_channels=_scaled(base_channels, outs),
                downsample=[i < num_down for i in range(len(outs))], attention=[i == attn for i in range(len(outs))])


def prepare_class_input(gen: nn.Module, noise: NoiseInput, label: NoiseInput, num_batches: int,
                        truncation: float, use_outside_embedding: bool):
    """Shared input handling of the BigGAN generators: (noise batch, label batch, class vector or None)."""
    device = module_device(gen)
    noise_batch = sample_noise(noise, num_batches, (gen.noise_size, ), device)
    if truncation >= 0.0:
        noise_batch = noise_batch.clamp(-truncation, truncation)
    if gen.num_classes == 0:
        return noise_batch, None, None
    if use_outside_embedding:
        if not isinstance(label, Tensor):
            raise ValueError('use_outside_embedding=True needs label to be a (N, shared_dim) class vector')
        label_batch = label.to(device)
        return noise_batch, label_batch, label_batch
    label_batch = sample_labels(label, noise_batch.shape[0], gen.num_classes, device)
    return noise_batch, label_batch, gen.shared_embedding(label_batch)


def output_layer(in_channels: int, out_channels: int, norm_cfg: Mapping, act_cfg: Mapping,
                 with_spectral_norm: bool, sn_eps: float, sn_style: str) -> ConvModule:
    """The generators' last layer: norm, activation, then a 3x3 conv to the image channels."""
    return ConvModule(in_channels, out_channels, kernel_size=3, padding=1, bias=True, norm_cfg=norm_cfg,
                      act_cfg=act_cfg, order=('norm', 'act', 'conv'), with_spectral_norm=with_spectral_norm,
                      spectral_norm_cfg=dict(eps=sn_eps, sn_style=sn_style))


class BigGANGeneratorBase(nn.Module):
    """What the BigGAN and BigGAN-deep generators share: input sampling, the output layer, the init.

    Subclasses set ``noise_size``, ``num_classes``, ``shared_embedding``, ``output_layer``,
    ``rgb2bgr`` and ``init_type``, and define :meth:`features`.
    """

    def features(self, noise_batch: Tensor, class_vector: Optional[Tensor]) -> Tensor:
        """(N, noise_size) noise, (N, shared_dim) class vector or None -> (N, C, S, S) features."""
        raise NotImplementedError

    def init_weights(self) -> None:
        init_biggan_weights(self, self.init_type)

    def forward(self,
                noise: NoiseInput = None,
                label: NoiseInput = None,
                num_batches: int = 0,
                return_noise: bool = False,
                truncation: float = -1.0,
                use_outside_embedding: bool = False) -> Union[Tensor, dict]:
        """Generate images.

        Args:
            noise: (N, noise_size) tensor, a sampler called with the shape, or ``None``.
            label: (N,) labels, a sampler called with ``(num_batches,)``, or ``None`` for uniform
                labels; with ``use_outside_embedding`` a (N, shared_dim) class vector.
            num_batches: Batch size when sampling here.
            return_noise: Return ``dict(fake_img, noise_batch, label)`` instead of the images.
            truncation: Clamp the noise to [-truncation, truncation] when >= 0 (truncation trick).
            use_outside_embedding: ``label`` is already an embedded class vector (e.g. interpolated).

        Returns:
            Images (N, out_channels, output_scale, output_scale) in [-1, 1], or the dict above.
        """
        noise_batch, label_batch, class_vector = prepare_class_input(self, noise, label, num_batches, truncation,
                                                                     use_outside_embedding)
        img = torch.tanh(self.output_layer(self.features(noise_batch, class_vector)))
        if self.rgb2bgr:
            img = img[:, [2, 1, 0]]
        if return_noise:
            return dict(fake_img=img, noise_batch=noise_batch, label=label_batch)
        return img


class BigGANDiscriminatorBase(nn.Module):
    """What the BigGAN and BigGAN-deep discriminators share: the projection decision and the init.

    Subclasses build ``conv_blocks`` (and optionally ``input_conv``), then call :meth:`build_decision`.
    """

    def build_decision(self, act_cfg: Mapping, num_classes: int, out_channels: int, with_spectral_norm: bool,
                       sn_style: str, sn_eps: float) -> None:
        self.activate = build_activation(act_cfg)
        channels = self.arch['out_channels'][-1]
        self.decision = maybe_spectral_norm(nn.Linear(channels, out_channels), with_spectral_norm, sn_style, sn_eps)
        if num_classes > 0:
            self.proj_y = maybe_spectral_norm(nn.Embedding(num_classes, channels), with_spectral_norm, sn_style, sn_eps)

    def init_weights(self) -> None:
        init_biggan_weights(self, self.init_type)

    def forward(self, x: Tensor, label: Optional[Tensor] = None) -> Tensor:
        """(N, C, S, S) image, (N,) labels -> (N, out_channels) scores."""
        h = self.input_conv(x) if hasattr(self, 'input_conv') else x
        for block in self.conv_blocks:
            h = block(h)
        h = torch.sum(self.activate(h), dim=[2, 3])
        return projection_logits(h, self.decision, getattr(self, 'proj_y', None), label)


@MODELS.register_module()
class BigGANGenerator(BigGANGeneratorBase):
    """BigGAN generator: noise (N, noise_size), labels (N,) -> image (N, out_channels, S, S) in [-1, 1].

    Args:
        output_scale: Side S of the generated image.
        noise_size: Length of the noise; with ``split_noise`` rounded down to a multiple of the number
            of chunks (blocks + 1).
        num_classes: Number of classes; 0 gives an unconditional generator.
        out_channels: Channels of the generated image.
        base_channels: Channel unit of the default architecture.
        input_scale: Side of the feature map the first linear layer produces.
        with_shared_embedding: Embed the class once (``shared_dim``) for all blocks; otherwise each
            conditional norm embeds the raw label.
        shared_dim: Length of the shared class embedding.
        sn_eps: Epsilon of the spectral norms.
        sn_style: Spectral-norm checkpoint layout, ``'ajbrock'`` or ``'torch'``.
        init_type: Weight init, ``'ortho'``, ``'N02'`` or ``'xavier'``.
        split_noise: Hierarchical latents: one noise chunk for the input layer and one per block.
        act_cfg: Activation.
        upsample_cfg: Upsampling of the blocks.
        with_spectral_norm: Spectrally normalise the layers.
        auto_sync_bn: Use ``SyncBatchNorm`` when a process group is initialised.
        blocks_cfg: Config of the residual blocks.
        arch_cfg: Explicit architecture (``in_channels``, ``out_channels``, ``upsample``, ``attention``
            lists); ``None`` for the default of ``output_scale``.
        out_norm_cfg: Norm of the output layer.
        rgb2bgr: Flip the output channel order (for weights converted from RGB models).
    """

    def __init__(self,
                 output_scale: int,
                 noise_size: int = 120,
                 num_classes: int = 0,
                 out_channels: int = 3,
                 base_channels: int = 96,
                 input_scale: int = 4,
                 with_shared_embedding: bool = True,
                 shared_dim: int = 128,
                 sn_eps: float = 1e-6,
                 sn_style: str = 'ajbrock',
                 init_type: str = 'ortho',
                 split_noise: bool = True,
                 act_cfg: Mapping = RELU,
                 upsample_cfg: Mapping = NEAREST_X2,
                 with_spectral_norm: bool = True,
                 auto_sync_bn: bool = True,
                 blocks_cfg: Mapping = frozen_cfg(type='BigGANGenResBlock'),
                 arch_cfg: Optional[Mapping] = None,
                 out_norm_cfg: Mapping = frozen_cfg(type='BN'),
                 rgb2bgr: bool = False):
        super().__init__()
        check_sn_style(sn_style)
        self.init_type = check_init_type(init_type)
        if num_classes == 0 and with_shared_embedding:
            raise ValueError('with_shared_embedding=True needs num_classes > 0')
        if num_classes > 0 and not with_shared_embedding and split_noise:
            raise ValueError('split_noise=True needs with_shared_embedding=True for a conditional generator')
        self.num_classes = num_classes
        self.shared_dim = shared_dim
        self.with_shared_embedding = with_shared_embedding
        self.output_scale = output_scale
        self.input_scale = input_scale
        self.split_noise = split_noise
        self.rgb2bgr = rgb2bgr
        self.sn_style = sn_style
        self.arch = dict(arch_cfg) if arch_cfg else default_generator_arch(output_scale, base_channels)

        if split_noise:
            self.num_slots = len(self.arch['in_channels']) + 1
            self.noise_chunk_size = noise_size // self.num_slots
            noise_size = self.noise_chunk_size * self.num_slots
        else:
            self.num_slots, self.noise_chunk_size = 1, 0
        self.noise_size = noise_size

        sn = dict(with_spectral_norm=with_spectral_norm, sn_style=sn_style, sn_eps=sn_eps)
        self.noise2feat = maybe_spectral_norm(
            nn.Linear(noise_size // self.num_slots, self.arch['in_channels'][0] * input_scale**2),
            with_spectral_norm, sn_style, sn_eps)
        self.shared_embedding = nn.Embedding(num_classes, shared_dim) if with_shared_embedding else nn.Identity()

        if num_classes > 0:
            self.dim_after_concat = shared_dim + self.noise_chunk_size if with_shared_embedding else num_classes
        else:
            self.dim_after_concat = self.noise_chunk_size
        block_defaults = dict(dim_after_concat=self.dim_after_concat, act_cfg=act_cfg, sn_eps=sn_eps,
                              sn_style=sn_style, input_is_label=num_classes > 0 and not with_shared_embedding,
                              with_spectral_norm=with_spectral_norm, auto_sync_bn=auto_sync_bn)
        self.conv_blocks = nn.ModuleList()
        for idx, out_ch in enumerate(self.arch['out_channels']):
            block_cfg = dict(blocks_cfg, **block_defaults)
            block_cfg.update(in_channels=self.arch['in_channels'][idx], out_channels=out_ch,
                             upsample_cfg=dict(upsample_cfg) if self.arch['upsample'][idx] else None)
            self.conv_blocks.append(MODELS.build(block_cfg))
            if self.arch['attention'][idx]:
                self.conv_blocks.append(SelfAttentionBlock(out_ch, **sn))

        self.output_layer = output_layer(self.arch['out_channels'][-1], out_channels, out_norm_cfg, act_cfg,
                                         with_spectral_norm, sn_eps, sn_style)
        self.init_weights()

    def features(self, noise_batch: Tensor, class_vector: Optional[Tensor]) -> Tensor:
        """(N, noise_size) noise, (N, shared_dim) class vector -> features before the output layer."""
        if self.split_noise:
            chunks = torch.split(noise_batch, self.noise_chunk_size, dim=1)
            z = chunks[0]
            ys = [torch.cat([class_vector, c], dim=1) for c in chunks[1:]] if class_vector is not None \
                else list(chunks[1:])
        else:
            z = noise_batch
            ys = [class_vector] * len(self.conv_blocks)

        x = self.noise2feat(z)
        x = x.reshape(x.shape[0], -1, self.input_scale, self.input_scale)
        counter = 0
        for block in self.conv_blocks:
            if isinstance(block, SelfAttentionBlock):
                x = block(x)
            else:
                x = block(x, ys[counter])
                counter += 1
        return x


@MODELS.register_module()
class BigGANDiscriminator(BigGANDiscriminatorBase):
    """BigGAN projection discriminator: image (N, C, S, S), labels (N,) -> score (N, out_channels).

    Args:
        input_scale: Side S of the input image.
        num_classes: Number of classes; 0 gives an unconditional discriminator (no ``proj_y``).
        in_channels: Channels of the input image.
        out_channels: Outputs of the decision layer.
        base_channels: Channel unit of the default architecture.
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
                 sn_eps: float = 1e-6,
                 sn_style: str = 'ajbrock',
                 init_type: str = 'ortho',
                 act_cfg: Mapping = RELU,
                 with_spectral_norm: bool = True,
                 blocks_cfg: Mapping = frozen_cfg(type='BigGANDiscResBlock'),
                 arch_cfg: Optional[Mapping] = None):
        super().__init__()
        check_sn_style(sn_style)
        self.init_type = check_init_type(init_type)
        self.num_classes = num_classes
        self.out_channels = out_channels
        self.input_scale = input_scale
        self.in_channels = in_channels
        self.base_channels = base_channels
        self.sn_style = sn_style
        self.arch = dict(arch_cfg) if arch_cfg else default_discriminator_arch(input_scale, in_channels,
                                                                                base_channels)
        sn = dict(with_spectral_norm=with_spectral_norm, sn_style=sn_style, sn_eps=sn_eps)
        self.conv_blocks = nn.ModuleList()
        for idx, out_ch in enumerate(self.arch['out_channels']):
            block_cfg = dict(blocks_cfg, act_cfg=act_cfg, **sn)
            block_cfg.update(in_channels=self.arch['in_channels'][idx], out_channels=out_ch,
                             with_downsample=self.arch['downsample'][idx], is_head_block=idx == 0)
            self.conv_blocks.append(MODELS.build(block_cfg))
            if self.arch['attention'][idx]:
                self.conv_blocks.append(SelfAttentionBlock(out_ch, **sn))

        self.build_decision(act_cfg, num_classes, out_channels, with_spectral_norm, sn_style, sn_eps)
        self.init_weights()
