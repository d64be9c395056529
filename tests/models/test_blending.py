"""Mixup and CutMix: soft labels sum to 1 and match how much of each sample the mixed clip holds."""
import pytest
import torch

from reelkit.models.data_preprocessors import CutmixBlending, MixupBlending, RandomBatchAugment
from reelkit.registry import MODELS
from reelkit.structures import ActionDataSample

NUM_CLASSES = 5


def constant_batch():
    """Sample i is a clip whose every pixel equals i, labelled class i: (4, 2 views, 3, 8, 8)."""
    imgs = torch.arange(4, dtype=torch.float32).view(4, 1, 1, 1, 1).expand(4, 2, 3, 8, 8).clone()
    return imgs, [ActionDataSample().set_gt_label(i) for i in range(4)]


@pytest.mark.parametrize('blending', [MixupBlending(NUM_CLASSES, alpha=1.0), CutmixBlending(NUM_CLASSES, alpha=1.0)],
                         ids=['mixup', 'cutmix'])
def test_soft_labels_sum_to_one_and_match_the_mixed_pixels(blending):
    torch.manual_seed(0)
    imgs, samples = constant_batch()
    mixed, samples = blending(imgs, samples)

    labels = torch.stack([s.gt_label for s in samples])
    assert labels.shape == (4, NUM_CLASSES)
    assert torch.allclose(labels.sum(dim=1), torch.ones(4)) and (labels >= 0).all()
    # A pixel of value k comes from sample k, so the mean pixel is the label-weighted class index.
    class_index = torch.arange(NUM_CLASSES, dtype=torch.float32)
    assert torch.allclose(mixed.mean(dim=(1, 2, 3, 4)), labels @ class_index, atol=1e-5)


def test_float_targets_are_blended_as_they_are():
    torch.manual_seed(0)
    imgs = torch.zeros(2, 1, 3, 4, 4)
    targets = [torch.tensor([1., 1., 0., 0., 0.]), torch.tensor([0., 0., 0., 1., 1.])]  # multi-label
    _, samples = MixupBlending(NUM_CLASSES)(imgs, [ActionDataSample().set_gt_label(t) for t in targets])
    assert torch.allclose(torch.stack([s.gt_label for s in samples]).sum(), torch.tensor(4.0))


MIXUP, CUTMIX = dict(type='MixupBlending', num_classes=NUM_CLASSES, alpha=1.0), \
    dict(type='CutmixBlending', num_classes=NUM_CLASSES, alpha=1.0)


def chosen(augment: RandomBatchAugment, draws: int = 40) -> set:
    """(indices of the augments applied, number of batches blended) over ``draws`` batches."""
    used = []
    for index, each in enumerate(augment.augments):
        if each is not None:
            each.do_blending = lambda imgs, label, index=index: (used.append(index), (imgs, label))[1]
    torch.manual_seed(0)
    for _ in range(draws):
        augment(*constant_batch())
    return set(used), len(used)


def test_random_batch_augment_picks_among_its_augments_as_the_probabilities_say():
    assert chosen(MODELS.build(dict(type='RandomBatchAugment', augments=[MIXUP, CUTMIX]))) == ({0, 1}, 40)
    assert chosen(RandomBatchAugment([MIXUP, CUTMIX], probs=[0.0, 1.0])) == ({1}, 40)
    used, count = chosen(RandomBatchAugment(MIXUP, probs=0.5))
    assert used == {0} and 5 < count < 35  # the other half of the batches are left as they are


def test_random_batch_augment_blends_labels():
    torch.manual_seed(0)
    _, samples = RandomBatchAugment([MIXUP, CUTMIX])(*constant_batch())
    assert torch.allclose(torch.stack([s.gt_label for s in samples]).sum(dim=1), torch.ones(4))


@pytest.mark.parametrize('probs', [[0.5], [0.7, 0.6], [-0.1, 0.5]])
def test_random_batch_augment_refuses_bad_probabilities(probs):
    with pytest.raises(ValueError, match='probs='):
        RandomBatchAugment([MIXUP, CUTMIX], probs=probs)
