"""Skeleton graphs for the graph-convolution backbones (ST-GCN, ST-GCN++, AAGCN), MMAction2 layout.

A :class:`Graph` holds the joints and bones of a skeleton layout and builds the stack of
adjacency matrices ``A`` (num_subsets, V, V) that a graph convolution mixes joints with. Entry
``A[k, v, w]`` weighs what joint ``w`` takes from joint ``v`` in subset ``k``: the convolutions
compute ``y[..., w] = sum_v x[..., v] * A[k, v, w]``, so normalized matrices have columns that
sum to one (the mean over the neighbours of ``w``). Everything here is numpy, float64.
"""
from typing import Mapping, NamedTuple, Sequence, Tuple, Union

import numpy as np

Edge = Tuple[int, int]


class Layout(NamedTuple):
    """Joints and bones of a skeleton.

    Args:
        num_node: number of joints V.
        inward: bones as ``(child, parent)`` pairs, pointing towards ``center``.
        center: the joint the ``stgcn_spatial`` partition measures distances from.
    """
    num_node: int
    inward: Tuple[Edge, ...]
    center: int


# NTU RGB+D numbers its 25 Kinect joints from 1.
NTU_BONES = ((1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6), (8, 7), (9, 21), (10, 9), (11, 10),
             (12, 11), (13, 1), (14, 13), (15, 14), (16, 15), (17, 1), (18, 17), (19, 18), (20, 19), (22, 8),
             (23, 8), (24, 12), (25, 12))

LAYOUTS = {
    # OpenPose's 18 joints, centred on the neck (1).
    'openpose': Layout(18, ((4, 3), (3, 2), (7, 6), (6, 5), (13, 12), (12, 11), (10, 9), (9, 8), (11, 5),
                            (8, 2), (5, 1), (2, 1), (0, 1), (15, 0), (14, 0), (17, 15), (16, 14)), 1),
    # Kinect v2's 25 joints, centred on the spine (21, i.e. 20 from 0).
    'nturgb+d': Layout(25, tuple((i - 1, j - 1) for i, j in NTU_BONES), 20),
    # COCO's 17 keypoints, centred on the nose (0).
    'coco': Layout(17, ((15, 13), (13, 11), (16, 14), (14, 12), (11, 5), (12, 6), (9, 7), (7, 5), (10, 8),
                        (8, 6), (5, 0), (6, 0), (1, 0), (3, 1), (2, 0), (4, 2)), 0),
}


def edge2mat(edges: Sequence[Edge], num_node: int) -> np.ndarray:
    """(V, V) matrix with ``A[j, i] = 1`` for every edge ``(i, j)``: joint ``j`` feeds joint ``i``."""
    adjacency = np.zeros((num_node, num_node))
    for i, j in edges:
        adjacency[j, i] = 1
    return adjacency


def normalize_digraph(adjacency: np.ndarray, dim: int = 0) -> np.ndarray:
    """Divide every column of a (V, V) matrix by the sum over ``dim`` at that column's index;
    all-zero sums stay zero (``dim=0``: each non-empty column then sums to one)."""
    degree = adjacency.sum(axis=dim)
    inverse = np.divide(1.0, degree, out=np.zeros_like(degree, dtype=float), where=degree > 0)
    return adjacency * inverse[None, :]


def get_hop_distance(num_node: int, edges: Sequence[Edge], max_hop: int = 1) -> np.ndarray:
    """(V, V) number of bones between two joints (the graph undirected), ``inf`` beyond ``max_hop``."""
    reach = np.eye(num_node)
    for i, j in edges:
        reach[i, j] = reach[j, i] = 1
    distance = np.full((num_node, num_node), np.inf)
    # Walks of length d reach every joint within d hops; go down so the shortest walk is kept.
    for hop in range(max_hop, -1, -1):
        distance[np.linalg.matrix_power(reach, hop) > 0] = hop
    return distance


class Graph:
    """A skeleton layout and its adjacency stack ``A``.

    Modes (the method of that name builds ``A``):

    - ``'spatial'``: (3, V, V): identity, the inward bones, the outward bones, the last two
      normalized (ST-GCN++, AAGCN).
    - ``'stgcn_spatial'``: (2 * max_hop + 1, V, V): the neighbours within ``max_hop``,
      normalized together, split by hop and by whether the neighbour is at least as far from
      the centre as the joint (ST-GCN's spatial partition).
    - ``'binary_adj'``: (1, V, V): the undirected bones, 0/1.

    Args:
        layout: ``'openpose'`` (18 joints), ``'nturgb+d'`` (25) or ``'coco'`` (17), or a dict with
            ``num_node``, ``inward`` (``(child, parent)`` pairs) and ``center``.
        mode: ``'spatial'``, ``'stgcn_spatial'`` or ``'binary_adj'``.
        max_hop: the farthest neighbours (in bones) that ``hop_dis`` and ``stgcn_spatial`` count.
    """

    MODES = ('spatial', 'stgcn_spatial', 'binary_adj')

    def __init__(
            self,
            layout: Union[str, Mapping] = 'coco',
            mode: str = 'spatial',
            max_hop: int = 1,
    ) -> None:
        if mode not in self.MODES:
            raise ValueError(f'mode={mode!r}; expected one of {self.MODES}')
        self.layout = layout
        self.mode = mode
        self.max_hop = max_hop
        self.num_node, self.inward, self.center = self._read_layout(layout)
        self.self_link = [(i, i) for i in range(self.num_node)]
        self.outward = [(j, i) for i, j in self.inward]
        self.neighbor = self.inward + self.outward
        self.hop_dis = get_hop_distance(self.num_node, self.inward, max_hop)
        self.A = getattr(self, mode)()

    @staticmethod
    def _read_layout(layout: Union[str, Mapping]) -> Tuple[int, list, int]:
        if isinstance(layout, Mapping):
            missing = [key for key in Layout._fields if key not in layout]
            if missing:
                raise ValueError(f'layout dict lacks {missing}; it needs num_node, inward and center')
            layout = Layout(layout['num_node'], tuple(layout['inward']), layout['center'])
        elif layout in LAYOUTS:
            layout = LAYOUTS[layout]
        else:
            raise ValueError(f'layout={layout!r}; expected one of {sorted(LAYOUTS)} or a dict')
        return layout.num_node, [tuple(edge) for edge in layout.inward], layout.center

    def spatial(self) -> np.ndarray:
        """(3, V, V): self links, normalized inward bones, normalized outward bones."""
        return np.stack((edge2mat(self.self_link, self.num_node),
                         normalize_digraph(edge2mat(self.inward, self.num_node)),
                         normalize_digraph(edge2mat(self.outward, self.num_node))))

    def stgcn_spatial(self) -> np.ndarray:
        """(2 * max_hop + 1, V, V): hop 0, then per hop the neighbours not nearer to the centre
        than the joint and those nearer."""
        weights = normalize_digraph((self.hop_dis <= self.max_hop).astype(float))
        to_center = self.hop_dis[:, self.center]
        # [j, i]: neighbour j is at least as far from the centre as joint i.
        not_nearer = to_center[:, None] >= to_center[None, :]
        subsets = []
        for hop in range(self.max_hop + 1):
            at_hop = self.hop_dis == hop
            subsets.append(np.where(at_hop & not_nearer, weights, 0.))
            if hop > 0:
                subsets.append(np.where(at_hop & ~not_nearer, weights, 0.))
        return np.stack(subsets)

    def binary_adj(self) -> np.ndarray:
        """(1, V, V): 1 where two joints share a bone."""
        return edge2mat(self.neighbor, self.num_node)[None]
