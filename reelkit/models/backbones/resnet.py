"""ResNet (He et al., *Deep Residual Learning for Image Recognition*, CVPR 2016), MMAction2 layout.

Depths 18 and 34 stack :class:`BasicBlock`; 50, 101 and 152 stack :class:`Bottleneck`. The 2D
recognizers (TSN) run it on every frame: (N * num_views, C, H, W). Every conv sits in a
:class:`ConvModule`, so keys read ``conv1.conv.weight``, ``layer1.0.conv1.bn.weight`` and
``layer1.0.downsample.conv.weight``, as in MMAction2 checkpoints. torchvision checkpoints are
mapped onto these names by :func:`resnet_key_map` at the bottom of this file.
"""
import re
from typing import Collection, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm
from torch.utils import checkpoint as cp

from reelkit.registry import MODELS
from ..common import ConvModule, freeze, frozen, load_pretrained, resolve_pretrained
from ..common.layers import LayerConfig

STYLES = ('pytorch', 'caffe')


class ResidualBlock(nn.Module):
    """``relu(residual(x) + shortcut(x))``; subclasses build the convs and define :meth:`residual`.

    Args:
        downsample: the shortcut when shape changes (1x1 conv + norm), ``None`` for identity.
        with_cp: recompute the block in the backward pass instead of storing activations.
    """
    expansion = 1

    def __init__(
            self,
            downsample: Optional[nn.Module] = None,
            with_cp: bool = False,
    ) -> None:
        super().__init__()
        self.downsample = downsample
        self.with_cp = with_cp
        self.relu = nn.ReLU(inplace=True)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _residual_plus_shortcut(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.residual(x) + shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C_in, H, W) -> (N, planes * expansion, H / stride, W / stride)."""
        if self.with_cp and x.requires_grad:
            out = cp.checkpoint(self._residual_plus_shortcut, x, use_reentrant=False)
        else:
            out = self._residual_plus_shortcut(x)
        return self.relu(out)


class BasicBlock(ResidualBlock):
    """Two 3x3 convs (ResNet-18/34).

    Args:
        inplanes: input channels.
        planes: output channels of each conv.
        stride: stride of the first conv.
        dilation: dilation (and padding) of the first conv.
        downsample: the shortcut when shape changes, ``None`` for identity.
        style: accepted for a common block signature; the stride is always on the first conv.
        conv_cfg: config of the convs.
        norm_cfg: config of the norms.
        act_cfg: config of the activation after the first conv.
        with_cp: recompute the block in the backward pass instead of storing activations.
        conv1_cfg: config of the first conv only, ``None`` for ``conv_cfg`` (TSM shifts its input).
    """
    expansion = 1

    def __init__(
            self,
            inplanes: int,
            planes: int,
            stride: int = 1,
            dilation: int = 1,
            downsample: Optional[nn.Module] = None,
            style: str = 'pytorch',
            conv_cfg: LayerConfig = frozen(type='Conv'),
            norm_cfg: LayerConfig = frozen(type='BN2d', requires_grad=True),
            act_cfg: LayerConfig = frozen(type='ReLU', inplace=True),
            with_cp: bool = False,
            conv1_cfg: LayerConfig = None,
    ) -> None:
        super().__init__(downsample, with_cp)
        self.conv1 = ConvModule(inplanes, planes, 3, stride=stride, padding=dilation, dilation=dilation,
                                bias=False, conv_cfg=conv1_cfg or conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv2 = ConvModule(planes, planes, 3, padding=1, bias=False,
                                conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=None)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1(x))


class Bottleneck(ResidualBlock):
    """1x1 reduce, 3x3, 1x1 expand by 4 (ResNet-50/101/152).

    Args:
        inplanes: input channels.
        planes: channels of the inner convs; the output has ``4 * planes``.
        stride: stride of the block, on the 3x3 conv (``pytorch`` style) or the first 1x1 (``caffe``).
        dilation: dilation (and padding) of the 3x3 conv.
        downsample: the shortcut when shape changes, ``None`` for identity.
        style: ``pytorch`` or ``caffe``, where the stride goes.
        conv_cfg: config of the convs.
        norm_cfg: config of the norms.
        act_cfg: config of the activations after the first two convs.
        with_cp: recompute the block in the backward pass instead of storing activations.
        conv1_cfg: config of the first conv only, ``None`` for ``conv_cfg`` (TSM shifts its input).
    """
    expansion = 4

    def __init__(
            self,
            inplanes: int,
            planes: int,
            stride: int = 1,
            dilation: int = 1,
            downsample: Optional[nn.Module] = None,
            style: str = 'pytorch',
            conv_cfg: LayerConfig = frozen(type='Conv'),
            norm_cfg: LayerConfig = frozen(type='BN2d', requires_grad=True),
            act_cfg: LayerConfig = frozen(type='ReLU', inplace=True),
            with_cp: bool = False,
            conv1_cfg: LayerConfig = None,
    ) -> None:
        super().__init__(downsample, with_cp)
        if style not in STYLES:
            raise ValueError(f'style={style!r}; expected one of {STYLES}')
        conv1_stride, conv2_stride = (1, stride) if style == 'pytorch' else (stride, 1)
        self.conv1 = ConvModule(inplanes, planes, 1, stride=conv1_stride, bias=False,
                                conv_cfg=conv1_cfg or conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv2 = ConvModule(planes, planes, 3, stride=conv2_stride, padding=dilation, dilation=dilation,
                                bias=False, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv3 = ConvModule(planes, planes * self.expansion, 1, bias=False,
                                conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=None)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv3(self.conv2(self.conv1(x)))


@MODELS.register_module()
class ResNet(BaseModule):
    """ResNet backbone.

    Args:
        depth: 18, 34, 50, 101 or 152.
        pretrained: weights loaded by :meth:`init_weights`: a local file, a URL or ``torchvision://name``
            (found in the torch hub cache, never downloaded), in torchvision, MMAction2 or reelkit
            layout (recognised from the keys). ``None`` trains from scratch.
        torchvision_pretrain: accepted for MMAction2 configs; the checkpoint layout is recognised
            from its keys, so this changes nothing.
        in_channels: input channels (3 for RGB, 10 for 5 stacked x/y flow frames).
        num_stages: how many of the 4 stages to build.
        out_indices: the stages whose outputs :meth:`forward` returns.
        strides: stride of the first block of each stage.
        dilations: dilation of each stage.
        style: ``pytorch`` (stride on the 3x3 conv) or ``caffe`` (on the first 1x1 conv).
        frozen_stages: stages (``0`` is the stem) kept in eval mode without gradients; -1 for none.
        conv_cfg: config of the convs.
        norm_cfg: config of the norms.
        act_cfg: config of the activations.
        norm_eval: keep every batch norm in eval mode (frozen statistics) while training.
        partial_bn: keep every batch norm but the first in eval mode, without gradients, while
            training (TSN's partial BN).
        with_cp: recompute each block in the backward pass instead of storing activations.
        init_cfg: extra MMEngine init applied by :meth:`init_weights` before ``pretrained``; the
            layers already start with He-init convs and unit batch norms.
    """

    arch_settings = {
        18: (BasicBlock, (2, 2, 2, 2)),
        34: (BasicBlock, (3, 4, 6, 3)),
        50: (Bottleneck, (3, 4, 6, 3)),
        101: (Bottleneck, (3, 4, 23, 3)),
        152: (Bottleneck, (3, 8, 36, 3)),
    }

    def __init__(
            self,
            depth: int,
            pretrained: Optional[str] = None,
            torchvision_pretrain: bool = True,
            in_channels: int = 3,
            num_stages: int = 4,
            out_indices: Sequence[int] = (3, ),
            strides: Sequence[int] = (1, 2, 2, 2),
            dilations: Sequence[int] = (1, 1, 1, 1),
            style: str = 'pytorch',
            frozen_stages: int = -1,
            conv_cfg: LayerConfig = frozen(type='Conv'),
            norm_cfg: LayerConfig = frozen(type='BN2d', requires_grad=True),
            act_cfg: LayerConfig = frozen(type='ReLU', inplace=True),
            norm_eval: bool = False,
            partial_bn: bool = False,
            with_cp: bool = False,
            init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self._check_args(depth, pretrained, num_stages, out_indices, strides, dilations, style, frozen_stages)
        self.depth = depth
        self.pretrained = pretrained
        self.torchvision_pretrain = torchvision_pretrain
        self.in_channels = in_channels
        self.num_stages = num_stages
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.partial_bn = partial_bn
        self.block, stage_blocks = self.arch_settings[depth]
        self.stage_blocks = stage_blocks[:num_stages]
        self.block_kwargs = dict(style=style, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg, with_cp=with_cp)

        self.conv1 = ConvModule(in_channels, 64, 7, stride=2, padding=3, bias=False,
                                conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.res_layers = []
        inplanes = 64
        for i, num_blocks in enumerate(self.stage_blocks):
            planes = 64 * 2**i
            # ``layer1..4`` as in torchvision and MMAction2, for checkpoint compatibility.
            self.add_module(f'layer{i + 1}', self.make_stage(i, inplanes, planes, num_blocks, strides[i], dilations[i]))
            self.res_layers.append(f'layer{i + 1}')
            inplanes = planes * self.block.expansion
        self.feat_dim = inplanes
        self.train()  # apply frozen_stages / partial_bn / norm_eval from the start

    @classmethod
    def _check_args(cls, depth, pretrained, num_stages, out_indices, strides, dilations, style, frozen_stages):
        if depth not in cls.arch_settings:
            raise ValueError(f'depth={depth!r}; expected one of {sorted(cls.arch_settings)}')
        if pretrained is not None and not isinstance(pretrained, str):
            raise TypeError(f'pretrained must be a path, a URL or None, got {type(pretrained).__name__}')
        if not 1 <= num_stages <= 4:
            raise ValueError(f'num_stages={num_stages}; expected 1 to 4')
        if len(strides) != num_stages or len(dilations) != num_stages:
            raise ValueError(f'strides={tuple(strides)} and dilations={tuple(dilations)} need one entry '
                             f'per stage (num_stages={num_stages})')
        if not out_indices or not all(0 <= i < num_stages for i in out_indices):
            raise ValueError(f'out_indices={tuple(out_indices)}; expected stage indices in [0, {num_stages})')
        if style not in STYLES:
            raise ValueError(f'style={style!r}; expected one of {STYLES}')
        if not -1 <= frozen_stages <= num_stages:
            raise ValueError(f'frozen_stages={frozen_stages}; expected -1 (none) to {num_stages}')

    def make_stage(self, stage_idx: int, inplanes: int, planes: int, num_blocks: int, stride: int,
                   dilation: int) -> nn.Module:
        """``layer{stage_idx + 1}``: ``num_blocks`` blocks, the first one changing shape."""
        outplanes = planes * self.block.expansion
        downsample = None
        if stride != 1 or inplanes != outplanes:
            downsample = ConvModule(inplanes, outplanes, 1, stride=stride, bias=False, act_cfg=None,
                                    conv_cfg=self.block_kwargs['conv_cfg'], norm_cfg=self.block_kwargs['norm_cfg'])
        blocks = [self.make_block(stage_idx, 0, inplanes, planes, stride, dilation, downsample)]
        blocks += [self.make_block(stage_idx, j, outplanes, planes, 1, dilation, None) for j in range(1, num_blocks)]
        return nn.Sequential(*blocks)

    def make_block(self, stage_idx: int, block_idx: int, inplanes: int, planes: int, stride: int, dilation: int,
                   downsample: Optional[nn.Module], conv1_cfg: LayerConfig = None) -> nn.Module:
        """Block ``block_idx`` of stage ``stage_idx``; subclasses wrap it (see ResNetTSM)."""
        return self.block(inplanes, planes, stride=stride, dilation=dilation, downsample=downsample,
                          conv1_cfg=conv1_cfg, **self.block_kwargs)

    def forward(self, x: torch.Tensor) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        """(N, in_channels, H, W) -> (N, feat_dim, H/32, W/32) for the default ``out_indices=(3,)``;
        a tuple of stage outputs when ``out_indices`` names several stages."""
        x = self.maxpool(self.conv1(x))
        outs = []
        for i, name in enumerate(self.res_layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then load ``pretrained`` if given (the runner calls this before training)."""
        super().init_weights()
        if self.pretrained is not None:
            load_pretrained(self, resolve_pretrained(self.pretrained, 'model.backbone.pretrained'), resnet_key_map)

    def train(self, mode: bool = True) -> 'ResNet':
        """Switch train/eval mode, keeping the frozen parts and the BN settings in eval mode."""
        super().train(mode)
        self._freeze_stages()
        batch_norms = [m for m in self.modules() if isinstance(m, _BatchNorm)]
        if mode and self.norm_eval:
            for bn in batch_norms:
                bn.eval()
        if mode and self.partial_bn:
            for bn in batch_norms[1:]:
                freeze(bn)
        return self

    def _freeze_stages(self) -> None:
        if self.frozen_stages >= 0:
            freeze(self.conv1)
        for i in range(1, self.frozen_stages + 1):
            freeze(getattr(self, f'layer{i}'))




# Checkpoint keys: torchvision names -> ours (ConvModule holds conv + bn). Applied in order to every
# key; names already in MMAction2/reelkit layout match no rule and pass through unchanged.
CHECKPOINT_RENAMES = (
    (r'^backbone\.', ''),  # a whole-recognizer checkpoint
    (r'^conv1\.weight$', 'conv1.conv.weight'),
    (r'^bn1\.', 'conv1.bn.'),
    (r'^(layer\d+\.\d+)\.conv(\d)\.weight$', r'\1.conv\2.conv.weight'),
    (r'^(layer\d+\.\d+)\.bn(\d)\.', r'\1.conv\2.bn.'),
    (r'^(layer\d+\.\d+\.downsample)\.0\.', r'\1.conv.'),
    (r'^(layer\d+\.\d+\.downsample)\.1\.', r'\1.bn.'),
)
# The wrappers TSM puts around 2D modules (TemporalShift.net, the non-local wrapper's .block,
# TemporalPool.net): a 2D checkpoint has the same names without these segments.
WRAPPER_SEGMENT = re.compile(r'\.(?:net|block)(?=\.)')


def resnet_key_map(source_keys: Iterable[str], own_keys: Collection[str]) -> Dict[str, str]:
    """Place torchvision, MMAction2 or reelkit ResNet(-TSM) checkpoint keys onto a model's keys.

    Returns ``{checkpoint key: model key}`` for the keys that have a place (``fc.*`` has none).
    """
    own = set(own_keys)
    unwrapped = {WRAPPER_SEGMENT.sub('', key): key for key in own}
    placed = {}
    for key in source_keys:
        name = key
        for pattern, replacement in CHECKPOINT_RENAMES:
            name = re.sub(pattern, replacement, name)
        target = name if name in own else unwrapped.get(WRAPPER_SEGMENT.sub('', name))
        if target is not None:
            placed[key] = target
    return placed
