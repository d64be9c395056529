"""A folder of images as an unconditional GAN dataset (MMGeneration's ``UnconditionalImageDataset``)."""
import os
import os.path as osp
from typing import Callable, List, Sequence, Union

from mmengine.dataset import BaseDataset

from reelkit.registry import DATASETS
from reelkit.utils.errors import ConfigError

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')


def scan_images(root: str) -> List[str]:
    """Every image file under ``root`` (recursively), as sorted paths joined with ``root``."""
    found = []
    for folder, _, files in os.walk(root, followlinks=True):
        found += [osp.join(folder, f) for f in files if f.lower().endswith(IMAGE_SUFFIXES)]
    return sorted(found)


def list_images(root: str, owner: str, field: str = 'data_root') -> List[str]:
    """``scan_images(root)``, refusing a missing folder or one without images. ``owner`` (the
    dataset) and ``field`` (the config key that named ``root``) go into the error."""
    if not osp.isdir(root):
        raise ConfigError(f'{owner}: {field} {root!r} is not a folder. Point dataset.{field} at '
                          'your images, or write the built-in set with '
                          f'`reelkit data synth-shapes {root or "data/synth_shapes"}`')
    paths = scan_images(root)
    if not paths:
        raise ConfigError(f'{owner}: no images ({", ".join(IMAGE_SUFFIXES)}) under {field} '
                          f'{root!r}')
    return paths


@DATASETS.register_module()
class UnconditionalImageDataset(BaseDataset):
    """All images under ``data_root`` (recursively, sorted), each sample ``dict(img_path=...)``.

    Args:
        data_root (str): the image folder.
        pipeline (list[dict | callable]): transforms, typically ``LoadImageFromFile``, ...,
            ``PackGenInputs``.
        test_mode (bool): as in MMEngine's ``BaseDataset``. Defaults to False.
        **kwargs: other ``BaseDataset`` arguments (``indices``, ``lazy_init``, ...).
    """

    def __init__(self, data_root: str, pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False, **kwargs) -> None:
        super().__init__(data_root=data_root, pipeline=pipeline, test_mode=test_mode, **kwargs)

    def load_data_list(self) -> List[dict]:
        return [dict(img_path=path) for path in list_images(self.data_root, type(self).__name__)]
