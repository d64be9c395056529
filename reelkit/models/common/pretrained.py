"""Finding and reading pretrained weights, without ever touching the network.

A ``pretrained=`` value may be a local file, an ``http(s)://`` URL or ``torchvision://<name>``.
URLs are looked up in the torch hub cache (``torch.hub.get_dir()/checkpoints/<file name>``,
where ``torch.hub`` would have downloaded them); when the file is not there, the error says
where to put it. Files are read with ``torch.load(weights_only=True)``.
"""
import os.path as osp
import re
from typing import Callable, Collection, Dict, Iterable, Mapping, Optional

import torch
import torch.nn as nn
from mmengine.logging import MMLogger

from reelkit.utils.checkpoint import load_local_checkpoint
from reelkit.utils.errors import CheckpointError, ConfigError

# torchvision's ImageNet weights, the ones ``torchvision://resnetXX`` means in MMEngine (IMAGENET1K_V1).
TORCHVISION_URLS = {
    'resnet18': 'https://download.pytorch.org/models/resnet18-f37072fd.pth',
    'resnet34': 'https://download.pytorch.org/models/resnet34-b627a593.pth',
    'resnet50': 'https://download.pytorch.org/models/resnet50-0676ba61.pth',
    'resnet101': 'https://download.pytorch.org/models/resnet101-63fe2227.pth',
    'resnet152': 'https://download.pytorch.org/models/resnet152-394f9c45.pth',
}

StateDict = Dict[str, torch.Tensor]


def hub_cache_path(url: str) -> str:
    """Where ``torch.hub.load_state_dict_from_url`` keeps the file of ``url``."""
    return osp.join(torch.hub.get_dir(), 'checkpoints', osp.basename(url.split('?')[0]))


def resolve_pretrained(pretrained: str, cfg_key: str) -> str:
    """The local file that ``pretrained`` names.

    Args:
        pretrained: a file path, an ``http(s)://`` URL or ``torchvision://<name>``.
        cfg_key: the dotted config key, for error messages (``model.backbone.pretrained``).

    Raises:
        ConfigError: the file does not exist locally; the message says where to put it.
    """
    if pretrained.startswith('torchvision://'):
        name = pretrained[len('torchvision://'):]
        if name not in TORCHVISION_URLS:
            raise ConfigError(f'{cfg_key}={pretrained!r}: unknown torchvision model; known: '
                              f'{sorted(TORCHVISION_URLS)}, or give a local file path')
        url = TORCHVISION_URLS[name]
    elif re.match(r'^[a-z][a-z0-9+.-]*://', pretrained):
        url = pretrained
    elif osp.isfile(pretrained):
        return pretrained
    else:
        raise ConfigError(f'{cfg_key}={pretrained!r}: no such file. Give the path of a checkpoint, '
                          f'or set {cfg_key}=None to train from scratch')
    if not url.startswith(('http://', 'https://')):
        raise ConfigError(f'{cfg_key}={pretrained!r}: unsupported scheme; give a local file path, '
                          f'an http(s) URL or torchvision://<name>')
    cached = hub_cache_path(url)
    if not osp.isfile(cached):
        raise ConfigError(
            f'{cfg_key}={pretrained!r}: reelkit never downloads weights, and {url} is not in the '
            f'torch hub cache. Download it yourself and put it at {cached} (or set {cfg_key} to a '
            f'local file path), or set {cfg_key}=None to train from scratch')
    return cached


def read_state_dict(path: str) -> StateDict:
    """The tensors of a checkpoint file: its ``state_dict`` (MMEngine), or the file itself (torchvision)."""
    try:
        checkpoint = load_local_checkpoint(path, map_location='cpu')
    except CheckpointError:
        raise
    except Exception as error:  # torch raises several types here (truncated file, not a checkpoint)
        raise ConfigError(f'{path}: cannot read as a checkpoint: {error}') from error
    state_dict = None
    if isinstance(checkpoint, Mapping):
        # MMEngine keeps the tensors under ``state_dict``; the official (image) Swin releases under ``model``.
        nested = [checkpoint[key] for key in ('state_dict', 'model') if isinstance(checkpoint.get(key), Mapping)]
        state_dict = nested[0] if nested else checkpoint
    if not isinstance(state_dict, Mapping):
        raise ConfigError(f'{path}: expected a dict of tensors (or one under "state_dict" or "model"), '
                          f'got {type(checkpoint).__name__}')
    return {key: value for key, value in state_dict.items() if isinstance(value, torch.Tensor)}


KeyMap = Callable[[Iterable[str], Collection[str]], Dict[str, str]]
Convert = Callable[[StateDict, Mapping[str, torch.Tensor]], StateDict]


def backbone_key_map(source_keys: Iterable[str], own_keys: Collection[str]) -> Dict[str, str]:
    """Place checkpoint keys that carry the module's own names, optionally under ``backbone.`` (a
    whole recognizer) or ``module.`` (a DistributedDataParallel wrapper).

    Returns ``{checkpoint key: module key}`` for the keys that have a place.
    """
    own = set(own_keys)
    placed = {}
    for key in source_keys:
        name = key[len('module.'):] if key.startswith('module.') else key
        name = name[len('backbone.'):] if name.startswith('backbone.') else name
        if name in own:
            placed[key] = name
    return placed


def prefix_key_map(prefix: str) -> KeyMap:
    """A :func:`load_pretrained` key map taking the checkpoint keys under ``prefix``, without it (the
    ``prefix`` of MMEngine's ``Pretrained`` init)."""

    def key_map(source_keys: Iterable[str], own_keys: Collection[str]) -> Dict[str, str]:
        own = set(own_keys)
        return {key: key[len(prefix):] for key in source_keys
                if key.startswith(prefix) and key[len(prefix):] in own}

    return key_map


def load_pretrained(module: nn.Module, path: str, key_map: KeyMap, convert: Optional[Convert] = None) -> None:
    """Copy the weights in ``path`` into ``module``, logging what did not fit.

    Args:
        module: the module to fill.
        path: a local checkpoint file.
        key_map: ``(checkpoint keys, module keys) -> {checkpoint key: module key}`` for the keys it
            can place; the others are reported as unused.
        convert: ``(placed tensors by module key, the module's state dict) -> tensors by module key``,
            to reshape what needs it (inflate 2D kernels, resize position tables) before loading;
            ``None`` loads the tensors as they are.
    """
    source = read_state_dict(path)
    own = module.state_dict()
    placed = key_map(source.keys(), own.keys())
    tensors = {dst: source[src] for src, dst in placed.items()}
    if convert is not None:
        tensors = convert(tensors, own)
    mismatched = sorted(key for key, value in tensors.items() if value.shape != own[key].shape)
    loadable = {key: value for key, value in tensors.items() if key not in mismatched}
    module.load_state_dict(loadable, strict=False)

    logger = MMLogger.get_current_instance()
    logger.info(f'{type(module).__name__}: loaded {len(loadable)} of {len(own)} tensors from {path}')
    report = {
        'shape mismatch, kept initial values': mismatched,
        # torchvision checkpoints have no BN step counters; they do not matter for the weights.
        'not in the checkpoint': sorted(k for k in set(own) - set(placed.values())
                                        if not k.endswith('num_batches_tracked')),
        'in the checkpoint but unused': sorted(set(source) - set(placed)),
    }
    for what, keys in report.items():
        if keys:
            shown = ', '.join(keys[:20]) + (' ...' if len(keys) > 20 else '')
            logger.warning(f'{path}: {what} ({len(keys)}): {shown}')
