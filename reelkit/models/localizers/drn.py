"""DRN: Dense Regression Network for video grounding (Zeng et al., CVPR 2020).

Given a sentence and a video's clip features, DRN finds the segment the sentence describes.
A bidirectional LSTM encodes the query into three attention-pooled vectors; each gates one stage
of a 1-D convolutional backbone over the clip features (the first stage also sees each clip's
position); an FPN merges the three stages; an FCOS-style head predicts, at every location of every
level, a matching score, the distances to the segment's start and end, and (stages 2 and 3 of
training) the IoU of that regression. Training runs in three stages (``is_first_stage``,
``is_second_stage``, neither), which differ in which losses pass gradients.

Inputs: clip features (N, T, feature_dim) (a list of (T, feature_dim) is stacked); each data sample
carries ``proposals.proposals`` (T, 2) (each clip's normalised start and end), ``gt_instances.gt_bbox``
(2,) and the metainfo ``query_tokens`` (L,) and ``query_length``. Times are normalised so that
1 is the end of the video; the head works in 32nds of it (``LOCATION_SCALE``). Module names follow
MMAction2's checkpoints.
"""
import math
from typing import List, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from reelkit.registry import MODELS
from .base import BaseLocalizer, SampleList, stack_inputs
from .utils import soft_nms

LOCATION_SCALE = 32  # the head's locations and distances are in 1/32 of the video
POSITION_DIM = 256  # channels of the clip-position features concatenated to the first stage
LEVEL_SIZE_RANGES = ((-1, 6), (5.6, 11), (11, 1e8))  # segment half-extent each FPN level answers for


def conv_block(in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1) -> nn.Sequential:
    """Conv1d (no bias, same padding) + BatchNorm1d + ReLU."""
    return nn.Sequential(nn.Conv1d(in_channels, out_channels, kernel_size, stride=stride,
                                   padding=(kernel_size - 1) // 2, bias=False),
                         nn.BatchNorm1d(out_channels), nn.ReLU())


class QueryEncoder(nn.Module):
    """Query tokens (N, L) with lengths (N,) -> three attention-pooled vectors (N, directions * hidden_dim)."""

    def __init__(self, vocab_size: int, hidden_dim: int = 512, embed_dim: int = 300, num_layers: int = 1,
                 bidirection: bool = True) -> None:
        super().__init__()
        width = hidden_dim * (2 if bidirection else 1)
        self.embedding = nn.Embedding(vocab_size + 1, embed_dim, padding_idx=0)
        self.biLSTM = nn.LSTM(embed_dim, hidden_dim, num_layers=num_layers, batch_first=True,
                              bidirectional=bidirection)
        self.W3 = nn.Linear(2 * width, hidden_dim)
        self.W2 = nn.ModuleList(nn.Linear(hidden_dim, width) for _ in range(3))
        self.W1 = nn.Linear(width, 1)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> List[torch.Tensor]:
        packed = pack_padded_sequence(self.embedding(tokens), lengths.cpu(), batch_first=True, enforce_sorted=False)
        words, _ = pad_packed_sequence(self.biLSTM(packed)[0], batch_first=True)  # (N, L', width)
        rows = torch.arange(len(words), device=words.device)
        summary = torch.cat([words[:, 0], words[rows, lengths.to(words.device) - 1]], dim=1)
        padding = torch.arange(words.shape[1], device=words.device)[None, :] >= lengths.to(words.device)[:, None]
        pooled = []
        for gate in self.W2:
            command = gate(self.W3(summary).relu())
            attention = self.W1(command[:, None, :] * words).squeeze(-1).masked_fill(padding, -1e30)
            pooled.append(torch.bmm(attention.softmax(dim=-1)[:, None, :], words).squeeze(1))
        return pooled


class Backbone(nn.Module):
    """Query-gated convolution stages: (N, C, T) -> one (N, C_i, T_i) per stage."""

    def __init__(self, channels_list: Sequence[Tuple[int, int, int, int]]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(conv_block(*channels) for channels in channels_list)

    def forward(self, x: torch.Tensor, query_features: Sequence[torch.Tensor],
                position_features: torch.Tensor) -> List[torch.Tensor]:
        outputs = []
        for stage, (layer, query) in enumerate(zip(self.layers, query_features)):
            x = query[:, :, None] * x
            if stage == 0:
                x = torch.cat([x, position_features], dim=1)
            x = layer(x)
            outputs.append(x)
        return outputs


class FPN(nn.Module):
    """Top-down feature pyramid: lateral 1-wide and output 3-wide conv blocks, nearest 2x upsampling."""

    def __init__(self, in_channels_list: Sequence[int], out_channels: int) -> None:
        super().__init__()
        self.inner_blocks = nn.ModuleList(conv_block(c, out_channels, 1, 1) for c in in_channels_list)
        self.layer_blocks = nn.ModuleList(conv_block(out_channels, out_channels, 3, 1) for _ in in_channels_list)

    def forward(self, features: Sequence[torch.Tensor]) -> List[torch.Tensor]:
        top_down = self.inner_blocks[-1](features[-1])
        outputs = [self.layer_blocks[-1](top_down)]
        for feature, inner, layer in zip(features[-2::-1], self.inner_blocks[-2::-1], self.layer_blocks[-2::-1]):
            top_down = inner(feature) + F.interpolate(top_down, scale_factor=2, mode='nearest')
            outputs.insert(0, layer(top_down))
        return outputs


class Scale(nn.Module):
    """A learnt scalar factor."""

    def __init__(self, init_value: float = 1.0) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor([init_value]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale


def conv_bn_relu_tower(channels: int, num_layers: int) -> nn.Sequential:
    """``num_layers`` x (3-wide Conv1d with bias + BatchNorm1d + ReLU)."""
    layers = []
    for _ in range(num_layers):
        layers += [nn.Conv1d(channels, channels, 3, padding=1), nn.BatchNorm1d(channels), nn.ReLU()]
    return nn.Sequential(*layers)


class FCOSHead(nn.Module):
    """Per level (N, C, T_l) -> matching logits (N, classes - 1, T_l), distances (N, 2, T_l) > 0
    and IoU logits (N, 1, T_l)."""

    def __init__(self, in_channels: int, fcos_num_class: int, fcos_conv_layers: int, fcos_prior_prob: float,
                 is_second_stage: bool) -> None:
        super().__init__()
        self.is_second_stage = is_second_stage
        self.cls_tower = conv_bn_relu_tower(in_channels, fcos_conv_layers)
        self.bbox_tower = conv_bn_relu_tower(in_channels, fcos_conv_layers)
        self.cls_logits = nn.Conv1d(in_channels, fcos_num_class - 1, 3, padding=1)
        self.bbox_pred = nn.Conv1d(in_channels, 2, 3, padding=1)
        self.mix_fc = nn.Sequential(nn.Conv1d(2 * in_channels, in_channels, 1), nn.BatchNorm1d(in_channels), nn.ReLU())
        self.iou_scores = nn.Sequential(
            nn.Conv1d(in_channels, in_channels // 2, 3, padding=1), nn.BatchNorm1d(in_channels // 2), nn.ReLU(),
            nn.Conv1d(in_channels // 2, 1, 1))
        for module in self.modules():
            if isinstance(module, nn.Conv1d):
                nn.init.normal_(module.weight, std=0.01)
                nn.init.constant_(module.bias, 0)
        # the matching logits start at the prior probability of a positive location (focal loss)
        nn.init.constant_(self.cls_logits.bias, -math.log((1 - fcos_prior_prob) / fcos_prior_prob))
        self.scales = nn.ModuleList(Scale(1.0) for _ in range(3))

    def forward(self, features: Sequence[torch.Tensor]) -> Tuple[List[torch.Tensor], ...]:
        logits, distances, ious = [], [], []
        for scale, feature in zip(self.scales, features):
            cls_feature, box_feature = self.cls_tower(feature), self.bbox_tower(feature)
            logits.append(self.cls_logits(cls_feature))
            distance = torch.exp(scale(self.bbox_pred(box_feature)))
            mixed = torch.cat([cls_feature, box_feature], dim=1)
            if self.is_second_stage:  # the second stage trains the IoU branch only
                distance, mixed = distance.detach(), mixed.detach()
            distances.append(distance)
            ious.append(self.iou_scores(self.mix_fc(mixed)))
        return logits, distances, ious


def sigmoid_focal_loss(logits: torch.Tensor, targets: torch.Tensor, alpha: float, gamma: float) -> torch.Tensor:
    """Summed focal loss of logits against 0/1 targets of the same shape (Lin et al., 2017)."""
    probability = logits.sigmoid()
    cross_entropy = F.binary_cross_entropy_with_logits(logits, targets, reduction='none')
    p_true = probability * targets + (1 - probability) * (1 - targets)
    loss = cross_entropy * (1 - p_true) ** gamma
    if alpha >= 0:
        loss = loss * (alpha * targets + (1 - alpha) * (1 - targets))
    return loss.sum()


def distance_iou_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean ``-log IoU`` of segments given as (left, right) distances from one location: (P, 2) each."""
    intersection = torch.minimum(pred[:, 0], target[:, 0]) + torch.minimum(pred[:, 1], target[:, 1])
    union = target.sum(dim=1) + pred.sum(dim=1) - intersection
    return -torch.log((intersection + 1e-8) / (union + 1e-8)).mean()


def hull_iou(segments: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """Intersection over the covering span of segments (N, P, 2) and gt (N, 1, 2): (N, P)."""
    inter = (torch.minimum(segments[..., 1], gt[..., 1]) - torch.maximum(segments[..., 0], gt[..., 0])).clamp(min=0)
    hull = (torch.maximum(segments[..., 1], gt[..., 1]) - torch.minimum(segments[..., 0], gt[..., 0])).clamp(min=0)
    return inter / (hull + 1e-6)


@MODELS.register_module()
class DRN(BaseLocalizer):
    """Dense Regression Network for video grounding.

    Args:
        vocab_size: words of the query vocabulary (index 0 pads).
        hidden_dim: LSTM width.
        embed_dim: word embedding width.
        bidirection: bidirectional LSTM.
        first_output_dim: channels of the first backbone stage (doubling at each of the next two).
        fpn_feature_dim: channels of the FPN levels.
        feature_dim: channels of the clip features.
        lstm_layers: LSTM layers.
        fcos_pre_nms_top_n: candidates kept per level in predict.
        fcos_inference_thr: matching probability above which a location is a candidate.
        fcos_prior_prob: initial matching probability.
        focal_alpha, focal_gamma: focal loss parameters.
        fpn_stride: stride of each level's locations, in 32nds of the video.
        fcos_nms_thr: NMS threshold (kept for MMAction2's signature; predict applies soft-NMS).
        fcos_conv_layers: convolutions in each head tower.
        fcos_num_class: classes of the head including the background.
        is_first_stage: train matching and regression only (no IoU loss).
        is_second_stage: train the IoU branch only.
        graph_node_features: unused; the official configs set it (MMAction2's DRN swallows it).
        init_cfg: MMEngine init config.
    """

    def __init__(
            self,
            vocab_size: int = 1301,
            hidden_dim: int = 512,
            embed_dim: int = 300,
            bidirection: bool = True,
            first_output_dim: int = 256,
            fpn_feature_dim: int = 512,
            feature_dim: int = 4096,
            lstm_layers: int = 1,
            fcos_pre_nms_top_n: int = 32,
            fcos_inference_thr: float = 0.05,
            fcos_prior_prob: float = 0.01,
            focal_alpha: float = 0.25,
            focal_gamma: float = 2.0,
            fpn_stride: Sequence[int] = (1, 2, 4),
            fcos_nms_thr: float = 0.6,
            fcos_conv_layers: int = 1,
            fcos_num_class: int = 2,
            is_first_stage: bool = False,
            is_second_stage: bool = False,
            graph_node_features: int = 1024,
            init_cfg=None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.fpn_stride = tuple(fpn_stride)
        self.pre_nms_top_n, self.inference_thr, self.nms_thr = fcos_pre_nms_top_n, fcos_inference_thr, fcos_nms_thr
        self.focal_alpha, self.focal_gamma = focal_alpha, focal_gamma
        self.is_first_stage, self.is_second_stage = is_first_stage, is_second_stage
        query_dim = hidden_dim * (2 if bidirection else 1)
        stage_channels = [first_output_dim, 2 * first_output_dim, 4 * first_output_dim]
        self.query_encoder = QueryEncoder(vocab_size, hidden_dim, embed_dim, lstm_layers, bidirection)
        self.backbone_net = Backbone([(feature_dim + POSITION_DIM, stage_channels[0], 3, 1),
                                      (stage_channels[0], stage_channels[1], 3, 2),
                                      (stage_channels[1], stage_channels[2], 3, 2)])
        self.fpn = FPN(stage_channels, fpn_feature_dim)
        self.fcos = nn.Module()  # holds ``head`` only: MMAction2's checkpoints name it ``fcos.head``
        self.fcos.head = FCOSHead(fpn_feature_dim, fcos_num_class, fcos_conv_layers, fcos_prior_prob,
                                  is_second_stage)
        self.prop_fc = nn.Linear(feature_dim, feature_dim)
        self.position_transform = nn.Linear(3, POSITION_DIM)
        self.qInput = nn.ModuleList(nn.Linear(query_dim, channels)
                                    for channels in [feature_dim] + stage_channels[:2])

    def forward_tensor(self, inputs: torch.Tensor, data_samples: SampleList) -> Tuple[List[torch.Tensor], ...]:
        """Clip features (N, T, feature_dim) -> per FPN level the head's logits, distances, IoU logits."""
        tokens, lengths = self.query_batch(data_samples, inputs.device)
        clips = torch.stack([sample.proposals['proposals'].float() for sample in data_samples]).to(inputs.device)
        position = torch.cat([clips, clips[..., 1:] - clips[..., :1]], dim=-1)  # start, end, duration
        position = self.position_transform(position).permute(0, 2, 1)
        query = [project(feature) for project, feature in zip(self.qInput, self.query_encoder(tokens, lengths))]
        features = self.fpn(self.backbone_net(self.prop_fc(inputs).permute(0, 2, 1), query, position))
        if self.is_second_stage:
            features = [feature.detach() for feature in features]
        return self.fcos.head(features)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        """As :meth:`BaseLocalizer.forward`; ``'tensor'`` mode needs the data samples (the query) too."""
        if mode == 'tensor':
            return self.forward_tensor(stack_inputs(inputs), data_samples)
        return super().forward(inputs, data_samples, mode)

    @staticmethod
    def query_batch(data_samples: SampleList, device: torch.device) -> Tuple[torch.Tensor, torch.Tensor]:
        """Zero-padded query tokens (N, L) and their lengths (N,)."""
        queries = [torch.as_tensor(np.asarray(sample.metainfo['query_tokens'])).long().reshape(-1)
                   for sample in data_samples]
        tokens = torch.zeros(len(queries), max(len(q) for q in queries), dtype=torch.long)
        for row, query in enumerate(queries):
            tokens[row, :len(query)] = query
        lengths = torch.tensor([int(sample.metainfo['query_length']) for sample in data_samples])
        return tokens.to(device), lengths

    def locations(self, outputs: Sequence[torch.Tensor]) -> List[torch.Tensor]:
        """Each level's location centres (T_l,), in 32nds of the video."""
        return [(torch.arange(out.shape[-1], device=out.device, dtype=torch.float32) + 0.5) * stride
                for out, stride in zip(outputs, self.fpn_stride)]

    def loss(self, inputs: torch.Tensor, data_samples: SampleList) -> dict:
        """``loss_cls`` (focal), ``loss_reg`` (-log IoU of the distances at positive locations) and
        ``loss_iou`` (smooth L1 of the IoU estimate where the regression's IoU > 0.9); the stage
        flags detach the losses that stage does not train."""
        logits, distances, ious = self.forward_tensor(inputs, data_samples)
        gt = torch.stack([sample.gt_instances['gt_bbox'].float().reshape(2) for sample in data_samples]).to(
            inputs.device)
        locations = self.locations(logits)
        targets, labels = [], []
        for location, size_range in zip(locations, LEVEL_SIZE_RANGES):
            target = torch.stack([location[None] - gt[:, :1] * LOCATION_SCALE,
                                  gt[:, 1:] * LOCATION_SCALE - location[None]], dim=-1)  # (N, T_l, 2)
            extent = target.max(dim=-1).values
            inside = (target.min(dim=-1).values > 0) & (extent >= size_range[0]) & (extent <= size_range[1])
            targets.append(target.reshape(-1, 2))
            labels.append(inside.reshape(-1).float())
        labels, targets = torch.cat(labels), torch.cat(targets)
        flat_logits = torch.cat([logit.permute(0, 2, 1).reshape(-1, logit.shape[1]) for logit in logits])
        flat_distances = torch.cat([d.permute(0, 2, 1).reshape(-1, 2) for d in distances])
        positive = labels > 0
        loss_cls = sigmoid_focal_loss(flat_logits, labels[:, None], self.focal_alpha, self.focal_gamma) / (
            positive.sum() + len(data_samples))
        loss_reg = (distance_iou_loss(flat_distances[positive], targets[positive]) if positive.any()
                    else flat_distances[positive].sum())
        loss_iou = torch.zeros((), device=inputs.device)
        if not self.is_first_stage:
            loss_iou = self.iou_loss(distances, ious, locations, gt)
        if self.is_second_stage:
            loss_cls, loss_reg = loss_cls.detach(), loss_reg.detach()
        return dict(loss_cls=loss_cls, loss_reg=loss_reg, loss_iou=loss_iou)

    @staticmethod
    def iou_loss(distances: List[torch.Tensor], ious: List[torch.Tensor], locations: List[torch.Tensor],
                 gt: torch.Tensor) -> torch.Tensor:
        """Smooth L1 of the IoU estimates against the regressed segments' IoU, where that exceeds 0.9."""
        distance = torch.cat(distances, dim=-1).transpose(2, 1)  # (N, P, 2)
        location = torch.cat(locations)[None]
        segments = torch.stack([location - distance[..., 0], location + distance[..., 1]], dim=-1)
        iou_target = hull_iou((segments / LOCATION_SCALE).clamp(0, 1), gt[:, None, :])
        iou_pred = torch.cat(ious, dim=-1).squeeze(1).sigmoid()
        positive = iou_target > 0.9
        if not positive.any():
            return torch.zeros((), device=gt.device)
        return F.smooth_l1_loss(iou_pred[positive], iou_target[positive])

    def detections(self, logits: List[torch.Tensor], distances: List[torch.Tensor],
                   ious: List[torch.Tensor]) -> List[np.ndarray]:
        """Per video (P, 3) ``[start, end, score]``: locations whose matching probability exceeds
        ``fcos_inference_thr`` (the ``fcos_pre_nms_top_n`` best per level), score the square root of
        that probability (times the IoU estimate after the first stage); ``[[0, 1, 1]]`` when none."""
        per_video = [[] for _ in range(logits[0].shape[0])]
        for logit, distance, iou, location in zip(logits, distances, ious, self.locations(logits)):
            probability = logit.sigmoid().permute(0, 2, 1)  # (N, T_l, classes - 1)
            candidates = probability > self.inference_thr
            if not self.is_first_stage:
                probability = probability * iou.sigmoid().permute(0, 2, 1)
            for video, rows in enumerate(per_video):
                where = candidates[video].nonzero()[:, 0]
                score = probability[video][candidates[video]]
                if len(score) > self.pre_nms_top_n:
                    score, best = score.topk(self.pre_nms_top_n, sorted=False)
                    where = where[best]
                reach = distance[video].permute(1, 0)[where]
                segment = torch.stack([location[where] - reach[:, 0], location[where] + reach[:, 1]], dim=1)
                rows.append(torch.cat([(segment / LOCATION_SCALE).clamp(0, 1), score.sqrt()[:, None]], dim=1))
        results = []
        for rows in per_video:
            rows = torch.cat(rows).detach().cpu().double().numpy()
            results.append(rows if len(rows) else np.array([[0., 1., 1.]]))
        return results

    def predict(self, inputs: torch.Tensor, data_samples: SampleList) -> List[dict]:
        """Per video ``dict(vid_name, gt, predictions)``, ``predictions`` the 6 best segments (5 + 1)
        after soft-NMS, ``[start, end, score]`` rows in normalised time."""
        results = []
        for sample, rows in zip(data_samples, self.detections(*self.forward_tensor(inputs, data_samples))):
            results.append(dict(vid_name=sample.metainfo['vid_name'],
                                gt=sample.gt_instances['gt_bbox'].detach().cpu().numpy(),
                                predictions=soft_nms(rows, alpha=0.4, low_threshold=0.5, high_threshold=0.9,
                                                     top_k=5)))
        return results
