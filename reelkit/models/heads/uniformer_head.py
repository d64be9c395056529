"""The head of UniFormer and UniFormerV2: a :class:`TimeSformerHead` that can start from the classifier
of a checkpoint trained on more classes (UniFormerV2's Kinetics-710 heads for Kinetics-400/600/700),
keeping the rows a channel map names."""
import os.path as osp
from typing import Mapping, Optional, Union

import torch
import torch.nn as nn
from mmengine.fileio import load
from mmengine.logging import MMLogger

from reelkit.registry import MODELS
from reelkit.utils.errors import ConfigError
from ..common import frozen, read_state_dict, resolve_pretrained
from ..common.transformer import InitConfig, init_cfg_dicts
from .timesformer_head import TimeSformerHead


@MODELS.register_module()
class UniFormerHead(TimeSformerHead):
    """Dropout, then ``fc_cls``: (N, in_channels) -> (N, num_classes).

    Args:
        num_classes: number of classes.
        in_channels: channels of the input features.
        loss_cls: config (or module) of the classification loss.
        dropout_ratio: dropout probability before the classifier.
        channel_map: with a ``Pretrained`` ``init_cfg``, a JSON (or YAML, pickle) file listing, for
            each of the ``num_classes`` classes, its row in the checkpoint's classifier.
        init_cfg: MMEngine init applied by :meth:`init_weights`. ``dict(type='Pretrained',
            checkpoint=..., prefix='cls_head.')`` loads the checkpoint's head (a local file, or a URL
            found in the torch hub cache; never downloaded), rows chosen by ``channel_map``.
        **kwargs: arguments of :class:`TimeSformerHead` and :class:`BaseHead`.
    """

    def __init__(
            self,
            num_classes: int,
            in_channels: int,
            loss_cls: Union[Mapping, nn.Module] = frozen(type='CrossEntropyLoss'),
            dropout_ratio: float = 0.0,
            channel_map: Optional[str] = None,
            init_cfg: InitConfig = frozen(type='TruncNormal', layer='Linear', std=0.02),
            **kwargs,
    ) -> None:
        super().__init__(num_classes, in_channels, loss_cls, dropout_ratio=dropout_ratio,
                         init_cfg=init_cfg_dicts(init_cfg), **kwargs)
        self.channel_map = channel_map

    def init_weights(self) -> None:
        """Load the classifier of a ``Pretrained`` ``init_cfg``, else apply ``init_cfg``."""
        if isinstance(self.init_cfg, Mapping) and self.init_cfg.get('type') == 'Pretrained':
            self.load_mapped_head(self.init_cfg['checkpoint'], self.init_cfg.get('prefix', 'cls_head.'))
        else:
            super().init_weights()

    def load_mapped_head(self, checkpoint: str, prefix: str) -> None:
        """Load the tensors under ``prefix`` in ``checkpoint``, each cut to the rows in ``channel_map``."""
        if self.channel_map is None:
            raise ConfigError('model.cls_head.channel_map=None: a Pretrained init_cfg loads a head trained on '
                              'other classes; channel_map names the file listing the rows to keep')
        if not osp.isfile(self.channel_map):
            raise ConfigError(f'model.cls_head.channel_map={self.channel_map!r}: no such file (e.g. MMAction2\'s '
                              'configs/recognition/uniformerv2/k710_channel_map/map_k400.json)')
        rows = torch.as_tensor(load(self.channel_map), dtype=torch.long)
        path = resolve_pretrained(checkpoint, 'model.cls_head.init_cfg.checkpoint')
        state = {key[len(prefix):]: value[rows] for key, value in read_state_dict(path).items()
                 if key.startswith(prefix)}
        own = self.state_dict()
        wrong = {key: tuple(value.shape) for key, value in state.items()
                 if key not in own or value.shape != own[key].shape}
        if not state or wrong:
            raise ConfigError(f'{path}: the tensors under {prefix!r}, cut by {self.channel_map}, do not fit '
                              f'{type(self).__name__}: {wrong or "none found"}')
        self.load_state_dict(state, strict=False)
        MMLogger.get_current_instance().info(
            f'{type(self).__name__}: loaded {sorted(state)} from {path}, rows from {self.channel_map}')
