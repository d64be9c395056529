"""C2D: the 2D ResNet baseline of *Non-local Neural Networks* (Wang et al., CVPR 2018), MMAction2 layout.

Every frame of a clip goes through the 2D :class:`ResNet`; the only temporal operation is a max-pool
that halves the frames after ``layer1`` (as facebookresearch/video-nonlocal-net's C2D baseline). The
stem max-pool has no padding there, unlike torchvision's. No parameters are added, so the keys are
ResNet's (``conv1.conv.weight``, ``layer1.0.conv1.bn.weight``, ...).
"""
from typing import Tuple, Union

import torch
import torch.nn as nn

from reelkit.registry import MODELS
from .resnet import ResNet


def frames_to_images(x: torch.Tensor) -> torch.Tensor:
    """(N, C, T, H, W) -> (N * T, C, H, W), the frames of each clip consecutive."""
    return x.transpose(1, 2).flatten(0, 1)


def images_to_frames(x: torch.Tensor, num_clips: int) -> torch.Tensor:
    """(N * T, C, H, W) -> (N, C, T, H, W)."""
    return x.unflatten(0, (num_clips, -1)).transpose(1, 2)


@MODELS.register_module()
class C2D(ResNet):
    """ResNet on the frames of a clip, with a temporal max-pool (kernel 2, stride 2) after ``layer1``.

    (N, C, T, H, W) -> (N, feat_dim, T / 2, H / 32, W / 32) for the default ``out_indices=(3,)``
    (H and W rounded down by the unpadded stem pool), a tuple of stage outputs when
    ``out_indices`` names several stages. T must be even.

    Args: those of :class:`ResNet`.
    """

    def __init__(self, depth: int, **kwargs) -> None:
        super().__init__(depth, **kwargs)
        # Spatial only and unpadded (ResNet's pads by 1): 112 -> 55 pixels rather than 56, as MMAction2.
        self.maxpool = nn.MaxPool3d(kernel_size=(1, 3, 3), stride=(1, 2, 2))
        self.temporal_pool = nn.MaxPool3d(kernel_size=(2, 1, 1), stride=(2, 1, 1))

    def forward(self, x: torch.Tensor) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        """(N, C, T, H, W) clips -> (N, C', T', H', W') maps, per stage in ``out_indices``."""
        num_clips = x.shape[0]
        x = images_to_frames(self.conv1(frames_to_images(x)), num_clips)
        x = frames_to_images(self.maxpool(x))
        outs = []
        for i, name in enumerate(self.res_layers):
            x = getattr(self, name)(x)
            if i == 0:
                x = frames_to_images(self.temporal_pool(images_to_frames(x, num_clips)))
            if i in self.out_indices:
                outs.append(images_to_frames(x, num_clips))
        return outs[0] if len(outs) == 1 else tuple(outs)
