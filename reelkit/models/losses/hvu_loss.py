"""Multi-label loss of HVU, whose tags fall into categories (action, attribute, concept, event,
object, scene) that a clip may be labelled in or not (Diba et al., "Large Scale Holistic Video
Understanding", ECCV 2020)."""
from itertools import accumulate
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F

from reelkit.registry import MODELS
from .base import BaseWeightedLoss

HVU_CATEGORIES = ('action', 'attribute', 'concept', 'event', 'object', 'scene')
HVU_CATEGORY_NUMS = (739, 117, 291, 69, 1678, 248)


@MODELS.register_module()
class HVULoss(BaseWeightedLoss):
    """Sigmoid binary cross-entropy per tag, reduced over all tags or per category.

    Scores and labels are (N, sum(category_nums)): the tags of each category side by side, in the
    order of ``categories``. ``mask`` (N, sum(category_nums)) is 0 on the tags of the categories a
    clip has no labels in; ``category_mask`` (N, len(categories)) is 1 where it has.

    - ``loss_type='all'``: each clip's tag losses are averaged (``reduction='mean'``) or summed
      (``'sum'``), then averaged over the batch. ``with_mask`` leaves the masked tags out.
    - ``loss_type='individual'``: the same within each category, averaged over the clips (with
      ``with_mask``: over the clips labelled in it; a category no clip is labelled in counts 0 with
      weight 0); ``loss_cls`` is the mean of the categories weighted by ``category_loss_weights``
      normalized to sum to 1. ``<category>_LOSS`` and ``<category>_LOSS_weight`` are returned too;
      they are for the log only: upper case, so neither summed into the total nor scaled.

    Args:
        categories: the category names, in the order their tags come in.
        category_nums: the number of tags of each category.
        category_loss_weights: non-negative weight of each category (``'individual'`` only).
        loss_type: ``'all'`` or ``'individual'``.
        with_mask: leave out the tags (categories) a clip has no labels in; otherwise their zero
            labels count as negatives.
        reduction: ``'mean'`` or ``'sum'`` over the tags of a clip.
        loss_weight: factor applied to ``loss_cls``.
    """

    def __init__(
            self,
            categories: Sequence[str] = HVU_CATEGORIES,
            category_nums: Sequence[int] = HVU_CATEGORY_NUMS,
            category_loss_weights: Sequence[float] = (1, 1, 1, 1, 1, 1),
            loss_type: str = 'all',
            with_mask: bool = False,
            reduction: str = 'mean',
            loss_weight: float = 1.0,
    ) -> None:
        super().__init__(loss_weight)
        if not len(categories) == len(category_nums) == len(category_loss_weights):
            raise ValueError(f'HVULoss: {len(categories)} categories, {len(category_nums)} category_nums and '
                             f'{len(category_loss_weights)} category_loss_weights; give one of each per category')
        if min(category_loss_weights) < 0 or sum(category_loss_weights) <= 0:
            raise ValueError(f'category_loss_weights={list(category_loss_weights)!r}; expected non-negative '
                             'weights, not all zero')
        if loss_type not in ('all', 'individual'):
            raise ValueError(f"loss_type={loss_type!r}; expected 'all' or 'individual'")
        if reduction not in ('mean', 'sum'):
            raise ValueError(f"reduction={reduction!r}; expected 'mean' or 'sum'")
        self.categories = tuple(categories)
        self.category_nums = tuple(category_nums)
        self.category_loss_weights = tuple(category_loss_weights)
        self.category_starts = (0, *accumulate(self.category_nums[:-1]))
        self.loss_type = loss_type
        self.with_mask = with_mask
        self.reduction = reduction

    def _forward(
            self,
            cls_score: torch.Tensor,
            label: torch.Tensor,
            mask: Optional[torch.Tensor] = None,
            category_mask: Optional[torch.Tensor] = None,
    ) -> Dict[str, torch.Tensor]:
        """Scores and labels (N, T), masks as in the class docstring -> dict with ``loss_cls``."""
        num_tags = sum(self.category_nums)
        if cls_score.dim() != 2 or cls_score.shape[1] != num_tags:
            raise ValueError(f'HVULoss: scores of shape {tuple(cls_score.shape)}, expected (N, {num_tags}), '
                             'the sum of category_nums')
        needed = 'mask' if self.loss_type == 'all' else 'category_mask'
        if self.with_mask and (mask if needed == 'mask' else category_mask) is None:
            raise ValueError(f'HVULoss(with_mask=True, loss_type={self.loss_type!r}) needs {needed}')
        tag_loss = F.binary_cross_entropy_with_logits(cls_score, label, reduction='none')
        if self.loss_type == 'all':
            return dict(loss_cls=self._all_tags(tag_loss, mask))
        return self._per_category(tag_loss, category_mask)

    def _reduce_tags(self, tag_loss: torch.Tensor) -> torch.Tensor:
        """(N, T) -> (N,) over the tags."""
        return tag_loss.mean(dim=1) if self.reduction == 'mean' else tag_loss.sum(dim=1)

    def _all_tags(self, tag_loss: torch.Tensor, mask: Optional[torch.Tensor]) -> torch.Tensor:
        if self.with_mask:
            clip_loss = (mask * tag_loss).sum(dim=1)
            if self.reduction == 'mean':
                clip_loss = clip_loss / mask.sum(dim=1)
            return clip_loss.mean()
        return tag_loss.mean() if self.reduction == 'mean' else tag_loss.sum(dim=1).mean()

    def _per_category(self, tag_loss: torch.Tensor, category_mask: Optional[torch.Tensor]) -> Dict[str, torch.Tensor]:
        losses, weights = {}, {}
        for i, (name, start, num) in enumerate(zip(self.categories, self.category_starts, self.category_nums)):
            key = f'{name}_LOSS'
            clip_loss = self._reduce_tags(tag_loss[:, start:start + num])
            weights[key] = self.category_loss_weights[i]
            if not self.with_mask:
                losses[key] = clip_loss.mean()
                continue
            labelled = category_mask[:, i].reshape(-1)
            if labelled.sum() < 0.5:  # no clip of the batch is labelled in this category
                losses[key], weights[key] = tag_loss.new_zeros(()), 0.
            else:
                losses[key] = (clip_loss * labelled).sum() / labelled.sum()
        total = sum(weights.values())
        if total == 0:
            raise ValueError('HVULoss: no clip of the batch is labelled in a category with a non-zero '
                             'category_loss_weight (category_mask)')
        weights = {key: weight / total for key, weight in weights.items()}
        out = dict(losses, loss_cls=sum(losses[key] * weights[key] for key in losses))
        out.update({f'{key}_weight': torch.tensor(weight, device=tag_loss.device) for key, weight in weights.items()})
        return out
