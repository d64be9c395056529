"""Classification losses: hard and soft labels, class weights, loss_weight; NLL, class-balanced
focal and HVU losses (values checked once against MMAction2 1.2.0)."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import DefaultScope

from reelkit.models.losses import BCELossWithLogits, CBFocalLoss, CrossEntropyLoss, HVULoss, NLLLoss
from reelkit.registry import MODELS

SCORES = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]])
LABELS = torch.tensor([0, 2])


def test_soft_one_hot_labels_equal_hard_labels():
    loss = CrossEntropyLoss()
    assert loss(SCORES, F.one_hot(LABELS, 3).float()).item() == pytest.approx(loss(SCORES, LABELS).item())


def test_class_weight_gives_torchs_weighted_mean_for_hard_and_soft_labels():
    weight = [1.0, 2.0, 3.0]
    loss = CrossEntropyLoss(class_weight=weight)
    expected = F.cross_entropy(SCORES, LABELS, weight=torch.tensor(weight)).item()
    assert loss(SCORES, LABELS).item() == pytest.approx(expected)
    assert loss(SCORES, F.one_hot(LABELS, 3).float()).item() == pytest.approx(expected)
    assert 'class_weight' not in loss.state_dict()  # a buffer that stays out of checkpoints


def test_loss_weight_scales_the_loss():
    assert CrossEntropyLoss(loss_weight=0.5)(SCORES, LABELS).item() == pytest.approx(
        0.5 * F.cross_entropy(SCORES, LABELS).item())


def test_bce_with_logits_per_class():
    targets = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    expected = F.binary_cross_entropy_with_logits(SCORES, targets).item()
    assert BCELossWithLogits()(SCORES, targets).item() == pytest.approx(expected)


# ---- NLLLoss ----

LOG_PROBS = torch.log(torch.tensor([[0.5, 0.25, 0.25], [0.1, 0.6, 0.3]]))


def test_nll_is_the_mean_negative_log_probability_of_the_label():
    expected = -(math.log(0.5) + math.log(0.3)) / 2
    assert NLLLoss(loss_weight=0.5)(LOG_PROBS, LABELS).item() == pytest.approx(0.5 * expected)


def test_nll_class_weight_gives_the_weighted_mean():
    expected = -(1 * math.log(0.5) + 3 * math.log(0.3)) / (1 + 3)
    assert NLLLoss(class_weight=[1.0, 2.0, 3.0])(LOG_PROBS, LABELS).item() == pytest.approx(expected)


# ---- CBFocalLoss ----

def test_class_balanced_weights_of_effective_numbers():
    # beta = 0.5: (1 - beta) / (1 - beta ** n) = 1 and 4/7 for n = 1, 3; scaled to sum to 2
    weights = CBFocalLoss(samples_per_cls=[1, 3], beta=0.5).class_weight
    assert weights.tolist() == pytest.approx([14 / 11, 8 / 11])


def test_cb_focal_loss_at_zero_scores():
    # p = 0.5 everywhere: each of the 2 x 2 terms is 0.5 ** gamma * log 2; the weights sum to 2, N = 2
    loss = CBFocalLoss(samples_per_cls=[1, 3], beta=0.5, gamma=2.0)(torch.zeros(2, 2), torch.tensor([0, 1]))
    assert loss.item() == pytest.approx(2 * 2 * 0.25 * math.log(2) / 2)


def test_cb_focal_loss_weights_samples_by_their_class_and_focuses_on_hard_tags():
    scores = torch.tensor([[2.0, -1.0, 0.5], [0.3, 0.2, -2.0], [-1.0, 3.0, 1.0]])
    labels = torch.tensor([0, 2, 1])
    counts, beta, gamma = [10, 40, 2], 0.9, 1.5
    effective = [(1 - beta) / (1 - beta ** n) for n in counts]
    class_w = torch.tensor([3 * w / sum(effective) for w in effective])
    target = F.one_hot(labels, 3).float()
    prob = torch.sigmoid(scores)
    focus = torch.where(target == 1, 1 - prob, prob) ** gamma
    bce = F.binary_cross_entropy_with_logits(scores, target, reduction='none')
    expected = (class_w[labels, None] * focus * bce).sum() / 3
    loss = CBFocalLoss(loss_weight=2.0, samples_per_cls=counts, beta=beta, gamma=gamma)(scores, labels)
    assert loss.item() == pytest.approx(2 * expected.item(), rel=1e-6)


def test_cb_focal_loss_stays_finite_for_large_scores():
    loss = CBFocalLoss(samples_per_cls=[5, 5])(torch.tensor([[100.0, -100.0], [-100.0, 100.0]]), torch.tensor([0, 0]))
    assert math.isfinite(loss.item()) and loss.item() > 10


def test_cb_focal_loss_needs_positive_counts():
    with pytest.raises(ValueError, match='samples_per_cls=\\[\\]; expected one positive count per class'):
        CBFocalLoss()


# ---- HVULoss ----

HVU_SCORES = torch.tensor([[-1.0525, -0.7085, 0.1819, -0.8011], [0.1555, -1.5550, 0.5586, 1.9746]])
HVU_LABELS = torch.tensor([[1., 0., 0., 0.], [0., 0., 1., 1.]])
TAG_MASK = torch.tensor([[1., 1., 0., 0.], [0., 0., 1., 1.]])
CATEGORY_MASK = torch.tensor([[1., 0.], [0., 1.]])  # clip 0 is labelled in 'action', clip 1 in 'scene'


def hvu(**kwargs):
    return HVULoss(categories=('action', 'scene'), category_nums=(2, 2), category_loss_weights=(1, 1), **kwargs)


def bce(scores, labels):
    return F.binary_cross_entropy_with_logits(scores, labels, reduction='none')


def test_hvu_all_tags_sum_per_clip_then_mean_over_clips():
    loss = hvu(loss_type='all', reduction='sum')(HVU_SCORES, HVU_LABELS, TAG_MASK, CATEGORY_MASK)
    assert loss['loss_cls'].item() == pytest.approx(bce(HVU_SCORES, HVU_LABELS).sum(dim=1).mean().item())


def test_hvu_all_tags_with_mask_averages_the_labelled_tags_of_each_clip():
    loss = hvu(loss_type='all', with_mask=True)(HVU_SCORES, HVU_LABELS, TAG_MASK, CATEGORY_MASK)
    per_clip = [bce(HVU_SCORES[0, :2], HVU_LABELS[0, :2]).mean(), bce(HVU_SCORES[1, 2:], HVU_LABELS[1, 2:]).mean()]
    assert loss['loss_cls'].item() == pytest.approx(((per_clip[0] + per_clip[1]) / 2).item())


def test_hvu_individual_with_mask_averages_each_category_over_its_labelled_clips():
    loss = hvu(loss_type='individual', with_mask=True, loss_weight=0.5)(
        HVU_SCORES, HVU_LABELS, TAG_MASK, CATEGORY_MASK)
    action = bce(HVU_SCORES[:1, :2], HVU_LABELS[:1, :2]).mean().item()
    scene = bce(HVU_SCORES[1:, 2:], HVU_LABELS[1:, 2:]).mean().item()
    assert loss['action_LOSS'].item() == pytest.approx(action)
    assert loss['scene_LOSS'].item() == pytest.approx(scene)
    assert loss['loss_cls'].item() == pytest.approx(0.5 * (action + scene) / 2)  # only loss_cls is weighted
    assert loss['action_LOSS_weight'].item() == pytest.approx(0.5)


def test_hvu_individual_category_without_labelled_clips_counts_zero_with_weight_zero():
    only_action = torch.tensor([[1., 0.], [1., 0.]])
    loss = HVULoss(categories=('action', 'scene'), category_nums=(2, 2), category_loss_weights=(1, 3),
                   loss_type='individual', with_mask=True)(HVU_SCORES, HVU_LABELS, TAG_MASK, only_action)
    action = bce(HVU_SCORES[:, :2], HVU_LABELS[:, :2]).mean().item()
    assert loss['scene_LOSS'].item() == 0 and loss['scene_LOSS_weight'].item() == 0
    assert loss['loss_cls'].item() == pytest.approx(action)


def test_hvu_individual_weights_categories_by_normalized_loss_weights():
    loss = HVULoss(categories=('action', 'scene'), category_nums=(2, 2), category_loss_weights=(1, 3),
                   loss_type='individual', reduction='sum')(HVU_SCORES, HVU_LABELS)
    action = bce(HVU_SCORES[:, :2], HVU_LABELS[:, :2]).sum(dim=1).mean().item()
    scene = bce(HVU_SCORES[:, 2:], HVU_LABELS[:, 2:]).sum(dim=1).mean().item()
    assert loss['loss_cls'].item() == pytest.approx(0.25 * action + 0.75 * scene)


def test_hvu_builds_from_config_and_checks_its_arguments():
    with DefaultScope.overwrite_default_scope('reelkit'):
        assert isinstance(MODELS.build(dict(type='HVULoss')), HVULoss)
    with pytest.raises(ValueError, match="loss_type='each'; expected 'all' or 'individual'"):
        hvu(loss_type='each')
    with pytest.raises(ValueError, match='needs mask'):
        hvu(with_mask=True)(HVU_SCORES, HVU_LABELS)
