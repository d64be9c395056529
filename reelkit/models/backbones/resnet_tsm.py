"""TSM: Temporal Shift Module (Lin et al., *TSM: Temporal Shift Module for Efficient Video
Understanding*, ICCV 2019) on the 2D :class:`ResNet`, MMAction2 layout.

The frames of a clip travel through the 2D network as one batch of N * T images; before some convs,
1/shift_div of the channels are taken from the next frame and 1/shift_div from the previous one,
so 2D convs mix time for free. Variants: the shift goes before each block's first conv
(``blockres``, keys ``layer1.0.conv1.conv.net.weight``) or before the whole block (``block``,
keys ``layer1.0.net.conv1.conv.weight``); optional non-local blocks after chosen blocks
(``layer2.0.block.*`` and ``layer2.0.non_local_block.*``); optional temporal max-pooling before
``layer2`` (``layer2.net.*``). The modules are built in that shape from the start, so the keys equal
MMAction2's.
"""
from typing import Mapping, Sequence, Union

import torch
import torch.nn as nn

from reelkit.registry import MODELS
from ..common import NonLocal3d, build_conv_layer, frozen
from ..common.layers import LayerConfig
from .resnet import ResNet

SHIFT_PLACES = ('blockres', 'block')


def temporal_shift(x: torch.Tensor, num_segments: int, shift_div: int) -> torch.Tensor:
    """Move channel fold 0 one segment earlier and fold 1 one segment later; the rest stay.

    With ``fold = C // shift_div``: ``out[t, :fold] = x[t + 1, :fold]``,
    ``out[t, fold:2 * fold] = x[t - 1, fold:2 * fold]``, zeros where t +- 1 leaves the clip.

    Args:
        x: (N * T, C, H, W), the T segments of each clip consecutive.
        num_segments: T.
        shift_div: 1/shift_div of the channels moves each way.

    Returns:
        (N * T, C, H, W).
    """
    NT, C, H, W = x.shape
    if NT % num_segments:
        raise ValueError(f'temporal shift: batch of {NT} frames is not a whole number of '
                         f'{num_segments}-segment clips')
    x = x.view(NT // num_segments, num_segments, C, H * W)
    fold = C // shift_div
    out = torch.zeros_like(x)
    out[:, :-1, :fold] = x[:, 1:, :fold]
    out[:, 1:, fold:2 * fold] = x[:, :-1, fold:2 * fold]
    out[:, :, 2 * fold:] = x[:, :, 2 * fold:]
    return out.view(NT, C, H, W)


class TemporalShift(nn.Module):
    """Shift 1/shift_div of the channels by one segment, then apply ``net``.

    x: (N*T, C, H, W) -> (N*T, C', H', W'). ``net`` keeps its name: MMAction2 checkpoints store it there.

    Args:
        net: the module applied after the shift (a conv, or a whole residual block).
        num_segments: T, the frames of one clip.
        shift_div: 1/shift_div of the channels moves each way.
    """

    def __init__(
            self,
            net: nn.Module,
            num_segments: int = 8,
            shift_div: int = 8,
    ) -> None:
        super().__init__()
        self.net = net
        self.num_segments = num_segments
        self.shift_div = shift_div

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(temporal_shift(x, self.num_segments, self.shift_div))


def shifted_conv(*args, conv_cfg: LayerConfig = None, num_segments: int = 8, shift_div: int = 8,
                 **kwargs) -> TemporalShift:
    """A conv built from ``conv_cfg`` (``args``/``kwargs`` as for it) that shifts its input first.

    Used as a ``conv_cfg`` type, so a block is built with its shifted conv in place.
    """
    return TemporalShift(build_conv_layer(conv_cfg, *args, **kwargs), num_segments, shift_div)


class TemporalPool(nn.Module):
    """Halve the segments with a temporal max-pool (kernel 3, stride 2), then apply ``net``.

    x: (N*T, C, H, W) -> net((N*T/2, C, H, W)).

    Args:
        net: the stage run on the pooled frames.
        num_segments: T before pooling (even).
    """

    def __init__(
            self,
            net: nn.Module,
            num_segments: int = 8,
    ) -> None:
        super().__init__()
        self.net = net
        self.num_segments = num_segments
        self.max_pool3d = nn.MaxPool3d(kernel_size=(3, 1, 1), stride=(2, 1, 1), padding=(1, 0, 0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        NT, C, H, W = x.shape
        x = x.view(NT // self.num_segments, self.num_segments, C, H, W).transpose(1, 2)
        x = self.max_pool3d(x)  # (N, C, T/2, H, W)
        x = x.transpose(1, 2).reshape(NT // 2, C, H, W)
        return self.net(x)


class NonLocalBlock2d(nn.Module):
    """A 2D block followed by a 3D non-local block over the segments of each clip.

    x: (N*T, C_in, H, W) -> (N*T, C, H', W').

    Args:
        block: the residual block.
        channels: C, the output channels of ``block``.
        num_segments: T.
        non_local_cfg: keyword arguments of :class:`NonLocal3d`.
    """

    def __init__(
            self,
            block: nn.Module,
            channels: int,
            num_segments: int = 8,
            non_local_cfg: Mapping = frozen(),
    ) -> None:
        super().__init__()
        self.block = block
        self.non_local_block = NonLocal3d(channels, **non_local_cfg)
        self.num_segments = num_segments

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.block(x)
        NT, C, H, W = x.shape
        x = x.view(NT // self.num_segments, self.num_segments, C, H, W).transpose(1, 2)
        x = self.non_local_block(x)  # (N, C, T, H, W)
        return x.transpose(1, 2).reshape(NT, C, H, W)


@MODELS.register_module()
class ResNetTSM(ResNet):
    """ResNet with temporal shift, optional non-local blocks and optional temporal pooling.

    Input (N * num_segments, C, H, W), clip by clip.

    Args:
        depth: 18, 34, 50, 101 or 152.
        num_segments: T, the frames of one clip.
        is_shift: insert temporal shifts.
        non_local: per stage, a flag per block (or one flag for the whole stage): where a
            non-local block follows.
        non_local_cfg: keyword arguments of :class:`NonLocal3d` (mode, sub_sample, use_scale, norm_cfg).
        shift_div: 1/shift_div of the channels moves each way.
        shift_place: ``blockres`` (before each block's first conv; for depth >= 101 every other
            block, as MMAction2) or ``block`` (before every whole block).
        temporal_pool: max-pool the segments by 2 before ``layer2``.
        pretrained2d: accepted for MMAction2 configs; 2D and TSM checkpoint layouts are both
            recognised from their keys.
        **kwargs: arguments of :class:`ResNet`.
    """

    def __init__(
            self,
            depth: int,
            num_segments: int = 8,
            is_shift: bool = True,
            non_local: Sequence[Union[int, Sequence[int]]] = (0, 0, 0, 0),
            non_local_cfg: Mapping = frozen(),
            shift_div: int = 8,
            shift_place: str = 'blockres',
            temporal_pool: bool = False,
            pretrained2d: bool = True,
            **kwargs,
    ) -> None:
        if shift_place not in SHIFT_PLACES:
            raise ValueError(f'shift_place={shift_place!r}; expected one of {SHIFT_PLACES}')
        if num_segments < 1 or (temporal_pool and num_segments % 2):
            raise ValueError(f'num_segments={num_segments}; expected a positive number, even with temporal_pool')
        # Set before ResNet.__init__, which builds the stages through make_stage/make_block below.
        self.num_segments = num_segments
        self.is_shift = is_shift
        self.shift_div = shift_div
        self.shift_place = shift_place
        self.temporal_pool = temporal_pool
        self.non_local = tuple(non_local)
        self.non_local_cfg = dict(non_local_cfg)
        self.pretrained2d = pretrained2d
        super().__init__(depth, **kwargs)

    def stage_segments(self, stage_idx: int) -> int:
        """Segments per clip seen by a stage: halved from ``layer2`` on with temporal pooling."""
        return self.num_segments // 2 if self.temporal_pool and stage_idx >= 1 else self.num_segments

    def non_local_flags(self, stage_idx: int, num_blocks: int) -> Sequence[int]:
        flags = self.non_local[stage_idx] if stage_idx < len(self.non_local) else 0
        flags = (flags, ) * num_blocks if isinstance(flags, int) else tuple(flags)
        if len(flags) != num_blocks:
            raise ValueError(f'non_local[{stage_idx}]={flags}: layer{stage_idx + 1} has {num_blocks} blocks')
        return flags

    def make_stage(self, stage_idx: int, inplanes: int, planes: int, num_blocks: int, stride: int,
                   dilation: int) -> nn.Module:
        self.non_local_flags(stage_idx, num_blocks)  # fail before building anything
        stage = super().make_stage(stage_idx, inplanes, planes, num_blocks, stride, dilation)
        if self.temporal_pool and stage_idx == 1:
            stage = TemporalPool(stage, self.num_segments)
        return stage

    def make_block(self, stage_idx: int, block_idx: int, inplanes: int, planes: int, stride: int, dilation: int,
                   downsample: nn.Module, conv1_cfg: LayerConfig = None) -> nn.Module:
        segments = self.stage_segments(stage_idx)
        # As MMAction2: ResNet-101/152 (layer3 of 23+ blocks) shift every other block of every stage.
        shift_every = 2 if self.arch_settings[self.depth][1][2] >= 23 else 1
        if self.is_shift and self.shift_place == 'blockres' and block_idx % shift_every == 0:
            conv1_cfg = dict(type=shifted_conv, conv_cfg=self.block_kwargs['conv_cfg'],
                             num_segments=segments, shift_div=self.shift_div)
        block = super().make_block(stage_idx, block_idx, inplanes, planes, stride, dilation, downsample, conv1_cfg)
        if self.is_shift and self.shift_place == 'block':
            block = TemporalShift(block, segments, self.shift_div)
        num_blocks = self.stage_blocks[stage_idx]
        if self.non_local_flags(stage_idx, num_blocks)[block_idx]:
            # The stage's own segment count: MMAction2 passes the unpooled one, which would group
            # frames of different clips together after temporal pooling.
            block = NonLocalBlock2d(block, planes * self.block.expansion, segments, self.non_local_cfg)
        return block
