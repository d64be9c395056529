"""Data transforms: sampling, decoding, augmentation and formatting.

Importing this package registers every transform in reelkit's ``TRANSFORMS`` registry under
its MMAction2 1.x name, with MMAction2's arguments and result keys, so pipelines from
MMAction2 configs run unchanged. Each transform documents the keys it reads and writes
(``Required Keys``, ``Added Keys``, ``Modified Keys``, ``Removed Keys``).
"""
from .audio import AudioFeatureSelector, FormatAudioShape, LoadAudioFeature
from .base import BaseTransform
from .decoding import (ArrayDecode, DecordDecode, DecordInit, OpenCVDecode, OpenCVInit, PyAVDecode, PyAVInit,
                       RawFrameDecode, TorchCodecDecode, TorchCodecInit, VideoDecode, VideoInit)
from .formatting import FormatShape, PackActionInputs, PackLocalizationInputs
from .localization import GenerateLocalizationLabels, LoadLocalizationFeature, LoadProposals
from .pose_transforms import (DecompressPose, FormatGCNInput, GeneratePoseTarget, GenSkeFeat,
                              JointToBone, MergeSkeFeat, MMCompact, MMDecode,
                              MMUniformSampleFrames, PadTo, PoseCompact, PoseDecode,
                              PreNormalize2D, PreNormalize3D, ToMotion)
from .processing import (CenterCrop, ColorJitter, Flip, MultiScaleCrop, RandomCrop,
                         RandomErasing, RandomRescale, RandomResizedCrop, Resize, TenCrop, ThreeCrop)
from .rand_augment import PytorchVideoWrapper, VideoRandAugment
from .sampling import (DenseSampleFrames, SampleAVAFrames, SampleFrames, UniformSample,
                       UniformSampleFrames)
from .video_readers import DecordReader, OpenCVReader, PyAVReader, VideoReader

__all__ = [
    'BaseTransform',
    # sampling
    'SampleFrames', 'DenseSampleFrames', 'UniformSample', 'UniformSampleFrames', 'SampleAVAFrames',
    # decoding
    'VideoReader', 'PyAVReader', 'DecordReader', 'OpenCVReader', 'VideoInit', 'VideoDecode',
    'PyAVInit', 'PyAVDecode', 'DecordInit', 'DecordDecode', 'TorchCodecInit', 'TorchCodecDecode', 'OpenCVInit', 'OpenCVDecode',
    'RawFrameDecode', 'ArrayDecode',
    # processing
    'Resize', 'RandomRescale', 'RandomCrop', 'RandomResizedCrop', 'MultiScaleCrop', 'CenterCrop',
    'ThreeCrop', 'TenCrop', 'Flip', 'ColorJitter', 'RandomErasing', 'PytorchVideoWrapper',
    'VideoRandAugment',
    # formatting
    'FormatShape', 'PackActionInputs', 'PackLocalizationInputs',
    # temporal localization
    'LoadLocalizationFeature', 'GenerateLocalizationLabels', 'LoadProposals',
    # audio
    'LoadAudioFeature', 'AudioFeatureSelector', 'FormatAudioShape',
    # skeletons
    'PoseDecode', 'DecompressPose', 'PoseCompact', 'MMCompact', 'GeneratePoseTarget',
    'PreNormalize3D', 'PreNormalize2D', 'JointToBone', 'ToMotion', 'MergeSkeFeat', 'GenSkeFeat',
    'PadTo', 'FormatGCNInput', 'MMUniformSampleFrames', 'MMDecode',
    # images (OmniSource's image source)
    'LoadRGBFromFile', 'ClsRandomResizedCrop', 'ClsRandomFlip', 'PackClsInputs',
]
from reelkit.datasets.gen import transforms as _gen_transforms  # noqa: F401,E402  (GAN transforms)
from .image import ClsRandomFlip, ClsRandomResizedCrop, LoadRGBFromFile, PackClsInputs  # noqa: E402
