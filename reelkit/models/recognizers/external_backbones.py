"""Backbones from other libraries, named as MMAction2 configs name them: ``timm.<name>``,
``torchvision.<name>``, ``mmpretrain.<Type>`` (and the older ``mmcls.<Type>``).

The library is imported only when a config asks for it; when it is missing, the error names the
pip package to install. The built model is kept as it is, so its state-dict keys are the ones
MMAction2 checkpoints hold under ``backbone.``; its classifier is dropped as MMAction2 does.
"""
import importlib
from typing import Mapping, Optional, Tuple

import torch
import torch.nn as nn

from reelkit.utils.errors import ConfigError
from ..common import build_module

# config prefix -> (module to import, pip package)
SOURCES = {
    'timm.': ('timm', 'timm>=0.9'),
    'torchvision.': ('torchvision.models', 'torchvision'),
    'mmpretrain.': ('mmpretrain.models', 'mmpretrain'),
    'mmcls.': ('mmcls.models', 'mmcls'),
}
FEATURE_SHAPES = ('NCHW', 'NHWC', 'NLC', None)


def backbone_source(cfg) -> Optional[str]:
    """``'timm'``, ``'torchvision'``, ``'mmpretrain'`` or ``'mmcls'`` for a backbone config of that
    library, ``None`` for reelkit's own backbones (and built modules)."""
    kind = cfg.get('type') if isinstance(cfg, Mapping) else None
    if not isinstance(kind, str):
        return None
    return next((prefix[:-1] for prefix in SOURCES if kind.startswith(prefix)), None)


def import_source(source: str, kind: str):
    module, package = SOURCES[source + '.']
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ConfigError(f"model.backbone.type={kind!r} needs {source}, which is not installed "
                          f"(pip install '{package}')") from error


def build_external_backbone(cfg: Mapping) -> Tuple[nn.Module, str, Optional[str]]:
    """(backbone, source, feature_shape) for a ``timm.``/``torchvision.``/``mmpretrain.`` config."""
    cfg = dict(cfg)
    kind = cfg.pop('type')
    source = backbone_source(dict(type=kind))
    library = import_source(source, kind)
    feature_shape = cfg.pop('feature_shape', None)
    if feature_shape not in FEATURE_SHAPES:
        raise ConfigError(f'model.backbone.feature_shape={feature_shape!r}; expected one of {FEATURE_SHAPES}')
    name = kind[len(source) + 1:]
    if source == 'timm':
        return library.create_model(name, num_classes=0, **cfg), source, feature_shape
    if source == 'torchvision':
        if not callable(getattr(library, name, None)):
            raise ConfigError(f'model.backbone.type={kind!r}: torchvision.models has no {name!r}')
        model = getattr(library, name)(**cfg)
        model.classifier = nn.Identity()  # the classifier of any torchvision family, as MMAction2 drops it
        model.fc = nn.Identity()
        return model, source, feature_shape
    return build_module(dict(cfg, type=kind)), source, None


def external_features(backbone: nn.Module, source: str, feature_shape: Optional[str],
                      x: torch.Tensor) -> torch.Tensor:
    """Backbone features of images (N, C, H, W), pooled to (N, C', 1, 1) for timm/torchvision
    (their feature maps, (N, C', h, w) or tokens (N, L, C'), as MMAction2 pools them)."""
    if source in ('mmpretrain', 'mmcls'):
        x = backbone(x)
        return x[0] if isinstance(x, tuple) and len(x) == 1 else x
    if source == 'timm':
        x = backbone.forward_features(x)
    else:
        x = backbone.features(x) if hasattr(backbone, 'features') else backbone(x)
    shape = feature_shape or {3: 'NLC', 4: 'NCHW'}.get(x.dim())
    if shape == 'NHWC':
        x = x.mean(dim=(1, 2))
    elif shape == 'NCHW':
        x = x.mean(dim=(2, 3))
    elif shape == 'NLC':
        x = x.mean(dim=1)
    return x.reshape(x.shape[0], -1, 1, 1)
