"""Contracts shared by every transform: documented keys match the code, reprs, registry,
and a config-built pipeline from file name to packed tensors."""
import inspect
from typing import Callable, Dict, NamedTuple

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose
from transforms_helpers import coded_frames, gray_level

import reelkit.datasets.transforms as transforms_pkg
from reelkit.datasets.transforms import (ArrayDecode, AudioFeatureSelector, CenterCrop, ColorJitter, DecompressPose,
                                         DecordDecode, DecordInit, DenseSampleFrames, Flip, FormatAudioShape,
                                         FormatGCNInput, FormatShape, GeneratePoseTarget, GenSkeFeat,
                                         JointToBone, LoadAudioFeature, MergeSkeFeat, MMCompact, MMDecode,
                                         MMUniformSampleFrames, MultiScaleCrop, OpenCVDecode, OpenCVInit,
                                         PackActionInputs, PadTo, PoseCompact, PoseDecode, PreNormalize2D,
                                         PreNormalize3D, PyAVDecode, PyAVInit, PytorchVideoWrapper, TorchCodecDecode,
                                         RandomCrop, RandomErasing, RandomRescale, RandomResizedCrop,
                                         RawFrameDecode, Resize, SampleAVAFrames, SampleFrames, TenCrop, ThreeCrop, ToMotion,
                                         UniformSample, UniformSampleFrames)
from reelkit.registry import TRANSFORMS

SECTIONS = ('Required Keys', 'Added Keys', 'Modified Keys', 'Removed Keys')


def documented_keys(cls) -> Dict[str, Dict[str, bool]]:
    """``{section: {key: optional}}`` from the ``Required Keys:``-style docstring lists."""
    keys: Dict[str, Dict[str, bool]] = {section: {} for section in SECTIONS}
    section = None
    for line in inspect.getdoc(cls).splitlines():
        text = line.strip()
        if text.endswith(':') and text[:-1] in SECTIONS:
            section = text[:-1]
        elif section and text.startswith('- '):
            keys[section][text[2:].split()[0]] = '(optional' in text
        else:
            section = None
    return keys


class TrackedDict(dict):
    """A results dict that records which keys a transform reads, writes and removes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial, self.reads, self.writes, self.removed = set(self), set(), set(), set()

    def __getitem__(self, key):
        self.reads.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        found = super().__contains__(key)
        if found:
            self.reads.add(key)
        return found

    def get(self, key, default=None):
        if super().__contains__(key):
            self.reads.add(key)
        return super().get(key, default)

    def __setitem__(self, key, value):
        self.writes.add(key)
        super().__setitem__(key, value)

    def pop(self, key, *default):
        self.reads.add(key)
        self.removed.add(key)
        return super().pop(key, *default)


class Case(NamedTuple):
    transform: Callable[[], object]
    results: Callable[[dict], dict]  # fixtures -> input dict


def imgs(**extra):
    return dict(imgs=coded_frames(2, 24, 32), **extra)


def skeletons(num_person=1, num_frames=2, num_joints=17, channels=2, **extra):
    """Poses spread over a 24 x 32 frame, with scores (and the extra keys)."""
    rng = np.random.default_rng(0)
    keypoint = rng.uniform([2, 2, 0][:channels], [30, 22, 1][:channels],
                           (num_person, num_frames, num_joints, channels)).astype(np.float32)
    return dict(keypoint=keypoint, **extra)


def scored(**extra):
    pose = skeletons(**extra)
    pose['keypoint_score'] = np.ones(pose['keypoint'].shape[:-1], np.float32)
    return pose


def boxes(scale=1.0):
    """Person boxes and proposals in pixels of a 24 x 32 frame (``scale=1/32``: fractions)."""
    return dict(gt_bboxes=np.array([[2., 2., 20., 18.]], np.float32) * scale,
                proposals=np.array([[0., 1., 30., 22.]], np.float32) * scale)


def geometry():
    """Frames, the poses drawn on them and boxes: the geometric transforms move all three."""
    return imgs(img_shape=(24, 32), crop_quadruple=np.array([0, 0, 1, 1], np.float32),
                **skeletons(), **boxes())


CASES = {
    'SampleFrames': Case(lambda: SampleFrames(4, 2, 2), lambda f: dict(total_frames=50,
                                                                       start_index=0)),
    'DenseSampleFrames': Case(lambda: DenseSampleFrames(4), lambda f: dict(total_frames=50,
                                                                           start_index=0)),
    'UniformSample': Case(lambda: UniformSample(4), lambda f: dict(total_frames=50,
                                                                   start_index=0)),
    'UniformSampleFrames': Case(lambda: UniformSampleFrames(4),
                                lambda f: dict(total_frames=50, start_index=0)),
    'SampleAVAFrames': Case(lambda: SampleAVAFrames(4, 2), lambda f: dict(
        fps=30, timestamp=902, timestamp_start=900, start_index=1, shot_info=(0, 300))),
    'PyAVInit': Case(PyAVInit, lambda f: dict(filename=f['video'])),
    'OpenCVInit': Case(OpenCVInit, lambda f: dict(filename=f['video'])),
    'PyAVDecode': Case(PyAVDecode, lambda f: dict(
        video_reader=PyAVInit()(dict(filename=f['video']))['video_reader'],
        frame_inds=np.array([1, 9]))),
    'OpenCVDecode': Case(OpenCVDecode, lambda f: dict(
        video_reader=OpenCVInit()(dict(filename=f['video']))['video_reader'],
        frame_inds=np.array([1, 9]))),
    'ArrayDecode': Case(ArrayDecode, lambda f: dict(
        array=np.zeros((5, 24, 32, 3), np.uint8), frame_inds=np.array([1, 4]), offset=0)),
    'RawFrameDecode': Case(RawFrameDecode, lambda f: dict(
        frame_dir=f['frames'], filename_tmpl='img_{:05d}.png', frame_inds=np.array([1, 2]),
        modality='RGB', offset=0, **boxes(1 / 32))),
    'Resize': Case(lambda: Resize((-1, 16)), lambda f: imgs(
        img_shape=(24, 32), scale_factor=np.ones(2, np.float32), **skeletons(), **boxes())),
    'RandomRescale': Case(lambda: RandomRescale((12, 16)), lambda f: imgs(
        img_shape=(24, 32), scale_factor=np.ones(2), **skeletons(), **boxes())),
    'RandomCrop': Case(lambda: RandomCrop(16), lambda f: geometry()),
    'RandomResizedCrop': Case(RandomResizedCrop, lambda f: geometry()),
    'MultiScaleCrop': Case(lambda: MultiScaleCrop(16, scales=(1, 0.8)), lambda f: geometry()),
    'CenterCrop': Case(lambda: CenterCrop(16), lambda f: geometry()),
    'ThreeCrop': Case(lambda: ThreeCrop(24), lambda f: imgs()),
    'TenCrop': Case(lambda: TenCrop(16), lambda f: imgs()),
    'Flip': Case(lambda: Flip(flip_ratio=1.0, flip_label_map={0: 1}, left_kp=[1, 3], right_kp=[2, 4]),
                 lambda f: imgs(modality='RGB', label=0, img_shape=(24, 32), **scored(), **boxes())),
    'ColorJitter': Case(ColorJitter, lambda f: imgs()),
    'FormatShape': Case(lambda: FormatShape('NCTHW'), lambda f: imgs(
        heatmap_imgs=np.zeros((4, 17, 6, 8), np.float32), num_clips=1, clip_len=dict(RGB=2, Pose=4))),
    'PytorchVideoWrapper': Case(lambda: PytorchVideoWrapper(op='RandAugment', prob=1.0), lambda f: imgs()),
    'RandomErasing': Case(lambda: RandomErasing(erase_prob=1.0, mode='rand'), lambda f: imgs()),
    'LoadAudioFeature': Case(LoadAudioFeature, lambda f: dict(audio_path=f['video'] + '.no-audio.npy')),
    'AudioFeatureSelector': Case(AudioFeatureSelector, lambda f: dict(
        audios=np.ones((50, 4), np.float32), frame_inds=np.arange(8), num_clips=2, length=50, total_frames=8)),
    'FormatAudioShape': Case(lambda: FormatAudioShape('NCTF'), lambda f: dict(audios=np.ones((1, 8, 4)))),
}
# Skeletons: every pose transform on a sample shaped like the ones its pipelines feed it.
CASES.update({
    'PoseDecode': Case(PoseDecode, lambda f: scored(num_frames=5)),
    'DecompressPose': Case(DecompressPose, lambda f: dict(
        keypoint=np.ones((3, 17, 3), np.float32), frame_inds=np.array([0, 0, 4]), total_frames=6,
        anno_inds=np.array([True, True, False]))),
    'PoseCompact': Case(PoseCompact, lambda f: skeletons(img_shape=(24, 32))),
    'MMCompact': Case(MMCompact, lambda f: imgs(img_shape=(24, 32), **skeletons())),
    'GeneratePoseTarget': Case(GeneratePoseTarget, lambda f: scored(img_shape=(24, 32))),
    'PreNormalize3D': Case(PreNormalize3D, lambda f: skeletons(2, 4, 25, 3, total_frames=4)),
    'PreNormalize2D': Case(PreNormalize2D, lambda f: skeletons(img_shape=(24, 32))),
    'JointToBone': Case(JointToBone, lambda f: skeletons(num_joints=25, channels=3)),
    'ToMotion': Case(ToMotion, lambda f: skeletons(num_joints=25, channels=3)),
    'MergeSkeFeat': Case(MergeSkeFeat, lambda f: skeletons()),
    'GenSkeFeat': Case(lambda: GenSkeFeat(dataset='coco', feats=['j', 'bm']), lambda f: scored()),
    'PadTo': Case(lambda: PadTo(5), lambda f: scored(total_frames=2, start_index=0)),
    'FormatGCNInput': Case(FormatGCNInput, lambda f: scored(num_frames=4, num_clips=2)),
    'MMUniformSampleFrames': Case(lambda: MMUniformSampleFrames(dict(RGB=2, Pose=4)),
                                  lambda f: dict(total_frames=40, modality='Pose')),
    'MMDecode': Case(MMDecode, lambda f: scored(
        num_frames=40, modality=['RGB', 'Pose'], RGB_inds=np.array([1, 9]), Pose_inds=np.arange(4),
        filename=f['video'], img_shape=(64, 64))),
})
# PackActionInputs returns a new dict. The decord steps run with or without decord (PyAV stands in).
# TorchCodecInit needs torchcodec's FFmpeg libraries: tests/datasets/test_torchcodec.py covers it.
# PackLocalizationInputs returns a new dict too, and LoadProposals takes its folders when built:
# tests/datasets/test_activitynet.py covers both.
# PackClsInputs returns a new dict: tests/datasets/test_image_source.py covers it.
NOT_CASES = {'PackActionInputs', 'TorchCodecInit', 'PackLocalizationInputs', 'LoadProposals', 'PackClsInputs'}
CASES.update({
    'TorchCodecDecode': Case(TorchCodecDecode, lambda f: dict(
        video_reader=PyAVInit()(dict(filename=f['video']))['video_reader'], frame_inds=np.array([1, 9]))),
    'DecordInit': Case(DecordInit, lambda f: dict(filename=f['video'])),
    'DecordDecode': Case(DecordDecode, lambda f: dict(
        video_reader=DecordInit()(dict(filename=f['video']))['video_reader'], frame_inds=np.array([1, 9]))),
})


def feature_csv(video: str) -> str:
    """A localization feature csv (a header, 3 snippets of 2 channels) written beside ``video``."""
    path = video + '.features.csv'
    with open(path, 'w') as stream:
        stream.write('a,b\n1,2\n3,4\n5,6\n')
    return path


CASES.update({
    'LoadLocalizationFeature': Case(TRANSFORMS.get('LoadLocalizationFeature'),
                                    lambda f: dict(feature_path=feature_csv(f['video']))),
    'GenerateLocalizationLabels': Case(TRANSFORMS.get('GenerateLocalizationLabels'), lambda f: dict(
        duration_frame=100, duration_second=10., feature_frame=96,
        annotations=[dict(segment=[1., 5.], label='jump')])),
})


CASES.update({
    'LoadRGBFromFile': Case(TRANSFORMS.get('LoadRGBFromFile'),
                            lambda f: dict(img_path=f['frames'] + '/img_00001.png')),
    'ClsRandomResizedCrop': Case(lambda: TRANSFORMS.get('ClsRandomResizedCrop')(scale=8),
                                 lambda f: dict(img=coded_frames(1, 24, 32)[0])),
    'ClsRandomFlip': Case(lambda: TRANSFORMS.get('ClsRandomFlip')(prob=1.0),
                          lambda f: dict(img=coded_frames(1, 24, 32)[0])),
})


@pytest.fixture
def fixture_paths(video_path, rgb_frame_dir):
    return dict(video=video_path, frames=rgb_frame_dir)


@pytest.mark.parametrize('name', sorted(CASES))
def test_documented_keys_match_what_the_transform_reads_and_writes(name, fixture_paths):
    case = CASES[name]
    doc = documented_keys(getattr(transforms_pkg, name))
    results = TrackedDict(case.results(fixture_paths))
    assert results.initial <= set(doc['Required Keys']), 'the case feeds undocumented keys'
    np.random.seed(0)
    out = case.transform()(results)
    assert out is results
    required = {key for key, optional in doc['Required Keys'].items() if not optional}
    assert required <= results.reads, f'required but not read: {required - results.reads}'
    read_inputs = results.reads & results.initial
    assert read_inputs <= set(doc['Required Keys']), f'read but undocumented: {read_inputs}'
    assert results.writes - results.initial == set(doc['Added Keys'])
    assert results.writes & results.initial == set(doc['Modified Keys'])
    assert results.removed == set(doc['Removed Keys'])
    if 'video_reader' in results:
        results['video_reader'].close()


def test_pack_action_inputs_reads_documented_keys_and_leaves_results_alone():
    doc = documented_keys(PackActionInputs)
    results = TrackedDict(imgs=np.zeros((1, 3, 2, 4, 4), np.uint8), label=2)
    packed = PackActionInputs()(results)
    assert set(packed) == {'inputs', 'data_samples'}
    assert {'imgs', 'label'} <= results.reads <= set(doc['Required Keys'])
    assert not results.writes and not results.removed


# The transforms this package registers (other packages register theirs in the same registry).
OWN_TRANSFORMS = sorted(name for name, cls in TRANSFORMS.module_dict.items()
                        if cls.__module__.startswith('reelkit.datasets.transforms.'))


def test_the_package_registers_the_mmaction2_transforms():
    assert set(OWN_TRANSFORMS) == set(CASES) | NOT_CASES


@pytest.mark.parametrize('name', OWN_TRANSFORMS)
def test_registered_transform_is_exported_documented_and_covered(name):
    cls = TRANSFORMS.get(name)
    assert getattr(transforms_pkg, name) is cls and name in transforms_pkg.__all__
    doc = documented_keys(cls)
    assert doc['Required Keys'], f'{name} documents no Required Keys'


@pytest.mark.parametrize('transform, expected', [
    (SampleFrames(8, 4, 2, test_mode=True), 'SampleFrames(clip_len=8, frame_interval=4, '
                                            'num_clips=2, temporal_jitter=False'),
    (Resize((-1, 256)), "Resize(scale=(inf, 256), keep_ratio=True, interpolation='bilinear'"),
    (PyAVDecode(mode='efficient'), "PyAVDecode(multi_thread=False, mode='efficient')"),
    (CenterCrop(224), 'CenterCrop(crop_size=(224, 224), lazy=False)'),
    (FormatShape('NCHW'), "FormatShape(input_format='NCHW', collapse=False)"),
])
def test_repr_shows_the_arguments(transform, expected):
    assert repr(transform).startswith(expected)


def test_config_pipeline_goes_from_file_name_to_packed_tensors(video_path):
    configs = [
        dict(type='PyAVInit'),
        dict(type='SampleFrames', clip_len=4, frame_interval=2, num_clips=2, test_mode=True),
        dict(type='PyAVDecode'),
        dict(type='Resize', scale=(-1, 24)),
        dict(type='CenterCrop', crop_size=16),
        dict(type='Flip', flip_ratio=0),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs'),
    ]
    pipeline = Compose([TRANSFORMS.build(cfg) for cfg in configs])
    packed = pipeline(dict(filename=video_path, label=1, start_index=0))
    inputs = packed['inputs']
    assert inputs.shape == (2, 3, 4, 16, 16) and inputs.dtype == torch.uint8
    # test-mode clips of 4 frames, 2 apart, in a 40-frame video start at 0 and 33
    levels = inputs[:, 0, :, 8, 8].float()
    expected = torch.tensor([[gray_level(i) for i in (0, 2, 4, 6)],
                             [gray_level(i) for i in (33, 35, 37, 39)]]).float()
    assert (levels - expected).abs().max() <= 2
    assert packed['data_samples'].gt_label.tolist() == [1]
    assert packed['data_samples'].img_shape == (16, 16)
