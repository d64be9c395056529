"""BSN: Boundary-Sensitive Network for temporal action proposal generation (Lin et al., ECCV 2018).

BSN runs in three steps. ``TEM`` (temporal evaluation module) scores every snippet of the
features (N, C, T) for actionness, start and end. Proposal generation pairs start and end
candidates (:func:`~reelkit.models.localizers.utils.generate_candidate_proposals`) and samples
each proposal's boundary-sensitive features (:func:`~reelkit.models.localizers.utils.generate_bsp_feature`).
``PEM`` (proposal evaluation module), a two-layer perceptron, scores those features with the
proposal's IoU. Layer names follow MMAction2's checkpoints.
"""
from typing import List, Mapping, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from reelkit.registry import MODELS
from ..common import build_module, frozen
from ..losses.bmn_loss import iou_balanced_weights, weighted_mean
from .base import BaseLocalizer, SampleList
from .utils import temporal_iop


@MODELS.register_module()
class TEM(BaseLocalizer):
    """Temporal Evaluation Module: actionness, start and end probability per snippet.

    Args:
        temporal_dim: snippets per video (T).
        boundary_ratio: width of the region labelled as a segment's start (end), as a fraction
            of the segment's length (at least one snippet).
        tem_feat_dim: channels of the input features.
        tem_hidden_dim: channels of the two hidden convolutions.
        tem_match_threshold: label above which a snippet is a positive in the loss.
        loss_cls: config of the loss (``BinaryLogisticRegressionLoss``).
        loss_weight: weight of the actionness loss.
        output_dim: output channels (actionness, start, end).
        conv1_ratio, conv2_ratio, conv3_ratio: factors applied to each convolution's output.
    """

    def __init__(
            self,
            temporal_dim: int,
            boundary_ratio: float,
            tem_feat_dim: int,
            tem_hidden_dim: int,
            tem_match_threshold: float,
            loss_cls: Mapping = frozen(type='BinaryLogisticRegressionLoss'),
            loss_weight: float = 2,
            output_dim: int = 3,
            conv1_ratio: float = 1,
            conv2_ratio: float = 1,
            conv3_ratio: float = 0.01,
    ) -> None:
        super().__init__()
        self.temporal_dim = temporal_dim
        self.boundary_ratio = boundary_ratio
        self.match_threshold = tem_match_threshold
        self.loss_cls = build_module(loss_cls)
        self.loss_weight = loss_weight
        self.conv_ratios = (conv1_ratio, conv2_ratio, conv3_ratio)
        self.conv1 = nn.Conv1d(tem_feat_dim, tem_hidden_dim, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(tem_hidden_dim, tem_hidden_dim, kernel_size=3, padding=1)
        self.conv3 = nn.Conv1d(tem_hidden_dim, output_dim, kernel_size=1)

    def init_weights(self) -> None:
        """PyTorch's default initialisation, as MMAction2's TEM keeps (it has no 2-D layers to initialise)."""

    def anchors(self) -> Tuple[np.ndarray, np.ndarray]:
        """Start and end (T,) of each snippet in normalised time."""
        index = np.arange(self.temporal_dim)
        return index / self.temporal_dim, (index + 1) / self.temporal_dim

    def forward_tensor(self, inputs: torch.Tensor) -> torch.Tensor:
        """Features (N, C, T) -> probabilities (N, 3, T): actionness, start, end."""
        ratio1, ratio2, ratio3 = self.conv_ratios
        x = F.relu(ratio1 * self.conv1(inputs))
        x = F.relu(ratio2 * self.conv2(x))
        return torch.sigmoid(ratio3 * self.conv3(x))

    def loss(self, inputs: torch.Tensor, data_samples: SampleList) -> dict:
        """``loss_action`` (times ``loss_weight``), ``loss_start``, ``loss_end`` against each
        sample's ``gt_instances.gt_bbox`` (G, 2) in normalised time."""
        output = self.forward_tensor(inputs)
        labels = [self.generate_labels(sample.gt_instances['gt_bbox']) for sample in data_samples]
        action, start, end = (torch.as_tensor(np.stack(part), dtype=torch.float32, device=inputs.device)
                              for part in zip(*labels))
        return dict(loss_action=self.loss_weight * self.loss_cls(output[:, 0], action, self.match_threshold),
                    loss_start=self.loss_cls(output[:, 1], start, self.match_threshold),
                    loss_end=self.loss_cls(output[:, 2], end, self.match_threshold))

    def predict(self, inputs: torch.Tensor, data_samples: SampleList) -> List[Tuple[str, np.ndarray]]:
        """Per video ``(video_name, rows)``, rows (T, 5) ``[action, start, end, tmin, tmax]``:
        what ANetMetric with ``metric_type='TEM'`` writes to the csv files proposal generation reads."""
        output = self.forward_tensor(inputs).detach().cpu().numpy()
        tmin, tmax = self.anchors()
        return [(sample.metainfo['video_name'], np.stack([*scores, tmin, tmax], axis=1))
                for sample, scores in zip(data_samples, output)]

    def generate_labels(self, gt_bbox: torch.Tensor) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Actionness, start and end labels (T,) for one video's segments (G, 2): each snippet's
        best overlap, over its own length, with a segment or the region around its start (end)."""
        gt = gt_bbox.detach().cpu().numpy().astype(np.float64).reshape(-1, 2)
        gt_start, gt_end = gt[:, 0], gt[:, 1]
        half_width = np.maximum(1. / self.temporal_dim, self.boundary_ratio * (gt_end - gt_start)) / 2
        tmin, tmax = (anchor[:, None] for anchor in self.anchors())

        def overlap(region_start: np.ndarray, region_end: np.ndarray) -> np.ndarray:
            return temporal_iop(tmin, tmax, region_start, region_end).max(-1)

        return (overlap(gt_start, gt_end), overlap(gt_start - half_width, gt_start + half_width),
                overlap(gt_end - half_width, gt_end + half_width))


@MODELS.register_module()
class PEM(BaseLocalizer):
    """Proposal Evaluation Module: the IoU of each proposal from its boundary-sensitive features.

    Reads everything from the data samples (``inputs`` is a placeholder): ``gt_instances`` holds
    per proposal ``bsp_feature`` (P, pem_feat_dim), ``reference_temporal_iou`` (P,) for the loss,
    and ``tmin``, ``tmax``, ``tmin_score``, ``tmax_score`` (P,) for predict.

    Args:
        pem_feat_dim: length of a proposal's feature.
        pem_hidden_dim: width of the hidden layer.
        pem_u_ratio_m, pem_u_ratio_l: how many medium- and low-IoU proposals the loss samples per
            high-IoU one (see :func:`~reelkit.models.losses.bmn_loss.iou_balanced_weights`).
        pem_high_temporal_iou_threshold, pem_low_temporal_iou_threshold: the IoU bands.
        soft_nms_alpha, soft_nms_low_threshold, soft_nms_high_threshold: soft-NMS in predict.
        post_process_top_k: proposals returned per video.
        feature_extraction_interval: frames per feature snippet.
        fc1_ratio, fc2_ratio: factors applied to each layer's output.
        output_dim: outputs per proposal.
    """

    def __init__(
            self,
            pem_feat_dim: int,
            pem_hidden_dim: int,
            pem_u_ratio_m: float,
            pem_u_ratio_l: float,
            pem_high_temporal_iou_threshold: float,
            pem_low_temporal_iou_threshold: float,
            soft_nms_alpha: float,
            soft_nms_low_threshold: float,
            soft_nms_high_threshold: float,
            post_process_top_k: int,
            feature_extraction_interval: int = 16,
            fc1_ratio: float = 0.1,
            fc2_ratio: float = 0.1,
            output_dim: int = 1,
    ) -> None:
        super().__init__()
        self.u_ratio_m, self.u_ratio_l = pem_u_ratio_m, pem_u_ratio_l
        self.high_iou_threshold = pem_high_temporal_iou_threshold
        self.low_iou_threshold = pem_low_temporal_iou_threshold
        self.set_post_processing(soft_nms_alpha, soft_nms_low_threshold, soft_nms_high_threshold,
                                 post_process_top_k, feature_extraction_interval)
        self.fc_ratios = (fc1_ratio, fc2_ratio)
        self.fc1 = nn.Linear(pem_feat_dim, pem_hidden_dim)
        self.fc2 = nn.Linear(pem_hidden_dim, output_dim)

    def init_weights(self) -> None:
        """PyTorch's default initialisation, as MMAction2's PEM keeps."""

    def forward_tensor(self, inputs: torch.Tensor) -> torch.Tensor:
        """Proposal features (P, pem_feat_dim) -> IoU estimates (P, output_dim) in (0, 1)."""
        ratio1, ratio2 = self.fc_ratios
        return torch.sigmoid(ratio2 * self.fc2(F.relu(ratio1 * self.fc1(inputs))))

    def gathered(self, data_samples: SampleList, key: str) -> torch.Tensor:
        """``gt_instances[key]`` of every sample, concatenated along the proposals."""
        return torch.cat([sample.gt_instances[key] for sample in data_samples]).to(self.fc1.weight.device)

    def loss(self, inputs: torch.Tensor, data_samples: SampleList) -> dict:
        """``temporal_iou_loss``: smooth L1 of the IoU estimates over IoU-balanced proposals."""
        estimate = self.forward_tensor(self.gathered(data_samples, 'bsp_feature').float()).reshape(-1)
        reference = self.gathered(data_samples, 'reference_temporal_iou').float().reshape(-1)
        high = (reference > self.high_iou_threshold).float()
        low = (reference <= self.low_iou_threshold).float()
        medium = 1. - high - low
        weights = iou_balanced_weights(high, medium, low, self.u_ratio_m, self.u_ratio_l)
        return dict(temporal_iou_loss=weighted_mean(F.smooth_l1_loss(estimate, reference, reduction='none'),
                                                    weights))

    def predict(self, inputs: torch.Tensor, data_samples: SampleList) -> List[dict]:
        """Per video ``dict(video_name, proposal_list)``; a proposal scores
        ``iou_estimate * tmin_score * tmax_score``."""
        results = []
        for sample in data_samples:
            instances = sample.gt_instances
            estimate = self.forward_tensor(instances['bsp_feature'].float().to(self.fc1.weight.device))
            columns = [instances[key].detach().cpu().double().reshape(-1).numpy()
                       for key in ('tmin', 'tmax', 'tmin_score', 'tmax_score')]
            estimate = estimate.detach().cpu().double().reshape(-1).numpy()
            score = estimate * columns[2] * columns[3]
            results.append(self.proposal_result(np.stack([*columns, estimate, score], axis=1), sample))
        return results
