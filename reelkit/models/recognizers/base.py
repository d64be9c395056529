"""The base of the recognizers: backbone (+ neck) + head behind MMEngine's three forward modes."""
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel

from reelkit.structures import ActionDataSample
from ..common import build_module, frozen

ModuleOrCfg = Union[Mapping, nn.Module]
SampleList = List[ActionDataSample]


class BaseRecognizer(BaseModel):
    """Builds the parts; subclasses define :meth:`extract_feat` for their input layout.

    ``forward(inputs, data_samples, mode)``: ``'loss'`` returns a dict of losses (and logged
    accuracies), ``'predict'`` returns ``data_samples`` with ``pred_score``/``pred_label``,
    ``'tensor'`` returns features (backbone features by default, ``stage=`` to choose).

    Args:
        backbone: config or module of the backbone.
        cls_head: config or module of the classification head (needed for loss/predict).
        neck: config or module of the neck, or ``None``.
        train_cfg: training options (kept for MMAction2 configs).
        test_cfg: test options of the subclass (e.g. ``max_testing_views``).
        data_preprocessor: config or module; default ``ActionDataPreprocessor()``.
        init_cfg: MMEngine init config.
    """

    def __init__(
            self,
            backbone: ModuleOrCfg,
            cls_head: Optional[ModuleOrCfg] = None,
            neck: Optional[ModuleOrCfg] = None,
            train_cfg: Optional[Mapping] = None,
            test_cfg: Optional[Mapping] = None,
            data_preprocessor: Optional[ModuleOrCfg] = None,
            init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        # Built here with reelkit's registry: MMEngine's BaseModel would look the type up in its root registry.
        preprocessor = build_module(data_preprocessor or frozen(type='ActionDataPreprocessor'))
        super().__init__(data_preprocessor=preprocessor, init_cfg=init_cfg)
        self.backbone = build_module(backbone)
        self.neck = build_module(neck) if neck is not None else None
        self.cls_head = build_module(cls_head) if cls_head is not None else None
        self.train_cfg = dict(train_cfg or {})
        self.test_cfg = dict(test_cfg or {})
        self.check_test_cfg()

    def check_test_cfg(self) -> None:
        """Raise on ``test_cfg`` options the subclass cannot honour (checked at construction)."""

    @property
    def with_neck(self) -> bool:
        return self.neck is not None

    @property
    def with_cls_head(self) -> bool:
        return self.cls_head is not None

    def extract_feat(self, inputs: torch.Tensor, stage: str = 'neck', data_samples: Optional[SampleList] = None,
                     test_mode: bool = False) -> Tuple[Any, Dict]:
        """Features after ``stage`` and the keyword arguments the head needs (``num_segs``, ``loss_aux``)."""
        raise NotImplementedError

    def forward(self, inputs: torch.Tensor, data_samples: Optional[SampleList] = None, mode: str = 'tensor',
                **kwargs) -> Union[Dict[str, torch.Tensor], SampleList, Any]:
        """Dispatch to :meth:`loss`, :meth:`predict` or :meth:`_forward` (``mode='tensor'``)."""
        modes = {'loss': self.loss, 'predict': self.predict, 'tensor': self._forward}
        if mode not in modes:
            raise ValueError(f"mode={mode!r}; expected 'loss', 'predict' or 'tensor'")
        return modes[mode](inputs, data_samples, **kwargs)

    def loss(self, inputs: torch.Tensor, data_samples: SampleList, **kwargs) -> Dict[str, torch.Tensor]:
        """``{'loss_cls': ..., 'top1_acc': ..., ...}`` plus any losses of the neck."""
        feats, head_kwargs = self.extract_feat(inputs, data_samples=data_samples)
        loss_aux = head_kwargs.pop('loss_aux', {})
        return {**self._head().loss(feats, data_samples, **head_kwargs), **loss_aux}

    def predict(self, inputs: torch.Tensor, data_samples: SampleList, **kwargs) -> SampleList:
        """``data_samples`` with ``pred_score`` (num_classes,) and ``pred_label`` (1,) set."""
        feats, head_kwargs = self.extract_feat(inputs, test_mode=True)
        head_kwargs.pop('loss_aux', None)
        return self._head().predict(feats, data_samples, **head_kwargs)

    def _forward(self, inputs: torch.Tensor, data_samples: Optional[SampleList] = None,
                 stage: str = 'backbone') -> Any:
        """Features after ``stage`` (``'backbone'``, ``'neck'`` or ``'head'`` for raw scores)."""
        feats, _ = self.extract_feat(inputs, stage=stage)
        return feats

    def _head(self) -> nn.Module:
        if self.cls_head is None:
            raise ValueError(f'{type(self).__name__} has no cls_head: loss and predict need one')
        return self.cls_head
