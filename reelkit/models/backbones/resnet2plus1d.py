"""R(2+1)D (Tran et al., *A Closer Look at Spatiotemporal Convolutions for Action Recognition*,
CVPR 2018), MMAction2 layout: a :class:`ResNet3d` whose every conv is a :class:`Conv2plus1d`
(keys ``layer1.0.conv1.conv.conv_s.weight``, ``...conv.bn_s...``, ``...conv.conv_t.weight``).
"""
from reelkit.registry import MODELS
from ..common import frozen
from ..common.conv2plus1d import Conv2plus1d
from ..common.layers import LayerConfig
from .resnet3d import ResNet3d


@MODELS.register_module()
class ResNet2Plus1d(ResNet3d):
    """R(2+1)D backbone: (N, 3, T, H, W) -> (N, feat_dim, T', H / 32, W / 32).

    Args:
        depth: 18, 34, 50, 101 or 152.
        pretrained2d: must be False: a 2D kernel has no counterpart in a factorised conv.
        conv_cfg: a ``Conv2plus1d`` config (its ``norm_cfg`` is the norm between the two convs).
        with_pool2: halve T after the first stage (MMAction2's R(2+1)D never does).
        **kwargs: arguments of :class:`ResNet3d`.
    """

    def __init__(
            self,
            depth: int,
            pretrained2d: bool = False,
            conv_cfg: LayerConfig = frozen(type=Conv2plus1d),
            with_pool2: bool = False,
            **kwargs,
    ) -> None:
        if pretrained2d:
            raise ValueError('pretrained2d=True: 2D weights cannot be inflated into (2+1)D convs; '
                             'set pretrained2d=False and give an R(2+1)D checkpoint')
        if conv_cfg is None or conv_cfg.get('type') not in ('Conv2plus1d', Conv2plus1d):
            raise ValueError(f"conv_cfg={conv_cfg!r}; expected dict(type='Conv2plus1d')")
        super().__init__(depth, pretrained2d=pretrained2d, conv_cfg=conv_cfg, with_pool2=with_pool2, **kwargs)
