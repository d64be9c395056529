"""TIN: Temporal Interlacing Network (Shao et al., *Temporal Interlacing Network*, AAAI 2020) on
:class:`ResNetTSM`, MMAction2 layout.

Where TSM moves fixed channel folds by exactly one frame, TIN learns, per clip, how far (a real
number, in frames) each of four channel groups moves, and how much each frame of a group counts.
The first ``C // shift_div`` input channels of every block's first conv go through
:class:`TemporalInterlace`, the rest pass unchanged. A fractional move is a linear interpolation of
the two neighbouring whole-frame moves; MMAction2 does the whole-frame moves with MMCV's CUDA op
``tin_shift``, here :func:`interlace_shift` does all of it in PyTorch.

Keys: the first conv of each block reads ``layer1.0.conv1.conv.net1.*`` (the interlace module)
and ``layer1.0.conv1.conv.net2.weight`` (the conv), as in MMAction2 checkpoints.
"""
import re
from typing import Collection, Dict, Iterable

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from reelkit.registry import MODELS
from ..common import build_conv_layer, load_pretrained, resolve_pretrained
from ..common.layers import LayerConfig
from .resnet import resnet_key_map
from .resnet_tsm import ResNetTSM

# MMAction2's fixed numbers: 2 learned offsets, used as +offset and -offset, so 4 channel groups.
OFFSET_GROUPS = 2
CHANNEL_GROUPS = 2 * OFFSET_GROUPS
# The bias of OffsetNet's last layer starts at logit(0.625), so offsets start at 4 * (0.625 - 0.5) = 0.5.
OFFSET_BIAS_INIT = 0.5108


def shift_frames(x: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    """Move channel group g of clip n by a whole ``shifts[n, g]`` frames: ``out[t] = x[t - s]``, zeros
    where ``t - s`` leaves the clip (what MMCV's ``tin_shift`` op computes).

    Args:
        x: (N, T, G, R), R the flattened channels and positions of a group.
        shifts: (N, G) whole numbers (any dtype).

    Returns:
        (N, T, G, R).
    """
    N, T, G = x.shape[:3]
    source = torch.arange(T, device=x.device).view(1, T, 1) - shifts.long().view(N, 1, G)  # (N, T, G)
    inside = (source >= 0) & (source < T)
    clip = torch.arange(N, device=x.device).view(N, 1, 1)
    group = torch.arange(G, device=x.device).view(1, 1, G)
    picked = x[clip, source.clamp(0, T - 1), group]  # (N, T, G, R)
    return torch.where(inside.unsqueeze(-1), picked, torch.zeros((), dtype=x.dtype, device=x.device))


def interlace_shift(x: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """Move channel group g of every clip by ``offsets[n, g]`` frames, linearly interpolated.

    With ``f = floor(o)``: ``out[t] = (1 - (o - f)) * x[t - f] + (o - f) * x[t - f - 1]``, a frame
    outside the clip counting as zeros. A positive offset moves content to later frames.

    Args:
        x: (N, T, C, ...), C a multiple of G; channel group g is ``[g * C / G, (g + 1) * C / G)``.
        offsets: (N, G) frames, real numbers.

    Returns:
        (N, T, C, ...).
    """
    N, T, C = x.shape[:3]
    G = offsets.shape[1]
    if C % G:
        raise ValueError(f'interlace shift: {C} channels do not split into {G} groups')
    whole = offsets.floor()
    # The weights carry the gradient to the offsets (the whole shifts have none), as in MMAction2;
    # w1 = 1 - w0 rather than o - f: the same rounding as MMAction2.
    w0 = (1 - (offsets - whole)).view(N, 1, G, 1)
    w1 = 1 - w0
    groups = x.reshape(N, T, G, -1)
    out = w0 * shift_frames(groups, whole) + w1 * shift_frames(groups, whole + 1)
    return out.reshape(x.shape)


class OffsetNet(nn.Module):
    """How far each offset group moves, per clip: (N, C, T) pooled features -> (N, 1, groups) in (-2, 2).

    Args:
        in_channels: C.
        groups: offsets per clip.
        num_segments: T (the first linear layer is T x T).
    """

    def __init__(
            self,
            in_channels: int,
            groups: int,
            num_segments: int,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv1d(in_channels, 1, 3, padding=1)
        self.fc1 = nn.Linear(num_segments, num_segments)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(num_segments, groups)
        self.sigmoid = nn.Sigmoid()
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default init, with ``fc2``'s bias set so every offset starts at 0.5."""
        for layer in (self.conv, self.fc1, self.fc2):
            layer.reset_parameters()
        nn.init.constant_(self.fc2.bias, OFFSET_BIAS_INIT)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x).flatten(1)  # (N, T)
        x = self.fc2(self.relu(self.fc1(x)))  # (N, groups)
        return 4 * (self.sigmoid(x.unsqueeze(1)) - 0.5)


class WeightNet(nn.Module):
    """How much each frame of each offset group counts: (N, C, T) -> (N, T, groups) in (0, 2), 1 at init.

    Args:
        in_channels: C.
        groups: offset groups.
    """

    def __init__(
            self,
            in_channels: int,
            groups: int,
    ) -> None:
        super().__init__()
        self.groups = groups
        self.conv = nn.Conv1d(in_channels, groups, 3, padding=1)
        self.sigmoid = nn.Sigmoid()
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default init with a zero bias, so the weights start near 2 * sigmoid(0) = 1."""
        self.conv.reset_parameters()
        nn.init.zeros_(self.conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 2 * self.sigmoid(self.conv(x).transpose(1, 2))


class TemporalInterlace(nn.Module):
    """Learned, weighted temporal moves of the first ``C // shift_div`` channels.

    x: (N * T, C, H, W) -> (N * T, C, H, W). The moved channels form 4 equal groups: groups 0 and 2
    move by +o0 and -o0, groups 1 and 3 by +o1 and -o1; groups 0 and 2 are scaled by the frame
    weights w0, groups 1 and 3 by w1. Offsets and weights come from the clip's spatially pooled
    moved channels.

    Args:
        in_channels: C.
        num_segments: T, the frames of one clip.
        shift_div: 1/shift_div of the channels move.
    """

    def __init__(
            self,
            in_channels: int,
            num_segments: int = 3,
            shift_div: int = 1,
    ) -> None:
        super().__init__()
        folds = in_channels // shift_div
        if folds == 0 or folds % CHANNEL_GROUPS:
            raise ValueError(f'shift_div={shift_div}: {in_channels} channels // shift_div = {folds}, '
                             f'expected a positive multiple of {CHANNEL_GROUPS}')
        self.in_channels = in_channels
        self.num_segments = num_segments
        self.shift_div = shift_div
        self.deform_groups = OFFSET_GROUPS
        self.offset_net = OffsetNet(folds, OFFSET_GROUPS, num_segments)
        self.weight_net = WeightNet(folds, OFFSET_GROUPS)

    def reset_parameters(self) -> None:
        self.offset_net.reset_parameters()
        self.weight_net.reset_parameters()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        NT, C, H, W = x.shape
        if NT % self.num_segments:
            raise ValueError(f'temporal interlace: batch of {NT} frames is not a whole number of '
                             f'{self.num_segments}-segment clips')
        folds = C // self.shift_div
        moved = x[:, :folds].reshape(NT // self.num_segments, self.num_segments, folds, H, W)
        pooled = moved.mean(dim=3).mean(dim=3).transpose(1, 2)  # (N, folds, T); H then W, as MMAction2
        offsets = self.offset_net(pooled).flatten(1)  # (N, 2)
        weights = self.weight_net(pooled)  # (N, T, 2)
        moved = interlace_shift(moved, torch.cat([offsets, -offsets], dim=1))
        # Channel group k is scaled by w[k % 2]: [w0, w1, w0, w1], each over folds / 4 channels.
        scale = weights.repeat(1, 1, 2).repeat_interleave(folds // CHANNEL_GROUPS, dim=2)
        moved = moved * scale[..., None, None]
        return torch.cat([moved.reshape(NT, folds, H, W), x[:, folds:]], dim=1)


class CombineNet(nn.Module):
    """``net2(net1(x))``; the names are MMAction2's checkpoint keys (interlace, then conv).

    Args:
        net1: the temporal interlace.
        net2: the conv.
    """

    def __init__(
            self,
            net1: nn.Module,
            net2: nn.Module,
    ) -> None:
        super().__init__()
        self.net1 = net1
        self.net2 = net2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net2(self.net1(x))


def interlaced_conv(in_channels: int, *args, conv_cfg: LayerConfig = None, num_segments: int = 8,
                    shift_div: int = 4, **kwargs) -> CombineNet:
    """A conv from ``conv_cfg`` (arguments as for it) after a :class:`TemporalInterlace` of its input.

    Used as a ``conv_cfg`` type, so a block is built with its interlaced conv in place.
    """
    interlace = TemporalInterlace(in_channels, num_segments, shift_div)
    return CombineNet(interlace, build_conv_layer(conv_cfg, in_channels, *args, **kwargs))


@MODELS.register_module()
class ResNetTIN(ResNetTSM):
    """ResNet with a temporal interlace before the first conv of every block.

    Input (N * num_segments, C, H, W), clip by clip.

    Args:
        depth: 18, 34, 50, 101 or 152.
        num_segments: T, the frames of one clip.
        is_tin: insert the temporal interlaces (else a plain ResNet layout).
        shift_div: 1/shift_div of the input channels of each block move; 8 by default, as
            MMAction2 (whose docstring says 4; its configs set 4).
        **kwargs: arguments of :class:`ResNetTSM` (non-local blocks) and :class:`ResNet`; not
            ``is_shift`` or ``temporal_pool``: TIN interlaces instead of shifting and never pools
            (MMAction2 ignores both silently).
    """

    def __init__(
            self,
            depth: int,
            num_segments: int = 8,
            is_tin: bool = True,
            shift_div: int = 8,
            **kwargs,
    ) -> None:
        for name in ('is_shift', 'temporal_pool'):
            if kwargs.pop(name, False):
                raise ValueError(f'{name}=True: ResNetTIN interlaces instead of shifting and never pools; '
                                 f'leave {name} out')
        self.is_tin = is_tin
        super().__init__(depth, num_segments=num_segments, is_shift=False, shift_div=shift_div,
                         temporal_pool=False, **kwargs)
        # ConvModule gives every conv inside it He init, the interlace's Conv1d layers included;
        # put back the interlace's own init (MMAction2 never touches those layers).
        for module in self.modules():
            if isinstance(module, TemporalInterlace):
                module.reset_parameters()

    def make_block(self, stage_idx: int, block_idx: int, inplanes: int, planes: int, stride: int, dilation: int,
                   downsample: nn.Module, conv1_cfg: LayerConfig = None) -> nn.Module:
        if self.is_tin:
            conv1_cfg = dict(type=interlaced_conv, conv_cfg=self.block_kwargs['conv_cfg'],
                             num_segments=self.num_segments, shift_div=self.shift_div)
        return super().make_block(stage_idx, block_idx, inplanes, planes, stride, dilation, downsample, conv1_cfg)

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then load ``pretrained`` (2D, TSM or TIN layout) with :func:`tin_key_map`."""
        BaseModule.init_weights(self)  # not ResNet's: it would place the keys without the net2 wrapper
        if self.pretrained is not None:
            load_pretrained(self, resolve_pretrained(self.pretrained, 'model.backbone.pretrained'), tin_key_map)


# The conv that TIN wraps: a 2D or TSM checkpoint has the same names without this segment.
TIN_CONV_SEGMENT = re.compile(r'\.net2(?=\.)')


def tin_key_map(source_keys: Iterable[str], own_keys: Collection[str]) -> Dict[str, str]:
    """:func:`resnet_key_map` with TIN's ``conv1.conv.net2`` seen as the plain ``conv1.conv``.

    Returns ``{checkpoint key: model key}`` for the keys that have a place.
    """
    own = {TIN_CONV_SEGMENT.sub('', key): key for key in own_keys}
    source = {TIN_CONV_SEGMENT.sub('', key): key for key in source_keys}
    placed = resnet_key_map(source, own)
    return {source[src]: own[dst] for src, dst in placed.items()}
