"""Datasets (annotation lists to samples) and, in ``transforms``, the pipelines that load them."""
from . import transforms  # noqa: F401  (registers the transforms in reelkit's TRANSFORMS)
from .activitynet_dataset import ActivityNetDataset
from .audio_dataset import AudioDataset
from .ava_dataset import AVADataset, AVAKineticsDataset
from .base import BaseActionDataset, skipped_files
from .imagenet import ImageNet
from .pose_dataset import PoseDataset
from .rawframe_dataset import RawframeDataset
from .repeat_aug_dataset import RepeatAugDataset, repeat_pseudo_collate
from .synth_motion import SYNTH_MOTION_CLASSES, generate_synth_motion
from .synth_skeleton import SYNTH_SKELETON_CLASSES, generate_synth_skeleton
from .video_dataset import VideoDataset

__all__ = [
    'BaseActionDataset', 'VideoDataset', 'RawframeDataset', 'AudioDataset', 'PoseDataset',
    'ActivityNetDataset',
    'AVADataset', 'AVAKineticsDataset', 'ImageNet',
    'RepeatAugDataset', 'repeat_pseudo_collate', 'skipped_files',
    'generate_synth_motion', 'SYNTH_MOTION_CLASSES', 'generate_synth_skeleton', 'SYNTH_SKELETON_CLASSES'
]
from . import gen, synth_shapes  # noqa: F401,E402  (generative models: datasets, GAN transforms, SynthShapes)
