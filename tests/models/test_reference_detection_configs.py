"""Every official MMAction2 1.2.0 AVA/MultiSports detection model builds in reelkit, with the
checkpoint layout of the official AVA models.

The reference holds these configs' resolved ``model`` dicts but no state dicts: MMAction2 itself
could not build them without MMDetection. The expected layout is derived from the upstream source
instead: MMDetection's two-stage detectors keep ``backbone.*`` and ``roi_head.*``; the backbone is
the recognition backbone (whose reference keys and shapes we have); the head keys are listed below.
Models are built on the ``meta`` device; ``_scope_='mmdet'`` and ``mmaction.`` types go through
reelkit's scope aliases, as a config file read by ``reelkit train`` does.
"""
import copy

import pytest
import torch
from mmengine.config import Config

import reelkit.models  # noqa: F401  (registers every model part)
from reelkit.registry import MODELS
from reelkit.utils.config import apply_scope_aliases
from reelkit.utils.errors import ConfigError
from reference_facts import mmaction2_reference

DETECTION = {name: ref['model'] for name, ref in mmaction2_reference().items() if name.startswith('detection/')}
LFB_CHANNELS = 2048


@pytest.fixture(scope='module')
def lfb_dir(tmp_path_factory):
    """A two-video feature bank for the FBO configs, in the layout LFBInferHead writes."""
    folder = tmp_path_factory.mktemp('lfb')
    bank = {'vid_a': {902: [torch.randn(LFB_CHANNELS).half() for _ in range(2)]},
            'vid_b': {903: [torch.randn(LFB_CHANNELS).half()]}}
    for mode in ('train', 'val'):
        torch.save(bank, folder / f'lfb_{mode}.pkl')
    return str(folder)


def local_lfb(model: dict, lfb_dir: str) -> dict:
    """``model`` with its feature-bank folder moved to ``lfb_dir``."""
    model = copy.deepcopy(model)
    shared = model['roi_head'].get('shared_head') or {}
    if 'lfb_cfg' in shared:
        shared['lfb_cfg']['lfb_prefix_path'] = lfb_dir
    if 'lfb_prefix_path' in shared:
        shared['lfb_prefix_path'] = lfb_dir
    return model


def build_on_meta(model: dict) -> torch.nn.Module:
    cfg = Config(dict(model=copy.deepcopy(model)))
    apply_scope_aliases(cfg)
    with torch.device('meta'):
        return MODELS.build(cfg.model)


def shapes(module: torch.nn.Module, prefix: str = '') -> dict:
    return {key: list(value.shape) for key, value in module.state_dict().items() if key.startswith(prefix)}


def reference_backbone(recognition_config: str) -> dict:
    state = mmaction2_reference()[recognition_config]['state_dict']
    return {key: shape for key, shape in state.items() if key.startswith('backbone.')}


def bn(prefix: str, channels: int) -> dict:
    """The state-dict entries of a BatchNorm of ``channels``."""
    return {f'{prefix}.weight': [channels], f'{prefix}.bias': [channels], f'{prefix}.running_mean': [channels],
            f'{prefix}.running_var': [channels], f'{prefix}.num_batches_tracked': []}


def test_reference_lists_the_detection_configs():
    assert len(DETECTION) == 30
    assert all(model['type'] == 'FastRCNN' and model['_scope_'] == 'mmdet' for model in DETECTION.values())


@pytest.mark.parametrize('name', sorted(DETECTION), ids=lambda name: name[len('detection/'):-3])
def test_detection_config_builds(name, lfb_dir):
    model = build_on_meta(local_lfb(DETECTION[name], lfb_dir))
    head = DETECTION[name]['roi_head']['bbox_head']
    assert type(model).__name__ == 'FastRCNN'
    assert model.roi_head.bbox_head.num_classes == head['num_classes']
    assert model.roi_head.bbox_assigner.pos_iou_thr == 0.9 and model.roi_head.bbox_sampler.num == 32
    assert all(key.startswith(('backbone.', 'roi_head.')) for key in model.state_dict())


LAYOUTS = {
    'detection/slowonly/slowonly_kinetics400-pretrained-r50_8xb16-4x16x1-20e_ava21-rgb.py': (
        'recognition/slowonly/slowonly_r50_8xb16-4x16x1-256e_kinetics400-rgb.py',
        {'roi_head.bbox_head.fc_cls.weight': [81, 2048], 'roi_head.bbox_head.fc_cls.bias': [81]}),
    'detection/slowfast/slowfast_kinetics400-pretrained-r50_8xb16-4x16x1-20e_ava21-rgb.py': (
        'recognition/slowfast/slowfast_r50_8xb8-4x16x1-256e_kinetics400-rgb.py',
        {'roi_head.bbox_head.fc_cls.weight': [81, 2304], 'roi_head.bbox_head.fc_cls.bias': [81]}),
    'detection/acrn/slowfast-acrn_kinetics400-pretrained-r50_8xb8-8x8x1-cosine-10e_ava21-rgb.py': (
        'recognition/slowfast/slowfast_r50_8xb8-8x8x1-256e_kinetics400-rgb.py',
        {'roi_head.shared_head.conv1.conv.weight': [2304, 4608, 1, 1, 1],
         **bn('roi_head.shared_head.conv1.bn', 2304),
         'roi_head.shared_head.conv2.conv.weight': [2304, 2304, 1, 3, 3],
         **bn('roi_head.shared_head.conv2.bn', 2304),
         'roi_head.bbox_head.fc_cls.weight': [81, 2304], 'roi_head.bbox_head.fc_cls.bias': [81]}),
    'detection/slowonly/slowonly_k700-pre-r50-context-temporal-max-nl-head_8xb8-8x8x1-10e_ava-kinetics-rgb.py': (
        None,
        {'roi_head.bbox_head.fc_cls.0.weight': [4096, 4096], 'roi_head.bbox_head.fc_cls.0.bias': [4096],
         'roi_head.bbox_head.fc_cls.2.weight': [81, 4096], 'roi_head.bbox_head.fc_cls.2.bias': [81]}),
    'detection/lfb/slowonly-lfb-nl_kinetics400-pretrained-r50_8xb12-4x16x1-20e_ava21-rgb.py': (
        'recognition/slowonly/slowonly_r50_8xb16-4x16x1-256e_kinetics400-rgb.py',
        {'roi_head.shared_head.fbo.st_feat_conv.weight': [512, 2048, 1, 1, 1],
         'roi_head.shared_head.fbo.st_feat_conv.bias': [512],
         'roi_head.shared_head.fbo.lt_feat_conv.weight': [512, 2048, 1, 1, 1],
         'roi_head.shared_head.fbo.lt_feat_conv.bias': [512],
         **{f'roi_head.shared_head.fbo.non_local_layer_{i}.{conv}.conv.{param}': shape
            for i in (1, 2) for conv in ('st_feat_conv', 'lt_feat_conv', 'global_conv', 'out_conv')
            for param, shape in (('weight', [512, 512, 1, 1, 1]), ('bias', [512]))},
         **{f'roi_head.shared_head.fbo.non_local_layer_{i}.ln.{p}': [512, 1, 1, 1]
            for i in (1, 2) for p in ('weight', 'bias')},
         'roi_head.bbox_head.fc_cls.weight': [81, 2560], 'roi_head.bbox_head.fc_cls.bias': [81]}),
}


@pytest.mark.parametrize('name', sorted(LAYOUTS), ids=lambda name: name.split('/')[1])
def test_detection_checkpoint_layout(name, lfb_dir):
    recognition, head_keys = LAYOUTS[name]
    model = build_on_meta(local_lfb(DETECTION[name], lfb_dir))
    assert shapes(model, 'roi_head.') == head_keys
    if recognition is not None:
        assert shapes(model, 'backbone.') == reference_backbone(recognition)


def test_fbo_config_names_the_missing_bank(tmp_path):
    name = 'detection/lfb/slowonly-lfb-max_kinetics400-pretrained-r50_8xb12-4x16x1-20e_ava21-rgb.py'
    with pytest.raises(ConfigError, match=r'lfb_prefix_path: .*lfb_train\.pkl does not exist'):
        build_on_meta(local_lfb(DETECTION[name], str(tmp_path)))
