"""Graph and temporal convolution units of the skeleton backbones (ST-GCN, ST-GCN++, AAGCN).

Features are (N, C, T, V): N skeletons (clips x persons), C channels, T frames, V joints. The
graph units mix joints through an adjacency stack ``A`` (K, V, V) (see :mod:`.graph`); the
temporal units convolve every joint over time with (k, 1) kernels. The lower-case class names
and the submodule names are MMAction2's, so that checkpoint keys match (``gcn.0.gcn.PA``,
``gcn.3.tcn.branches.0.3.conv.weight``).

The units start with the weights MMAction2 has after ``init_weights``; ``init_cfg`` adds an
MMEngine init on top.
"""
import math
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Type, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from .graph import Graph
from .layers import build_activation_layer, build_norm_layer

InitConfig = Optional[Union[Dict, List[Dict]]]
NormOrAct = Union[str, Mapping, None]
ADAPTIVE_MODES = (None, 'init', 'offset', 'importance')
CONV_POSITIONS = ('pre', 'post')


def layer_cfg(name_or_cfg: Union[str, Mapping]) -> Mapping:
    """``'BN'`` -> ``dict(type='BN')``; a dict is taken as it is (MMAction2's ``norm=``/``act=``)."""
    return name_or_cfg if isinstance(name_or_cfg, Mapping) else dict(type=name_or_cfg)


def kaiming_fan_out(conv: nn.Module) -> None:
    """He-normal weights for ReLU over the fan-out, zero bias (MMEngine's ``Kaiming`` init)."""
    nn.init.kaiming_normal_(conv.weight, mode='fan_out', nonlinearity='relu')
    if conv.bias is not None:
        nn.init.zeros_(conv.bias)


def constant_init(module: nn.Module, value: float) -> None:
    """Weight ``value``, bias zero (MMEngine's ``Constant`` init)."""
    nn.init.constant_(module.weight, value)
    if module.bias is not None:
        nn.init.zeros_(module.bias)


def conv_bn(in_channels: int, out_channels: int, norm_cfg: Mapping) -> nn.Sequential:
    """1x1 conv + norm, stored as ``.0``/``.1``: the channel-changing shortcut of the graph units."""
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 1), build_norm_layer(norm_cfg, out_channels))


class unit_gcn(BaseModule):  # noqa: N801  (MMAction2's name)
    """Graph convolution: a 1x1 conv and a mix of joints per adjacency subset, summed.

    (N, in_channels, T, V) -> (N, out_channels, T, V).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        A: the adjacency stack (K, V, V).
        adaptive: how the adjacency learns: ``None`` (fixed buffer), ``'init'`` (``A`` itself a
            parameter, ST-GCN++), ``'offset'`` (``A + PA``, PA learned from ~0) or
            ``'importance'`` (``A * PA``, PA learned from 1, ST-GCN).
        conv_pos: ``'pre'``: the 1x1 conv makes K * out_channels channels, then each subset mixes
            its share; ``'post'``: each subset mixes the input, the conv merges the K mixes.
        with_res: add a shortcut inside the unit (identity, or 1x1 conv + norm when the channels
            change) before the activation.
        norm: name or config of the norm after the mix.
        act: name or config of the activation at the end.
        init_cfg: extra MMEngine init config.
    """

    def __init__(
            self,
            in_channels: int,
            out_channels: int,
            A: torch.Tensor,
            adaptive: Optional[str] = 'importance',
            conv_pos: str = 'pre',
            with_res: bool = False,
            norm: Union[str, Mapping] = 'BN',
            act: Union[str, Mapping] = 'ReLU',
            init_cfg: InitConfig = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if adaptive not in ADAPTIVE_MODES:
            raise ValueError(f'adaptive={adaptive!r}; expected one of {ADAPTIVE_MODES}')
        if conv_pos not in CONV_POSITIONS:
            raise ValueError(f'conv_pos={conv_pos!r}; expected one of {CONV_POSITIONS}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_subsets = A.shape[0]
        self.adaptive = adaptive
        self.conv_pos = conv_pos
        self.with_res = with_res
        self.norm_cfg = layer_cfg(norm)
        self.act_cfg = layer_cfg(act)
        self.bn = build_norm_layer(self.norm_cfg, out_channels)
        self.act = build_activation_layer(self.act_cfg)

        if adaptive == 'init':
            self.A = nn.Parameter(A.clone())
        else:
            self.register_buffer('A', A)
        if adaptive == 'offset':
            self.PA = nn.Parameter(torch.empty_like(A).uniform_(-1e-6, 1e-6))
        elif adaptive == 'importance':
            self.PA = nn.Parameter(torch.ones_like(A))

        if conv_pos == 'pre':
            self.conv = nn.Conv2d(in_channels, out_channels * self.num_subsets, 1)
        else:
            self.conv = nn.Conv2d(in_channels * self.num_subsets, out_channels, 1)
        if with_res:
            self.down = (conv_bn(in_channels, out_channels, self.norm_cfg)
                         if in_channels != out_channels else nn.Identity())

    def adjacency(self) -> torch.Tensor:
        """The (K, V, V) adjacency used by this forward pass."""
        if self.adaptive == 'offset':
            return self.A + self.PA
        if self.adaptive == 'importance':
            return self.A * self.PA
        return self.A

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, t, v = x.shape
        A = self.adjacency()
        if self.conv_pos == 'pre':
            y = self.conv(x).view(n, self.num_subsets, -1, t, v)
            y = torch.einsum('nkctv,kvw->nctw', y, A)
        else:
            y = torch.einsum('nctv,kvw->nkctw', x, A).reshape(n, -1, t, v)
            y = self.conv(y)
        y = self.bn(y)
        if self.with_res:
            y = y + self.down(x)
        return self.act(y)


class unit_aagcn(BaseModule):  # noqa: N801  (MMAction2's name)
    """AAGCN's graph convolution: per subset, the fixed graph plus a learned, input-dependent one,
    then optional spatial, temporal and channel attention.

    (N, in_channels, T, V) -> (N, out_channels, T, V).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        A: the adjacency stack (K, V, V).
        coff_embedding: the embeddings that compare joints have ``out_channels // coff_embedding``
            channels.
        adaptive: learn ``A`` (a parameter) and add the data-dependent graph, weighted by the
            learned ``alpha`` (from 0); ``False`` keeps ``A`` fixed (a buffer).
        attention: apply the spatial, temporal and channel attention after the convolution.
        init_cfg: extra MMEngine init config.
    """

    def __init__(
            self,
            in_channels: int,
            out_channels: int,
            A: torch.Tensor,
            coff_embedding: int = 4,
            adaptive: bool = True,
            attention: bool = True,
            init_cfg: InitConfig = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_c = in_channels
        self.out_c = out_channels
        self.inter_c = out_channels // coff_embedding
        self.num_subset = A.shape[0]
        self.adaptive = adaptive
        self.attention = attention
        num_joints = A.shape[-1]

        self.conv_d = nn.ModuleList(nn.Conv2d(in_channels, out_channels, 1) for _ in range(self.num_subset))
        if adaptive:
            self.A = nn.Parameter(A)
            self.alpha = nn.Parameter(torch.zeros(1))
            self.conv_a = self._embeddings(in_channels)
            self.conv_b = self._embeddings(in_channels)
        else:
            self.register_buffer('A', A)
        if attention:
            self.conv_ta = nn.Conv1d(out_channels, 1, 9, padding=4)
            # An odd kernel over the joints that covers them all (V - 1 when V is even).
            joint_kernel = num_joints if num_joints % 2 else num_joints - 1
            self.conv_sa = nn.Conv1d(out_channels, 1, joint_kernel, padding=(joint_kernel - 1) // 2)
            self.fc1c = nn.Linear(out_channels, out_channels // 2)
            self.fc2c = nn.Linear(out_channels // 2, out_channels)
        self.down = (conv_bn(in_channels, out_channels, dict(type='BN2d'))
                     if in_channels != out_channels else nn.Identity())
        self.bn = nn.BatchNorm2d(out_channels)
        self.tan = nn.Tanh()
        self.sigmoid = nn.Sigmoid()
        self.relu = nn.ReLU(inplace=True)
        self.reset_parameters()

    def _embeddings(self, in_channels: int) -> nn.ModuleList:
        return nn.ModuleList(nn.Conv2d(in_channels, self.inter_c, 1) for _ in range(self.num_subset))

    def reset_parameters(self) -> None:
        """MMAction2's init: He (fan-out) convs, unit norms but a near-zero output norm (the unit
        starts as its shortcut), subset convs scaled down by the number of subsets, and
        attention that starts as the identity (zero temporal conv, zero channel gate)."""
        for module in self.modules():
            if isinstance(module, nn.BatchNorm2d):
                constant_init(module, 1.)
            elif isinstance(module, nn.Conv2d):
                kaiming_fan_out(module)
        constant_init(self.bn, 1e-6)
        for conv in self.conv_d:
            out_c, in_c, kernel_t = conv.weight.shape[:3]
            nn.init.normal_(conv.weight, 0., math.sqrt(2. / (out_c * in_c * kernel_t * self.num_subset)))
            nn.init.zeros_(conv.bias)
        if self.attention:
            constant_init(self.conv_ta, 0.)
            nn.init.xavier_normal_(self.conv_sa.weight)
            nn.init.zeros_(self.conv_sa.bias)
            nn.init.kaiming_normal_(self.fc1c.weight, mode='fan_in', nonlinearity='relu')
            nn.init.zeros_(self.fc1c.bias)
            constant_init(self.fc2c, 0.)

    def subset_adjacency(self, x: torch.Tensor, k: int) -> torch.Tensor:
        """(V, V) fixed graph, or (N, V, V) with the learned, input-dependent part added."""
        if not self.adaptive:
            return self.A[k]
        n, _, t, v = x.shape
        query = self.conv_a[k](x).permute(0, 3, 1, 2).reshape(n, v, self.inter_c * t)
        key = self.conv_b[k](x).reshape(n, self.inter_c * t, v)
        similarity = self.tan(torch.matmul(query, key) / query.shape[-1])
        return self.A[k] + similarity * self.alpha

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, t, v = x.shape
        flat = x.reshape(n, c * t, v)
        y = sum(self.conv_d[k](torch.matmul(flat, self.subset_adjacency(x, k)).view(n, c, t, v))
                for k in range(self.num_subset))
        y = self.relu(self.bn(y) + self.down(x))
        return self.attend(y) if self.attention else y

    def attend(self, y: torch.Tensor) -> torch.Tensor:
        """Spatial, then temporal, then channel attention, each as ``y * (1 + gate)``."""
        joint_gate = self.sigmoid(self.conv_sa(y.mean(dim=2)))  # (N, 1, V)
        y = y * joint_gate.unsqueeze(2) + y
        time_gate = self.sigmoid(self.conv_ta(y.mean(dim=3)))  # (N, 1, T)
        y = y * time_gate.unsqueeze(3) + y
        channel_gate = self.sigmoid(self.fc2c(self.relu(self.fc1c(y.mean(dim=3).mean(dim=2)))))  # (N, C)
        return y * channel_gate[:, :, None, None] + y


class unit_tcn(BaseModule):  # noqa: N801  (MMAction2's name)
    """Temporal convolution (kernel_size, 1) + norm + dropout.

    (N, in_channels, T, V) -> (N, out_channels, ceil(T / stride), V) (same padding).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_size: temporal kernel size.
        stride: temporal stride.
        dilation: temporal dilation.
        norm: name or config of the norm, ``None`` for none.
        dropout: dropout probability at the end.
        init_cfg: extra MMEngine init config.
    """

    def __init__(
            self,
            in_channels: int,
            out_channels: int,
            kernel_size: int = 9,
            stride: int = 1,
            dilation: int = 1,
            norm: NormOrAct = 'BN',
            dropout: float = 0.,
            init_cfg: InitConfig = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.stride = stride
        self.norm_cfg = layer_cfg(norm) if norm is not None else None
        pad = (kernel_size + (kernel_size - 1) * (dilation - 1) - 1) // 2
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=(kernel_size, 1), padding=(pad, 0),
                              stride=(stride, 1), dilation=(dilation, 1))
        self.bn = build_norm_layer(self.norm_cfg, out_channels) if norm is not None else nn.Identity()
        self.drop = nn.Dropout(dropout, inplace=True)
        kaiming_fan_out(self.conv)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.bn(self.conv(x)))


# A branch of mstcn: (kernel, dilation) for a dilated temporal conv, ('max', kernel) for a
# temporal max-pool, '1x1' for a plain strided 1x1 conv.
BranchCfg = Union[Tuple[int, int], Tuple[str, int], str]


class mstcn(BaseModule):  # noqa: N801  (MMAction2's name)
    """Multi-scale temporal convolution (ST-GCN++): parallel branches over the channels, joined,
    then norm + ReLU + 1x1 conv + norm + dropout.

    (N, in_channels, T, V) -> (N, out_channels, ceil(T / stride), V).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        mid_channels: channels of each branch as a fraction of ``out_channels``; ``None`` splits
            ``out_channels`` over the branches, the first taking the remainder.
        dropout: dropout probability at the end.
        ms_cfg: the branches (see ``BranchCfg``).
        stride: temporal stride of every branch.
        init_cfg: extra MMEngine init config.
    """

    def __init__(
            self,
            in_channels: int,
            out_channels: int,
            mid_channels: Optional[float] = None,
            dropout: float = 0.,
            ms_cfg: Sequence[BranchCfg] = ((3, 1), (3, 2), (3, 3), (3, 4), ('max', 3), '1x1'),
            stride: int = 1,
            init_cfg: InitConfig = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.ms_cfg = tuple(ms_cfg)
        self.num_branches = len(self.ms_cfg)
        if mid_channels is None:
            self.mid_channels = out_channels // self.num_branches
            self.rem_mid_channels = out_channels - self.mid_channels * (self.num_branches - 1)
        elif isinstance(mid_channels, float) and mid_channels > 0:
            self.mid_channels = self.rem_mid_channels = int(out_channels * mid_channels)
        else:
            raise ValueError(f'mid_channels={mid_channels!r}; expected None or a positive float')
        self.act = nn.ReLU()
        widths = [self.rem_mid_channels] + [self.mid_channels] * (self.num_branches - 1)
        self.branches = nn.ModuleList(self._branch(cfg, in_channels, width, stride)
                                      for cfg, width in zip(self.ms_cfg, widths))
        joined = sum(widths)
        self.transform = nn.Sequential(nn.BatchNorm2d(joined), self.act, nn.Conv2d(joined, out_channels, 1))
        self.bn = nn.BatchNorm2d(out_channels)
        self.drop = nn.Dropout(dropout, inplace=True)

    def _branch(self, cfg: BranchCfg, in_channels: int, width: int, stride: int) -> nn.Module:
        if cfg == '1x1':
            return nn.Conv2d(in_channels, width, kernel_size=1, stride=(stride, 1))
        if not (isinstance(cfg, Sequence) and len(cfg) == 2 and isinstance(cfg[1], int)
                and (cfg[0] == 'max' or isinstance(cfg[0], int))):
            raise ValueError(f"ms_cfg entry {cfg!r}; expected (kernel, dilation), ('max', kernel) or '1x1'")
        reduce = [nn.Conv2d(in_channels, width, kernel_size=1), nn.BatchNorm2d(width), self.act]
        if cfg[0] == 'max':
            # MMAction2 pads the pool by 1 whatever its kernel (same padding for its kernel 3).
            pool = nn.MaxPool2d(kernel_size=(cfg[1], 1), stride=(stride, 1), padding=(1, 0))
            return nn.Sequential(*reduce, pool)
        kernel, dilation = cfg
        return nn.Sequential(*reduce, unit_tcn(width, width, kernel, stride=stride, dilation=dilation, norm=None))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        joined = torch.cat([branch(x) for branch in self.branches], dim=1)
        return self.drop(self.bn(self.transform(joined)))


class GCNBlock(BaseModule):
    """A graph unit, then a temporal unit, plus a shortcut, then ReLU: one stage of the skeleton
    backbones. Subclasses name the units they allow.

    (N, in_channels, T, V) -> (N, out_channels, ceil(T / stride), V).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        A: the adjacency stack (K, V, V).
        stride: temporal stride (of the temporal unit and the shortcut).
        residual: add the shortcut: identity when the shape is kept, else a strided 1x1
            ``unit_tcn`` (``residual``); ``False`` for none.
        init_cfg: extra MMEngine init config.
        **kwargs: ``gcn_<arg>`` go to the graph unit, ``tcn_<arg>`` to the temporal unit;
            ``gcn_type`` / ``tcn_type`` choose the units.
    """

    gcn_types: Dict[str, Type[nn.Module]] = {}
    tcn_types: Dict[str, Type[nn.Module]] = {'unit_tcn': unit_tcn, 'mstcn': mstcn}
    default_gcn_type = ''

    def __init__(
            self,
            in_channels: int,
            out_channels: int,
            A: torch.Tensor,
            stride: int = 1,
            residual: bool = True,
            init_cfg: InitConfig = None,
            **kwargs,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        gcn_kwargs, tcn_kwargs = split_unit_kwargs(kwargs)
        gcn_cls = self._unit('gcn_type', gcn_kwargs.pop('type', self.default_gcn_type), self.gcn_types)
        tcn_cls = self._unit('tcn_type', tcn_kwargs.pop('type', 'unit_tcn'), self.tcn_types)
        self.gcn = gcn_cls(in_channels, out_channels, A, **gcn_kwargs)
        if tcn_cls is unit_tcn:
            self.tcn = unit_tcn(out_channels, out_channels, 9, stride=stride, **tcn_kwargs)
        else:
            self.tcn = tcn_cls(out_channels, out_channels, stride=stride, **tcn_kwargs)
        self.relu = nn.ReLU()
        if not residual:
            self.residual = None
        elif in_channels == out_channels and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = unit_tcn(in_channels, out_channels, kernel_size=1, stride=stride)

    @staticmethod
    def _unit(key: str, name: str, table: Mapping[str, Type[nn.Module]]) -> Type[nn.Module]:
        if name not in table:
            raise ValueError(f'{key}={name!r}; expected one of {sorted(table)}')
        return table[name]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.tcn(self.gcn(x))
        if self.residual is not None:
            y = y + self.residual(x)
        return self.relu(y)


def split_unit_kwargs(kwargs: Mapping) -> Tuple[Dict, Dict]:
    """``{'gcn_adaptive': 'init', 'tcn_type': 'mstcn'}`` -> ``({'adaptive': 'init'}, {'type': 'mstcn'})``.

    Raises:
        TypeError: a key has neither prefix.
    """
    unknown = sorted(key for key in kwargs if not key.startswith(('gcn_', 'tcn_')))
    if unknown:
        raise TypeError(f'unexpected arguments {unknown}: block options take a gcn_ or tcn_ prefix')
    gcn_kwargs = {key[4:]: value for key, value in kwargs.items() if key.startswith('gcn_')}
    tcn_kwargs = {key[4:]: value for key, value in kwargs.items() if key.startswith('tcn_')}
    return gcn_kwargs, tcn_kwargs


DATA_BN_TYPES = ('VC', 'MVC', None)


def stage_kwargs(kwargs: Mapping, num_stages: int) -> List[Dict]:
    """One kwargs dict per stage: a list or tuple of ``num_stages`` values gives each stage its own.

    The first stage never takes ``tcn_dropout`` (as MMAction2)."""
    per_stage = [dict(kwargs) for _ in range(num_stages)]
    for key, value in kwargs.items():
        if isinstance(value, (list, tuple)) and len(value) == num_stages:
            for stage, stage_value in zip(per_stage, value):
                stage[key] = stage_value
    per_stage[0].pop('tcn_dropout', None)
    return per_stage


class GCNBackbone(BaseModule):
    """The skeleton backbone shared by ST-GCN and AAGCN: a data norm over joints and coordinates,
    then ``num_stages`` blocks of ``block_cls``; the stages in ``inflate_stages`` double the width,
    those in ``down_stages`` halve the frames.

    (N, M, T, V, C) skeletons (M persons, C coordinates) -> (N, M, C', T', V) features.

    Args:
        graph_cfg: arguments of :class:`~.graph.Graph` (``layout``, ``mode``, ``max_hop``).
        in_channels: coordinates per joint C (2 or 3, or more for merged features).
        base_channels: width of the first stage.
        data_bn_type: ``'VC'`` (a norm per joint and coordinate, persons folded into the batch),
            ``'MVC'`` (also per person slot) or ``None`` (no data norm).
        ch_ratio: width factor of each inflating stage.
        num_person: person slots M (``'MVC'`` only).
        num_stages: number of stages; when ``in_channels == base_channels`` the first is left out.
        inflate_stages: 1-based stages that widen by ``ch_ratio``.
        down_stages: 1-based stages with temporal stride 2.
        init_cfg: MMEngine init config.
        **kwargs: block options (``gcn_*``, ``tcn_*``); a list of ``num_stages`` values gives
            one to each stage.
    """

    block_cls: Type[GCNBlock] = GCNBlock

    def __init__(
            self,
            graph_cfg: Mapping,
            in_channels: int = 3,
            base_channels: int = 64,
            data_bn_type: Optional[str] = 'VC',
            ch_ratio: int = 2,
            num_person: int = 2,
            num_stages: int = 10,
            inflate_stages: Sequence[int] = (5, 8),
            down_stages: Sequence[int] = (5, 8),
            init_cfg: InitConfig = None,
            **kwargs,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if data_bn_type not in DATA_BN_TYPES:
            raise ValueError(f'data_bn_type={data_bn_type!r}; expected one of {DATA_BN_TYPES}')
        self.graph = Graph(**graph_cfg)
        A = torch.tensor(self.graph.A, dtype=torch.float32)
        num_joints = A.shape[1]
        self.data_bn_type = data_bn_type
        self.in_channels = in_channels
        self.base_channels = base_channels
        self.ch_ratio = ch_ratio
        self.num_person = num_person
        self.inflate_stages = tuple(inflate_stages)
        self.down_stages = tuple(down_stages)
        if data_bn_type == 'MVC':
            self.data_bn = nn.BatchNorm1d(num_person * in_channels * num_joints)
        elif data_bn_type == 'VC':
            self.data_bn = nn.BatchNorm1d(in_channels * num_joints)
        else:
            self.data_bn = nn.Identity()
        self.gcn = nn.ModuleList(self._stages(A, num_stages, stage_kwargs(kwargs, num_stages)))
        self.num_stages = len(self.gcn)

    def _stages(self, A: torch.Tensor, num_stages: int, per_stage: List[Dict]) -> List[GCNBlock]:
        blocks = []
        if self.in_channels != self.base_channels:
            blocks.append(self.block_cls(self.in_channels, self.base_channels, A.clone(), 1, residual=False,
                                         **per_stage[0]))
        width, inflations = self.base_channels, 0
        for stage in range(2, num_stages + 1):
            inflations += stage in self.inflate_stages
            # The small epsilon keeps int() from rounding a float ratio's product down.
            out_width = int(self.base_channels * self.ch_ratio ** inflations + 1e-4)
            stride = 2 if stage in self.down_stages else 1
            blocks.append(self.block_cls(width, out_width, A.clone(), stride, **per_stage[stage - 1]))
            width = out_width
        return blocks

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, m, t, v, c = x.shape
        x = x.permute(0, 1, 3, 4, 2).contiguous()  # (N, M, V, C, T): norm over (V, C) per frame
        if self.data_bn_type == 'MVC':
            x = self.data_bn(x.view(n, m * v * c, t))
        else:
            x = self.data_bn(x.view(n * m, v * c, t))
        x = x.view(n, m, v, c, t).permute(0, 1, 3, 4, 2).reshape(n * m, c, t, v)
        for block in self.gcn:
            x = block(x)
        return x.reshape((n, m) + x.shape[1:])
