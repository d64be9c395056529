"""Classification losses: hard and soft labels, class weights, loss_weight."""
import pytest
import torch
import torch.nn.functional as F

from reelkit.models.losses import BCELossWithLogits, CrossEntropyLoss

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
