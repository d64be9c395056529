"""TPN: Temporal Pyramid Network (Yang et al., *Temporal Pyramid Network for Action Recognition*,
CVPR 2020), the neck, MMAction2 layout.

Takes the (N, C_i, T, H_i, W_i) maps of several backbone stages. Spatial modulation brings every
level to the top level's channels and resolution, temporal modulation gives each level its own
temporal rate (max-pooling by ``downsample_scales[i]``); the levels are then fused twice, along a
top-down flow and a bottom-up flow, and the two fusions merged by ``pyramid_fusion`` into 2048
channels. An auxiliary classifier on the second-to-last input adds ``loss_aux`` in training.
"""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from reelkit.registry import MODELS
from ..common import ConvModule, build_module, frozen
from ..heads.base import SampleList, stack_labels

IntOrTriple = Union[int, Tuple[int, int, int]]
FLOW_TYPES = ('cascade', 'parallel')
CONV3D = frozen(type='Conv3d')
BN3D = frozen(type='BN3d', requires_grad=True)
RELU = frozen(type='ReLU', inplace=True)


def _triple(value: IntOrTriple) -> Tuple[int, int, int]:
    """``(v, v, v)`` for an int; a sequence as a tuple (configs read from JSON give lists)."""
    return (value, ) * 3 if isinstance(value, int) else tuple(value)


def _tuples(cfg: Mapping) -> Dict:
    """``cfg`` with list values as tuples (``nn.Upsample`` takes tuples only; JSON configs give lists)."""
    return {key: tuple(value) if isinstance(value, list) else value for key, value in cfg.items()}


class DownSample(nn.Module):
    """A 3D conv and a max-pool (``downsample_scale`` kernel and stride, ceil mode), in either order.

    x: (N, in_channels, T, H, W) -> (N, out_channels, T', H', W').

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_size: kernel of the conv.
        stride: stride of the conv.
        padding: padding of the conv.
        groups: groups of the conv.
        bias: bias of the conv (as :class:`ConvModule`).
        conv_cfg: config of the conv.
        norm_cfg: config of the norm after the conv, ``None`` for none.
        act_cfg: config of the activation, ``None`` for none.
        downsample_position: ``'before'`` (pool, then conv) or ``'after'`` (conv, then pool).
        downsample_scale: the pooling factor per dimension.
    """

    def __init__(
            self,
            in_channels: int,
            out_channels: int,
            kernel_size: IntOrTriple = (3, 1, 1),
            stride: IntOrTriple = (1, 1, 1),
            padding: IntOrTriple = (1, 0, 0),
            groups: int = 1,
            bias: Union[bool, str] = False,
            conv_cfg: Mapping = CONV3D,
            norm_cfg: Optional[Mapping] = None,
            act_cfg: Optional[Mapping] = None,
            downsample_position: str = 'after',
            downsample_scale: IntOrTriple = (1, 2, 2),
    ) -> None:
        super().__init__()
        if downsample_position not in ('before', 'after'):
            raise ValueError(f"downsample_position={downsample_position!r}; expected 'before' or 'after'")
        self.downsample_position = downsample_position
        self.conv = ConvModule(in_channels, out_channels, _triple(kernel_size), _triple(stride), _triple(padding),
                               groups=groups, bias=bias, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        scale = _triple(downsample_scale)
        self.pool = nn.MaxPool3d(scale, scale, 0, ceil_mode=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.downsample_position == 'before':
            return self.conv(self.pool(x))
        return self.pool(self.conv(x))


class LevelFusion(nn.Module):
    """Each level through its own grouped 1x1x1 conv (after a max-pool), concatenated, fused by a 1x1x1 conv.

    list of (N, in_channels[i], T, H, W) -> (N, out_channels, T', H', W').

    Args:
        in_channels: channels of each level.
        mid_channels: channels of each level after its conv.
        out_channels: channels of the fused output.
        downsample_scales: the max-pool factors of each level.
    """

    def __init__(
            self,
            in_channels: Sequence[int],
            mid_channels: Sequence[int],
            out_channels: int,
            downsample_scales: Sequence[IntOrTriple] = ((1, 1, 1), (1, 1, 1)),
    ) -> None:
        super().__init__()
        self.downsamples = nn.ModuleList(
            DownSample(cin, cmid, kernel_size=1, stride=1, padding=0, groups=32, bias=False, norm_cfg=BN3D,
                       act_cfg=RELU, downsample_position='before', downsample_scale=scale)
            for cin, cmid, scale in zip(in_channels, mid_channels, downsample_scales))
        self.fusion_conv = ConvModule(sum(mid_channels), out_channels, 1, bias=False, conv_cfg=CONV3D,
                                      norm_cfg=BN3D, act_cfg=RELU)

    def forward(self, x: Sequence[torch.Tensor]) -> torch.Tensor:
        return self.fusion_conv(torch.cat([down(level) for down, level in zip(self.downsamples, x)], dim=1))


class SpatialModulation(nn.Module):
    """Strided (1, 3, 3) convs that bring each level to ``out_channels`` and the top level's size.

    Level i gets ``floor(log2(out_channels / in_channels[i]))`` convs, each doubling the channels
    and halving H and W (none for the top level).

    Args:
        in_channels: channels of each level.
        out_channels: channels after modulation.
    """

    def __init__(
            self,
            in_channels: Sequence[int],
            out_channels: int,
    ) -> None:
        super().__init__()
        # An empty Sequential is the identity and has no keys, as MMAction2's nn.Identity.
        self.spatial_modulation = nn.ModuleList(
            nn.Sequential(*[
                ConvModule(channels * 2**k, channels * 2**(k + 1), (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1),
                           bias=False, conv_cfg=CONV3D, norm_cfg=BN3D, act_cfg=RELU)
                for k in range(max((out_channels // channels).bit_length() - 1, 0))
            ]) for channels in in_channels)

    def forward(self, x: Sequence[torch.Tensor]) -> List[torch.Tensor]:
        return [op(level) for op, level in zip(self.spatial_modulation, x)]


class AuxHead(nn.Module):
    """An auxiliary classifier: (N, C, T, H, W) -> (N, out_channels) scores.

    Args:
        in_channels: C.
        out_channels: number of classes.
        loss_weight: factor of its loss.
        loss_cls: config (or module) of its loss.
    """

    def __init__(
            self,
            in_channels: int,
            out_channels: int,
            loss_weight: float = 0.5,
            loss_cls: Union[Mapping, nn.Module] = frozen(type='CrossEntropyLoss'),
    ) -> None:
        super().__init__()
        self.conv = ConvModule(in_channels, in_channels * 2, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1),
                               bias=False, conv_cfg=CONV3D, norm_cfg=BN3D)
        self.avg_pool = nn.AdaptiveAvgPool3d(1)
        self.loss_weight = loss_weight
        self.dropout = nn.Dropout(p=0.5)
        self.fc = nn.Linear(in_channels * 2, out_channels)
        self.loss_cls = build_module(loss_cls)

    def loss(self, x: torch.Tensor, data_samples: SampleList) -> Dict[str, torch.Tensor]:
        """``{'loss_aux': loss_weight * loss}`` on the samples' ``gt_label``."""
        scores = self(x)
        labels = stack_labels(data_samples).to(scores.device)
        return {'loss_aux': self.loss_weight * self.loss_cls(scores, labels)}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(self.avg_pool(self.conv(x)).flatten(1)))


class TemporalModulation(nn.Module):
    """A grouped (3, 1, 1) conv, then a temporal max-pool by ``downsample_scale`` (ceil mode).

    x: (N, in_channels, T, H, W) -> (N, out_channels, ceil(T / downsample_scale), H, W).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        downsample_scale: the temporal pooling factor.
    """

    def __init__(
            self,
            in_channels: int,
            out_channels: int,
            downsample_scale: int = 8,
    ) -> None:
        super().__init__()
        self.conv = ConvModule(in_channels, out_channels, (3, 1, 1), padding=(1, 0, 0), bias=False, groups=32,
                               conv_cfg=CONV3D, act_cfg=None)
        self.pool = nn.MaxPool3d((downsample_scale, 1, 1), (downsample_scale, 1, 1), 0, ceil_mode=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.conv(x))


@MODELS.register_module()
class TPN(nn.Module):
    """The TPN neck: list of (N, in_channels[i], T, H_i, W_i) -> ((N, 2048, T', H, W), losses).

    The losses are ``{'loss_aux': ...}`` when the neck has an auxiliary head and ``data_samples``
    are given (training), else ``{}``; the recognizer adds them to the head's.

    Args:
        in_channels: channels of each input level, bottom to top.
        out_channels: channels of each level after temporal modulation.
        spatial_modulation_cfg: arguments of :class:`SpatialModulation` (``in_channels``, ``out_channels``).
        temporal_modulation_cfg: ``downsample_scales``: the temporal pooling factor of each level.
            Every level reads ``in_channels[-1]`` channels there (spatial modulation's output).
        upsample_cfg: arguments of ``nn.Upsample`` for the top-down flow, ``None`` for no top-down sums.
        downsample_cfg: arguments of :class:`DownSample` (out_channels -> out_channels) for the
            bottom-up flow, ``None`` for no bottom-up sums.
        level_fusion_cfg: arguments of :class:`LevelFusion` (both fusions).
        aux_head_cfg: arguments of :class:`AuxHead` but ``in_channels`` (``out_channels``,
            ``loss_weight``, ``loss_cls``); ``None`` for no auxiliary loss.
        flow_type: ``'cascade'`` (the bottom-up flow starts from the top-down sums) or
            ``'parallel'`` (both start from the temporally modulated levels).
    """
    fused_channels = 2048  # the output width, fixed as in MMAction2

    def __init__(
            self,
            in_channels: Sequence[int],
            out_channels: int,
            spatial_modulation_cfg: Optional[Mapping] = None,
            temporal_modulation_cfg: Optional[Mapping] = None,
            upsample_cfg: Optional[Mapping] = None,
            downsample_cfg: Optional[Mapping] = None,
            level_fusion_cfg: Optional[Mapping] = None,
            aux_head_cfg: Optional[Mapping] = None,
            flow_type: str = 'cascade',
    ) -> None:
        super().__init__()
        if flow_type not in FLOW_TYPES:
            raise ValueError(f'flow_type={flow_type!r}; expected one of {FLOW_TYPES}')
        for name, cfg in (('spatial_modulation_cfg', spatial_modulation_cfg),
                          ('temporal_modulation_cfg', temporal_modulation_cfg),
                          ('level_fusion_cfg', level_fusion_cfg)):
            if cfg is None:
                raise ValueError(f'TPN needs {name} (MMAction2 cannot build or run without it either)')
        self.in_channels = tuple(in_channels)
        self.out_channels = out_channels
        self.num_tpn_stages = len(self.in_channels)
        self.flow_type = flow_type
        scales = tuple(temporal_modulation_cfg['downsample_scales'])
        if len(scales) != self.num_tpn_stages:
            raise ValueError(f'temporal_modulation_cfg.downsample_scales={scales}: expected one per input level '
                             f'({self.num_tpn_stages})')

        self.temporal_modulation_ops = nn.ModuleList(
            TemporalModulation(self.in_channels[-1], out_channels, scale) for scale in scales)
        # One up/down-sampling between each pair of neighbouring levels, where configured.
        between = range(self.num_tpn_stages - 1)
        self.upsample_ops = nn.ModuleList(
            [nn.Upsample(**_tuples(upsample_cfg)) for _ in between] if upsample_cfg is not None else [])
        self.downsample_ops = nn.ModuleList(
            [DownSample(out_channels, out_channels, **downsample_cfg) for _ in between]
            if downsample_cfg is not None else [])
        self.level_fusion_1 = LevelFusion(**level_fusion_cfg)
        self.spatial_modulation = SpatialModulation(**spatial_modulation_cfg)
        self.level_fusion_2 = LevelFusion(**level_fusion_cfg)
        self.pyramid_fusion = ConvModule(level_fusion_cfg['out_channels'] * 2, self.fused_channels, 1, bias=False,
                                         conv_cfg=CONV3D, norm_cfg=BN3D)
        self.aux_head = AuxHead(self.in_channels[-2], **aux_head_cfg) if aux_head_cfg is not None else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """MMAction2's init: Xavier-uniform 3D convs, unit batch norms, N(0, 0.01) linear layers; zero biases."""
        for module in self.modules():
            if isinstance(module, nn.Conv3d):
                nn.init.xavier_uniform_(module.weight)
            elif isinstance(module, nn.BatchNorm3d):
                nn.init.ones_(module.weight)
            elif isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, std=0.01)
            else:
                continue
            if module.bias is not None:
                nn.init.zeros_(module.bias)

    def forward(self, x: Sequence[torch.Tensor],
                data_samples: Optional[SampleList] = None) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        loss_aux = {}
        if self.aux_head is not None and data_samples is not None:
            loss_aux = self.aux_head.loss(x[-2], data_samples)
        levels = [op(level) for op, level in zip(self.temporal_modulation_ops, self.spatial_modulation(x))]

        top_down = list(levels)
        if self.upsample_ops:
            for i in range(self.num_tpn_stages - 1, 0, -1):  # from the top: each level adds the one above
                top_down[i - 1] = top_down[i - 1] + self.upsample_ops[i - 1](top_down[i])
        top_down_out = self.level_fusion_1(top_down)

        bottom_up = list(top_down if self.flow_type == 'cascade' else levels)
        if self.downsample_ops:
            for i in range(self.num_tpn_stages - 1):  # from the bottom: each level adds the one below
                bottom_up[i + 1] = bottom_up[i + 1] + self.downsample_ops[i](bottom_up[i])
        bottom_up_out = self.level_fusion_2(bottom_up)

        return self.pyramid_fusion(torch.cat([top_down_out, bottom_up_out], dim=1)), loss_aux
