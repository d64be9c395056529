"""Backbones: feature extractors registered in MODELS."""
from .aagcn import AAGCN, AAGCNBlock
from .c2d import C2D
from .c3d import C3D
from .mobilenet_v2 import InvertedResidual, MobileNetV2, make_divisible
from .mobilenet_v2_tsm import MobileNetV2TSM
from .mvit import MViT
from .resnet import BasicBlock, Bottleneck, ResNet, resnet_key_map
from .resnet2plus1d import ResNet2Plus1d
from .resnet3d import BasicBlock3d, Bottleneck3d, ResNet3d, ResNet3dLayer
from .resnet3d_csn import ResNet3dCSN
from .resnet3d_slowfast import ResNet3dPathway, ResNet3dSlowFast
from .resnet3d_slowonly import ResNet3dSlowOnly
from .resnet_audio import Bottleneck2dAudio, ConvAudio, ResNetAudio
from .resnet_omni import OmniResNet
from .resnet_tin import ResNetTIN, TemporalInterlace, interlace_shift, tin_key_map
from .resnet_tsm import NonLocalBlock2d, ResNetTSM, TemporalPool, TemporalShift, temporal_shift
from .rgbposeconv3d import RGBPoseConv3D
from .stgcn import STGCN, STGCNBlock
from .swin import SwinTransformer3D
from .tanet import TAM, TABlock, TANet
from .timesformer import TimeSformer
from .uniformer import UniFormer
from .uniformerv2 import UniFormerV2
from .vit_mae import VisionTransformer
from .x3d import X3D, BlockX3D, SEModule

__all__ = [
    'ResNet', 'BasicBlock', 'Bottleneck', 'resnet_key_map', 'ResNetTSM', 'TemporalShift', 'TemporalPool',
    'NonLocalBlock2d', 'temporal_shift', 'SwinTransformer3D', 'MViT', 'C2D', 'C3D',
    'X3D', 'BlockX3D', 'SEModule', 'ResNetAudio', 'Bottleneck2dAudio', 'ConvAudio', 'OmniResNet',
    'ResNet3d', 'ResNet3dLayer', 'BasicBlock3d', 'Bottleneck3d', 'ResNet3dSlowOnly', 'ResNet3dCSN', 'ResNet2Plus1d',
    'ResNet3dPathway', 'ResNet3dSlowFast', 'RGBPoseConv3D', 'TimeSformer', 'VisionTransformer', 'UniFormer', 'UniFormerV2',
    'MobileNetV2', 'MobileNetV2TSM', 'InvertedResidual', 'make_divisible', 'ResNetTIN', 'TemporalInterlace',
    'interlace_shift', 'tin_key_map', 'TANet', 'TAM', 'TABlock', 'STGCN', 'STGCNBlock', 'AAGCN', 'AAGCNBlock'
]
