"""The RoI head of the AVA detectors: given proposals, extract RoI features and classify actions."""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from mmengine.structures import InstanceData

from reelkit.registry import MODELS, TASK_UTILS
from reelkit.structures import ActionDataSample
from reelkit.structures.bbox import bbox2roi
from ..common import build_module

Features = Union[torch.Tensor, Tuple[torch.Tensor, ...]]


@MODELS.register_module()
class AVARoIHead(BaseModule):
    """Extractor, optional shared head (ACRN, FBO, LFB inference), then the box head.

    In training each image's proposals are assigned to its ground truths (``train_cfg.assigner``)
    and sampled (``train_cfg.sampler``); in testing every proposal is scored.

    Args:
        bbox_roi_extractor: config of the RoI feature extractor.
        bbox_head: config of the box head.
        shared_head: config of a head between the two, or ``None``.
        train_cfg: the detector's ``train_cfg.rcnn``: ``assigner``, ``sampler``, ``pos_weight``.
        test_cfg: the detector's ``test_cfg.rcnn`` (no options are read).
        init_cfg: MMEngine init config.
    """

    def __init__(
            self,
            bbox_roi_extractor: Mapping,
            bbox_head: Mapping,
            shared_head: Optional[Mapping] = None,
            train_cfg: Optional[Mapping] = None,
            test_cfg: Optional[Mapping] = None,
            init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.bbox_roi_extractor = build_module(bbox_roi_extractor)
        self.shared_head = build_module(shared_head) if shared_head is not None else None
        self.bbox_head = build_module(bbox_head)
        self.train_cfg = dict(train_cfg or {})
        self.test_cfg = test_cfg
        self.bbox_assigner = TASK_UTILS.build(self.train_cfg['assigner']) if train_cfg else None
        self.bbox_sampler = TASK_UTILS.build(self.train_cfg['sampler']) if train_cfg else None

    @property
    def with_shared_head(self) -> bool:
        return self.shared_head is not None

    def bbox_forward(self, x: Features, rois: torch.Tensor, img_metas: List[Dict]) -> torch.Tensor:
        """Class logits (R, num_classes) of the RoIs (R, 5)."""
        roi_feats, clip_feat = self.bbox_roi_extractor(x, rois)
        if self.with_shared_head:
            roi_feats = self.shared_head(roi_feats, feat=clip_feat, rois=rois, img_metas=img_metas)
        return self.bbox_head(roi_feats)

    def forward(self, x: Features, rpn_results_list: Sequence[InstanceData],
                data_samples: Sequence[ActionDataSample]) -> Tuple[torch.Tensor]:
        """``(cls_score,)``: logits of every proposal of the batch, image after image."""
        rois = bbox2roi([proposals.bboxes for proposals in rpn_results_list])
        return (self.bbox_forward(x, rois, [sample.metainfo for sample in data_samples]), )

    def loss(self, x: Features, rpn_results_list: Sequence[InstanceData],
             data_samples: Sequence[ActionDataSample], **kwargs) -> Dict[str, torch.Tensor]:
        """``loss_action_cls`` and the logged recall/precision of the sampled RoIs."""
        if self.bbox_assigner is None:
            raise ValueError('AVARoIHead.loss needs train_cfg (the detector\'s train_cfg.rcnn) '
                             'with an assigner and a sampler')
        sampling_results = []
        for proposals, sample in zip(rpn_results_list, data_samples):
            priors = InstanceData(priors=proposals.bboxes)
            assigned = self.bbox_assigner.assign(priors, sample.gt_instances)
            sampling_results.append(self.bbox_sampler.sample(assigned, priors, sample.gt_instances))
        rois = bbox2roi([result.priors for result in sampling_results])
        cls_score = self.bbox_forward(x, rois, [sample.metainfo for sample in data_samples])
        return self.bbox_head.loss_and_target(cls_score, rois, sampling_results, self.train_cfg)['loss_bbox']

    def predict(self, x: Features, rpn_results_list: Sequence[InstanceData],
                data_samples: Sequence[ActionDataSample], **kwargs) -> List[InstanceData]:
        """Per image, ``InstanceData(bboxes=(n, 4) normalised, scores=(n, num_classes))``."""
        proposals = [result.bboxes for result in rpn_results_list]
        img_metas = [sample.metainfo for sample in data_samples]
        rois = bbox2roi(proposals)
        counts = [len(boxes) for boxes in proposals]
        cls_score = self.bbox_forward(x, rois, img_metas)
        return self.bbox_head.predict_by_feat(rois.split(counts), cls_score.split(counts), img_metas)
