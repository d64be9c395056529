"""AAGCN, the attention-enhanced 2s-AGCN (Shi et al., *Two-Stream Adaptive Graph Convolutional
Networks for Skeleton-Based Action Recognition*, CVPR 2019, and *Skeleton-Based Action Recognition
with Multi-Stream Adaptive Graph Convolutional Networks*, TIP 2020)."""
from typing import Mapping, Optional

import torch

from reelkit.registry import MODELS
from ..common.gcn import GCNBackbone, GCNBlock, unit_aagcn


class AAGCNBlock(GCNBlock):
    """A ``unit_aagcn`` graph convolution (learned, data-dependent graph and attention), a
    temporal convolution, a shortcut."""

    gcn_types = {'unit_aagcn': unit_aagcn}
    default_gcn_type = 'unit_aagcn'


@MODELS.register_module()
class AAGCN(GCNBackbone):
    """(N, M, T, V, C) skeletons -> (N, M, 256, T / 4, V) features with the defaults.

    The graph ``A`` is also kept on the backbone as a buffer (MMAction2 checkpoints hold
    ``backbone.A``). Args: as :class:`~reelkit.models.common.gcn.GCNBackbone`, without
    ``ch_ratio`` (inflating stages double the width); ``data_bn_type`` defaults to ``'MVC'``.
    ``gcn_attention=False`` turns the attention off, ``gcn_adaptive=False`` the learned graph.

    Example:
        >>> model = AAGCN(graph_cfg=dict(layout='nturgb+d', mode='spatial'))
        >>> model(torch.randn(2, 2, 48, 25, 3)).shape
        torch.Size([2, 2, 256, 12, 25])
    """

    block_cls = AAGCNBlock

    def __init__(self, graph_cfg: Mapping, data_bn_type: Optional[str] = 'MVC', **kwargs) -> None:
        super().__init__(graph_cfg, data_bn_type=data_bn_type, ch_ratio=2, **kwargs)
        self.register_buffer('A', torch.tensor(self.graph.A, dtype=torch.float32))
