"""Omni-ResNet (Duan et al., *Omni-sourced Webly-supervised Learning for Video Recognition*, ECCV
2020), MMAction2 layout: one set of weights for images and for videos.

The network is a SlowOnly ResNet-50: 3D convs whose kernel is (1, k, k), except the first conv of
each block in ``layer3``/``layer4`` (kernel (3, 1, 1)). A clip (N, C, T, H, W) runs through the 3D
convs; an image (N, C, H, W) runs through the same weights as 2D convs, the temporal kernel summed
(what the 3D conv gives on a clip of T identical frames). Images use the batch norms' affine
parameters but never update their running statistics. Keys follow torchvision's ResNet
(``conv1.weight``, ``bn1.*``, ``layer1.0.conv1.weight``, ``layer1.0.downsample.0.weight``), so a 2D
ImageNet checkpoint fills the network after inflation (``pretrain_2d``).
"""
from typing import Dict, List, Mapping, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import MMLogger
from mmengine.model import BaseModule

from reelkit.registry import MODELS
from ..common import read_state_dict, resolve_pretrained

BN_MOMENTUM = 0.01
TEMPORAL_KERNELS = (1, 3)


def conv(conv3d: nn.Conv3d, x: torch.Tensor) -> torch.Tensor:
    """``conv3d`` on a clip (N, C, T, H, W); on an image (N, C, H, W), the 2D conv with the temporal
    kernel summed and the spatial stride and padding."""
    if x.dim() == 5:
        return conv3d(x)
    return F.conv2d(x, conv3d.weight.sum(2), conv3d.bias, conv3d.stride[1:], conv3d.padding[1:],
                    conv3d.dilation[1:], conv3d.groups)


def norm(bn: nn.BatchNorm3d, x: torch.Tensor) -> torch.Tensor:
    """``bn`` on a clip; on an image, the same normalization with batch statistics in training (the
    running statistics left alone: they belong to the clips) and running statistics in eval mode."""
    if x.dim() == 5:
        return bn(x)
    use_running = not bn.training
    return F.batch_norm(x, bn.running_mean if use_running else None, bn.running_var if use_running else None,
                        bn.weight, bn.bias, training=not use_running, momentum=bn.momentum, eps=bn.eps)


class BottleNeck(BaseModule):
    """(t, 1, 1) conv, (1, 3, 3) conv, 1x1x1 expand by 4, each with a norm; shortcut; ReLU.

    (N, inplanes, [T,] H, W) -> (N, 4 * planes, [T,] H / spatial_stride, W / spatial_stride).

    Args:
        inplanes: input channels.
        planes: channels of the inner convs; the output has ``4 * planes``.
        temporal_kernel: t, the temporal kernel of the first conv: 1 or 3.
        spatial_stride: stride of the (1, 3, 3) conv and of the shortcut.
        init_cfg: MMEngine init config.
    """

    def __init__(
            self,
            inplanes: int,
            planes: int,
            temporal_kernel: int = 3,
            spatial_stride: int = 1,
            init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if temporal_kernel not in TEMPORAL_KERNELS:
            raise ValueError(f'temporal_kernel={temporal_kernel}; expected one of {TEMPORAL_KERNELS}')
        # Plain convs and norms named as torchvision's ResNet, the layout of MMAction2's checkpoints.
        self.conv1 = nn.Conv3d(inplanes, planes, (temporal_kernel, 1, 1), padding=(temporal_kernel // 2, 0, 0),
                               bias=False)
        self.conv2 = nn.Conv3d(planes, planes, (1, 3, 3), stride=(1, spatial_stride, spatial_stride),
                               padding=(0, 1, 1), bias=False)
        self.conv3 = nn.Conv3d(planes, planes * 4, 1, bias=False)
        self.bn1 = nn.BatchNorm3d(planes, momentum=BN_MOMENTUM)
        self.bn2 = nn.BatchNorm3d(planes, momentum=BN_MOMENTUM)
        self.bn3 = nn.BatchNorm3d(planes * 4, momentum=BN_MOMENTUM)
        self.downsample = None
        if inplanes != planes * 4 or spatial_stride != 1:
            self.downsample = nn.Sequential(
                nn.Conv3d(inplanes, planes * 4, 1, stride=(1, spatial_stride, spatial_stride), bias=False),
                nn.BatchNorm3d(planes * 4, momentum=BN_MOMENTUM))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """A clip (N, C, T, H, W) or an image batch (N, C, H, W)."""
        out = norm(self.bn1, conv(self.conv1, x)).relu_()
        out = norm(self.bn2, conv(self.conv2, out)).relu_()
        out = norm(self.bn3, conv(self.conv3, out))
        shortcut = x if self.downsample is None else norm(self.downsample[1], conv(self.downsample[0], x))
        return out.add_(shortcut).relu_()


def inflate_2d_state_dict(source: Mapping[str, torch.Tensor],
                          own: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """The tensors of ``source`` whose names are in ``own``, 2D conv kernels (O, I, k, k) inflated to
    ``own``'s (O, I, t, k, k) by repeating over time and dividing by t (a clip of identical frames
    then gives the 2D output)."""
    inflated = {}
    for key, weight in source.items():
        if key not in own:
            continue
        if weight.dim() == 4 and own[key].dim() == 5:
            frames = own[key].shape[2]
            weight = weight.unsqueeze(2).expand(-1, -1, frames, -1, -1) / frames
        inflated[key] = weight
    return inflated


@MODELS.register_module()
class OmniResNet(BaseModule):
    """Omni-ResNet-50: (N, 3, T, H, W) -> (N, 2048, T, H / 32, W / 32) for clips, (N, 3, H, W) ->
    (N, 2048, H / 32, W / 32) for images.

    Args:
        layers: blocks per stage.
        pretrain_2d: a 2D ResNet checkpoint in torchvision layout (a local file or a URL found in
            the torch hub cache), inflated into the 3D weights by :meth:`init_weights`; ``None``
            trains from scratch.
        init_cfg: MMEngine init config, applied before ``pretrain_2d``.
    """

    def __init__(
            self,
            layers: Sequence[int] = (3, 4, 6, 3),
            pretrain_2d: Optional[str] = None,
            init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(layers) != 4:
            raise ValueError(f'layers={tuple(layers)}; expected the block counts of 4 stages')
        self.layers = tuple(layers)
        self.pretrain_2d = pretrain_2d
        self.conv1 = nn.Conv3d(3, 64, (1, 7, 7), stride=(1, 2, 2), padding=(0, 3, 3), bias=False)
        self.bn1 = nn.BatchNorm3d(64, momentum=BN_MOMENTUM)
        self.pool3d = nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1))
        self.pool2d = nn.MaxPool2d(3, 2, 1)
        # SlowOnly: temporal kernels only in the last two stages.
        inplanes = 64
        for i, (num_blocks, temporal_kernel) in enumerate(zip(self.layers, (1, 1, 3, 3))):
            planes = 64 * 2**i
            blocks = [BottleNeck(inplanes, planes, temporal_kernel, spatial_stride=1 if i == 0 else 2)]
            blocks += [BottleNeck(planes * 4, planes, temporal_kernel) for _ in range(1, num_blocks)]
            self.add_module(f'layer{i + 1}', nn.Sequential(*blocks))
            inplanes = planes * 4
        self.feat_dim = inplanes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, T, H, W) clips or (N, 3, H, W) images -> features of the same kind."""
        if x.dim() not in (4, 5):
            raise ValueError(f'OmniResNet takes (N, C, H, W) images or (N, C, T, H, W) clips, got {tuple(x.shape)}')
        x = norm(self.bn1, conv(self.conv1, x)).relu_()
        x = self.pool3d(x) if x.dim() == 5 else self.pool2d(x)
        for i in range(4):
            x = getattr(self, f'layer{i + 1}')(x)
        return x

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then inflate ``pretrain_2d`` into the weights if given."""
        super().init_weights()
        if self.pretrain_2d is None:
            return
        path = resolve_pretrained(self.pretrain_2d, 'model.backbone.pretrain_2d')
        own = self.state_dict()
        inflated = inflate_2d_state_dict(read_state_dict(path), own)
        mismatched = sorted(k for k, v in inflated.items() if v.shape != own[k].shape)
        loaded = {k: v for k, v in inflated.items() if k not in mismatched}
        self.load_state_dict(loaded, strict=False)
        logger = MMLogger.get_current_instance()
        logger.info(f'OmniResNet: inflated {len(loaded)} of {len(own)} tensors from {path}')
        absent = sorted(k for k in set(own) - set(inflated) if not k.endswith('num_batches_tracked'))
        report = {'shape mismatch, kept initial values': mismatched, 'not in the checkpoint': absent}
        for what, keys in report.items():
            if keys:
                logger.warning(f'{path}: {what} ({len(keys)}): {", ".join(keys[:20])}')
