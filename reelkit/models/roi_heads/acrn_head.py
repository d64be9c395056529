"""ACRN (Sun et al., Actor-Centric Relation Network, ECCV 2018): relate each actor to its context."""
import torch
import torch.nn as nn

from reelkit.registry import MODELS
from ..common import ConvModule, frozen
from ..common.layers import LayerConfig


@MODELS.register_module()
class ACRNHead(nn.Module):
    """Tile each actor's max-pooled feature over the clip's map, concatenate, then convolve.

    RoI features (R, C_roi, T, h, w) and clip features (N, C_ctx, 1, H, W), with
    ``C_roi + C_ctx = in_channels``, -> (R, out_channels, 1, H / stride, W / stride).

    Args:
        in_channels: channels after the concatenation.
        out_channels: channels of the convolutions.
        stride: spatial stride of the first 3x3 convolution.
        num_convs: 3x3 convolutions (at least 1), after a 1x1 one.
        conv_cfg: convolution config.
        norm_cfg: norm config.
        act_cfg: activation config.
    """

    def __init__(
            self,
            in_channels: int,
            out_channels: int,
            stride: int = 1,
            num_convs: int = 1,
            conv_cfg: LayerConfig = frozen(type='Conv3d'),
            norm_cfg: LayerConfig = frozen(type='BN3d', requires_grad=True),
            act_cfg: LayerConfig = frozen(type='ReLU', inplace=True),
    ) -> None:
        super().__init__()
        if num_convs < 1:
            raise ValueError(f'num_convs={num_convs}; ACRNHead needs at least one 3x3 convolution')
        layer = dict(bias=False, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.max_pool = nn.AdaptiveMaxPool3d(1)
        self.conv1 = ConvModule(in_channels, out_channels, kernel_size=1, **layer)
        self.conv2 = ConvModule(out_channels, out_channels, kernel_size=(1, 3, 3), stride=(1, stride, stride),
                                padding=(0, 1, 1), **layer)
        # checkpoint keys: convs.0 ... for the 3x3 convolutions after the first
        self.convs = nn.ModuleList(
            ConvModule(out_channels, out_channels, kernel_size=(1, 3, 3), padding=(0, 1, 1), **layer)
            for _ in range(num_convs - 1))

    def forward(self, x: torch.Tensor, feat: torch.Tensor, rois: torch.Tensor, **kwargs) -> torch.Tensor:
        """RoI features, clip features and (R, 5) RoIs -> related RoI features."""
        H, W = feat.shape[-2:]
        actor = self.max_pool(x).expand(-1, -1, 1, H, W)
        context = feat[rois[:, 0].long()]
        out = self.conv2(self.conv1(torch.cat([actor, context], dim=1)))
        for conv in self.convs:
            out = conv(out)
        return out
