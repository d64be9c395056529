"""Mixup and CutMix: soft labels sum to 1 and match how much of each sample the mixed clip holds."""
import pytest
import torch

from reelkit.models.data_preprocessors import CutmixBlending, MixupBlending
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
