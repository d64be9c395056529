"""ResNet for audio spectrograms (Xiao et al., *Audiovisual SlowFast Networks for Video Recognition*,
arXiv 2001.08740), MMAction2 layout.

The input is a log-mel spectrogram, (N, 1, T, F): time frames by frequency bins. Some 3x3 convs are
factorized into a (k, 1) conv over time and a (1, k) conv over frequency (:class:`ConvAudio`), each
with its own norm and ReLU; the stem sums the two branches, the blocks concatenate them. Keys read
``conv1.conv.conv_1.conv.weight``, ``layer1.0.conv2.conv.conv_2.bn.weight``, ``layer3.0.conv2.conv.weight``.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm

from reelkit.registry import MODELS
from ..common import ConvModule, backbone_key_map, freeze, frozen, load_pretrained, resolve_pretrained
from ..common.layers import LayerConfig
from .resnet import ResidualBlock

MERGE_OPS = ('concat', 'sum')
IntPair = Union[int, Tuple[int, int]]


class ConvAudio(nn.Module):
    """A (k_t, 1) conv over time and a (1, k_f) conv over frequency, each + BN + ReLU, then merged.

    (N, in_channels, T, F) -> (N, out_channels, T', F') with ``op='sum'``, (N, 2 * out_channels, T', F')
    with ``op='concat'``. Used as a ``conv_cfg`` type inside :class:`ConvModule`, so it takes a
    conv's arguments.

    Args:
        in_channels: input channels.
        out_channels: output channels of each branch.
        kernel_size: (k_t, k_f), or one k for both.
        op: ``'concat'`` or ``'sum'`` of the two branches.
        stride: stride of both branches.
        padding: passed by ConvModule and not used: each branch pads by half its kernel along its
            axis, keeping the size at stride 1 (as MMAction2).
        dilation: must be 1.
        groups: must be 1.
        bias: whether the branch convs have a bias.
    """

    def __init__(
            self,
            in_channels: int,
            out_channels: int,
            kernel_size: IntPair,
            op: str = 'concat',
            stride: IntPair = 1,
            padding: IntPair = 0,
            dilation: IntPair = 1,
            groups: int = 1,
            bias: bool = False,
    ) -> None:
        super().__init__()
        if op not in MERGE_OPS:
            raise ValueError(f'ConvAudio op={op!r}; expected one of {MERGE_OPS}')
        if dilation not in (1, (1, 1)) or groups != 1:
            raise ValueError(f'ConvAudio supports dilation=1 and groups=1 only, got dilation={dilation}, '
                             f'groups={groups}')
        k_t, k_f = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        self.op = op
        branch = dict(stride=stride, bias=bias, norm_cfg=frozen(type='BN'), act_cfg=frozen(type='ReLU'))
        # ``conv_1`` (time) and ``conv_2`` (frequency) as in MMAction2 checkpoints.
        self.conv_1 = ConvModule(in_channels, out_channels, (k_t, 1), padding=(k_t // 2, 0), **branch)
        self.conv_2 = ConvModule(in_channels, out_channels, (1, k_f), padding=(0, k_f // 2), **branch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        time, frequency = self.conv_1(x), self.conv_2(x)
        return torch.cat([time, frequency], dim=1) if self.op == 'concat' else time + frequency


class Bottleneck2dAudio(ResidualBlock):
    """1x1 reduce (+ norm + act), 3x3 conv (factorized or plain, neither norm nor act after it),
    1x1 expand by 4 (+ norm).

    (N, inplanes, T, F) -> (N, 4 * planes, T / stride, F / stride).

    Args:
        inplanes: input channels.
        planes: channels of the inner convs; the output has ``4 * planes``.
        stride: stride of the 3x3 conv.
        dilation: dilation (and padding) of the plain 3x3 conv; the factorized one takes 1 only.
        downsample: the shortcut when shape changes (1x1 conv + norm), ``None`` for identity.
        factorize: use :class:`ConvAudio` (concatenating, so the expanding conv takes ``2 * planes``).
        conv_cfg: config of the plain convs.
        norm_cfg: config of the norms.
        act_cfg: config of the activation after the first conv.
        with_cp: recompute the block in the backward pass instead of storing activations.
    """
    expansion = 4

    def __init__(
            self,
            inplanes: int,
            planes: int,
            stride: int = 2,
            dilation: int = 1,
            downsample: Optional[nn.Module] = None,
            factorize: bool = True,
            conv_cfg: LayerConfig = frozen(type='Conv'),
            norm_cfg: LayerConfig = frozen(type='BN2d', requires_grad=True),
            act_cfg: LayerConfig = frozen(type='ReLU', inplace=True),
            with_cp: bool = False,
    ) -> None:
        super().__init__(downsample, with_cp)
        self.factorize = factorize
        self.conv1 = ConvModule(inplanes, planes, 1, bias=False, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                                act_cfg=act_cfg)
        self.conv2 = ConvModule(planes, planes, 3, stride=stride, padding=dilation, dilation=dilation, bias=False,
                                conv_cfg=dict(type=ConvAudio) if factorize else conv_cfg, norm_cfg=None,
                                act_cfg=None)
        self.conv3 = ConvModule(2 * planes if factorize else planes, planes * self.expansion, 1, bias=False,
                                conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=None)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv3(self.conv2(self.conv1(x)))


@MODELS.register_module()
class ResNetAudio(BaseModule):
    """ResNet backbone for spectrograms: (N, in_channels, T, F) -> (N, feat_dim, T / 8, F / 8) with the
    default strides; ``feat_dim = 4 * base_channels * 2**(num_stages - 1)`` (1024 by default).

    Args:
        depth: 50, 101 or 152.
        pretrained: a checkpoint loaded by :meth:`init_weights` (a local file or a URL found in the
            torch hub cache); ``None`` trains from scratch.
        in_channels: input channels (1 for a spectrogram).
        num_stages: how many of the 4 stages to build.
        base_channels: output channels of the stem; stage i is ``base_channels * 2**i`` wide inside.
        strides: stride of the first block of each stage (the first ``num_stages`` are used).
        dilations: dilation of each stage (the first ``num_stages`` are used).
        conv1_kernel: kernel of the stem's two branches (k_t = k_f).
        conv1_stride: stride of the stem.
        frozen_stages: stages (``0`` is the stem) kept in eval mode without gradients; -1 for none.
        factorize: per stage, 1 (factorized 3x3 convs, :class:`ConvAudio`) or 0 (plain), as one flag
            for the whole stage or a flag per block; one int for every stage.
        norm_eval: keep every batch norm in eval mode (frozen statistics) while training.
        with_cp: recompute each block in the backward pass instead of storing activations.
        conv_cfg: config of the plain convs.
        norm_cfg: config of the norms (the branches of :class:`ConvAudio` always use ``BN``).
        act_cfg: config of the activations of the stem and of each block's first conv.
        zero_init_residual: start the last norm of every block at zero, so blocks begin as identities.
        init_cfg: extra MMEngine init applied by :meth:`init_weights` before ``pretrained``; the
            layers already start with He-init convs and unit batch norms.
    """

    arch_settings = {
        50: (3, 4, 6, 3),
        101: (3, 4, 23, 3),
        152: (3, 8, 36, 3),
    }

    def __init__(
            self,
            depth: int,
            pretrained: Optional[str] = None,
            in_channels: int = 1,
            num_stages: int = 4,
            base_channels: int = 32,
            strides: Sequence[int] = (1, 2, 2, 2),
            dilations: Sequence[int] = (1, 1, 1, 1),
            conv1_kernel: int = 9,
            conv1_stride: int = 1,
            frozen_stages: int = -1,
            factorize: Union[int, Sequence[Union[int, Sequence[int]]]] = (1, 1, 0, 0),
            norm_eval: bool = False,
            with_cp: bool = False,
            conv_cfg: LayerConfig = frozen(type='Conv'),
            norm_cfg: LayerConfig = frozen(type='BN2d', requires_grad=True),
            act_cfg: LayerConfig = frozen(type='ReLU', inplace=True),
            zero_init_residual: bool = True,
            init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        factorize = (factorize, ) * num_stages if isinstance(factorize, int) else tuple(factorize)
        self._check_args(depth, pretrained, num_stages, strides, dilations, frozen_stages, factorize)
        self.depth = depth
        self.pretrained = pretrained
        self.in_channels = in_channels
        self.num_stages = num_stages
        self.base_channels = base_channels
        self.frozen_stages = frozen_stages
        self.stage_factorization = factorize
        self.norm_eval = norm_eval
        self.stage_blocks = self.arch_settings[depth][:num_stages]
        self.block_kwargs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg, with_cp=with_cp)

        self.conv1 = ConvModule(in_channels, base_channels, conv1_kernel, stride=conv1_stride, bias=False,
                                conv_cfg=dict(type=ConvAudio, op='sum'), norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.res_layers = []
        inplanes = base_channels
        for i, num_blocks in enumerate(self.stage_blocks):
            planes = base_channels * 2**i
            flags = self.block_factorization(i)
            # ``layer1..4`` as in MMAction2 checkpoints.
            self.add_module(f'layer{i + 1}', self.make_stage(inplanes, planes, strides[i], dilations[i], flags))
            self.res_layers.append(f'layer{i + 1}')
            inplanes = planes * Bottleneck2dAudio.expansion
        self.feat_dim = inplanes
        if zero_init_residual:
            for module in self.modules():
                if isinstance(module, Bottleneck2dAudio):
                    nn.init.zeros_(module.conv3.bn.weight)
        self.train()  # apply frozen_stages / norm_eval from the start

    @classmethod
    def _check_args(cls, depth, pretrained, num_stages, strides, dilations, frozen_stages, factorize) -> None:
        if depth not in cls.arch_settings:
            raise ValueError(f'depth={depth!r}; expected one of {sorted(cls.arch_settings)}')
        if pretrained is not None and not isinstance(pretrained, str):
            raise TypeError(f'pretrained must be a path, a URL or None, got {type(pretrained).__name__}')
        if not 1 <= num_stages <= 4:
            raise ValueError(f'num_stages={num_stages}; expected 1 to 4')
        for name, values in (('strides', strides), ('dilations', dilations), ('factorize', factorize)):
            if len(values) < num_stages:
                raise ValueError(f'{name}={tuple(values)}: need an entry per stage (num_stages={num_stages})')
        if not -1 <= frozen_stages <= num_stages:
            raise ValueError(f'frozen_stages={frozen_stages}; expected -1 (none) to {num_stages}')

    def block_factorization(self, stage_idx: int) -> Tuple[bool, ...]:
        """Whether each block of stage ``stage_idx`` factorizes its 3x3 conv."""
        flags = self.stage_factorization[stage_idx]
        num_blocks = self.stage_blocks[stage_idx]
        flags = (flags, ) * num_blocks if isinstance(flags, int) else tuple(flags)
        if len(flags) != num_blocks:
            raise ValueError(f'factorize[{stage_idx}]={flags}: layer{stage_idx + 1} has {num_blocks} blocks')
        return tuple(flag == 1 for flag in flags)

    def make_stage(self, inplanes: int, planes: int, stride: int, dilation: int,
                   factorize: Sequence[bool]) -> nn.Module:
        """``len(factorize)`` blocks, the first one changing shape."""
        outplanes = planes * Bottleneck2dAudio.expansion
        downsample = None
        if stride != 1 or inplanes != outplanes:
            downsample = ConvModule(inplanes, outplanes, 1, stride=stride, bias=False, act_cfg=None,
                                    conv_cfg=self.block_kwargs['conv_cfg'], norm_cfg=self.block_kwargs['norm_cfg'])
        blocks = [Bottleneck2dAudio(inplanes, planes, stride, dilation, downsample, factorize[0], **self.block_kwargs)]
        blocks += [Bottleneck2dAudio(outplanes, planes, 1, dilation, None, flag, **self.block_kwargs)
                   for flag in factorize[1:]]
        return nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, in_channels, T, F) -> (N, feat_dim, T', F')."""
        x = self.conv1(x)
        for name in self.res_layers:
            x = getattr(self, name)(x)
        return x

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then load ``pretrained`` if given (the runner calls this before training)."""
        super().init_weights()
        if self.pretrained is not None:
            load_pretrained(self, resolve_pretrained(self.pretrained, 'model.backbone.pretrained'),
                            backbone_key_map)

    def train(self, mode: bool = True) -> 'ResNetAudio':
        """Switch train/eval mode, keeping the frozen parts and, with ``norm_eval``, the norms in eval mode."""
        super().train(mode)
        for i in range(self.frozen_stages + 1):
            freeze(self.conv1 if i == 0 else getattr(self, f'layer{i}'))
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
