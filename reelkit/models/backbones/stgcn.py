"""ST-GCN (Yan et al., *Spatial Temporal Graph Convolutional Networks for Skeleton-Based Action
Recognition*, AAAI 2018) and its ST-GCN++ settings (Duan et al., PYSKL, 2022).

ST-GCN++ is this backbone with ``gcn_adaptive='init', gcn_with_res=True, tcn_type='mstcn'`` and
the ``'spatial'`` graph mode.
"""
from reelkit.registry import MODELS
from ..common.gcn import GCNBackbone, GCNBlock, unit_gcn


class STGCNBlock(GCNBlock):
    """A ``unit_gcn`` graph convolution, a ``unit_tcn`` or ``mstcn`` temporal one, a shortcut."""

    gcn_types = {'unit_gcn': unit_gcn}
    default_gcn_type = 'unit_gcn'


@MODELS.register_module()
class STGCN(GCNBackbone):
    """(N, M, T, V, C) skeletons -> (N, M, 256, T / 4, V) features with the defaults.

    Args: as :class:`~reelkit.models.common.gcn.GCNBackbone` (``data_bn_type`` defaults to ``'VC'``).

    Example:
        >>> model = STGCN(graph_cfg=dict(layout='coco', mode='stgcn_spatial'))
        >>> model(torch.randn(2, 2, 48, 17, 3)).shape
        torch.Size([2, 2, 256, 12, 17])
    """

    block_cls = STGCNBlock
