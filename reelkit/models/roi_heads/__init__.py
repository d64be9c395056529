"""RoI heads of the spatio-temporal action detectors (MMAction2's ``roi_heads``)."""
from .acrn_head import ACRNHead
from .bbox_head import BBoxHeadAVA
from .fbo_head import LFB, FBOHead
from .lfb_infer_head import LFBInferHead
from .roi_extractor import SingleRoIExtractor3D
from .roi_head import AVARoIHead

__all__ = ['ACRNHead', 'AVARoIHead', 'BBoxHeadAVA', 'FBOHead', 'LFB', 'LFBInferHead', 'SingleRoIExtractor3D']
