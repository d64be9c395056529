"""Pieces shared by the transformer backbones: stochastic depth, the two-layer MLP, init configs.

Both hold only what MMAction2 checkpoints store (``fc1`` / ``fc2`` for :class:`Mlp`, nothing for
:class:`DropPath`), so the models that use them keep MMAction2's keys.
"""
from typing import Dict, List, Mapping, Optional, Sequence, Union

import torch
import torch.nn as nn

from .layers import build_activation_layer, frozen


def drop_path(x: torch.Tensor, drop_prob: float, training: bool) -> torch.Tensor:
    """Zero whole samples with probability ``drop_prob`` and scale the others by ``1 / (1 - drop_prob)``.

    Args:
        x: (N, ...); one keep/drop draw per sample.
        drop_prob: the probability of dropping a sample.
        training: only then anything is dropped.

    Returns:
        Same shape as ``x``; ``x`` itself outside training or with ``drop_prob == 0``.
    """
    if drop_prob == 0. or not training:
        return x
    keep_prob = 1. - drop_prob
    keep = x.new_empty((x.shape[0], ) + (1, ) * (x.dim() - 1)).bernoulli_(keep_prob)
    return x * keep / keep_prob


def drop_path_rates(max_rate: float, num_blocks: int) -> List[float]:
    """Stochastic depth rates rising linearly from 0 at the first block to ``max_rate`` at the last.

    Plain floats (not ``torch.linspace``), so models can be built on the meta device.
    """
    return [max_rate * i / max(num_blocks - 1, 1) for i in range(num_blocks)]


class DropPath(nn.Module):
    """Stochastic depth on a residual branch: (N, ...) -> (N, ...), see :func:`drop_path`.

    Args:
        drop_prob: the probability of dropping the branch for a sample.
    """

    def __init__(
            self,
            drop_prob: float = 0.1,
    ) -> None:
        super().__init__()
        if not 0. <= drop_prob < 1.:
            raise ValueError(f'drop_prob={drop_prob}; expected a probability in [0, 1)')
        self.drop_prob = drop_prob

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return drop_path(x, self.drop_prob, self.training)

    def extra_repr(self) -> str:
        return f'drop_prob={self.drop_prob}'


class Mlp(nn.Module):
    """``fc1``, activation, dropout, ``fc2``, dropout: (..., in_features) -> (..., out_features).

    Args:
        in_features: input channels.
        hidden_features: channels between the two layers, ``None`` for ``in_features``.
        out_features: output channels, ``None`` for ``in_features``.
        act_cfg: config of the activation.
        drop: dropout probability after each layer.
    """

    def __init__(
            self,
            in_features: int,
            hidden_features: Optional[int] = None,
            out_features: Optional[int] = None,
            act_cfg: Mapping = frozen(type='GELU'),
            drop: float = 0.,
    ) -> None:
        super().__init__()
        hidden_features = hidden_features or in_features
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = build_activation_layer(act_cfg)
        self.fc2 = nn.Linear(hidden_features, out_features or in_features)
        self.drop = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.drop(self.act(self.fc1(x)))
        return self.drop(self.fc2(x))


InitConfig = Optional[Union[Mapping, Sequence[Mapping]]]


def init_cfg_dicts(init_cfg: InitConfig) -> Optional[Union[Dict, List[Dict]]]:
    """An ``init_cfg`` as MMEngine's ``BaseModule`` takes it: plain dicts, one or a list.

    Defaults in signatures are read-only (:func:`frozen`, tuples of them); MMEngine wants ``dict``.
    """
    if init_cfg is None or isinstance(init_cfg, dict):
        return init_cfg
    if isinstance(init_cfg, Mapping):
        return dict(init_cfg)
    return [dict(cfg) for cfg in init_cfg]
