"""SlowFast (Feichtenhofer et al., *SlowFast Networks for Video Recognition*, ICCV 2019), MMAction2 layout.

Two 3D ResNets see the same clip: the slow pathway 1 frame in ``resample_rate``, with many
channels; the fast pathway ``speed_ratio`` times more frames with ``channel_ratio`` times fewer
channels. After the stem and each stage but the last, a lateral connection (a ``fusion_kernel``
x 1 x 1 conv with temporal stride ``speed_ratio``) brings the fast features to the slow frame rate,
and they are concatenated to the slow features. The laterals belong to the slow pathway, as in
MMAction2 checkpoints: ``slow_path.conv1_lateral``, ``slow_path.layer1_lateral``, ...
"""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from reelkit.registry import MODELS
from ..common import ConvModule, freeze, frozen, load_pretrained, resolve_pretrained
from .resnet import resnet_key_map
from .resnet3d import PRETRAINED_KEY, ResNet3d


class DeConvModule(nn.Module):
    """Transposed Conv3d + batch norm + ReLU: upsamples time by ``stride[0]`` (a lateral from a
    slower, wider pathway).

    (N, in_channels, T, H, W) -> (N, out_channels, stride[0] * T, stride[1] * H, stride[2] * W).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_size: kernel of the transposed conv.
        stride: (T, H, W) upsampling factors.
        padding: padding of the transposed conv.
        bias: whether the transposed conv has a bias.
        with_bn: apply the batch norm (``bn`` exists either way, as in MMAction2 checkpoints).
        with_relu: apply the ReLU.
    """

    def __init__(
            self,
            in_channels: int,
            out_channels: int,
            kernel_size: Union[int, Tuple[int, int, int]],
            stride: Tuple[int, int, int] = (1, 1, 1),
            padding: Union[int, Tuple[int, int, int]] = 0,
            bias: bool = False,
            with_bn: bool = True,
            with_relu: bool = True,
    ) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.stride = tuple(stride)
        self.with_bn = with_bn
        self.with_relu = with_relu
        self.conv = nn.ConvTranspose3d(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                                       bias=bias)
        self.bn = nn.BatchNorm3d(out_channels)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        N, _, T, H, W = x.shape
        # The exact output size: a transposed conv could otherwise give stride * T - 1 frames.
        size = (N, self.out_channels, self.stride[0] * T, self.stride[1] * H, self.stride[2] * W)
        x = self.conv(x, output_size=size)
        if self.with_bn:
            x = self.bn(x)
        return self.relu(x) if self.with_relu else x


class ResNet3dPathway(ResNet3d):
    """A :class:`ResNet3d` that can take lateral connections from another pathway.

    Stage ``i`` (and the stem's output, for ``i = 0``) gets the other pathway's features through
    ``layer{i}_lateral`` (``conv1_lateral``), concatenated after its own channels; those stages
    have the extra input channels built in. :meth:`forward` is the owner's (SlowFast, RGBPoseConv3D).

    Args:
        lateral: take lateral connections.
        lateral_inv: the other pathway is slower and wider: upsample it in time with a transposed
            conv (RGBPoseConv3D's pose pathway) instead of a strided conv.
        lateral_norm: a norm and an activation after each lateral conv.
        speed_ratio: the other pathway's frame rate over this one's (alpha).
        channel_ratio: this pathway's channels over the other's (beta).
        fusion_kernel: temporal kernel of the lateral convs.
        lateral_infl: the lateral output has ``lateral_infl`` times the other pathway's channels
            (divided by it with ``lateral_inv``).
        lateral_activate: per stage, whether it takes a lateral connection.
        **kwargs: arguments of :class:`ResNet3d`.
    """
    # As MMAction2, inflated 2D kernels get zero weights for the lateral input channels.
    inflate_pads_inputs = True

    def __init__(
            self,
            lateral: bool = False,
            lateral_inv: bool = False,
            lateral_norm: bool = False,
            speed_ratio: int = 8,
            channel_ratio: int = 8,
            fusion_kernel: int = 5,
            lateral_infl: int = 2,
            lateral_activate: Sequence[int] = (1, 1, 1, 1),
            **kwargs,
    ) -> None:
        num_stages = kwargs.get('num_stages', 4)
        if lateral and len(lateral_activate) < num_stages:
            raise ValueError(f'lateral_activate={tuple(lateral_activate)}: expected a flag per stage '
                             f'(num_stages={num_stages})')
        # Set before ResNet3d.__init__, which sizes the stages through lateral_inplanes.
        self.lateral = lateral
        self.lateral_inv = lateral_inv
        self.lateral_norm = lateral_norm
        self.speed_ratio = speed_ratio
        self.channel_ratio = channel_ratio
        self.fusion_kernel = fusion_kernel
        self.lateral_infl = lateral_infl
        self.lateral_activate = tuple(lateral_activate)
        super().__init__(**kwargs)
        for i in range(self.num_stages):
            if self.has_lateral(i):
                self.add_module(lateral_name(i), self.make_lateral(self.stage_inplanes(i)))
        self.train()  # frozen_stages now covers the laterals too

    def has_lateral(self, stage_idx: int) -> bool:
        return self.lateral and bool(self.lateral_activate[stage_idx])

    def lateral_channels(self, own_channels: int) -> Tuple[int, int]:
        """(input, output) channels of the lateral into a stage with ``own_channels`` input channels."""
        if self.lateral_inv:
            return own_channels * self.channel_ratio, own_channels * self.channel_ratio // self.lateral_infl
        return own_channels // self.channel_ratio, own_channels * self.lateral_infl // self.channel_ratio

    def lateral_inplanes(self, stage_idx: int) -> int:
        return self.lateral_channels(self.stage_inplanes(stage_idx))[1] if self.has_lateral(stage_idx) else 0

    def make_lateral(self, own_channels: int) -> nn.Module:
        in_channels, out_channels = self.lateral_channels(own_channels)
        kernel, stride = (self.fusion_kernel, 1, 1), (self.speed_ratio, 1, 1)
        padding = ((self.fusion_kernel - 1) // 2, 0, 0)
        if self.lateral_inv:
            return DeConvModule(in_channels, out_channels, kernel, stride=stride, padding=padding)
        return ConvModule(in_channels, out_channels, kernel, stride=stride, padding=padding, bias=False,
                          conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg if self.lateral_norm else None,
                          act_cfg=self.act_cfg if self.lateral_norm else None)

    def fuse(self, stage_idx: int, x: torch.Tensor, other: torch.Tensor, detach: bool = False,
             drop: bool = False) -> torch.Tensor:
        """The input of stage ``stage_idx``: ``x`` (N, C, T, H, W), with the lateral of the other
        pathway's ``other`` concatenated after its channels when the stage takes one.

        Args:
            detach: no gradient flows back into the other pathway.
            drop: replace the lateral features with zeros (they are still computed).
        """
        if not self.has_lateral(stage_idx):
            return x
        lateral = getattr(self, lateral_name(stage_idx))(other.detach() if detach else other)
        return torch.cat((x, torch.zeros_like(lateral) if drop else lateral), dim=1)

    def _freeze_stages(self) -> None:
        super()._freeze_stages()
        # As MMAction2: freezing stage i freezes the lateral after it; conv1_lateral stays trainable.
        for i in range(1, min(self.frozen_stages + 1, self.num_stages)):
            lateral = getattr(self, lateral_name(i), None)  # None while ResNet3d.__init__ runs
            if lateral is not None:
                freeze(lateral)


def lateral_name(stage_idx: int) -> str:
    """The key of the lateral into stage ``stage_idx``: after the stem, or after stage ``stage_idx - 1``."""
    return 'conv1_lateral' if stage_idx == 0 else f'layer{stage_idx}_lateral'


# Pathway ``type`` names in SlowFast configs.
PATHWAYS = {'resnet3d': ResNet3dPathway}


def build_pathway(cfg: Mapping, **overrides) -> ResNet3dPathway:
    """A pathway from ``dict(type='resnet3d', **kwargs)``, with ``overrides`` on top."""
    kwargs = dict(cfg, **overrides)
    pathway_type = kwargs.pop('type', None)
    if pathway_type not in PATHWAYS:
        raise ValueError(f'pathway type={pathway_type!r}; expected one of {sorted(PATHWAYS)}')
    return PATHWAYS[pathway_type](**kwargs)


@MODELS.register_module()
class ResNet3dSlowFast(BaseModule):
    """SlowFast backbone: (N, 3, T, H, W) -> (slow (N, C_slow, T / resample_rate, H / 32, W / 32),
    fast (N, C_fast, T * speed_ratio / resample_rate, H / 32, W / 32)).

    Args:
        pretrained: a whole-SlowFast checkpoint loaded by :meth:`init_weights` (strictly);
            ``None`` leaves each pathway to its own ``pretrained``.
        resample_rate: the slow pathway sees 1 frame in ``resample_rate`` of the input (tau).
        speed_ratio: the fast pathway sees ``speed_ratio`` times more frames (alpha).
        channel_ratio: the slow pathway has ``channel_ratio`` times more channels (beta).
        slow_pathway: config of the slow :class:`ResNet3dPathway` (``type='resnet3d'``); with
            ``lateral``, its ``speed_ratio`` and ``channel_ratio`` are set from the ones above.
        fast_pathway: config of the fast pathway.
        init_cfg: extra MMEngine init applied by :meth:`init_weights`.
    """

    def __init__(
            self,
            pretrained: Optional[str] = None,
            resample_rate: int = 8,
            speed_ratio: int = 8,
            channel_ratio: int = 8,
            slow_pathway: Mapping = frozen(type='resnet3d', depth=50, pretrained=None, lateral=True,
                                          conv1_kernel=(1, 7, 7), conv1_stride_t=1, pool1_stride_t=1,
                                          inflate=(0, 0, 1, 1)),
            fast_pathway: Mapping = frozen(type='resnet3d', depth=50, pretrained=None, lateral=False,
                                          base_channels=8, conv1_kernel=(5, 7, 7), conv1_stride_t=1,
                                          pool1_stride_t=1),
            init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if resample_rate < speed_ratio:
            raise ValueError(f'resample_rate={resample_rate} < speed_ratio={speed_ratio}: the fast pathway '
                             'would see more frames than the input has')
        self.pretrained = pretrained
        self.resample_rate = resample_rate
        self.speed_ratio = speed_ratio
        self.channel_ratio = channel_ratio
        ratios = dict(speed_ratio=speed_ratio, channel_ratio=channel_ratio) if slow_pathway.get('lateral') else {}
        self.slow_path = build_pathway(slow_pathway, **ratios)
        self.fast_path = build_pathway(fast_pathway)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(N, 3, T, H, W) -> (slow features, fast features)."""
        # Nearest-frame subsampling, as MMAction2 (the same frames as taking every k-th one).
        x_slow = F.interpolate(x, mode='nearest', scale_factor=(1.0 / self.resample_rate, 1.0, 1.0))
        x_fast = F.interpolate(x, mode='nearest',
                               scale_factor=(1.0 / (self.resample_rate // self.speed_ratio), 1.0, 1.0))
        x_slow = self.slow_path.maxpool(self.slow_path.conv1(x_slow))
        x_fast = self.fast_path.maxpool(self.fast_path.conv1(x_fast))
        for i, name in enumerate(self.slow_path.res_layers):
            x_slow = getattr(self.slow_path, name)(self.slow_path.fuse(i, x_slow, x_fast))
            x_fast = getattr(self.fast_path, name)(x_fast)
        return x_slow, x_fast

    def init_weights(self) -> None:
        """Apply ``init_cfg``; then load ``pretrained``, or let each pathway load its own."""
        super().init_weights()  # runs the pathways' init_weights (their own ``pretrained``)
        if self.pretrained is not None:
            load_pretrained(self, resolve_pretrained(self.pretrained, PRETRAINED_KEY), resnet_key_map)
