"""CSN: channel-separated networks (Tran et al., *Video Classification with Channel-Separated
Convolutional Networks*, ICCV 2019), MMAction2 layout.

A 3D ResNet whose bottleneck 3x3x3 conv is depthwise (one filter per channel): ``ir`` (interaction
reduced) keeps only the depthwise conv, ``ip`` (interaction preserved) puts a 1x1x1 conv before
it. The factorised conv is ``conv2.0`` (``ir``) or ``conv2.0`` + ``conv2.1`` (``ip``), as in
MMAction2 checkpoints.
"""
from typing import Dict, Optional, Sequence, Tuple

import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from reelkit.registry import MODELS
from ..common import ConvModule, frozen
from ..common.layers import LayerConfig
from .resnet import ResNet
from .resnet3d import Bottleneck3d, ResNet3d

BOTTLENECK_MODES = ('ir', 'ip')


class CSNBottleneck3d(Bottleneck3d):
    """:class:`Bottleneck3d` with a channel-separated middle conv.

    Args:
        *args: arguments of :class:`Bottleneck3d`.
        bottleneck_mode: ``ir`` (depthwise conv only) or ``ip`` (1x1x1 conv, then depthwise).
        **kwargs: arguments of :class:`Bottleneck3d`.
    """

    def __init__(self, *args, bottleneck_mode: str = 'ir', **kwargs) -> None:
        if bottleneck_mode not in BOTTLENECK_MODES:
            raise ValueError(f'bottleneck_mode={bottleneck_mode!r}; expected one of {BOTTLENECK_MODES}')
        self.bottleneck_mode = bottleneck_mode  # read by make_conv2, during Bottleneck3d.__init__
        super().__init__(*args, **kwargs)

    def make_conv2(self, planes: int, kernel: Tuple[int, ...], stride, padding: Tuple[int, ...],
                   dilation: Tuple[int, ...], act_cfg: LayerConfig, layer: Dict) -> nn.Module:
        depthwise = ConvModule(planes, planes, kernel, stride=stride, padding=padding, dilation=dilation,
                               groups=planes, act_cfg=act_cfg, **layer)
        if self.bottleneck_mode == 'ir':
            return nn.Sequential(depthwise)
        return nn.Sequential(ConvModule(planes, planes, 1, act_cfg=None, **layer), depthwise)


@MODELS.register_module()
class ResNet3dCSN(ResNet3d):
    """ir-CSN / ip-CSN backbone (depth 50, 101 or 152): (N, 3, T, H, W) -> (N, 2048, T / 8, H / 32, W / 32).

    Args:
        depth: 50, 101 or 152.
        pretrained: weights loaded by :meth:`init_weights` (see :class:`ResNet3d`).
        temporal_strides: temporal stride of the first block of each stage.
        conv1_kernel: (T, H, W) kernel of the stem conv.
        conv1_stride_t: temporal stride of the stem conv.
        pool1_stride_t: temporal stride of the stem max-pool.
        norm_cfg: config of the norms (eps 1e-3, as the Caffe2 originals).
        inflate_style: ``3x3x3`` (temporal kernel on the depthwise conv) or ``3x1x1``.
        bottleneck_mode: ``ir`` or ``ip``.
        bn_frozen: with ``norm_eval``, also keep the norms' scale and shift without gradients.
        **kwargs: arguments of :class:`ResNet3d`.
    """

    arch_settings = {depth: (CSNBottleneck3d, blocks) for depth, (_, blocks) in ResNet.arch_settings.items()
                     if depth >= 50}

    def __init__(
            self,
            depth: int,
            pretrained: Optional[str] = None,
            temporal_strides: Sequence[int] = (1, 2, 2, 2),
            conv1_kernel: Sequence[int] = (3, 7, 7),
            conv1_stride_t: int = 1,
            pool1_stride_t: int = 1,
            norm_cfg: LayerConfig = frozen(type='BN3d', requires_grad=True, eps=1e-3),
            inflate_style: str = '3x3x3',
            bottleneck_mode: str = 'ir',
            bn_frozen: bool = False,
            **kwargs,
    ) -> None:
        if bottleneck_mode not in BOTTLENECK_MODES:
            raise ValueError(f'bottleneck_mode={bottleneck_mode!r}; expected one of {BOTTLENECK_MODES}')
        self.bottleneck_mode = bottleneck_mode
        self.bn_frozen = bn_frozen
        super().__init__(depth, pretrained, temporal_strides=temporal_strides, conv1_kernel=conv1_kernel,
                         conv1_stride_t=conv1_stride_t, pool1_stride_t=pool1_stride_t, norm_cfg=norm_cfg,
                         inflate_style=inflate_style, **kwargs)

    def block_kwargs(self) -> Dict:
        return dict(super().block_kwargs(), bottleneck_mode=self.bottleneck_mode)

    def train(self, mode: bool = True) -> 'ResNet3dCSN':
        super().train(mode)
        if mode and self.norm_eval and self.bn_frozen:
            for bn in self.modules():
                if isinstance(bn, _BatchNorm):
                    for param in bn.parameters():
                        param.requires_grad = False
        return self
