"""The base of the recognizers: backbone (+ neck) + head behind MMEngine's three forward modes."""
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel

from reelkit.structures import ActionDataSample
from ..common import build_module, frozen
from .external_backbones import backbone_source, build_external_backbone, external_features

ModuleOrCfg = Union[Mapping, nn.Module]
SampleList = List[ActionDataSample]


def concat_views(parts: List[Any]) -> Any:
    """Chunk outputs of the same structure (tensors, nested sequences of them) joined along dim 0."""
    if isinstance(parts[0], torch.Tensor):
        return torch.cat(parts)
    return tuple(concat_views(list(level)) for level in zip(*parts))


class BaseRecognizer(BaseModel):
    """Builds the parts; subclasses define :meth:`extract_feat` for their input layout.

    ``forward(inputs, data_samples, mode)``: ``'loss'`` returns a dict of losses (and logged
    accuracies), ``'predict'`` returns ``data_samples`` with ``pred_score``/``pred_label``,
    ``'tensor'`` returns features (backbone features by default, ``stage=`` to choose).

    Args:
        backbone: config or module of the backbone; ``timm.<name>``, ``torchvision.<name>`` and
            ``mmpretrain.<Type>`` types build that library's model (installed separately), with
            ``feature_shape`` (``'NCHW'``, ``'NHWC'``, ``'NLC'``) saying how to pool its output.
        cls_head: config or module of the classification head (needed for loss/predict).
        neck: config or module of the neck, or ``None``.
        train_cfg: training options (kept for MMAction2 configs).
        test_cfg: test options: ``max_testing_views`` and the subclass's own; with
            ``feature_extraction=True``, :meth:`predict` stores pooled backbone (or neck) features
            as each sample's ``feature`` instead of scoring them (see :class:`FeatureHead`).
        data_preprocessor: config or module; default ``ActionDataPreprocessor()``.
        init_cfg: MMEngine init config.
    """

    # FeatureHead's ``backbone_name`` for this recognizer's features (the layouts shapes cannot tell).
    feature_layout: Optional[str] = None

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
        if backbone_source(backbone):
            self.backbone, self.backbone_from, self.feature_shape = build_external_backbone(backbone)
        else:
            self.backbone, self.backbone_from, self.feature_shape = build_module(backbone), 'reelkit', None
        self.neck = build_module(neck) if neck is not None else None
        self.cls_head = build_module(cls_head) if cls_head is not None else None
        self.train_cfg = dict(train_cfg or {})
        self.test_cfg = dict(test_cfg or {})
        self.check_test_cfg()
        self.feature_head = (build_module(dict(type='FeatureHead', backbone_name=self.feature_layout))
                             if self.test_cfg.get('feature_extraction') else None)

    def check_test_cfg(self) -> None:
        """Raise on ``test_cfg`` options the subclass cannot honour (checked at construction)."""
        views = self.test_cfg.get('max_testing_views')
        if views is not None and (not isinstance(views, int) or views < 1):
            raise ValueError(f'model.test_cfg.max_testing_views={views!r}; expected a positive int')

    def run_backbone(self, inputs: torch.Tensor, test_mode: bool) -> Any:
        """Backbone output for a batch of views, ``max_testing_views`` of them at a time in testing.

        Chunking bounds the memory of many-view tests (e.g. 10 clips x 3 crops); outputs that are
        sequences (several stages, SlowFast's two pathways, MViT's patch and class tokens per stage)
        are concatenated element-wise at every depth, as tuples.
        """
        chunk = self.test_cfg.get('max_testing_views') if test_mode else None
        if not chunk:
            return self.backbone_forward(inputs)
        return concat_views([self.backbone_forward(part) for part in inputs.split(chunk)])

    def backbone_forward(self, inputs: torch.Tensor) -> Any:
        """The backbone's output; another library's backbone gives pooled (N, C, 1, 1) features."""
        if self.backbone_from == 'reelkit':
            return self.backbone(inputs)
        return external_features(self.backbone, self.backbone_from, self.feature_shape, inputs)

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
        """``data_samples`` with ``pred_score`` (num_classes,) and ``pred_label`` (1,) set (``feature``
        instead with ``test_cfg.feature_extraction``)."""
        feats, head_kwargs = self.extract_feat(inputs, test_mode=True)
        head_kwargs.pop('loss_aux', None)
        head = self._head() if self.feature_head is None else self.feature_head
        return head.predict(feats, data_samples, **head_kwargs)

    def _forward(self, inputs: torch.Tensor, data_samples: Optional[SampleList] = None,
                 stage: str = 'backbone') -> Any:
        """Features after ``stage`` (``'backbone'``, ``'neck'`` or ``'head'`` for raw scores)."""
        feats, _ = self.extract_feat(inputs, stage=stage)
        return feats

    def _head(self) -> nn.Module:
        if self.cls_head is None:
            raise ValueError(f'{type(self).__name__} has no cls_head: loss and predict need one')
        return self.cls_head
