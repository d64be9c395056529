"""SNGAN / projection-GAN and SAGAN generator and discriminator.

* Miyato et al., "Spectral Normalization for Generative Adversarial Networks", ICLR 2018;
  Miyato & Koyama, "cGANs with Projection Discriminator", ICLR 2018
  (reference: https://github.com/pfnet-research/sngan_projection).
* Zhang et al., "Self-Attention Generative Adversarial Networks", ICML 2019: the same networks with
  spectral norm in the generator too and a :class:`SelfAttentionBlock` after a chosen block.

The generator is a stack of upsampling residual blocks with class-conditional batch norm
(:class:`SNConditionNorm`); the discriminator is a stack of downsampling residual blocks followed by
ReLU, global sum pooling and a projection head (``decision`` + ``proj_y``).

``SAGANGenerator`` / ``SAGANDiscriminator`` are the same classes, as in MMGeneration. ``init_cfg=dict(type=...)``
picks the weight init: ``'studio'`` (PyTorch-StudioGAN, orthogonal), ``'BigGAN'`` (BigGAN-PyTorch,
Xavier), ``'sagan'`` (the official TensorFlow code) or ``'sngan'``/``'sngan-proj'``/``'gan-proj'`` (the
official Chainer code). Sub-module names are MMGeneration's. As there, ``noise2feat``, ``to_rgb``,
``decision`` and ``proj_y`` use PyTorch-style spectral norm whatever ``sn_style`` says; ``sn_style``
applies to the residual blocks, the attention blocks and the conditional norms.
"""
import math
from types import MappingProxyType
from typing import List, Mapping, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.dist import is_distributed
from torch import Tensor

from reelkit.registry import MODELS
from ..common import (ConvModule, SelfAttentionBlock, build_activation, build_norm, build_upsample, check_sn_style,
                      frozen_cfg, maybe_spectral_norm, module_device, projection_logits, sample_labels, sample_noise,
                      sn_conv_module)
from ..common.sampling import NoiseInput

INIT_TYPES = ('studio', 'biggan', 'sagan', 'sngan', 'sngan-proj', 'gan-proj')
RELU = frozen_cfg(type='ReLU')
BIGGAN_INIT = frozen_cfg(type='BigGAN')


def check_init_type(init_cfg: Optional[Mapping]) -> str:
    """The lower-cased init type of ``init_cfg``; raise unless it is one of :data:`INIT_TYPES`."""
    init_type = str((init_cfg or {}).get('type', '')).lower()
    if init_type not in INIT_TYPES:
        raise ValueError(f'init_cfg={dict(init_cfg or {})!r}; type must be one of {list(INIT_TYPES)}')
    return init_type


def init_sngan_weights(module: nn.Module, init_type: str, prefix: str = '') -> None:
    """Initialise the conv, linear and embedding layers under ``module`` in the ``init_type`` style.

    * ``studio``: orthogonal weights, zero biases.
    * ``biggan``: Xavier-uniform weights (gain 1), biases left as they are.
    * ``sagan``: Xavier-uniform weights (gain 1), zero biases; conditional-norm embeddings start at
      scale 1 (``weight_embedding``) and shift 0 (``bias_embedding``).
    * ``sngan``: as ``sagan``, but residual-branch convolutions use gain sqrt(2) (not shortcuts or
      ``to_rgb``).

    ``prefix`` is the name of ``module`` inside the whole model; the rules above read it.
    """
    for name, m in module.named_modules(prefix=prefix):
        if not isinstance(m, (nn.Conv2d, nn.Linear, nn.Embedding)):
            continue
        weight = getattr(m, 'weight_orig', m.weight)
        bias = getattr(m, 'bias', None)
        if init_type == 'studio':
            nn.init.orthogonal_(weight)
        elif init_type == 'biggan':
            nn.init.xavier_uniform_(weight)
            continue
        elif isinstance(m, nn.Embedding) and 'weight_embedding' in name:
            nn.init.ones_(weight)
        elif isinstance(m, nn.Embedding) and 'bias_embedding' in name:
            nn.init.zeros_(weight)
        else:
            residual_conv = isinstance(m, nn.Conv2d) and 'shortcut' not in name and 'to_rgb' not in name
            gain = math.sqrt(2) if init_type != 'sagan' and residual_conv else 1.0
            nn.init.xavier_uniform_(weight, gain=gain)
        if bias is not None:
            nn.init.zeros_(bias)


@MODELS.register_module()
class SNConditionNorm(nn.Module):
    """Class-conditional normalisation: ``norm(x) * (1 + e_w[y]) + e_b[y]``.

    The ``+ 1`` applies for the ``'studio'`` and ``'biggan'`` inits, whose scale embeddings start near 0.
    (N, C, H, W), labels (N,) -> (N, C, H, W).

    Args:
        in_channels: Channels C.
        num_classes: Number of classes; must be positive when ``use_cbn``.
        use_cbn: Use the class embeddings; otherwise a plain (affine) norm.
        norm_cfg: ``BN``, ``SyncBN`` or ``IN``.
        cbn_norm_affine: Keep the norm's own affine parameters when ``use_cbn``.
        auto_sync_bn: Use ``SyncBN`` instead of ``BN`` when running distributed.
        with_spectral_norm: Spectrally normalise the embeddings.
        sn_style: Spectral-norm checkpoint layout, ``'torch'`` or ``'ajbrock'``.
        norm_eps: Epsilon of the norm.
        sn_eps: Epsilon of the spectral norm.
        init_cfg: ``dict(type=init_type)``, see :func:`init_sngan_weights`.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 use_cbn: bool = True,
                 norm_cfg: Mapping = frozen_cfg(type='BN'),
                 cbn_norm_affine: bool = False,
                 auto_sync_bn: bool = True,
                 with_spectral_norm: bool = False,
                 sn_style: str = 'torch',
                 norm_eps: float = 1e-4,
                 sn_eps: float = 1e-12,
                 init_cfg: Mapping = BIGGAN_INIT):
        super().__init__()
        self.use_cbn = use_cbn
        self.init_type = check_init_type(init_cfg)
        check_sn_style(sn_style)
        norm_cfg = dict(norm_cfg)
        if norm_cfg['type'] not in ('BN', 'SyncBN', 'IN'):
            raise ValueError(f"norm_cfg type {norm_cfg['type']!r} is not supported; expected 'BN', 'SyncBN' or 'IN'")
        if use_cbn:
            norm_cfg.setdefault('affine', cbn_norm_affine)
        norm_cfg.setdefault('eps', norm_eps)
        if auto_sync_bn and norm_cfg['type'] == 'BN' and is_distributed():
            norm_cfg['type'] = 'SyncBN'
        self.norm = build_norm(norm_cfg, in_channels)[1]

        if use_cbn:
            if num_classes <= 0:
                raise ValueError(f'num_classes={num_classes}; use_cbn=True needs num_classes > 0')
            self.reweight_embedding = self.init_type in ('biggan', 'studio')
            if with_spectral_norm and not self.reweight_embedding:
                raise ValueError(
                    f"init_cfg type {self.init_type!r} starts the norm embeddings at constants (shift 0), which "
                    'spectral norm cannot normalise (the result is NaN): set with_embedding_spectral_norm=False '
                    "or use init type 'studio' or 'BigGAN'")
            sn = (with_spectral_norm, sn_style, sn_eps)
            self.weight_embedding = maybe_spectral_norm(nn.Embedding(num_classes, in_channels), *sn)
            self.bias_embedding = maybe_spectral_norm(nn.Embedding(num_classes, in_channels), *sn)
            init_sngan_weights(self, self.init_type)

    def forward(self, x: Tensor, y: Optional[Tensor] = None) -> Tensor:
        """(N, C, H, W), labels (N,) -> (N, C, H, W)."""
        out = self.norm(x)
        if self.use_cbn:
            weight = self.weight_embedding(y)[:, :, None, None]
            bias = self.bias_embedding(y)[:, :, None, None]
            if self.reweight_embedding:
                weight = weight + 1.
            out = out * weight + bias
        return out


@MODELS.register_module()
class SNGANGenResBlock(nn.Module):
    """Generator residual block: (cBN, act, [upsample], conv) x 2 plus a (1x1) shortcut.

    (N, C_in, H, W), labels (N,) -> (N, C_out, 2H, 2W) (or H, W without ``upsample``).

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        hidden_channels: Channels between the two convs; ``None`` means ``out_channels``.
        num_classes: Number of classes for the conditional norms.
        use_cbn: Use class-conditional norms.
        use_norm_affine: Keep the norms' own affine parameters with conditional norms.
        act_cfg: Activation.
        norm_cfg: Normalisation of the conditional norms.
        upsample_cfg: Upsampling layer.
        upsample: Upsample in this block.
        auto_sync_bn: Use ``SyncBN`` when running distributed.
        conv_cfg: Overrides for the 3x3 conv arguments.
        with_spectral_norm: Spectrally normalise the convolutions.
        with_embedding_spectral_norm: Spectrally normalise the norm embeddings; ``None`` follows
            ``with_spectral_norm``.
        sn_style: Spectral-norm checkpoint layout.
        norm_eps: Epsilon of the norms.
        sn_eps: Epsilon of the spectral norms.
        init_cfg: ``dict(type=init_type)``.
    """

    default_conv_cfg = frozen_cfg(kernel_size=3, stride=1, padding=1, act_cfg=None)

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 hidden_channels: Optional[int] = None,
                 num_classes: int = 0,
                 use_cbn: bool = True,
                 use_norm_affine: bool = False,
                 act_cfg: Mapping = RELU,
                 norm_cfg: Mapping = frozen_cfg(type='BN'),
                 upsample_cfg: Mapping = frozen_cfg(type='nearest', scale_factor=2),
                 upsample: bool = True,
                 auto_sync_bn: bool = True,
                 conv_cfg: Optional[Mapping] = None,
                 with_spectral_norm: bool = False,
                 with_embedding_spectral_norm: Optional[bool] = None,
                 sn_style: str = 'torch',
                 norm_eps: float = 1e-4,
                 sn_eps: float = 1e-12,
                 init_cfg: Mapping = BIGGAN_INIT):
        super().__init__()
        self.init_type = check_init_type(init_cfg)
        hidden_channels = out_channels if hidden_channels is None else hidden_channels
        if with_embedding_spectral_norm is None:
            with_embedding_spectral_norm = with_spectral_norm
        self.learnable_sc = in_channels != out_channels or upsample
        self.with_upsample = upsample

        self.activate = build_activation(act_cfg)
        if upsample:
            self.upsample = build_upsample(upsample_cfg)
        conv_kwargs = dict(self.default_conv_cfg, **(conv_cfg or {}))
        sn = dict(with_spectral_norm=with_spectral_norm, sn_eps=sn_eps, sn_style=sn_style)
        self.conv_1 = sn_conv_module(in_channels, hidden_channels, **sn, **conv_kwargs)
        self.conv_2 = sn_conv_module(hidden_channels, out_channels, **sn, **conv_kwargs)
        norm_kwargs = dict(num_classes=num_classes, use_cbn=use_cbn, norm_cfg=norm_cfg,
                           cbn_norm_affine=use_norm_affine, auto_sync_bn=auto_sync_bn,
                           with_spectral_norm=with_embedding_spectral_norm, sn_style=sn_style, norm_eps=norm_eps,
                           sn_eps=sn_eps, init_cfg=init_cfg)
        self.norm_1 = SNConditionNorm(in_channels, **norm_kwargs)
        self.norm_2 = SNConditionNorm(hidden_channels, **norm_kwargs)
        if self.learnable_sc:
            self.shortcut = sn_conv_module(in_channels, out_channels, kernel_size=1, **sn)
        self.init_weights()

    def init_weights(self) -> None:
        for name in ('conv_1', 'conv_2', 'shortcut'):
            if hasattr(self, name):
                init_sngan_weights(getattr(self, name), self.init_type, prefix=name)

    def forward(self, x: Tensor, y: Optional[Tensor] = None) -> Tensor:
        """(N, C_in, H, W), labels (N,) -> (N, C_out, H', W')."""
        out = self.activate(self.norm_1(x, y))
        if self.with_upsample:
            out = self.upsample(out)
        out = self.conv_1(out)
        out = self.conv_2(self.activate(self.norm_2(out, y)))
        return out + self.forward_shortcut(x)

    def forward_shortcut(self, x: Tensor) -> Tensor:
        if self.learnable_sc:
            if self.with_upsample:
                x = self.upsample(x)
            x = self.shortcut(x)
        return x


@MODELS.register_module()
class SNGANDiscResBlock(nn.Module):
    """Discriminator residual block: (act, conv) x 2, [avg-pool], plus a (1x1) shortcut.

    (N, C_in, H, W) -> (N, C_out, H/2, W/2) (or H, W without ``downsample``). With an in-place
    activation the shortcut sees the activated input, as in MMGeneration's "wReLUinplace" configs.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        hidden_channels: Channels between the two convs; ``None`` means ``out_channels``.
        downsample: Average-pool 2x2 at the end of both branches.
        act_cfg: Activation.
        conv_cfg: Overrides for the 3x3 conv arguments.
        with_spectral_norm: Spectrally normalise the convolutions.
        sn_style: Spectral-norm checkpoint layout.
        sn_eps: Epsilon of the spectral norms.
        init_cfg: ``dict(type=init_type)``.
    """

    default_conv_cfg = frozen_cfg(kernel_size=3, stride=1, padding=1, act_cfg=None)

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 hidden_channels: Optional[int] = None,
                 downsample: bool = False,
                 act_cfg: Mapping = RELU,
                 conv_cfg: Optional[Mapping] = None,
                 with_spectral_norm: bool = True,
                 sn_style: str = 'torch',
                 sn_eps: float = 1e-12,
                 init_cfg: Mapping = BIGGAN_INIT):
        super().__init__()
        self.init_type = check_init_type(init_cfg)
        hidden_channels = out_channels if hidden_channels is None else hidden_channels
        self.with_downsample = downsample
        self.learnable_sc = in_channels != out_channels or downsample

        self.activate = build_activation(act_cfg)
        conv_kwargs = dict(self.default_conv_cfg, **(conv_cfg or {}))
        sn = dict(with_spectral_norm=with_spectral_norm, sn_eps=sn_eps, sn_style=check_sn_style(sn_style))
        self.conv_1 = sn_conv_module(in_channels, hidden_channels, **sn, **conv_kwargs)
        self.conv_2 = sn_conv_module(hidden_channels, out_channels, **sn, **conv_kwargs)
        if downsample:
            self.downsample = nn.AvgPool2d(2, 2)
        if self.learnable_sc:
            self.shortcut = sn_conv_module(in_channels, out_channels, kernel_size=1, **sn)
        init_sngan_weights(self, self.init_type)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H', W')."""
        out = self.conv_1(self.activate(x))
        out = self.conv_2(self.activate(out))
        if self.with_downsample:
            out = self.downsample(out)
        return out + self.forward_shortcut(x)

    def forward_shortcut(self, x: Tensor) -> Tensor:
        if self.learnable_sc:
            x = self.shortcut(x)
            if self.with_downsample:
                x = self.downsample(x)
        return x


@MODELS.register_module()
class SNGANDiscHeadResBlock(nn.Module):
    """First discriminator block: conv, act, conv, avg-pool, plus avg-pool + 1x1-conv shortcut.

    (N, C_in, H, W) -> (N, C_out, H/2, W/2). Arguments as in :class:`SNGANDiscResBlock`.
    """

    default_conv_cfg = frozen_cfg(kernel_size=3, stride=1, padding=1, act_cfg=None)

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 conv_cfg: Optional[Mapping] = None,
                 act_cfg: Mapping = RELU,
                 with_spectral_norm: bool = True,
                 sn_eps: float = 1e-12,
                 sn_style: str = 'torch',
                 init_cfg: Mapping = BIGGAN_INIT):
        super().__init__()
        self.init_type = check_init_type(init_cfg)
        self.activate = build_activation(act_cfg)
        conv_kwargs = dict(self.default_conv_cfg, **(conv_cfg or {}))
        sn = dict(with_spectral_norm=with_spectral_norm, sn_eps=sn_eps, sn_style=check_sn_style(sn_style))
        self.conv_1 = sn_conv_module(in_channels, out_channels, **sn, **conv_kwargs)
        self.conv_2 = sn_conv_module(out_channels, out_channels, **sn, **conv_kwargs)
        self.downsample = nn.AvgPool2d(2, 2)
        self.shortcut = sn_conv_module(in_channels, out_channels, kernel_size=1, **sn)
        init_sngan_weights(self, self.init_type)

    def forward(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H/2, W/2)."""
        out = self.downsample(self.conv_2(self.activate(self.conv_1(x))))
        return out + self.shortcut(self.downsample(x))


def channel_factors(cfg: Optional[Union[Sequence, Mapping]], defaults: Mapping, scale: int, arg: str,
                    scale_arg: str) -> List:
    """Per-block values from a list, or from a ``{scale: list}`` dict (defaults when ``None``)."""
    cfg = defaults if cfg is None else cfg
    if isinstance(cfg, Mapping):
        if scale not in cfg:
            raise ValueError(f'{scale_arg}={scale} has no entry in {arg}; it has {sorted(cfg)}')
        return list(cfg[scale])
    if isinstance(cfg, (list, tuple)):
        return list(cfg)
    raise TypeError(f'{arg} must be a list or a dict of lists, got {type(cfg).__name__}')


def attention_indices(attention_after_nth_block: Union[int, Sequence[int]]) -> List[int]:
    indices = attention_after_nth_block
    if not isinstance(indices, (list, tuple)):
        indices = [indices]
    if not all(isinstance(i, int) for i in indices):
        raise TypeError(f'attention_after_nth_block={attention_after_nth_block!r}; expected an int or ints')
    return list(indices)


@MODELS.register_module('SAGANGenerator')
@MODELS.register_module()
class SNGANGenerator(nn.Module):
    """SNGAN / SAGAN generator: noise (N, noise_size), labels (N,) -> image (N, out_channels, S, S).

    Args:
        output_scale: Side S of the generated image.
        num_classes: Number of classes; 0 gives an unconditional generator.
        base_channels: Channel unit; block widths are multiples of it (``channels_cfg``).
        out_channels: Channels of the generated image.
        input_scale: Side of the feature map the noise is projected to.
        noise_size: Length of the input noise vector.
        attention_cfg: Config of the self-attention blocks.
        attention_after_nth_block: 1-based index (or indices) of the blocks followed by self-attention.
        channels_cfg: Width factors of the blocks (list, or ``{output_scale: list}``); block i maps
            factor i to factor i+1 (the last one to 1).
        blocks_cfg: Config of the residual blocks.
        act_cfg: Activation of the blocks and before ``to_rgb``.
        use_cbn: Use class-conditional batch norm.
        auto_sync_bn: Use ``SyncBN`` when running distributed.
        with_spectral_norm: Spectrally normalise the convolutions and linear layers.
        with_embedding_spectral_norm: Spectrally normalise the norm embeddings; ``None`` follows
            ``with_spectral_norm``.
        sn_style: Spectral-norm checkpoint layout of the blocks.
        norm_eps: Epsilon of the norms.
        sn_eps: Epsilon of the spectral norms.
        init_cfg: ``dict(type=init_type)``, see :func:`init_sngan_weights`.
        rgb_to_bgr: Flip the output channel order (for weights converted from RGB models).
    """

    default_channels_cfg = MappingProxyType({32: (1, 1, 1), 64: (16, 8, 4, 2), 128: (16, 16, 8, 4, 2)})

    def __init__(self,
                 output_scale: int,
                 num_classes: int = 0,
                 base_channels: int = 64,
                 out_channels: int = 3,
                 input_scale: int = 4,
                 noise_size: int = 128,
                 attention_cfg: Mapping = frozen_cfg(type='SelfAttentionBlock'),
                 attention_after_nth_block: Union[int, Sequence[int]] = 0,
                 channels_cfg: Optional[Union[Sequence, Mapping]] = None,
                 blocks_cfg: Mapping = frozen_cfg(type='SNGANGenResBlock'),
                 act_cfg: Mapping = RELU,
                 use_cbn: bool = True,
                 auto_sync_bn: bool = True,
                 with_spectral_norm: bool = False,
                 with_embedding_spectral_norm: Optional[bool] = None,
                 sn_style: str = 'torch',
                 norm_eps: float = 1e-4,
                 sn_eps: float = 1e-12,
                 init_cfg: Mapping = BIGGAN_INIT,
                 rgb_to_bgr: bool = False):
        super().__init__()
        self.init_type = check_init_type(init_cfg)
        check_sn_style(sn_style)
        self.input_scale = input_scale
        self.output_scale = output_scale
        self.noise_size = noise_size
        self.num_classes = num_classes
        self.rgb_to_bgr = rgb_to_bgr
        if with_embedding_spectral_norm is None:
            with_embedding_spectral_norm = with_spectral_norm

        self.channel_factor_list = channel_factors(channels_cfg, self.default_channels_cfg, output_scale,
                                                   'channels_cfg', 'output_scale')
        attention_after = attention_indices(attention_after_nth_block)

        self.noise2feat = maybe_spectral_norm(
            nn.Linear(noise_size, input_scale**2 * base_channels * self.channel_factor_list[0]), with_spectral_norm)

        block_defaults = dict(num_classes=num_classes, act_cfg=act_cfg, use_cbn=use_cbn,
                              auto_sync_bn=auto_sync_bn, with_spectral_norm=with_spectral_norm,
                              with_embedding_spectral_norm=with_embedding_spectral_norm, init_cfg=init_cfg,
                              sn_style=sn_style, norm_eps=norm_eps, sn_eps=sn_eps)
        factors = self.channel_factor_list + [1]
        self.conv_blocks = nn.ModuleList()
        self.attention_block_idx = []
        for idx in range(len(self.channel_factor_list)):
            block_cfg = dict(block_defaults, **blocks_cfg)
            block_cfg.update(in_channels=factors[idx] * base_channels, out_channels=factors[idx + 1] * base_channels)
            self.conv_blocks.append(MODELS.build(block_cfg))
            if idx + 1 in attention_after:
                self.attention_block_idx.append(len(self.conv_blocks))
                self.conv_blocks.append(
                    MODELS.build(dict(attention_cfg, in_channels=factors[idx + 1] * base_channels, sn_style=sn_style)))

        to_rgb_norm = dict(type='SyncBN' if auto_sync_bn and is_distributed() else 'BN', eps=norm_eps)
        self.to_rgb = ConvModule(base_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=True,
                                 norm_cfg=to_rgb_norm, act_cfg=act_cfg, order=('norm', 'act', 'conv'),
                                 with_spectral_norm=with_spectral_norm)
        self.final_act = nn.Tanh()
        self.init_weights()

    def init_weights(self) -> None:
        """Init the layers outside the residual blocks (those init themselves)."""
        init_sngan_weights(self.noise2feat, self.init_type, prefix='noise2feat')
        init_sngan_weights(self.to_rgb, self.init_type, prefix='to_rgb')
        for idx in self.attention_block_idx:
            init_sngan_weights(self.conv_blocks[idx], self.init_type, prefix=f'conv_blocks.{idx}')

    def forward(self,
                noise: NoiseInput = None,
                num_batches: int = 0,
                label: NoiseInput = None,
                return_noise: bool = False) -> Union[Tensor, dict]:
        """Generate images.

        Args:
            noise: (N, noise_size) tensor, a sampler called with the shape, or ``None``.
            num_batches: Batch size when ``noise`` or ``label`` is sampled here.
            label: (N,) class labels, a sampler called with ``(num_batches,)``, or ``None`` for uniform
                labels (ignored when ``num_classes == 0``).
            return_noise: Return ``dict(fake_img, noise_batch, label)`` instead of the images.

        Returns:
            Images (N, out_channels, output_scale, output_scale) in [-1, 1], or the dict above.
        """
        device = module_device(self)
        noise_batch = sample_noise(noise, num_batches, (self.noise_size, ), device)
        label_batch = sample_labels(label, noise_batch.shape[0], self.num_classes, device)

        x = self.noise2feat(noise_batch)
        x = x.reshape(x.shape[0], -1, self.input_scale, self.input_scale)
        for idx, block in enumerate(self.conv_blocks):
            x = block(x) if idx in self.attention_block_idx else block(x, label_batch)
        img = self.final_act(self.to_rgb(x))
        if self.rgb_to_bgr:
            img = img[:, [2, 1, 0]]

        if return_noise:
            return dict(fake_img=img, noise_batch=noise_batch, label=label_batch)
        return img


@MODELS.register_module('SAGANDiscriminator')
@MODELS.register_module()
class ProjDiscriminator(nn.Module):
    """SNGAN / SAGAN projection discriminator: image (N, C, S, S), labels (N,) -> score (N, 1).

    Args:
        input_scale: Side S of the input image.
        num_classes: Number of classes; 0 gives an unconditional discriminator (no ``proj_y``).
        base_channels: Channel unit; block widths are multiples of it (``channels_cfg``).
        input_channels: Channels of the input image.
        attention_cfg: Config of the self-attention blocks.
        attention_after_nth_block: 1-based index (or indices) of the blocks, ``from_rgb`` being the
            first, followed by self-attention.
        channels_cfg: Width factors of the blocks after ``from_rgb`` (list, or ``{input_scale: list}``).
        downsample_cfg: Whether each of those blocks downsamples (list, or ``{input_scale: list}``).
        from_rgb_cfg: Config of the first block.
        blocks_cfg: Config of the other blocks.
        act_cfg: Activation of the blocks and before pooling.
        with_spectral_norm: Spectrally normalise every layer.
        sn_style: Spectral-norm checkpoint layout of the blocks.
        sn_eps: Epsilon of the spectral norms.
        init_cfg: ``dict(type=init_type)``, see :func:`init_sngan_weights`.
    """

    default_channels_cfg = MappingProxyType({32: (1, 1, 1), 64: (2, 4, 8, 16), 128: (2, 4, 8, 16, 16)})
    default_downsample_cfg = MappingProxyType({
        32: (True, False, False),
        64: (True, True, True, True),
        128: (True, True, True, True, False)
    })

    def __init__(self,
                 input_scale: int,
                 num_classes: int = 0,
                 base_channels: int = 128,
                 input_channels: int = 3,
                 attention_cfg: Mapping = frozen_cfg(type='SelfAttentionBlock'),
                 attention_after_nth_block: Union[int, Sequence[int]] = -1,
                 channels_cfg: Optional[Union[Sequence, Mapping]] = None,
                 downsample_cfg: Optional[Union[Sequence, Mapping]] = None,
                 from_rgb_cfg: Mapping = frozen_cfg(type='SNGANDiscHeadResBlock'),
                 blocks_cfg: Mapping = frozen_cfg(type='SNGANDiscResBlock'),
                 act_cfg: Mapping = RELU,
                 with_spectral_norm: bool = True,
                 sn_style: str = 'torch',
                 sn_eps: float = 1e-12,
                 init_cfg: Mapping = BIGGAN_INIT):
        super().__init__()
        self.init_type = check_init_type(init_cfg)
        check_sn_style(sn_style)
        self.num_classes = num_classes
        factors = channel_factors(channels_cfg, self.default_channels_cfg, input_scale, 'channels_cfg',
                                  'input_scale')
        downsamples = channel_factors(downsample_cfg, self.default_downsample_cfg, input_scale, 'downsample_cfg',
                                      'input_scale')
        if len(factors) != len(downsamples):
            raise ValueError(f'downsample_cfg has {len(downsamples)} entries but channels_cfg has {len(factors)}')
        self.channel_factor_list, self.downsample_list = factors, downsamples
        attention_after = attention_indices(attention_after_nth_block)

        shared = dict(act_cfg=act_cfg, with_spectral_norm=with_spectral_norm, sn_style=sn_style, sn_eps=sn_eps,
                      init_cfg=init_cfg)
        self.from_rgb = MODELS.build(dict(shared, **from_rgb_cfg), default_args=dict(
            in_channels=input_channels, out_channels=base_channels))

        def attention(channels: int) -> nn.Module:
            return MODELS.build(dict(attention_cfg, in_channels=channels, sn_style=sn_style))

        self.conv_blocks = nn.ModuleList()
        self.attention_block_idx = []
        if 1 in attention_after:
            self.attention_block_idx.append(0)
            self.conv_blocks.append(attention(base_channels))
        all_factors = [1] + factors
        for idx, downsample in enumerate(downsamples):
            block_cfg = dict(shared, **blocks_cfg)
            block_cfg.update(downsample=downsample, in_channels=all_factors[idx] * base_channels,
                             out_channels=all_factors[idx + 1] * base_channels)
            self.conv_blocks.append(MODELS.build(block_cfg))
            if idx + 2 in attention_after:
                self.attention_block_idx.append(len(self.conv_blocks))
                self.conv_blocks.append(attention(all_factors[idx + 1] * base_channels))

        channels = all_factors[-1] * base_channels
        self.decision = maybe_spectral_norm(nn.Linear(channels, 1), with_spectral_norm)
        if num_classes > 0:
            self.proj_y = maybe_spectral_norm(nn.Embedding(num_classes, channels), with_spectral_norm)
        self.activate = build_activation(act_cfg)
        self.init_weights()

    def init_weights(self) -> None:
        """Init the layers outside the residual blocks (those init themselves)."""
        names = ['decision', 'proj_y'] + [f'conv_blocks.{i}' for i in self.attention_block_idx]
        for name in names:
            if name != 'proj_y' or self.num_classes > 0:
                init_sngan_weights(self.get_submodule(name), self.init_type, prefix=name)

    def forward(self, x: Tensor, label: Optional[Tensor] = None) -> Tensor:
        """(N, C, S, S) image, (N,) labels -> (N, 1) scores."""
        h = self.from_rgb(x)
        for block in self.conv_blocks:
            h = block(h)
        h = torch.sum(self.activate(h), dim=[2, 3])
        return projection_logits(h, self.decision, getattr(self, 'proj_y', None), label)
