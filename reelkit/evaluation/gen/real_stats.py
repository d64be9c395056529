"""Real-image features and statistics, computed once and kept in ``.npz`` files.

A file is named by what decides its content: the feature network, the dataset (class, image
paths, pipeline) and the number of images. Pass a path (``inception_pkl``, ``vgg16_pkl``) to
choose the file; without one it goes to ``<cache_dir>/gen_metrics/``. Delete it to recompute.
"""
import hashlib
import os
import os.path as osp
from typing import Callable, Dict, Optional

import numpy as np
import torch
from mmengine.logging import print_log
from torch import Tensor
from torch.utils.data import DataLoader

from reelkit.utils.errors import ConfigError
from .feature_nets import cache_dir


def dataset_fingerprint(dataset) -> str:
    """A digest of the dataset's class, samples and pipeline."""
    digest = hashlib.sha1(type(dataset).__name__.encode())
    for index in range(len(dataset)):
        info = dataset.get_data_info(index) if hasattr(dataset, 'get_data_info') else index
        digest.update(repr(info).encode())
    digest.update(repr(getattr(dataset, 'pipeline', '')).encode())
    return digest.hexdigest()[:16]


def stats_path(kind: str, network_identity: str, dataloader: DataLoader, num_images: int) -> str:
    key = hashlib.sha1(f'{network_identity}|{dataset_fingerprint(dataloader.dataset)}|'
                       f'{num_images}'.encode()).hexdigest()[:16]
    return osp.join(cache_dir(), 'gen_metrics', f'{kind}-{key}.npz')


def load_npz(path: str, keys) -> Dict[str, np.ndarray]:
    """The arrays ``keys`` of an ``.npz`` file (whatever its name; pickles are refused)."""
    try:
        data = np.load(path, allow_pickle=False)
    except ValueError as error:  # a pickle, such as MMGeneration's inception_pkl files
        raise ConfigError(f'{path}: not an .npz file ({error}); reelkit keeps real-image statistics '
                          f'as .npz with arrays {", ".join(keys)} and never unpickles. Delete the '
                          'file (it is recomputed) or convert it with numpy.savez') from error
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ConfigError(f'{path}: expected an .npz archive with arrays {", ".join(keys)}')
    with data:
        missing = [k for k in keys if k not in data]
        if missing:
            raise ConfigError(f'{path}: missing arrays {missing}; delete the file to recompute it')
        return {k: data[k] for k in keys}


def save_npz(path: str, arrays: Dict[str, np.ndarray]) -> None:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.tmp.npz'
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


@torch.no_grad()
def extract_real_features(dataloader: DataLoader, num_images: int,
                          images_of: Callable[[dict], Tensor],
                          features_of: Callable[[Tensor], Tensor]) -> Tensor:
    """Features of the first ``num_images`` images of ``dataloader`` (``-1``: all), as float64."""
    total = len(dataloader.dataset) if num_images == -1 else num_images
    if total > len(dataloader.dataset):
        raise ConfigError(f'real_nums={num_images} but the dataset has only '
                          f'{len(dataloader.dataset)} images')
    loader = DataLoader(dataloader.dataset, batch_size=dataloader.batch_size,
                        sampler=range(total), collate_fn=dataloader.collate_fn,
                        generator=torch.Generator())  # leaves the global random state alone
    features = [features_of(images_of(batch)).double().cpu() for batch in loader]
    return torch.cat(features)[:total]


def cached_arrays(path: Optional[str], default_path: Callable[[], str], keys,
                  compute: Callable[[], Dict[str, np.ndarray]], save: bool = True) -> Dict[str, np.ndarray]:
    """Arrays from ``path`` (or the default cache file) if present, else computed and saved there."""
    target = path or default_path()
    if osp.isfile(target):
        print_log(f'real-image statistics from {target}', logger='current')
        return load_npz(target, keys)
    arrays = compute()
    if save:
        save_npz(target, arrays)
        print_log(f'real-image statistics saved to {target}', logger='current')
    return arrays
