"""Building blocks shared by the GAN architectures.

* :mod:`.layers`: layer configs resolved by table (``act_cfg``, ``norm_cfg``, ...), MMCV-named ``ConvModule``,
  pixel norm, the projection-discriminator head.
* :mod:`.spectral_norm`: spectral norm in the ``torch`` and ``ajbrock`` checkpoint layouts.
* :mod:`.equalized_lr`: equalized learning rate and its conv/linear layers (PGGAN, StyleGAN).
* :mod:`.upfirdn2d`, :mod:`.bias_act`, :mod:`.minibatch_std`: StyleGAN operators in plain PyTorch.
* :mod:`.attention`: SAGAN/BigGAN self-attention. :mod:`.sampling`: noise and label inputs.
"""
from .attention import SelfAttentionBlock
from .layers import (ConvModule, PixelNorm, build_activation, build_conv, build_norm, build_upsample, frozen_cfg,
                     maybe_spectral_norm, module_device, num_doublings, pixel_norm, projection_logits,
                     sn_conv_module)
from .sampling import sample_labels, sample_noise
from .spectral_norm import SNConv2d, SNEmbedding, SNLinear, apply_spectral_norm, check_sn_style

__all__ = [
    'ConvModule', 'PixelNorm', 'SelfAttentionBlock', 'SNConv2d', 'SNEmbedding', 'SNLinear', 'apply_spectral_norm',
    'build_activation', 'build_conv', 'build_norm', 'build_upsample', 'check_sn_style', 'frozen_cfg',
    'maybe_spectral_norm', 'module_device', 'num_doublings', 'pixel_norm', 'projection_logits', 'sample_labels',
    'sample_noise', 'sn_conv_module'
]
