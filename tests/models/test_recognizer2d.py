"""Recognizer2D end to end on tiny clips: loss, predict and tensor modes, test-time options."""
import copy
import pickle

import pytest
import torch

import reelkit.models  # noqa: F401  (registers every model part)
from reelkit.registry import MODELS
from reelkit.structures import ActionDataSample

NUM_CLASSES = 5
PREPROCESSOR = dict(type='ActionDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
TSM_HEAD = dict(type='TSMHead', num_classes=NUM_CLASSES, in_channels=512, num_segments=8, average_clips='prob')
NON_LOCAL = dict(non_local=((0, 0), (1, 0), (1, 0), (0, 0)))

VARIANTS = {
    'tsn_r18': dict(backbone=dict(type='ResNet', depth=18, pretrained=None),
                    cls_head=dict(type='TSNHead', num_classes=NUM_CLASSES, in_channels=512, average_clips='prob')),
    'tsm_r18_blockres': dict(backbone=dict(type='ResNetTSM', depth=18, num_segments=8), cls_head=TSM_HEAD),
    'tsm_r18_block_temporal_pool': dict(
        backbone=dict(type='ResNetTSM', depth=18, num_segments=8, shift_place='block', temporal_pool=True),
        cls_head=dict(TSM_HEAD, temporal_pool=True)),
    **{
        f'tsm_r18_non_local_{mode}': dict(
            backbone=dict(type='ResNetTSM', depth=18, num_segments=8, **NON_LOCAL,
                          non_local_cfg=dict(mode=mode, sub_sample=True, norm_cfg=dict(type='BN3d'))),
            cls_head=TSM_HEAD)
        for mode in ('dot_product', 'embedded_gaussian', 'gaussian')
    },
}


def build(variant: str, **overrides) -> torch.nn.Module:
    cfg = dict(type='Recognizer2D', data_preprocessor=PREPROCESSOR, **copy.deepcopy(VARIANTS[variant]))
    cfg.update(overrides)
    return MODELS.build(cfg)


def batch(num_views: int = 8, labels=(1, 3)) -> dict:
    """What the dataloader hands the model: per-sample uint8 (num_views, 3, 32, 32) and data samples."""
    generator = torch.Generator().manual_seed(0)
    inputs = [torch.randint(0, 256, (num_views, 3, 32, 32), dtype=torch.uint8, generator=generator)
              for _ in labels]
    return dict(inputs=inputs, data_samples=[ActionDataSample().set_gt_label(label) for label in labels])


@pytest.mark.parametrize('variant', sorted(VARIANTS))
def test_loss_is_finite_and_every_parameter_gets_a_gradient(variant):
    torch.manual_seed(0)
    model = build(variant)
    data = model.data_preprocessor(batch(), training=True)
    losses = model(**data, mode='loss')

    assert set(losses) == {'loss_cls', 'top1_acc', 'top5_acc'}
    assert torch.isfinite(losses['loss_cls'])
    losses['loss_cls'].backward()
    no_grad = [name for name, p in model.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert no_grad == []


@pytest.mark.parametrize('variant', sorted(VARIANTS))
def test_predict_sets_one_score_vector_per_sample(variant):
    model = build(variant).eval()
    with torch.no_grad():
        samples = model(**model.data_preprocessor(batch()), mode='predict')

    assert len(samples) == 2
    for sample in samples:
        assert sample.pred_score.shape == (NUM_CLASSES, )
        assert torch.allclose(sample.pred_score.sum(), torch.tensor(1.0))  # average_clips='prob'
        assert sample.pred_label.shape == (1, ) and sample.pred_label.item() == sample.pred_score.argmax().item()


def test_tensor_mode_returns_backbone_features_per_frame():
    model = build('tsm_r18_blockres').eval()
    inputs = model.data_preprocessor(batch())['inputs']
    assert inputs.shape == (2, 8, 3, 32, 32)

    assert model(inputs, mode='tensor').shape == (16, 512, 1, 1)
    assert model(inputs, mode='tensor', stage='head').shape == (2, NUM_CLASSES)


def test_tsm_predict_averages_several_clips_per_sample():
    model = build('tsm_r18_blockres').eval()
    data = model.data_preprocessor(batch(num_views=16))  # 2 clips of 8 segments per sample
    with torch.no_grad():
        clip_scores = model(data['inputs'], mode='tensor', stage='head')
        samples = model(**data, mode='predict')

    assert clip_scores.shape == (4, NUM_CLASSES)
    expected = clip_scores.softmax(dim=1).view(2, 2, NUM_CLASSES).mean(dim=1)
    assert torch.allclose(torch.stack([s.pred_score for s in samples]), expected, atol=1e-6)


def test_max_testing_views_gives_the_same_predictions_in_chunks():
    whole = build('tsm_r18_blockres').eval()
    chunked = build('tsm_r18_blockres', test_cfg=dict(max_testing_views=8)).eval()
    chunked.load_state_dict(whole.state_dict())
    data = whole.data_preprocessor(batch(num_views=16))
    with torch.no_grad():
        expected = [s.pred_score for s in whole(**copy.deepcopy(data), mode='predict')]
        got = [s.pred_score for s in chunked(**data, mode='predict')]
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(expected, got))


def test_max_testing_views_must_hold_whole_clips():
    with pytest.raises(ValueError, match='multiple of the backbone num_segments'):
        build('tsm_r18_blockres', test_cfg=dict(max_testing_views=12))


def test_unknown_mode_is_rejected():
    model = build('tsn_r18')
    with pytest.raises(ValueError, match="mode='train'"):
        model(torch.zeros(1, 1, 3, 32, 32), mode='train')


def test_mixup_training_uses_soft_labels_without_accuracy():
    torch.manual_seed(0)
    model = build('tsn_r18', data_preprocessor=dict(PREPROCESSOR, blending=dict(type='MixupBlending',
                                                                            num_classes=NUM_CLASSES)))
    data = model.data_preprocessor(batch(), training=True)
    assert data['data_samples'][0].gt_label.shape == (NUM_CLASSES, )

    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_cls'} and torch.isfinite(losses['loss_cls'])


def test_model_deep_copies_and_pickles():
    # EMA hooks deep-copy the model and some launchers pickle it; config defaults must allow both.
    model = build('tsm_r18_non_local_gaussian')
    clone = copy.deepcopy(model)
    assert pickle.loads(pickle.dumps(model)).state_dict().keys() == clone.state_dict().keys()
