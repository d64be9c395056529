"""BMN: Boundary-Matching Network for temporal action proposal generation (Lin et al., ICCV 2019).

From snippet features (N, C, T) BMN predicts, per snippet, the probability of an action starting
and ending there, and for every proposal (start snippet ``s``, duration ``d + 1`` snippets) two
confidences (an IoU regression and a classification) arranged as a (D, T) boundary-matching map.
The map's features come from the boundary-matching layer: one matrix product of the features with
a fixed sampling mask that interpolates ``num_samples`` points across each proposal and its
context. Module names and the ``sample_mask`` parameter / ``bm_mask`` buffer follow MMAction2's
checkpoints.
"""
from typing import List, Mapping, Tuple

import numpy as np
import torch
import torch.nn as nn

from reelkit.registry import MODELS
from ..common import build_module, frozen
from .base import BaseLocalizer, SampleList
from .utils import boundary_map_proposals, temporal_iop, temporal_iou


def boundary_matching_sample_mask(tscale: int, boundary_ratio: float, num_samples: int,
                                  num_samples_per_bin: int) -> torch.Tensor:
    """The boundary-matching layer's sampling weights, (T, num_samples, D, S) with D = S = T.

    The proposal from snippet ``s`` to ``s + d`` (``s + d < T``; others are all zero), widened by
    ``boundary_ratio`` of its length on each side, is cut into ``num_samples`` bins of
    ``num_samples_per_bin`` evenly spaced points; ``mask[:, n, d, s]`` linearly interpolates the
    points of bin ``n`` from the T snippets and averages them. Built with torch ops, so it
    costs nothing on the meta device.
    """
    points_per_proposal = num_samples * num_samples_per_bin
    index = torch.arange(tscale, dtype=torch.float64)
    duration, start = index[:, None], index[None, :]
    context = (duration + 1) * boundary_ratio
    first, last = start - context, start + duration + context
    step = (last - first) / (points_per_proposal - 1)
    points = first[..., None] + step[..., None] * torch.arange(points_per_proposal, dtype=torch.float64)
    points = points.reshape(tscale, tscale, num_samples, num_samples_per_bin)
    # Truncation toward zero, as the reference does: a point in (-1, 0) gives all its weight to snippet 0.
    lower, upper = points.trunc(), points.ceil()
    fraction = points - lower
    mask = torch.zeros(tscale, tscale, num_samples, tscale)  # float32: 128 MB for MMAction2's T = 100
    for neighbour, weight in ((lower, 1. - fraction), (upper, fraction)):
        inside = (neighbour >= 0) & (neighbour <= tscale - 1)
        weight = weight * inside / num_samples_per_bin
        mask.scatter_add_(-1, neighbour.clamp(0, tscale - 1).long(), weight.float())
    mask *= ((start + duration) < tscale)[..., None, None]
    return mask.permute(3, 2, 0, 1)


def boundary_matching_valid_mask(tscale: int) -> torch.Tensor:
    """(D, S) float mask, 1 where the proposal of duration ``d + 1`` from ``s`` ends in the video."""
    index = torch.arange(tscale)
    return (index[:, None] + index[None, :] < tscale).float()


def conv1d_relu(in_channels: int, out_channels: int, groups: int = 1) -> List[nn.Module]:
    """A 3-wide same-length temporal convolution and its ReLU."""
    return [nn.Conv1d(in_channels, out_channels, kernel_size=3, padding=1, groups=groups), nn.ReLU(inplace=True)]


def boundary_head(channels: int) -> nn.Sequential:
    """Per-snippet boundary probability: (N, channels, T) -> (N, 1, T)."""
    return nn.Sequential(*conv1d_relu(channels, channels, groups=4),
                         nn.Conv1d(channels, 1, kernel_size=1), nn.Sigmoid())


@MODELS.register_module()
class BMN(BaseLocalizer):
    """Boundary-Matching Network.

    Args:
        temporal_dim: snippets per video (T); the map is (T, T).
        boundary_ratio: context sampled on each side of a proposal, as a fraction of its length.
        num_samples: bins per proposal in the boundary-matching layer.
        num_samples_per_bin: interpolated points averaged per bin.
        feat_dim: channels of the input features.
        soft_nms_alpha, soft_nms_low_threshold, soft_nms_high_threshold: soft-NMS in predict
            (see :func:`reelkit.models.localizers.utils.soft_nms`).
        post_process_top_k: proposals returned per video.
        feature_extraction_interval: frames per feature snippet.
        loss_cls: config of the loss (``BMNLoss``).
        hidden_dim_1d, hidden_dim_2d, hidden_dim_3d: widths of the temporal, map and sampling convolutions.
    """

    def __init__(
            self,
            temporal_dim: int,
            boundary_ratio: float,
            num_samples: int,
            num_samples_per_bin: int,
            feat_dim: int,
            soft_nms_alpha: float,
            soft_nms_low_threshold: float,
            soft_nms_high_threshold: float,
            post_process_top_k: int,
            feature_extraction_interval: int = 16,
            loss_cls: Mapping = frozen(type='BMNLoss'),
            hidden_dim_1d: int = 256,
            hidden_dim_2d: int = 128,
            hidden_dim_3d: int = 512,
    ) -> None:
        super().__init__()
        self.tscale = temporal_dim
        self.num_samples = num_samples
        self.set_post_processing(soft_nms_alpha, soft_nms_low_threshold, soft_nms_high_threshold,
                                 post_process_top_k, feature_extraction_interval)
        self.loss_cls = build_module(loss_cls)
        # A parameter without gradient, not a buffer: MMAction2's checkpoints and parameter count hold it.
        mask = boundary_matching_sample_mask(temporal_dim, boundary_ratio, num_samples, num_samples_per_bin)
        self.sample_mask = nn.Parameter(mask.reshape(temporal_dim, -1), requires_grad=False)

        self.x_1d_b = nn.Sequential(*conv1d_relu(feat_dim, hidden_dim_1d, groups=4),
                                    *conv1d_relu(hidden_dim_1d, hidden_dim_1d, groups=4))
        self.x_1d_s = boundary_head(hidden_dim_1d)
        self.x_1d_e = boundary_head(hidden_dim_1d)
        self.x_1d_p = nn.Sequential(*conv1d_relu(hidden_dim_1d, hidden_dim_1d))
        self.x_3d_p = nn.Sequential(nn.Conv3d(hidden_dim_1d, hidden_dim_3d, kernel_size=(num_samples, 1, 1)),
                                    nn.ReLU(inplace=True))
        self.x_2d_p = nn.Sequential(
            nn.Conv2d(hidden_dim_3d, hidden_dim_2d, kernel_size=1), nn.ReLU(inplace=True),
            nn.Conv2d(hidden_dim_2d, hidden_dim_2d, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(hidden_dim_2d, hidden_dim_2d, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(hidden_dim_2d, 2, kernel_size=1), nn.Sigmoid())
        self.register_buffer('bm_mask', boundary_matching_valid_mask(temporal_dim))

    def init_weights(self) -> None:
        """PyTorch's default initialisation, as MMAction2's BMN keeps (and the fixed sampling mask)."""

    def boundary_matching_layer(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, T) -> (N, C, num_samples, D, T): each proposal's features sampled into bins."""
        N, C, T = x.shape
        return torch.matmul(x, self.sample_mask).reshape(N, C, self.num_samples, T, T)

    def forward_tensor(self, inputs: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Features (N, feat_dim, T) -> confidence map (N, 2, D, T) [regression, classification],
        start (N, T) and end (N, T) probabilities."""
        base = self.x_1d_b(inputs)
        start = self.x_1d_s(base).squeeze(1)
        end = self.x_1d_e(base).squeeze(1)
        sampled = self.boundary_matching_layer(self.x_1d_p(base))
        confidence_map = self.x_2d_p(self.x_3d_p(sampled).squeeze(2))
        return confidence_map, start, end

    def loss(self, inputs: torch.Tensor, data_samples: SampleList) -> dict:
        """``dict(loss=...)`` against each sample's ``gt_instances.gt_bbox`` (G, 2), normalised time."""
        labels = [self.generate_labels(sample.gt_instances['gt_bbox']) for sample in data_samples]
        gt_iou_map, gt_start, gt_end = (torch.as_tensor(np.stack(part), dtype=torch.float32, device=inputs.device)
                                        for part in zip(*labels))
        confidence_map, start, end = self.forward_tensor(inputs)
        loss = self.loss_cls(confidence_map, start, end, gt_iou_map, gt_start, gt_end, self.bm_mask)
        return dict(loss=loss[0])

    def predict(self, inputs: torch.Tensor, data_samples: SampleList) -> List[dict]:
        """Per video ``dict(video_name, proposal_list)``, segments in seconds (needs the metainfo
        ``video_name``, ``duration_frame``, ``duration_second``)."""
        confidence_map, start, end = (out.detach().cpu().numpy() for out in self.forward_tensor(inputs))
        return [self.proposal_result(boundary_map_proposals(video_start, video_end, video_map), sample)
                for sample, video_map, video_start, video_end in zip(data_samples, confidence_map, start, end)]

    def generate_labels(self, gt_bbox: torch.Tensor) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Targets for one video from its segments (G, 2) in normalised time.

        Returns:
            The IoU map (D, T): best IoU of proposal ``[s, s + d + 1] / T`` with a segment; start
            and end labels (T,): best overlap of each snippet's 2-snippet-wide anchor with a
            3-snippet-wide region around a segment's start (end), over the anchor's length.
        """
        gt = gt_bbox.detach().cpu().numpy().astype(np.float64).reshape(-1, 2)
        tscale = self.tscale
        index = np.arange(tscale)
        proposal_start = np.broadcast_to(index[None, :] / tscale, (tscale, tscale))
        proposal_end = (index[None, :] + index[:, None] + 1) / tscale
        iou_map = temporal_iou(proposal_start[..., None], proposal_end[..., None], gt[:, 0], gt[:, 1]).max(-1)
        anchor_start, anchor_end = (index[:, None] - 0.5) / tscale, (index[:, None] + 1.5) / tscale
        half_width = 1.5 / tscale

        def boundary_label(boundary: np.ndarray) -> np.ndarray:
            return temporal_iop(anchor_start, anchor_end, boundary - half_width, boundary + half_width).max(-1)

        return iou_map, boundary_label(gt[:, 0]), boundary_label(gt[:, 1])
