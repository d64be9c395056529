"""MMRecognizer3D and MultiModalDataPreprocessor: each modality normalised its own way, one backbone for all."""
import pytest
import torch
import torch.nn as nn

import reelkit.models  # noqa: F401  (registers every model part)
from reelkit.models.heads import BaseHead
from reelkit.registry import MODELS
from reelkit.structures import ActionDataSample

PREPROCESSORS = dict(
    imgs=dict(type='ActionDataPreprocessor', mean=[100.0] * 3, std=[50.0] * 3, format_shape='NCTHW'),
    heatmap_imgs=dict(type='ActionDataPreprocessor'))


class TwoStreamBackbone(nn.Module):
    """imgs (N, 3, T, H, W) and heatmap_imgs (N, 2, T, H, W) -> pooled (N, 4) and (N, 4)."""

    def __init__(self) -> None:
        super().__init__()
        self.rgb, self.pose = nn.Conv3d(3, 4, 1), nn.Conv3d(2, 4, 1)

    def forward(self, imgs, heatmap_imgs):
        return self.rgb(imgs).mean(dim=(2, 3, 4)), self.pose(heatmap_imgs).mean(dim=(2, 3, 4))


class SumHead(BaseHead):
    def __init__(self) -> None:
        super().__init__(num_classes=3, in_channels=8, average_clips='prob')
        self.fc_cls = nn.Linear(8, 3)

    def forward(self, x, **kwargs):
        return self.fc_cls(torch.cat(x, dim=1))


def batch(num_views=2):
    generator = torch.Generator().manual_seed(0)
    inputs = [dict(imgs=torch.randint(0, 256, (num_views, 3, 2, 4, 4), generator=generator, dtype=torch.uint8),
                   heatmap_imgs=torch.rand(num_views, 2, 2, 4, 4, generator=generator)) for _ in range(2)]
    return dict(inputs=dict(imgs=[x['imgs'] for x in inputs], heatmap_imgs=[x['heatmap_imgs'] for x in inputs]),
                data_samples=[ActionDataSample().set_gt_label(label) for label in (0, 2)])


def build():
    torch.manual_seed(0)
    return MODELS.build(dict(type='MMRecognizer3D', backbone=TwoStreamBackbone(), cls_head=SumHead(),
                             data_preprocessor=dict(type='MultiModalDataPreprocessor', preprocessors=PREPROCESSORS)))


def test_each_modality_is_normalised_by_its_own_preprocessor():
    model, raw = build(), batch()
    data = model.data_preprocessor(raw)
    torch.testing.assert_close(data['inputs']['imgs'], (torch.stack(raw['inputs']['imgs']).float() - 100) / 50)
    torch.testing.assert_close(data['inputs']['heatmap_imgs'], torch.stack(raw['inputs']['heatmap_imgs']))


def test_loss_and_predict_with_views():
    model = build()
    losses = model(**model.data_preprocessor(batch(num_views=1), training=True), mode='loss')
    losses['loss_cls'].backward()
    assert all(p.grad is not None for p in model.parameters())
    model.eval()
    data = model.data_preprocessor(batch(num_views=2))
    predicted = model(**data, mode='predict')
    scores = model(data['inputs'], stage='head').view(2, 2, 3)
    torch.testing.assert_close(predicted[1].pred_score, scores[1].softmax(dim=1).mean(dim=0).detach())


def test_an_input_without_preprocessor_is_named():
    model, raw = build(), batch()
    raw['inputs']['flow'] = raw['inputs']['imgs']
    with pytest.raises(KeyError, match="'flow'"):
        model.data_preprocessor(raw)
