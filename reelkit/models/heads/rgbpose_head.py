"""RGBPoseConv3D head (Duan et al., *Revisiting Skeleton-based Action Recognition*, CVPR 2022):
one classifier per modality, one loss per modality."""
from typing import Dict, Mapping, Sequence, Tuple, Union

import torch
import torch.nn as nn

from reelkit.registry import MODELS
from .base import BaseHead, SampleList

COMPONENTS = ('rgb', 'pose')


@MODELS.register_module()
class RGBPoseHead(BaseHead):
    """(RGB (N, C_rgb, T, H, W), pose (N, C_pose, T', H', W')) -> {'rgb': (N, classes), 'pose': (N, classes)}.

    Args:
        num_classes: number of classes.
        in_channels: (C_rgb, C_pose).
        loss_components: the modalities whose losses are trained, among ``rgb`` and ``pose``.
        loss_weights: one weight for all, or one per component.
        dropout: dropout probability before both classifiers, or ``{'rgb': p, 'pose': q}``.
        init_std: std of the normal init of ``fc_rgb`` and ``fc_pose``.
        **kwargs: arguments of :class:`BaseHead` (``loss_cls``, ``average_clips``, ...).
    """

    def __init__(
            self,
            num_classes: int,
            in_channels: Tuple[int, int],
            loss_components: Sequence[str] = COMPONENTS,
            loss_weights: Union[float, Sequence[float]] = 1.,
            dropout: Union[float, Mapping[str, float]] = 0.5,
            init_std: float = 0.01,
            **kwargs,
    ) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        if not set(loss_components) <= set(COMPONENTS):
            raise ValueError(f'loss_components={tuple(loss_components)}; expected some of {COMPONENTS}')
        loss_weights = (loss_weights, ) * len(loss_components) if isinstance(loss_weights, (int, float)) \
            else tuple(loss_weights)
        if len(loss_weights) != len(loss_components):
            raise ValueError(f'loss_weights={loss_weights}: expected one per loss component {tuple(loss_components)}')
        dropout = dict.fromkeys(COMPONENTS, dropout) if isinstance(dropout, (int, float)) else dict(dropout)
        self.loss_components = tuple(loss_components)
        self.loss_weights = loss_weights
        self.dropout = dropout
        self.init_std = init_std
        self.dropout_rgb = nn.Dropout(p=dropout['rgb'])
        self.dropout_pose = nn.Dropout(p=dropout['pose'])
        self.fc_rgb = nn.Linear(in_channels[0], num_classes)
        self.fc_pose = nn.Linear(in_channels[1], num_classes)
        self.avg_pool = nn.AdaptiveAvgPool3d(1)
        for fc in (self.fc_rgb, self.fc_pose):
            nn.init.normal_(fc.weight, std=init_std)
            nn.init.zeros_(fc.bias)

    def forward(self, x: Tuple[torch.Tensor, torch.Tensor], **kwargs) -> Dict[str, torch.Tensor]:
        x_rgb, x_pose = (self.avg_pool(feats).flatten(1) for feats in x)
        return {'rgb': self.fc_rgb(self.dropout_rgb(x_rgb)), 'pose': self.fc_pose(self.dropout_pose(x_pose))}

    def loss_by_feat(self, cls_scores: Dict[str, torch.Tensor], data_samples: SampleList) -> Dict[str, torch.Tensor]:
        """``{'rgb_loss_cls', 'rgb_top1_acc', ..., 'pose_loss_cls', ...}``, each loss times its weight."""
        losses = {}
        for name, weight in zip(self.loss_components, self.loss_weights):
            component = super().loss_by_feat(cls_scores[name], data_samples)
            component['loss_cls'] = component['loss_cls'] * weight
            losses.update({f'{name}_{key}': value for key, value in component.items()})
        return losses

    def predict_by_feat(self, cls_scores: Dict[str, torch.Tensor], data_samples: SampleList) -> SampleList:
        """Per-modality scores -> ``pred_score = {'rgb': (num_classes,), 'pose': (num_classes,)}`` (views
        merged by ``average_clips``) and ``pred_label``, the argmax of their sum."""
        merged = {name: self.average_clip(cls_scores[name], cls_scores[name].shape[0] // len(data_samples)).detach()
                  for name in self.loss_components}
        labels = sum(merged.values()).argmax(dim=1, keepdim=True)
        for index, (sample, label) in enumerate(zip(data_samples, labels)):
            sample.set_pred_score({name: scores[index] for name, scores in merged.items()})
            sample.set_pred_label(label)
        return data_samples
