"""Building blocks shared by the GAN architectures: layer resolution, spectral norm, noise sampling."""
from .attention import SelfAttentionBlock
from .layers import (ConvModule, build_activation, build_conv, build_norm, build_upsample, frozen_cfg,
                     module_device, num_doublings, projection_logits)
from .sampling import sample_labels, sample_noise
from .spectral_norm import (SNConv2d, SNEmbedding, SNLinear, apply_spectral_norm, check_sn_style)

__all__ = [
    'ConvModule', 'build_activation', 'build_conv', 'build_norm', 'build_upsample', 'frozen_cfg',
    'module_device', 'num_doublings', 'projection_logits', 'SelfAttentionBlock', 'sample_labels', 'sample_noise', 'SNConv2d', 'SNEmbedding', 'SNLinear',
    'apply_spectral_norm', 'check_sn_style'
]
