"""3D ResNet (I3D: Carreira and Zisserman, *Quo Vadis, Action Recognition?*, CVPR 2017), MMAction2 layout.

The 2D ResNet with a time axis: every conv is a Conv3d whose temporal kernel is 3 where a block is
*inflated* and 1 elsewhere, the input is a clip (N, C, T, H, W). Keys equal MMAction2's
(``conv1.conv.weight``, ``layer1.0.conv1.bn.weight``, ``layer1.0.downsample.conv.weight``,
``layer2.1.non_local_block.g.conv.weight``). With ``pretrained2d=True`` the weights of a 2D ResNet
(torchvision or MMAction2 layout) are *inflated*: each 2D kernel is repeated over the T taps of
its 3D conv and divided by T, so a clip of identical frames gives the 2D network's response
(away from the ends of the clip, where the temporal padding is zero).
"""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.utils import _triple

from reelkit.registry import MODELS
from ..common import (ConvModule, NonLocal3d, build_activation_layer, freeze, frozen, load_pretrained,
                      resolve_pretrained)
from ..common.layers import LayerConfig
from .resnet import STYLES, ResidualBlock, ResNet, resnet_key_map

# inflate_style -> temporal kernels of a bottleneck's first and second conv when it is inflated.
BOTTLENECK_KERNELS_T = {'3x1x1': (3, 1), '3x3x3': (1, 3)}
INFLATE_STYLES = tuple(BOTTLENECK_KERNELS_T)
PRETRAINED_KEY = 'model.backbone.pretrained'
Flags = Union[int, Sequence[int]]


class Block3d(ResidualBlock):
    """A residual block with the activation of ``act_cfg`` and an optional non-local block after it.

    Args:
        out_channels: channels of the block's output (those of the non-local block).
        downsample: the shortcut when shape changes, ``None`` for identity.
        with_cp: recompute the block in the backward pass instead of storing activations.
        act_cfg: config of the activation after the sum.
        non_local: follow the block with a :class:`NonLocal3d`.
        non_local_cfg: keyword arguments of :class:`NonLocal3d`.
    """
    last_conv = 'conv2'  # the conv whose norm ``zero_init_residual`` zeroes

    def __init__(
            self,
            out_channels: int,
            downsample: Optional[nn.Module] = None,
            with_cp: bool = False,
            act_cfg: LayerConfig = frozen(type='ReLU'),
            non_local: bool = False,
            non_local_cfg: Mapping = frozen(),
    ) -> None:
        super().__init__(downsample, with_cp)
        self.relu = build_activation_layer(act_cfg)
        self.non_local_block = NonLocal3d(out_channels, **non_local_cfg) if non_local else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C_in, T, H, W) -> (N, C_out, T / temporal_stride, H / spatial_stride, W / spatial_stride)."""
        out = super().forward(x)
        return out if self.non_local_block is None else self.non_local_block(out)


class BasicBlock3d(Block3d):
    """Two 3x3 convs (ResNet-18/34), 3x3x3 when inflated, 1x3x3 otherwise.

    Args:
        inplanes: input channels.
        planes: output channels of each conv.
        spatial_stride: spatial stride of the first conv.
        temporal_stride: temporal stride of the first conv.
        dilation: spatial dilation (and padding) of the first conv.
        downsample: the shortcut when shape changes, ``None`` for identity.
        style: ``pytorch`` or ``caffe``, accepted for a common block signature: the stride is
            always on the first conv.
        inflate: temporal kernel 3 (True) or 1 (False) in both convs.
        inflate_style: accepted for a common block signature; only bottlenecks read it.
        non_local: follow the block with a :class:`NonLocal3d`.
        non_local_cfg: keyword arguments of :class:`NonLocal3d`.
        conv_cfg: config of the convs.
        norm_cfg: config of the norms.
        act_cfg: config of the activations.
        with_cp: recompute the block in the backward pass instead of storing activations.
    """
    expansion = 1

    def __init__(
            self,
            inplanes: int,
            planes: int,
            spatial_stride: int = 1,
            temporal_stride: int = 1,
            dilation: int = 1,
            downsample: Optional[nn.Module] = None,
            style: str = 'pytorch',
            inflate: bool = True,
            inflate_style: str = '3x1x1',
            non_local: bool = False,
            non_local_cfg: Mapping = frozen(),
            conv_cfg: LayerConfig = frozen(type='Conv3d'),
            norm_cfg: LayerConfig = frozen(type='BN3d'),
            act_cfg: LayerConfig = frozen(type='ReLU'),
            with_cp: bool = False,
    ) -> None:
        _check_block_args(style, inflate_style)
        super().__init__(planes, downsample, with_cp, act_cfg, non_local, non_local_cfg)
        kernel_t = 3 if inflate else 1
        layer = dict(bias=False, conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.conv1 = ConvModule(inplanes, planes, (kernel_t, 3, 3),
                                stride=(temporal_stride, spatial_stride, spatial_stride),
                                padding=(kernel_t // 2, dilation, dilation), dilation=(1, dilation, dilation),
                                act_cfg=act_cfg, **layer)
        self.conv2 = ConvModule(planes, planes, (kernel_t, 3, 3), padding=(kernel_t // 2, 1, 1), act_cfg=None, **layer)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1(x))


class Bottleneck3d(Block3d):
    """1x1x1 reduce, 3x3 conv, 1x1x1 expand by 4 (ResNet-50/101/152).

    Inflated, ``3x1x1`` puts the temporal kernel 3 on the first conv (3x1x1, then 1x3x3) and
    ``3x3x3`` on the second (1x1x1, then 3x3x3); not inflated, there is no temporal kernel.

    Args:
        inplanes: input channels.
        planes: channels of the inner convs; the output has ``4 * planes``.
        spatial_stride: spatial stride of the block.
        temporal_stride: temporal stride of the block.
        dilation: spatial dilation (and padding) of the 3x3 conv.
        downsample: the shortcut when shape changes, ``None`` for identity.
        style: where the strides go: the 3x3 conv (``pytorch``) or the first conv (``caffe``).
        inflate: whether one of the first two convs has a temporal kernel of 3.
        inflate_style: ``3x1x1`` or ``3x3x3``, which conv it is.
        non_local: follow the block with a :class:`NonLocal3d`.
        non_local_cfg: keyword arguments of :class:`NonLocal3d`.
        conv_cfg: config of the convs.
        norm_cfg: config of the norms.
        act_cfg: config of the activations.
        with_cp: recompute the block in the backward pass instead of storing activations.
    """
    expansion = 4
    last_conv = 'conv3'

    def __init__(
            self,
            inplanes: int,
            planes: int,
            spatial_stride: int = 1,
            temporal_stride: int = 1,
            dilation: int = 1,
            downsample: Optional[nn.Module] = None,
            style: str = 'pytorch',
            inflate: bool = True,
            inflate_style: str = '3x1x1',
            non_local: bool = False,
            non_local_cfg: Mapping = frozen(),
            conv_cfg: LayerConfig = frozen(type='Conv3d'),
            norm_cfg: LayerConfig = frozen(type='BN3d'),
            act_cfg: LayerConfig = frozen(type='ReLU'),
            with_cp: bool = False,
    ) -> None:
        _check_block_args(style, inflate_style)
        super().__init__(planes * self.expansion, downsample, with_cp, act_cfg, non_local, non_local_cfg)
        stride = (temporal_stride, spatial_stride, spatial_stride)
        conv1_stride, conv2_stride = (1, stride) if style == 'pytorch' else (stride, 1)
        conv1_t, conv2_t = BOTTLENECK_KERNELS_T[inflate_style] if inflate else (1, 1)
        layer = dict(bias=False, conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.conv1 = ConvModule(inplanes, planes, (conv1_t, 1, 1), stride=conv1_stride, padding=(conv1_t // 2, 0, 0),
                                act_cfg=act_cfg, **layer)
        self.conv2 = self.make_conv2(planes, (conv2_t, 3, 3), conv2_stride, (conv2_t // 2, dilation, dilation),
                                     (1, dilation, dilation), act_cfg, layer)
        self.conv3 = ConvModule(planes, planes * self.expansion, 1, act_cfg=None, **layer)

    def make_conv2(self, planes: int, kernel: Tuple[int, ...], stride, padding: Tuple[int, ...],
                   dilation: Tuple[int, ...], act_cfg: LayerConfig, layer: Dict) -> nn.Module:
        """The middle conv; CSN factorises it."""
        return ConvModule(planes, planes, kernel, stride=stride, padding=padding, dilation=dilation,
                          act_cfg=act_cfg, **layer)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv3(self.conv2(self.conv1(x)))


def _check_block_args(style: str, inflate_style: str) -> None:
    if style not in STYLES:
        raise ValueError(f'style={style!r}; expected one of {STYLES}')
    if inflate_style not in INFLATE_STYLES:
        raise ValueError(f'inflate_style={inflate_style!r}; expected one of {INFLATE_STYLES}')


def per_block(flags: Flags, num_blocks: int, name: str) -> Tuple[int, ...]:
    """One flag per block: an int holds for the whole stage, a sequence must have one per block."""
    flags = (flags, ) * num_blocks if isinstance(flags, int) else tuple(flags)
    if len(flags) != num_blocks:
        raise ValueError(f'{name}={flags}: expected an int or one flag per block ({num_blocks} blocks)')
    return flags


def make_res_layer(
        block: type,
        inplanes: int,
        planes: int,
        num_blocks: int,
        spatial_stride: int = 1,
        temporal_stride: int = 1,
        dilation: int = 1,
        inflate: Flags = 1,
        non_local: Flags = 0,
        name: str = 'layer',
        conv_cfg: LayerConfig = frozen(type='Conv3d'),
        norm_cfg: LayerConfig = frozen(type='BN3d'),
        **block_kwargs,
) -> nn.Sequential:
    """A stage: ``num_blocks`` blocks, the first one striding and changing the channels.

    Args:
        block: :class:`BasicBlock3d`, :class:`Bottleneck3d` or a subclass.
        inplanes: input channels.
        planes: inner channels; the output has ``planes * block.expansion``.
        num_blocks: number of blocks.
        spatial_stride: spatial stride of the first block.
        temporal_stride: temporal stride of the first block.
        dilation: spatial dilation of every block.
        inflate: per block (or one int for all) whether it has temporal kernels.
        non_local: per block (or one int for all) whether a non-local block follows it.
        name: the stage's name, for error messages.
        conv_cfg: config of the convs (the shortcut's too).
        norm_cfg: config of the norms (the shortcut's too).
        **block_kwargs: the other arguments of ``block`` (style, act_cfg, non_local_cfg, ...).
    """
    inflate = per_block(inflate, num_blocks, f'inflate of {name}')
    non_local = per_block(non_local, num_blocks, f'non_local of {name}')
    outplanes = planes * block.expansion
    downsample = None
    # As MMAction2, a temporal stride alone does not add a projection shortcut.
    if spatial_stride != 1 or inplanes != outplanes:
        downsample = ConvModule(inplanes, outplanes, 1, stride=(temporal_stride, spatial_stride, spatial_stride),
                                bias=False, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=None)
    blocks = []
    for i in range(num_blocks):
        strides = dict(spatial_stride=spatial_stride, temporal_stride=temporal_stride) if i == 0 else {}
        blocks.append(block(inplanes if i == 0 else outplanes, planes, dilation=dilation,
                            downsample=downsample if i == 0 else None, inflate=inflate[i] == 1,
                            non_local=non_local[i] == 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg, **strides,
                            **block_kwargs))
    return nn.Sequential(*blocks)


def zero_init_residuals(module: nn.Module) -> None:
    """Zero the last norm of every residual branch, so each block starts as its shortcut."""
    for block in module.modules():
        if isinstance(block, Block3d) and getattr(block, block.last_conv).bn is not None:
            nn.init.zeros_(getattr(block, block.last_conv).bn.weight)


def inflate_tensor(tensor_2d: torch.Tensor, own: torch.Tensor, pad_inputs: bool = False) -> Optional[torch.Tensor]:
    """A checkpoint tensor in the shape of ``own``, or ``None`` when it does not fit.

    A 2D kernel (O, I, kH, kW) for a 3D one (O, I, kT, kH, kW) is repeated kT times and divided by
    kT; other tensors must have ``own``'s shape. With ``pad_inputs``, a 3D conv with more input
    channels than the 2D one (a lateral connection's channels) gets zero weights for the extra ones.
    """
    if tensor_2d.dim() == 4 and own.dim() == 5:
        extra = own.shape[1] - tensor_2d.shape[1]
        if pad_inputs and extra > 0:
            tensor_2d = torch.cat([tensor_2d, tensor_2d.new_zeros(tensor_2d.shape[0], extra, *tensor_2d.shape[2:])], 1)
        if tensor_2d.shape != own.shape[:2] + own.shape[3:]:
            return None
        return tensor_2d.unsqueeze(2).expand(own.shape) / own.shape[2]
    return tensor_2d if tensor_2d.shape == own.shape else None


def load_inflated(module: nn.Module, path: str, pad_inputs: bool = False) -> None:
    """Load a 2D ResNet checkpoint (torchvision or MMAction2 layout) into a 3D network, inflating kernels.

    Tensors that do not fit (other channels, lateral connections, non-local blocks) keep their
    initial values and are logged.
    """
    def inflate(state: Dict[str, torch.Tensor], own: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        fitted = {key: inflate_tensor(value, own[key], pad_inputs) for key, value in state.items()}
        return {key: state[key] if value is None else value for key, value in fitted.items()}

    load_pretrained(module, path, resnet_key_map, convert=inflate)


def load_3d_pretrained(module: nn.Module, pretrained: str, pretrained2d: bool, pad_inputs: bool = False) -> None:
    """``pretrained`` into ``module``: inflated from a 2D ResNet, or a 3D checkpoint as it is."""
    path = resolve_pretrained(pretrained, PRETRAINED_KEY)
    if pretrained2d:
        load_inflated(module, path, pad_inputs)
    else:
        load_pretrained(module, path, resnet_key_map)


def keep_norms_in_eval(module: nn.Module) -> None:
    for bn in module.modules():
        if isinstance(bn, _BatchNorm):
            bn.eval()


@MODELS.register_module()
class ResNet3d(BaseModule):
    """3D ResNet backbone: (N, in_channels, T, H, W) -> (N, feat_dim, T', H / 32, W / 32).

    Args:
        depth: 18, 34, 50, 101 or 152.
        pretrained: weights loaded by :meth:`init_weights`: a local file, a URL (found in the torch
            hub cache, never downloaded) or ``torchvision://resnetXX``. ``None`` trains from scratch.
        stage_blocks: blocks per stage, instead of the depth's.
        pretrained2d: ``pretrained`` is a 2D ResNet whose kernels are inflated to 3D; otherwise a
            3D checkpoint loaded as it is.
        in_channels: input channels.
        num_stages: how many of the 4 stages to build.
        base_channels: channels of the stem; stage i has ``base_channels * 2**i`` inner channels.
        out_indices: the stages whose outputs :meth:`forward` returns.
        spatial_strides: spatial stride of the first block of each stage.
        temporal_strides: temporal stride of the first block of each stage.
        dilations: spatial dilation of each stage.
        conv1_kernel: (T, H, W) kernel of the stem conv.
        conv1_stride_s: spatial stride of the stem conv.
        conv1_stride_t: temporal stride of the stem conv.
        pool1_stride_s: spatial stride of the stem max-pool.
        pool1_stride_t: temporal stride of the stem max-pool.
        with_pool1: apply the stem max-pool.
        with_pool2: halve T with a max-pool after the first stage.
        style: ``pytorch`` (strides on the 3x3 conv) or ``caffe`` (on the first conv).
        frozen_stages: stages (``0`` is the stem) kept in eval mode without gradients; -1 for none.
        inflate: per stage, one flag for the stage or one per block: which blocks have temporal
            kernels (one int for all stages).
        inflate_style: ``3x1x1`` or ``3x3x3``: which bottleneck conv has the temporal kernel.
        conv_cfg: config of the convs.
        norm_cfg: config of the norms.
        act_cfg: config of the activations.
        norm_eval: keep every batch norm in eval mode (frozen statistics) while training.
        with_cp: recompute each block in the backward pass instead of storing activations.
        non_local: per stage, one flag for the stage or one per block: where non-local blocks
            follow (one int for all stages).
        non_local_cfg: keyword arguments of :class:`NonLocal3d` (mode, sub_sample, use_scale, norm_cfg).
        zero_init_residual: start every block's last norm at zero (each block starts as its shortcut).
        init_cfg: extra MMEngine init applied by :meth:`init_weights` before ``pretrained``; the
            layers already start with He-init convs and unit batch norms.
    """

    arch_settings = {depth: (BasicBlock3d if depth < 50 else Bottleneck3d, blocks)
                     for depth, (_, blocks) in ResNet.arch_settings.items()}
    # A 2D stem kernel is padded with zeros for extra input channels (SlowOnly and SlowFast do this).
    inflate_pads_inputs = False

    def __init__(
            self,
            depth: int = 50,
            pretrained: Optional[str] = None,
            stage_blocks: Optional[Sequence[int]] = None,
            pretrained2d: bool = True,
            in_channels: int = 3,
            num_stages: int = 4,
            base_channels: int = 64,
            out_indices: Sequence[int] = (3, ),
            spatial_strides: Sequence[int] = (1, 2, 2, 2),
            temporal_strides: Sequence[int] = (1, 1, 1, 1),
            dilations: Sequence[int] = (1, 1, 1, 1),
            conv1_kernel: Sequence[int] = (3, 7, 7),
            conv1_stride_s: int = 2,
            conv1_stride_t: int = 1,
            pool1_stride_s: int = 2,
            pool1_stride_t: int = 1,
            with_pool1: bool = True,
            with_pool2: bool = True,
            style: str = 'pytorch',
            frozen_stages: int = -1,
            inflate: Union[int, Sequence[Flags]] = (1, 1, 1, 1),
            inflate_style: str = '3x1x1',
            conv_cfg: LayerConfig = frozen(type='Conv3d'),
            norm_cfg: LayerConfig = frozen(type='BN3d', requires_grad=True),
            act_cfg: LayerConfig = frozen(type='ReLU', inplace=True),
            norm_eval: bool = False,
            with_cp: bool = False,
            non_local: Union[int, Sequence[Flags]] = (0, 0, 0, 0),
            non_local_cfg: Mapping = frozen(),
            zero_init_residual: bool = True,
            init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        # One int holds for every stage, as in MMAction2.
        inflate, non_local = ((v, ) * num_stages if isinstance(v, int) else tuple(v) for v in (inflate, non_local))
        self._check_args(locals())
        self.block, default_blocks = self.arch_settings[depth]
        self.depth = depth
        self.pretrained = pretrained
        self.pretrained2d = pretrained2d
        self.in_channels = in_channels
        self.num_stages = num_stages
        self.base_channels = base_channels
        self.out_indices = tuple(out_indices)
        self.stage_blocks = tuple(stage_blocks or default_blocks[:num_stages])
        self.with_pool1 = with_pool1
        self.with_pool2 = with_pool2
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.style = style
        self.inflate_style = inflate_style
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.act_cfg = act_cfg
        self.with_cp = with_cp
        self.non_local_cfg = non_local_cfg
        self.zero_init_residual = zero_init_residual

        self.conv1 = ConvModule(in_channels, base_channels, _triple(conv1_kernel),
                                stride=(conv1_stride_t, conv1_stride_s, conv1_stride_s),
                                padding=tuple((k - 1) // 2 for k in _triple(conv1_kernel)), bias=False,
                                conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.maxpool = nn.MaxPool3d(kernel_size=(1, 3, 3), stride=(pool1_stride_t, pool1_stride_s, pool1_stride_s),
                                    padding=(0, 1, 1))
        self.pool2 = nn.MaxPool3d(kernel_size=(2, 1, 1), stride=(2, 1, 1))
        self.res_layers = []
        for i, num_blocks in enumerate(self.stage_blocks):
            name = f'layer{i + 1}'
            # ``layer1..4`` as in MMAction2 (and the 2D checkpoints inflated into it).
            self.add_module(name, make_res_layer(
                self.block, self.stage_inplanes(i) + self.lateral_inplanes(i), base_channels * 2**i, num_blocks,
                spatial_strides[i], temporal_strides[i], dilations[i], inflate[i], non_local[i], name,
                **self.block_kwargs()))
            self.res_layers.append(name)
        self.feat_dim = self.stage_inplanes(len(self.stage_blocks))
        if zero_init_residual:
            zero_init_residuals(self)
        self.train()  # apply frozen_stages / norm_eval from the start

    def _check_args(self, args: Dict) -> None:
        """Reject bad constructor arguments (``args``: the constructor's locals), naming the argument."""
        depth, num_stages = args['depth'], args['num_stages']
        if depth not in self.arch_settings:
            raise ValueError(f'depth={depth!r}; expected one of {sorted(self.arch_settings)}')
        if args['pretrained'] is not None and not isinstance(args['pretrained'], str):
            raise TypeError(f'pretrained must be a path, a URL or None, got {type(args["pretrained"]).__name__}')
        if not 1 <= num_stages <= 4:
            raise ValueError(f'num_stages={num_stages}; expected 1 to 4')
        for key in ('spatial_strides', 'temporal_strides', 'dilations', 'stage_blocks'):
            if args[key] is not None and len(args[key]) != num_stages:
                raise ValueError(f'{key}={tuple(args[key])}: expected one entry per stage (num_stages={num_stages})')
        for key in ('inflate', 'non_local'):
            if len(args[key]) < num_stages:
                raise ValueError(f'{key}={tuple(args[key])}: expected an entry for each of the {num_stages} stages')
        if not args['out_indices'] or not all(0 <= i < num_stages for i in args['out_indices']):
            raise ValueError(f'out_indices={tuple(args["out_indices"])}; expected stage indices in [0, {num_stages})')
        if not -1 <= args['frozen_stages'] <= num_stages:
            raise ValueError(f'frozen_stages={args["frozen_stages"]}; expected -1 (none) to {num_stages}')
        _check_block_args(args['style'], args['inflate_style'])

    def stage_inplanes(self, stage_idx: int) -> int:
        """Channels entering stage ``stage_idx`` from the stage before (the stem for 0)."""
        if stage_idx == 0:
            return self.base_channels
        return self.base_channels * 2**(stage_idx - 1) * self.block.expansion

    def lateral_inplanes(self, stage_idx: int) -> int:
        """Extra input channels of a stage, concatenated from another pathway (see SlowFast)."""
        return 0

    def block_kwargs(self) -> Dict:
        """Keyword arguments of every block; subclasses add their own."""
        return dict(style=self.style, inflate_style=self.inflate_style, non_local_cfg=self.non_local_cfg,
                    conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg, with_cp=self.with_cp)

    def forward(self, x: torch.Tensor) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        """(N, in_channels, T, H, W) -> the last stage's features for the default ``out_indices=(3,)``;
        a tuple of stage outputs when ``out_indices`` names several stages."""
        x = self.conv1(x)
        if self.with_pool1:
            x = self.maxpool(x)
        outs = []
        for i, name in enumerate(self.res_layers):
            x = getattr(self, name)(x)
            if i == 0 and self.with_pool2:
                x = self.pool2(x)
            if i in self.out_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then load ``pretrained`` if given (the runner calls this before training)."""
        super().init_weights()
        if self.pretrained is not None:
            load_3d_pretrained(self, self.pretrained, self.pretrained2d, self.inflate_pads_inputs)

    def train(self, mode: bool = True) -> 'ResNet3d':
        """Switch train/eval mode, keeping the frozen parts and, with ``norm_eval``, every norm in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            keep_norms_in_eval(self)
        return self

    def _freeze_stages(self) -> None:
        if self.frozen_stages >= 0:
            freeze(self.conv1)
        for i in range(1, self.frozen_stages + 1):
            freeze(getattr(self, f'layer{i}'))


@MODELS.register_module()
class ResNet3dLayer(BaseModule):
    """One stage of a 3D ResNet, alone (e.g. the shared head on RoI features of a detector).

    (N, C_in, T, H, W) -> (N, base_channels * 2**stage * expansion, T / temporal_stride, H / spatial_stride,
    W / spatial_stride), where C_in is what the stage before gives in the full network.

    Args:
        depth: 18, 34, 50, 101 or 152.
        pretrained: weights loaded by :meth:`init_weights` (see :class:`ResNet3d`).
        pretrained2d: ``pretrained`` is a 2D ResNet, inflated to 3D.
        stage: which stage (0 to 3), also its key name ``layer{stage + 1}``.
        base_channels: stem channels of the full network.
        spatial_stride: spatial stride of the first block.
        temporal_stride: temporal stride of the first block.
        dilation: spatial dilation.
        style: ``pytorch`` or ``caffe``.
        all_frozen: keep the whole stage in eval mode without gradients.
        inflate: one flag for the stage or one per block: which blocks have temporal kernels.
        inflate_style: ``3x1x1`` or ``3x3x3``.
        conv_cfg: config of the convs.
        norm_cfg: config of the norms.
        act_cfg: config of the activations.
        norm_eval: keep every batch norm in eval mode while training.
        with_cp: recompute each block in the backward pass instead of storing activations.
        non_local: one flag for the stage or one per block: where non-local blocks follow.
        non_local_cfg: keyword arguments of :class:`NonLocal3d`.
        zero_init_residual: start every block's last norm at zero.
        init_cfg: extra MMEngine init applied by :meth:`init_weights`.
    """

    def __init__(
            self,
            depth: int,
            pretrained: Optional[str] = None,
            pretrained2d: bool = True,
            stage: int = 3,
            base_channels: int = 64,
            spatial_stride: int = 2,
            temporal_stride: int = 1,
            dilation: int = 1,
            style: str = 'pytorch',
            all_frozen: bool = False,
            inflate: Flags = 1,
            inflate_style: str = '3x1x1',
            conv_cfg: LayerConfig = frozen(type='Conv3d'),
            norm_cfg: LayerConfig = frozen(type='BN3d', requires_grad=True),
            act_cfg: LayerConfig = frozen(type='ReLU', inplace=True),
            norm_eval: bool = False,
            with_cp: bool = False,
            non_local: Flags = 0,
            non_local_cfg: Mapping = frozen(),
            zero_init_residual: bool = True,
            init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if depth not in ResNet3d.arch_settings:
            raise ValueError(f'depth={depth!r}; expected one of {sorted(ResNet3d.arch_settings)}')
        if not 0 <= stage <= 3:
            raise ValueError(f'stage={stage}; expected 0 to 3')
        _check_block_args(style, inflate_style)
        self.pretrained = pretrained
        self.pretrained2d = pretrained2d
        self.stage = stage
        self.all_frozen = all_frozen
        self.norm_eval = norm_eval
        block, stage_blocks = ResNet3d.arch_settings[depth]
        planes = base_channels * 2**stage
        inplanes = base_channels if stage == 0 else planes * block.expansion // 2
        self.layer_name = f'layer{stage + 1}'
        self.add_module(self.layer_name, make_res_layer(
            block, inplanes, planes, stage_blocks[stage], spatial_stride, temporal_stride, dilation, inflate,
            non_local, self.layer_name, style=style, inflate_style=inflate_style, non_local_cfg=non_local_cfg,
            conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg, with_cp=with_cp))
        if zero_init_residual:
            zero_init_residuals(self)
        self.train()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return getattr(self, self.layer_name)(x)

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then load ``pretrained`` if given."""
        super().init_weights()
        if self.pretrained is not None:
            load_3d_pretrained(self, self.pretrained, self.pretrained2d)

    def train(self, mode: bool = True) -> 'ResNet3dLayer':
        super().train(mode)
        if self.all_frozen:
            freeze(getattr(self, self.layer_name))
        if mode and self.norm_eval:
            keep_norms_in_eval(self)
        return self
