"""SlowOnly (Feichtenhofer et al., *SlowFast Networks for Video Recognition*, ICCV 2019), MMAction2 layout.

The slow pathway of SlowFast on its own: a :class:`ResNet3d` with a 1x7x7 stem, no temporal
kernels in the first two stages (motion is not informative at that resolution, as the paper
finds) and no temporal pooling. PoseC3D runs it on keypoint heatmaps (17 input channels, 32 base
channels, 3 stages, no spatial stride in the stem).
"""
from typing import Sequence, Union

from reelkit.registry import MODELS
from .resnet3d import Flags, ResNet3d


@MODELS.register_module()
class ResNet3dSlowOnly(ResNet3d):
    """SlowOnly backbone: (N, in_channels, T, H, W) -> (N, feat_dim, T, H / 32, W / 32) with the defaults.

    Args:
        conv1_kernel: (T, H, W) kernel of the stem conv.
        conv1_stride_t: temporal stride of the stem conv.
        pool1_stride_t: temporal stride of the stem max-pool.
        inflate: per stage (or per block) which blocks have temporal kernels.
        with_pool2: halve T after the first stage.
        lateral: accepted for MMAction2 configs, which set it to False; SlowOnly has no second
            pathway to take lateral connections from.
        **kwargs: arguments of :class:`ResNet3d` (depth, in_channels, base_channels, ...).
    """
    # As MMAction2, a 2D stem kernel gets zero weights for input channels the 2D network lacks.
    inflate_pads_inputs = True

    def __init__(
            self,
            conv1_kernel: Sequence[int] = (1, 7, 7),
            conv1_stride_t: int = 1,
            pool1_stride_t: int = 1,
            inflate: Union[int, Sequence[Flags]] = (0, 0, 1, 1),
            with_pool2: bool = False,
            lateral: bool = False,
            **kwargs,
    ) -> None:
        if lateral:
            raise ValueError('lateral=True: SlowOnly has no fast pathway; use ResNet3dSlowFast for lateral connections')
        super().__init__(conv1_kernel=conv1_kernel, conv1_stride_t=conv1_stride_t, pool1_stride_t=pool1_stride_t,
                         inflate=inflate, with_pool2=with_pool2, **kwargs)
