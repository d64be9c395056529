"""Recognition heads, registered in MODELS."""
from .base import BaseHead, stack_labels, topk_accuracy
from .feature_head import FeatureHead
from .gcn_head import GCNHead
from .i3d_head import I3DHead
from .mvit_head import MViTHead
from .omni_head import OmniHead
from .rgbpose_head import RGBPoseHead
from .slowfast_head import SlowFastHead
from .timesformer_head import TimeSformerHead
from .tpn_head import TPNHead
from .trn_head import TRNHead
from .tsm_head import TSMHead
from .tsn_audio_head import TSNAudioHead
from .tsn_head import AvgConsensus, TSNHead
from .uniformer_head import UniFormerHead
from .x3d_head import X3DHead

__all__ = [
    'BaseHead', 'FeatureHead', 'TSNHead', 'TSMHead', 'I3DHead', 'SlowFastHead', 'X3DHead', 'MViTHead', 'TSNAudioHead',
    'OmniHead', 'GCNHead', 'RGBPoseHead', 'TimeSformerHead', 'UniFormerHead', 'TPNHead', 'TRNHead',
    'AvgConsensus', 'stack_labels', 'topk_accuracy'
]
