"""Networks that turn images into features (and class probabilities) for the metrics.

Every network here takes RGB float images in ``[-1, 1]``, shape ``(N, 3, H, W)``, and offers
``features(images) -> (N, D)`` and ``probabilities(images) -> (N, K)``.

- :class:`StyleGANInception` and :class:`StyleGANVGG16` load the TorchScript files used by
  StyleGAN2-ADA (and MMGeneration's ``inception_style='StyleGAN'``) from a local path.
  Nothing is downloaded: a missing file raises :class:`FeatureNetworkNotFound` with the URL.
- :class:`SeededFeatureNet` is a small random convolutional network built from a seed. Its
  distances are not comparable with published FIDs, but they track how close generated images
  are to real ones, with no file at all (tests, the SynthShapes demo).

Files are looked up where the config says, else in the cache folder ``$REELKIT_CACHE``
(default ``~/.cache/reelkit``), which also holds the real-image statistics the metrics save.
"""
import os
import os.path as osp
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from reelkit.registry import MODELS
from reelkit.utils.errors import ConfigError

INCEPTION_URL = ('https://nvlabs-fi-cdn.nvidia.com/stylegan2-ada-pytorch/pretrained/metrics/'
                 'inception-2015-12-05.pt')
VGG16_URL = 'https://nvlabs-fi-cdn.nvidia.com/stylegan2-ada-pytorch/pretrained/metrics/vgg16.pt'


class FeatureNetworkNotFound(ConfigError):
    """The file of a metric's feature network is not on disk; the message says how to get it."""


def cache_dir() -> str:
    """reelkit's cache folder: ``$REELKIT_CACHE``, else ``~/.cache/reelkit``."""
    return os.environ.get('REELKIT_CACHE') or osp.join(osp.expanduser('~'), '.cache', 'reelkit')


def find_network_file(owner: str, option: str, path: Optional[str], file_name: str, url: str) -> str:
    """``path`` if given, else ``<cache_dir>/<file_name>``; raise naming both and the URL if absent."""
    candidate = path or osp.join(cache_dir(), file_name)
    if osp.isfile(candidate):
        return candidate
    where = f'{option}={path!r}' if path else f'the cache folder ({candidate})'
    raise FeatureNetworkNotFound(
        f'{owner}: feature network file not found at {where}. reelkit never downloads: fetch '
        f'{url} yourself and either pass its path as {option}=... or save it as {candidate} '
        "(set REELKIT_CACHE to use another cache folder). Without the file, set feature_net="
        "dict(type='SeededFeatureNet') for scores that are only comparable with each other")


def to_uint8(images: Tensor) -> Tensor:
    """``[-1, 1]`` floats -> ``[0, 255]`` uint8, MMGeneration's rounding (``x * 127.5 + 128``)."""
    return (images * 127.5 + 128).clamp(0, 255).to(torch.uint8)


class TorchScriptFeatureNet(nn.Module):
    """A StyleGAN2-ADA TorchScript network: uint8 images in, ``return_features=True`` features out."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.net = torch.jit.load(path, map_location='cpu').eval()

    def features(self, images: Tensor) -> Tensor:
        return self.net(to_uint8(images), return_features=True)

    def probabilities(self, images: Tensor) -> Tensor:
        raise ConfigError(f'{type(self).__name__} gives features only, not class probabilities')

    def identity(self) -> str:
        return f'{type(self).__name__}({osp.abspath(self.path)}, {osp.getsize(self.path)} bytes)'


class StyleGANInception(TorchScriptFeatureNet):
    """StyleGAN2-ADA's TorchScript Inception-v3 (``inception-2015-12-05.pt``): 2048-d pool
    features and 1008-way probabilities. It resizes its uint8 input to 299x299 itself."""

    def probabilities(self, images: Tensor) -> Tensor:
        return self.net(to_uint8(images), no_output_bias=True)


class StyleGANVGG16(TorchScriptFeatureNet):
    """StyleGAN2-ADA's TorchScript VGG16 (``vgg16.pt``): 4096-d features of the first FC layers."""


@MODELS.register_module()
class SeededFeatureNet(nn.Module):
    """A fixed random CNN: stride-2 3x3 convolutions with ReLU, pooled to a 2x2 grid.

    The weights are drawn from ``torch.Generator().manual_seed(seed)`` (He-normal), so the same
    seed gives the same network on every machine. ``features`` are ``4 * channels[-1]`` values
    per image; ``probabilities`` are the softmax of a seeded linear map to ``num_classes``.

    Args:
        seed (int): seed of the weights. Defaults to 0.
        in_channels (int): image channels. Defaults to 3.
        channels (Sequence[int]): output channels of the convolutions. Defaults to (32, 64, 32).
        num_classes (int): size of ``probabilities``. Defaults to 10.
    """

    def __init__(self, seed: int = 0, in_channels: int = 3, channels: Sequence[int] = (32, 64, 32),
                 num_classes: int = 10):
        super().__init__()
        self.seed, self.channels, self.num_classes = seed, tuple(channels), num_classes
        generator = torch.Generator().manual_seed(seed)
        widths = [in_channels, *channels]
        self.weights = nn.ParameterList(
            nn.Parameter(torch.randn(c_out, c_in, 3, 3, generator=generator) * (2 / (9 * c_in))**0.5,
                         requires_grad=False) for c_in, c_out in zip(widths[:-1], widths[1:]))
        dim = 4 * widths[-1]
        self.head = nn.Parameter(torch.randn(dim, num_classes, generator=generator) / dim**0.5,
                                 requires_grad=False)

    def features(self, images: Tensor) -> Tensor:
        x = images
        for weight in self.weights:
            x = F.relu(F.conv2d(x, weight, stride=2, padding=1))
        return F.adaptive_avg_pool2d(x, 2).flatten(1)

    def forward(self, images: Tensor) -> Tensor:
        return self.features(images)

    def probabilities(self, images: Tensor) -> Tensor:
        return F.softmax(self.features(images) @ self.head, dim=1)

    def identity(self) -> str:
        return f'SeededFeatureNet(seed={self.seed}, channels={self.channels}, ' \
               f'num_classes={self.num_classes})'


def build_feature_net(owner: str, feature_net: Optional[dict], default_style: str, path_option: str,
                      path: Optional[str]) -> nn.Module:
    """The metric's network: ``feature_net`` built from MODELS if given, else the StyleGAN file."""
    if feature_net is not None:
        if not isinstance(feature_net, dict):
            raise ConfigError(f'{owner}.feature_net must be a config dict, e.g. '
                              f"dict(type='SeededFeatureNet'), got {feature_net!r}")
        return MODELS.build(feature_net).eval()
    if default_style == 'Inception':
        return StyleGANInception(find_network_file(owner, path_option, path,
                                                   'inception-2015-12-05.pt', INCEPTION_URL))
    return StyleGANVGG16(find_network_file(owner, path_option, path, 'vgg16.pt', VGG16_URL))
