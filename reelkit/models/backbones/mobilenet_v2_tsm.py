"""TSM on :class:`MobileNetV2` (Lin et al., *TSM: Temporal Shift Module for Efficient Video
Understanding*, ICCV 2019), MMAction2 layout.

The input of the expand conv of every residual block (stride 1, same channels) is temporally
shifted, so keys read ``layer2.1.conv.0.net.conv.weight`` as in MMAction2 checkpoints; blocks
without a residual or without an expand conv stay as in MobileNetV2.
"""
import torch.nn as nn

from reelkit.registry import MODELS
from .mobilenet_v2 import MobileNetV2
from .resnet_tsm import TemporalShift


@MODELS.register_module()
class MobileNetV2TSM(MobileNetV2):
    """MobileNetV2 with temporal shifts. Input (N * num_segments, 3, H, W), clip by clip.

    Args:
        num_segments: T, the frames of one clip.
        is_shift: insert temporal shifts.
        shift_div: 1/shift_div of the channels moves each way.
        pretrained2d: accepted for MMAction2 configs; 2D and TSM checkpoint layouts are both
            recognised from their keys.
        **kwargs: arguments of :class:`MobileNetV2`.
    """

    def __init__(
            self,
            num_segments: int = 8,
            is_shift: bool = True,
            shift_div: int = 8,
            pretrained2d: bool = True,
            **kwargs,
    ) -> None:
        if num_segments < 1:
            raise ValueError(f'num_segments={num_segments}; expected a positive number')
        # Set before MobileNetV2.__init__, which builds the blocks through make_block below.
        self.num_segments = num_segments
        self.is_shift = is_shift
        self.shift_div = shift_div
        self.pretrained2d = pretrained2d
        super().__init__(**kwargs)

    def make_block(self, in_channels: int, out_channels: int, stride: int, expand_ratio: float) -> nn.Module:
        block = super().make_block(in_channels, out_channels, stride, expand_ratio)
        # As MMAction2: only residual blocks with an expand conv (three convs) shift, before that conv.
        if self.is_shift and block.use_res_connect and len(block.conv) == 3:
            block.conv[0] = TemporalShift(block.conv[0], self.num_segments, self.shift_div)
        return block
