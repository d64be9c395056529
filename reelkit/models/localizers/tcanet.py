"""TCANet: Temporal Context Aggregation Network for proposal refinement (Qing et al., CVPR 2021).

TCANet refines given proposals (e.g. BMN's). Snippet features (N, C, T) pass two convolutions
and ``lgte_num`` Local-Global Temporal Encoders (self-attention where half the heads see only a
``window_size`` neighbourhood). Then three Temporal Boundary Regressors in cascade each sample
every proposal's start, inside and end regions, predict its IoU and two refinements (start/end
offsets and centre/width deltas), and pass the averaged refinement to the next stage. Module
names follow MMAction2's checkpoints (``tbr1..3.reg1se``, ``tbr1..3.reg1xw``,
``lgtes.<i>.atten.attn``, ``lgtes.<i>.ffn.layers``).
"""
from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from reelkit.registry import MODELS
from ..losses.bmn_loss import iou_balanced_weights, weighted_mean
from .base import BaseLocalizer, SampleList

REGRESSOR_HIDDEN_DIM = 512  # TCANet's feature width after its first convolutions


# ------------------------------------------------------------------ segment arithmetic (paired rows)
def paired_iou(segments: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """IoU of row i of ``segments`` (P, 2) with row i of ``gt`` (P, 2): (P,)."""
    inter = (torch.minimum(segments[:, 1], gt[:, 1]) - torch.maximum(segments[:, 0], gt[:, 0])).clamp(min=0)
    union = (segments[:, 1] - segments[:, 0]) + (gt[:, 1] - gt[:, 0]) - inter
    return inter / (union + 1e-5)


def center_width_targets(segments: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """(P, 2) ``[(gt centre - centre) / width, log(gt width / width)]`` of paired rows."""
    width = (segments[:, 1] - segments[:, 0]).clamp(min=1e-5)
    gt_width = (gt[:, 1] - gt[:, 0]).clamp(min=1e-5)
    centre_shift = (gt[:, 0] + 0.5 * gt_width - segments[:, 0] - 0.5 * width) / width
    return torch.stack([centre_shift, torch.log(gt_width / width)], dim=1)


def apply_center_width(segments: torch.Tensor, deltas: torch.Tensor, centre_weight: float,
                       width_weight: float) -> torch.Tensor:
    """Segments (P, 2) moved by ``centre_weight * deltas[:, 0]`` widths and scaled by
    ``exp(width_weight * deltas[:, 1])``."""
    width = segments[:, 1] - segments[:, 0]
    centre = segments[:, 0] + 0.5 * width + centre_weight * deltas[:, 0] * width
    half = 0.5 * torch.exp(width_weight * deltas[:, 1]) * width
    return torch.stack([centre - half, centre + half], dim=1)


def start_end_targets(segments: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """(P, 2) start and end offsets to the paired ground truth, in segment widths."""
    width = (segments[:, 1] - segments[:, 0]).clamp(min=1e-5)
    return (gt - segments) / width[:, None]


def apply_start_end(segments: torch.Tensor, deltas: torch.Tensor, weight: float) -> torch.Tensor:
    """Segments (P, 2) with start and end moved by ``weight * deltas`` widths."""
    width = segments[:, 1] - segments[:, 0]
    return segments + weight * deltas * width[:, None]


def sample_segments(features: torch.Tensor, segments: torch.Tensor, num_samples: int) -> torch.Tensor:
    """Features (P, C, T) linearly interpolated at ``num_samples`` evenly spaced points of each
    segment (P, 2) in normalised time (clipped to [0, 1], zero outside the snippets): (P, C, num_samples).

    The points are the centres of ``num_samples`` equal cells of the segment, as an affine
    ``grid_sample`` (``align_corners=False``) places them.
    """
    P = features.shape[0]
    segments = segments.clamp(0, 1) * 2 - 1
    cells = (2 * torch.arange(num_samples, device=features.device, dtype=features.dtype) + 1) / num_samples - 1
    x = (segments[:, 1:] + segments[:, :1]) / 2 + (segments[:, 1:] - segments[:, :1]) / 2 * cells
    grid = torch.stack([x, torch.zeros_like(x)], dim=-1).reshape(P, 1, num_samples, 2)
    return F.grid_sample(features.unsqueeze(2), grid, align_corners=False).squeeze(2)


# ------------------------------------------------------------------------------------------ blocks
class ResidualSelfAttention(nn.Module):
    """``x + dropout(attention(x))`` over (L, N, C) sequences; ``attn`` is ``nn.MultiheadAttention``."""

    def __init__(self, embed_dims: int, num_heads: int, attn_drop: float, proj_drop: float) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(embed_dims, num_heads, dropout=attn_drop)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor) -> torch.Tensor:
        return x + self.proj_drop(self.attn(x, x, x, attn_mask=attn_mask, need_weights=False)[0])


class ResidualFeedForward(nn.Module):
    """``x + mlp(x)``, the MLP ``layers`` = [[Linear, ReLU, Dropout], Linear, Dropout]."""

    def __init__(self, embed_dims: int, hidden_dims: int, drop: float) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Sequential(nn.Linear(embed_dims, hidden_dims), nn.ReLU(inplace=True), nn.Dropout(drop)),
            nn.Linear(hidden_dims, embed_dims), nn.Dropout(drop))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.layers(x)


def local_attention_mask(num_heads: int, temporal_dim: int, window_size: int) -> torch.Tensor:
    """(1, heads, T, T) bool, True where attention is blocked: the first half of the heads see
    only positions within ``window_size / 2`` of the query, the others everything."""
    index = torch.arange(temporal_dim)
    outside = (index[None, :] - index[:, None]).abs() > window_size / 2
    mask = torch.zeros(num_heads, temporal_dim, temporal_dim, dtype=torch.bool)
    mask[:num_heads // 2] = outside
    return mask.unsqueeze(0)


class LGTE(nn.Module):
    """Local-Global Temporal Encoder: masked self-attention, then a feed-forward block, each
    followed by a LayerNorm. (N, C, T) -> (N, C, T), T = ``temporal_dim``.

    Args:
        input_dim: channels C.
        dropout: dropout of the residual branches.
        temporal_dim: sequence length T (the mask is built for it).
        window_size: span seen by the local heads.
        num_heads: attention heads.
    """

    def __init__(self, input_dim: int, dropout: float, temporal_dim: int = 100, window_size: int = 9,
                 num_heads: int = 8) -> None:
        super().__init__()
        self.atten = ResidualSelfAttention(input_dim, num_heads, attn_drop=0.1, proj_drop=dropout)
        self.ffn = ResidualFeedForward(input_dim, 256, dropout)
        self.norm1 = nn.LayerNorm(input_dim, eps=1e-6)
        self.norm2 = nn.LayerNorm(input_dim, eps=1e-6)
        self.register_buffer('mask', local_attention_mask(num_heads, temporal_dim, window_size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        N, C, T = x.shape
        mask = self.mask.expand(N, -1, -1, -1).reshape(-1, T, T)
        x = self.norm1(self.atten(x.permute(2, 0, 1), mask))
        return self.norm2(self.ffn(x)).permute(1, 2, 0)


def start_end_regressor(sample_num: int, feat_dim: int) -> nn.Sequential:
    """Start and end offsets from the start and end regions: (P, 2 feat_dim, sample_num) -> (P, 2)."""
    hidden = 256
    return nn.Sequential(
        nn.Conv1d(2 * feat_dim, hidden, kernel_size=3, padding=1, groups=8, stride=2), nn.ReLU(inplace=True),
        nn.Conv1d(hidden, hidden, kernel_size=3, padding=1, groups=8, stride=2), nn.ReLU(inplace=True),
        nn.Conv1d(hidden, 2, kernel_size=sample_num // 4, groups=2), nn.Flatten())


def center_width_regressor(temporal_len: int, feat_dim: int) -> nn.Sequential:
    """Centre/width deltas and IoU logit from all three regions: (P, feat_dim, temporal_len) -> (P, 3, 1)."""
    hidden = 512
    return nn.Sequential(
        nn.Conv1d(feat_dim, hidden, kernel_size=3, padding=1, groups=4, stride=2), nn.ReLU(inplace=True),
        nn.Conv1d(hidden, hidden, kernel_size=3, padding=1, groups=4, stride=2), nn.ReLU(inplace=True),
        nn.Conv1d(hidden, hidden, kernel_size=temporal_len // 4, groups=4), nn.ReLU(inplace=True),
        nn.Conv1d(hidden, 3, kernel_size=1))


def smooth_l1_over(prediction: torch.Tensor, target: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Smooth L1 of the rows (P,) or (P, K) with weight (P,) 0/1, summed per row, averaged over
    the weighted rows (0 when there are none)."""
    loss = F.smooth_l1_loss(prediction, target, reduction='none')
    return weighted_mean(loss.reshape(len(loss), -1).sum(dim=1), weights)


class TBR(nn.Module):
    """Temporal Boundary Regressor: one refinement stage of TCANet.

    Args:
        se_sample_num: samples of each boundary region.
        action_sample_num: samples inside the proposal.
        prop_boundary_ratio: length of each boundary region, as a fraction of the proposal's.
    """

    def __init__(self, se_sample_num: int, action_sample_num: int, prop_boundary_ratio: float = 0.5) -> None:
        super().__init__()
        self.se_sample_num = se_sample_num
        self.action_sample_num = action_sample_num
        self.prop_boundary_ratio = prop_boundary_ratio
        self.reg1se = start_end_regressor(se_sample_num, REGRESSOR_HIDDEN_DIM)
        self.reg1xw = center_width_regressor(2 * se_sample_num + action_sample_num, REGRESSOR_HIDDEN_DIM)

    def forward(self, segments: torch.Tensor, features: torch.Tensor,
                training: bool) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Segments (P, 2) and each one's video features (P, C, T) ->
        IoU estimate (P,), refined segments (P, 2) (clamped at 0), start/end deltas (P, 2) and
        centre/width deltas (P, 2). Start/end deltas count at weight 1 in training and 0.2 in
        testing, centre/width ones at 0.1/0.2, as MMAction2 applies them."""
        margin = self.prop_boundary_ratio * (segments[:, 1] - segments[:, 0])
        start_region = torch.stack([segments[:, 0] - margin, segments[:, 0]], dim=1)
        end_region = torch.stack([segments[:, 1], segments[:, 1] + margin], dim=1)
        starts = sample_segments(features, start_region, self.se_sample_num)
        actions = sample_segments(features, segments, self.action_sample_num)
        ends = sample_segments(features, end_region, self.se_sample_num)
        start_end = self.reg1se(torch.cat([starts, ends], dim=1))
        center_width = self.reg1xw(torch.cat([starts, actions, ends], dim=2)).squeeze(2)
        iou = center_width[:, 2].sigmoid()
        center_width = center_width[:, :2]
        refined = (apply_start_end(segments, start_end, 1.0 if training else 0.2)
                   + apply_center_width(segments, center_width, 0.1, 0.2)) / 2
        return iou, refined.clamp(min=0.), start_end, center_width

    @staticmethod
    def losses(segments: torch.Tensor, gt: torch.Tensor, iou: torch.Tensor, start_end: torch.Tensor,
               center_width: torch.Tensor, iou_threshold: float) -> Tuple[torch.Tensor, torch.Tensor]:
        """Regression loss (both refinements, over proposals of IoU >= ``iou_threshold`` with
        their ground truth) and IoU loss (IoU-balanced: above the threshold, (0.3, threshold],
        <= 0.3)."""
        match = paired_iou(segments, gt).detach()
        regress_weight = (match >= iou_threshold).float()
        regression = (smooth_l1_over(start_end, start_end_targets(segments, gt), regress_weight)
                      + smooth_l1_over(center_width, center_width_targets(segments, gt), regress_weight))
        high = (match > iou_threshold).float()
        low = (match <= 0.3).float()
        weights = iou_balanced_weights(high, 1. - high - low, low)
        return regression, smooth_l1_over(iou, match, weights)


@MODELS.register_module()
class TCANet(BaseLocalizer):
    """Temporal Context Aggregation Network.

    Each data sample carries ``proposals.proposals`` (P, 3) ``[start, end, score]`` in normalised
    time, and for the loss ``gt_instances.gt_bbox`` (G, 2); each proposal is matched with the
    ground-truth segment of its video it overlaps most.

    Args:
        feat_dim: channels of the input features.
        se_sample_num: samples of each boundary region in the regressors.
        action_sample_num: samples inside a proposal.
        temporal_dim: snippets per video (T).
        window_size: span of the local attention heads.
        lgte_num: number of LGTE blocks.
        soft_nms_alpha, soft_nms_low_threshold, soft_nms_high_threshold: soft-NMS in predict.
        post_process_top_k: proposals returned per video.
        feature_extraction_interval: frames per feature snippet.
        init_cfg: MMEngine init config.
    """

    stage_iou_thresholds = (0.5, 0.6, 0.7)

    def __init__(
            self,
            feat_dim: int = 2304,
            se_sample_num: int = 32,
            action_sample_num: int = 64,
            temporal_dim: int = 100,
            window_size: int = 9,
            lgte_num: int = 2,
            soft_nms_alpha: float = 0.4,
            soft_nms_low_threshold: float = 0.0,
            soft_nms_high_threshold: float = 0.0,
            post_process_top_k: int = 100,
            feature_extraction_interval: int = 16,
            init_cfg=None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.set_post_processing(soft_nms_alpha, soft_nms_low_threshold, soft_nms_high_threshold,
                                 post_process_top_k, feature_extraction_interval)
        hidden = REGRESSOR_HIDDEN_DIM
        self.x_1d_b_f = nn.Sequential(
            nn.Conv1d(feat_dim, hidden, kernel_size=3, padding=1, groups=4), nn.ReLU(inplace=True),
            nn.Conv1d(hidden, hidden, kernel_size=3, padding=1, groups=4), nn.ReLU(inplace=True))
        self.tbr1 = TBR(se_sample_num, action_sample_num)
        self.tbr2 = TBR(se_sample_num, action_sample_num)
        self.tbr3 = TBR(se_sample_num, action_sample_num)
        self.lgtes = nn.ModuleList(LGTE(hidden, dropout=0.1, temporal_dim=temporal_dim, window_size=window_size)
                                   for _ in range(lgte_num))

    def stages(self) -> List[TBR]:
        return [self.tbr1, self.tbr2, self.tbr3]

    def forward_tensor(self, inputs: torch.Tensor) -> torch.Tensor:
        """Features (N, feat_dim, T) -> context features (N, 512, T)."""
        x = self.x_1d_b_f(inputs)
        for layer in self.lgtes:
            x = layer(x)
        return x

    @staticmethod
    def gather_proposals(data_samples: SampleList, device: torch.device) -> Tuple[torch.Tensor, torch.Tensor]:
        """All proposals of the batch (P, 3) and the index of each one's video (P,)."""
        proposals = [sample.proposals['proposals'].float().reshape(-1, 3).to(device) for sample in data_samples]
        video = torch.cat([torch.full((len(p),), i, device=device) for i, p in enumerate(proposals)])
        return torch.cat(proposals), video

    @staticmethod
    def matched_ground_truth(segments: torch.Tensor, video: torch.Tensor, data_samples: SampleList) -> torch.Tensor:
        """(P, 2) for each segment the ground-truth segment of its video with the highest IoU."""
        matched = torch.zeros_like(segments)
        for i, sample in enumerate(data_samples):
            gt = sample.gt_instances['gt_bbox'].float().reshape(-1, 2).to(segments.device)
            rows = video == i
            if gt.numel() == 0 or not rows.any():
                continue
            ours = segments[rows]
            iou = paired_iou(ours.repeat_interleave(len(gt), 0), gt.repeat(len(ours), 1)).reshape(len(ours), -1)
            matched[rows] = gt[iou.argmax(dim=1)]
        return matched

    def loss(self, inputs: torch.Tensor, data_samples: SampleList) -> dict:
        """``rloss1..3`` (regression) and ``iloss1..3`` (IoU) of the three stages."""
        features = self.forward_tensor(inputs)
        proposals, video = self.gather_proposals(data_samples, features.device)
        segments = proposals[:, :2]
        gt = self.matched_ground_truth(segments, video, data_samples)
        losses = {}
        for stage, (tbr, threshold) in enumerate(zip(self.stages(), self.stage_iou_thresholds), 1):
            iou, refined, start_end, center_width = tbr(segments, features[video], training=True)
            losses[f'rloss{stage}'], losses[f'iloss{stage}'] = tbr.losses(
                segments, gt, iou, start_end, center_width, threshold)
            segments = refined
        return losses

    def predict(self, inputs: torch.Tensor, data_samples: SampleList) -> List[dict]:
        """Per video ``dict(video_name, proposal_list)`` from the three stages' refined proposals,
        each scored ``input score * the stage's IoU estimate``."""
        features = self.forward_tensor(inputs)
        proposals, video = self.gather_proposals(data_samples, features.device)
        segments, scores = proposals[:, :2], proposals[:, 2]
        refined_rows, videos = [], []
        for tbr in self.stages():
            iou, segments = tbr(segments, features[video], training=False)[:2]
            refined_rows.append(torch.cat([segments, (scores * iou)[:, None]], dim=1))
            videos.append(video)
        rows = torch.cat(refined_rows).detach().cpu().double().numpy()
        videos = torch.cat(videos).cpu().numpy()
        return [self.proposal_result(rows[videos == i], sample) for i, sample in enumerate(data_samples)]
