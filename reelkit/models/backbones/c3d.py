"""C3D (Tran et al., *Learning Spatiotemporal Features with 3D Convolutional Networks*, ICCV 2015),
MMAction2 layout.

Eight 3x3x3 convs in five groups, each group closed by a max-pool, then two fully connected layers:
the backbone returns 4096-d clip vectors (keys ``conv1a.conv.weight`` ... ``conv5b.conv.bias``,
``fc6.weight``, ``fc7.weight``).
"""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from reelkit.registry import MODELS
from ..common import ConvModule, backbone_key_map, frozen, load_pretrained, resolve_pretrained
from ..common.layers import LayerConfig

# (name, input channels, output channels) of each conv, grouped by the pool that follows the group.
CONV_GROUPS = (
    (('conv1a', 3, 64), ),
    (('conv2a', 64, 128), ),
    (('conv3a', 128, 256), ('conv3b', 256, 256)),
    (('conv4a', 256, 512), ('conv4b', 512, 512)),
    (('conv5a', 512, 512), ('conv5b', 512, 512)),
)
# Kernel (= stride) and padding of the pool after each group: pool1 keeps the frames; pool5 pads
# H and W so that 7x7 maps (112-pixel inputs) end at 4x4: 512 * 1 * 4 * 4 = 8192 = out_dim.
POOLS = (((1, 2, 2), 0), ((2, 2, 2), 0), ((2, 2, 2), 0), ((2, 2, 2), 0), ((2, 2, 2), (0, 1, 1)))




@MODELS.register_module()
class C3D(BaseModule):
    """C3D backbone: (N, 3, 16, 112, 112) -> (N, 4096).

    Other input sizes need ``out_dim = 512 * T' * H' * W'``, the size of the last pooled map.

    Args:
        pretrained: a checkpoint loaded by :meth:`init_weights` (a local file or a URL found in the
            torch hub cache), e.g. the Sports-1M weights; ``None`` trains from scratch.
        style: accepted for MMAction2 configs; C3D has one layout.
        conv_cfg: config of the convs; ``None`` means ``Conv3d``, as in MMAction2.
        norm_cfg: config of a norm after each conv, ``None`` for none (the original C3D).
        act_cfg: config of the activation after each conv; ``None`` means ``ReLU``, as in MMAction2.
        out_dim: input size of ``fc6``: the flattened last pooled map.
        dropout_ratio: dropout after ``fc6``.
        init_std: std of the normal init of ``fc6`` and ``fc7``.
        init_cfg: extra MMEngine init applied by :meth:`init_weights` before ``pretrained``.
    """

    def __init__(
            self,
            pretrained: Optional[str] = None,
            style: str = 'pytorch',
            conv_cfg: LayerConfig = frozen(type='Conv3d'),
            norm_cfg: LayerConfig = None,
            act_cfg: LayerConfig = frozen(type='ReLU'),
            out_dim: int = 8192,
            dropout_ratio: float = 0.5,
            init_std: float = 0.005,
            init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if pretrained is not None and not isinstance(pretrained, str):
            raise TypeError(f'pretrained must be a path, a URL or None, got {type(pretrained).__name__}')
        self.pretrained = pretrained
        self.style = style
        self.out_dim = out_dim
        self.dropout_ratio = dropout_ratio
        self.init_std = init_std
        conv_kwargs = dict(kernel_size=3, padding=1, conv_cfg=conv_cfg or frozen(type='Conv3d'),
                           norm_cfg=norm_cfg, act_cfg=act_cfg or frozen(type='ReLU'))
        self.layer_names = []  # convs and pools in order; pool1 .. pool5 hold no weights
        for i, (group, (pool_size, pool_padding)) in enumerate(zip(CONV_GROUPS, POOLS)):
            for name, in_channels, out_channels in group:
                self.add_module(name, ConvModule(in_channels, out_channels, **conv_kwargs))
                self.layer_names.append(name)
            self.add_module(f'pool{i + 1}', nn.MaxPool3d(pool_size, stride=pool_size, padding=pool_padding))
            self.layer_names.append(f'pool{i + 1}')
        self.fc6 = nn.Linear(out_dim, 4096)
        self.fc7 = nn.Linear(4096, 4096)
        self.relu = nn.ReLU()
        self.dropout = nn.Dropout(p=dropout_ratio)
        for fc in (self.fc6, self.fc7):
            nn.init.normal_(fc.weight, std=init_std)
            nn.init.zeros_(fc.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, T, H, W) -> (N, 4096)."""
        for name in self.layer_names:
            x = getattr(self, name)(x)
        x = self.dropout(self.relu(self.fc6(x.flatten(1))))
        return self.relu(self.fc7(x))

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then load ``pretrained`` if given."""
        super().init_weights()
        if self.pretrained is not None:
            load_pretrained(self, resolve_pretrained(self.pretrained, 'model.backbone.pretrained'),
                            backbone_key_map)
