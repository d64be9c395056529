"""Pick the RoIs a head trains on from the assigned proposals (MMDetection's RandomSampler)."""
import torch
from mmengine.structures import InstanceData

from reelkit.registry import TASK_UTILS
from .assigners import AssignResult


class SamplingResult:
    """The sampled positives and negatives of one image.

    Attributes: ``pos_inds``/``neg_inds`` into ``priors``; ``pos_priors`` (p, 4), ``neg_priors``
    (q, 4); ``pos_assigned_gt_inds`` (p,) 0-based; ``pos_gt_labels`` (p, num_classes);
    ``pos_gt_bboxes`` (p, 4); ``pos_is_gt`` (p,) whether a positive is a ground truth itself.
    """

    def __init__(self, pos_inds: torch.Tensor, neg_inds: torch.Tensor, priors: torch.Tensor,
                 gt_bboxes: torch.Tensor, assign_result: AssignResult, gt_flags: torch.Tensor) -> None:
        self.pos_inds, self.neg_inds = pos_inds, neg_inds
        self.pos_priors, self.neg_priors = priors[pos_inds], priors[neg_inds]
        self.pos_is_gt = gt_flags[pos_inds]
        self.pos_assigned_gt_inds = assign_result.gt_inds[pos_inds] - 1
        self.pos_gt_labels = assign_result.labels[pos_inds]
        self.pos_gt_bboxes = (gt_bboxes[self.pos_assigned_gt_inds] if len(gt_bboxes)
                              else gt_bboxes.new_zeros((0, 4)))

    @property
    def priors(self) -> torch.Tensor:
        """(p + q, 4): the positives, then the negatives."""
        return torch.cat([self.pos_priors, self.neg_priors])


@TASK_UTILS.register_module()
class RandomSampler:
    """Up to ``num * pos_fraction`` random positives, then random negatives up to ``num`` in all.

    Args:
        num: RoIs per image.
        pos_fraction: largest share of positives.
        neg_pos_ub: at most this many negatives per positive (-1: no bound).
        add_gt_as_proposals: the ground-truth boxes join the proposals (as positives).
    """

    def __init__(self, num: int, pos_fraction: float, neg_pos_ub: int = -1,
                 add_gt_as_proposals: bool = True) -> None:
        self.num = num
        self.pos_fraction = pos_fraction
        self.neg_pos_ub = neg_pos_ub
        self.add_gt_as_proposals = add_gt_as_proposals

    @staticmethod
    def random_choice(candidates: torch.Tensor, count: int) -> torch.Tensor:
        """``count`` of ``candidates`` at random, all of them when there are fewer."""
        if len(candidates) <= count:
            return candidates
        return candidates[torch.randperm(len(candidates), device=candidates.device)[:count]]

    def sample(self, assign_result: AssignResult, pred_instances: InstanceData,
               gt_instances: InstanceData) -> SamplingResult:
        """Sample ``pred_instances.priors`` (n, 4) given their assignment to ``gt_instances``."""
        priors, gt_bboxes = pred_instances.priors[:, :4], gt_instances.bboxes
        gt_flags = priors.new_zeros(len(priors), dtype=torch.bool)
        if self.add_gt_as_proposals and len(gt_bboxes):
            priors = torch.cat([gt_bboxes.to(priors.dtype), priors])
            assign_result.add_gt_(gt_instances.labels)
            gt_flags = torch.cat([gt_flags.new_ones(len(gt_bboxes)), gt_flags])
        positives = (assign_result.gt_inds > 0).nonzero().flatten().unique()
        pos_inds = self.random_choice(positives, int(self.num * self.pos_fraction))
        num_neg = self.num - len(pos_inds)
        if self.neg_pos_ub >= 0:
            num_neg = min(num_neg, int(self.neg_pos_ub * max(1, len(pos_inds))))
        negatives = (assign_result.gt_inds == 0).nonzero().flatten().unique()
        neg_inds = self.random_choice(negatives, num_neg)
        return SamplingResult(pos_inds, neg_inds, priors, gt_bboxes, assign_result, gt_flags)
