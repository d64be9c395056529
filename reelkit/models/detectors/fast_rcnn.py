"""Fast R-CNN (Girshick, ICCV 2015) for spatio-temporal action detection, as MMAction2's AVA
configs use it (``type='FastRCNN', _scope_='mmdet'``): a video backbone, then an RoI head that
scores the person boxes each clip comes with (``data_sample.proposals``); no region proposal net.

State-dict keys follow MMDetection's two-stage detectors: ``backbone.*``, ``neck.*``, ``roi_head.*``.
"""
from typing import Dict, List, Mapping, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.structures import InstanceData

from reelkit.registry import MODELS
from reelkit.structures import ActionDataSample
from ..common import build_module, frozen

ModuleOrCfg = Union[Mapping, nn.Module]
SampleList = List[ActionDataSample]


@MODELS.register_module()
class FastRCNN(BaseModel):
    """Clips (N, C, T, H, W) and their proposals -> per-proposal multi-label action scores.

    ``forward(inputs, data_samples, mode)``: ``'loss'`` needs ``gt_instances`` (``bboxes`` (k, 4)
    pixels, multi-hot ``labels`` (k, num_classes)) and ``proposals`` (``bboxes`` (n, 4) pixels) in
    each sample; ``'predict'`` sets each sample's ``pred_instances`` (``bboxes`` (n, 4) in [0, 1],
    ``scores`` (n, num_classes)); ``'tensor'`` returns ``(cls_score,)`` for all proposals.

    Args:
        backbone: config or module of the video backbone.
        roi_head: config or module of the RoI head (built with ``train_cfg.rcnn``/``test_cfg.rcnn``).
        train_cfg: ``dict(rcnn=dict(assigner=..., sampler=..., pos_weight=...))``.
        test_cfg: ``dict(rcnn=...)``.
        neck: config or module of a neck, or ``None``.
        data_preprocessor: config or module; default ``ActionDataPreprocessor()``.
        init_cfg: MMEngine init config.
    """

    def __init__(
            self,
            backbone: ModuleOrCfg,
            roi_head: ModuleOrCfg,
            train_cfg: Optional[Mapping] = None,
            test_cfg: Optional[Mapping] = None,
            neck: Optional[ModuleOrCfg] = None,
            data_preprocessor: Optional[ModuleOrCfg] = None,
            init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        # Built here with reelkit's registry: MMEngine's BaseModel would look the type up in its root registry.
        preprocessor = build_module(data_preprocessor or frozen(type='ActionDataPreprocessor'))
        super().__init__(data_preprocessor=preprocessor, init_cfg=init_cfg)
        self.backbone = build_module(backbone)
        self.neck = build_module(neck) if neck is not None else None
        if not isinstance(roi_head, nn.Module):
            roi_head = dict(roi_head, train_cfg=(train_cfg or {}).get('rcnn'),
                            test_cfg=(test_cfg or {}).get('rcnn'))
        self.roi_head = build_module(roi_head)
        self.train_cfg, self.test_cfg = train_cfg, test_cfg

    def extract_feat(self, inputs: torch.Tensor) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        """Backbone (and neck) features of (N, C, T, H, W) clips; (N, 1, C, T, H, W) is accepted."""
        if inputs.ndim == 6 and inputs.shape[1] == 1:  # one view per clip, not collapsed
            inputs = inputs[:, 0]
        if inputs.ndim != 5:
            raise ValueError(f'FastRCNN takes clips of shape (N, C, T, H, W), got {tuple(inputs.shape)}; '
                             "pack them with FormatShape(input_format='NCTHW', collapse=True)")
        x = self.backbone(inputs)
        return self.neck(x) if self.neck is not None else x

    @staticmethod
    def proposals(data_samples: SampleList) -> List[InstanceData]:
        missing = [index for index, sample in enumerate(data_samples) if 'proposals' not in sample]
        if missing:
            raise ValueError(f'FastRCNN: data samples {missing} of the batch have no proposals; '
                             'the dataset must give each clip its person boxes (proposal_file)')
        return [sample.proposals for sample in data_samples]

    def forward(self, inputs: torch.Tensor, data_samples: Optional[SampleList] = None,
                mode: str = 'tensor') -> Union[Dict[str, torch.Tensor], SampleList, Tuple[torch.Tensor]]:
        if mode not in ('loss', 'predict', 'tensor'):
            raise ValueError(f"mode={mode!r}; expected 'loss', 'predict' or 'tensor'")
        x = self.extract_feat(inputs)
        proposals = self.proposals(data_samples or [])
        if mode == 'loss':
            return self.roi_head.loss(x, proposals, data_samples)
        if mode == 'tensor':
            return self.roi_head(x, proposals, data_samples)
        for sample, result in zip(data_samples, self.roi_head.predict(x, proposals, data_samples)):
            sample.pred_instances = result
        return data_samples
