"""Labelled images for class-conditional GANs (MMGeneration's ``BasicConditionalDataset``).

MMGeneration 1.x trained its conditional models on MMClassification's datasets and its successor
ships this class; both read the same two layouts. Samples are ``dict(img_path=..., gt_label=int)``
so that ``LoadImageFromFile`` reads the image and ``PackGenInputs`` packs the label.

SynthShapes (``reelkit data synth-shapes``) writes the annotation-file layout::

    dict(type='BasicConditionalDataset', data_root='data/synth_shapes', ann_file='labels.txt',
         classes='classes.txt', pipeline=...)
"""
import os
import os.path as osp
from typing import Callable, List, Optional, Sequence, Tuple, Union

from mmengine.dataset import BaseDataset

from reelkit.registry import DATASETS
from reelkit.utils.errors import ConfigError
from .unconditional_image_dataset import IMAGE_SUFFIXES, scan_images


def _read_lines(path: str, what: str) -> List[str]:
    if not osp.isfile(path):
        raise ConfigError(f'BasicConditionalDataset: {what} {path!r} is not a file. SynthShapes '
                          'writes labels.txt and classes.txt: `reelkit data synth-shapes DIR`')
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


@DATASETS.register_module()
class BasicConditionalDataset(BaseDataset):
    """Images with class indices, from an annotation file or from one folder per class.

    - With ``ann_file``: one ``path label`` per line (``images/00000.png 3``), ``path`` relative
      to the image folder and ``label`` a class index.
    - Without: every sub-folder of the image folder is a class (sorted names give the indices)
      and every image under it a sample.

    Args:
        ann_file (str): the annotation file, relative to ``data_root``; ``''`` for the folder layout.
        data_root (str): root of ``ann_file``, ``data_prefix`` and a ``classes`` file.
        data_prefix (str | dict): the image folder relative to ``data_root`` (``''``: the root
            itself), or ``dict(img_path=...)``.
        classes (str | Sequence[str], optional): class names, or a file of them (one a line,
            relative to ``data_root``); stored as ``metainfo['classes']``. With them, labels outside
            ``range(len(classes))`` are refused.
        pipeline (list[dict | callable]): transforms, typically ``LoadImageFromFile``, ...,
            ``PackGenInputs``.
        **kwargs: other ``BaseDataset`` arguments (``metainfo``, ``test_mode``, ``indices``, ...).
    """

    def __init__(self,
                 ann_file: str = '',
                 data_root: str = '',
                 data_prefix: Union[str, dict] = '',
                 classes: Optional[Union[str, Sequence[str]]] = None,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 metainfo: Optional[dict] = None,
                 **kwargs) -> None:
        if not (ann_file or data_root or data_prefix):
            raise ConfigError('BasicConditionalDataset: set data_root (and ann_file for a '
                              '"path label" list, e.g. SynthShapes\' labels.txt)')
        if isinstance(data_prefix, str):
            data_prefix = dict(img_path=data_prefix)
        if classes is not None:
            metainfo = dict(metainfo or {}, classes=self._class_names(classes, data_root))
        super().__init__(ann_file=ann_file, metainfo=metainfo, data_root=data_root,
                         data_prefix=data_prefix, pipeline=pipeline, **kwargs)

    @staticmethod
    def _class_names(classes: Union[str, Sequence[str]], data_root: str) -> Tuple[str, ...]:
        if isinstance(classes, str):
            return tuple(_read_lines(osp.join(data_root, classes), 'classes file'))
        if isinstance(classes, Sequence) and all(isinstance(c, str) for c in classes):
            return tuple(classes)
        raise ConfigError(f'BasicConditionalDataset: classes={classes!r}; expected a list of names '
                          'or a file with one name a line')

    @property
    def img_prefix(self) -> str:
        return self.data_prefix.get('img_path', '')

    def load_data_list(self) -> List[dict]:
        samples = self._read_ann_file() if self.ann_file else self._scan_class_folders()
        classes = self.metainfo.get('classes')
        if classes is not None:
            outside = sorted({label for _, label in samples if not 0 <= label < len(classes)})
            if outside:
                raise ConfigError(f'BasicConditionalDataset: labels {outside[:5]} are not indices of '
                                  f'the {len(classes)} classes {tuple(classes)}')
        return [dict(img_path=path, gt_label=label) for path, label in samples]

    def _read_ann_file(self) -> List[Tuple[str, int]]:
        samples = []
        for number, line in enumerate(_read_lines(self.ann_file, 'ann_file'), 1):
            parts = line.rsplit(maxsplit=1)
            if len(parts) != 2 or not parts[1].isdigit():
                raise ConfigError(f'{self.ann_file}:{number}: {line!r}; expected "path label" with '
                                  'a class index >= 0')
            samples.append((osp.join(self.img_prefix, parts[0]), int(parts[1])))
        if not samples:
            raise ConfigError(f'{self.ann_file}: no samples')
        return samples

    def _scan_class_folders(self) -> List[Tuple[str, int]]:
        root = self.img_prefix
        if not osp.isdir(root):
            raise ConfigError(f'BasicConditionalDataset: image folder {root!r} is not a folder')
        folders = sorted(d for d in os.listdir(root) if osp.isdir(osp.join(root, d)))
        if 'classes' not in self.metainfo:
            self._metainfo['classes'] = tuple(folders)
        elif len(self.metainfo['classes']) != len(folders):
            raise ConfigError(f'BasicConditionalDataset: {len(folders)} class folders under {root!r} '
                              f"but {len(self.metainfo['classes'])} classes given")
        samples = [(path, label) for label, folder in enumerate(folders)
                   for path in scan_images(osp.join(root, folder))]
        if not samples:
            raise ConfigError(f'BasicConditionalDataset: no images ({", ".join(IMAGE_SUFFIXES)}) in '
                              f'class folders under {root!r}; set ann_file for a "path label" list')
        return samples

    def get_cat_ids(self, idx: int) -> List[int]:
        """The class of sample ``idx`` (for MMEngine's ``ClassBalancedDataset``)."""
        return [int(self.get_data_info(idx)['gt_label'])]
