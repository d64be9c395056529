"""Image folders per scale for progressive growing (MMGeneration 1.x's ``GrowScaleImgDataset``).

PGGAN trains at 4x4, then 8x8, ... and resizes the real images down to the current scale. To save
decoding and resizing large images at the small scales, ``data_roots`` may hold one folder per
scale; at each scale the dataset reads the smallest folder of at least that scale, e.g. with
``{'64': 'imgs_64', '256': 'imgs_256'}`` scales 4 to 64 read ``imgs_64`` and 128 and 256 read
``imgs_256``. The batch size can change with the scale too (``gpu_samples_per_scale``).

``PGGANFetchDataHook`` calls ``update_annotations(scale)`` when the model moves to a new scale and
rebuilds the training dataloader with ``samples_per_gpu`` images a batch.
"""
from typing import Callable, Dict, Optional, Sequence, Union

from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from reelkit.registry import DATASETS
from reelkit.utils.errors import ConfigError
from .unconditional_image_dataset import list_images

LOCAL_BACKENDS = (None, 'disk', 'local')


@DATASETS.register_module()
class GrowScaleImgDataset(BaseDataset):
    """The images of one folder of ``data_roots``, chosen by the training scale; each sample
    ``dict(img_path=...)``.

    Args:
        data_roots (dict): ``{scale: folder}`` (scales as strings, e.g. ``{'64': 'imgs_64'}``). A
            training scale reads the folder of the smallest scale at least as large. The dataset
            starts at the smallest scale of ``data_roots``.
        pipeline (list[dict | callable]): transforms, typically ``LoadImageFromFile``, ...,
            ``PackGenInputs``.
        len_per_stage (int): length of the dataset at every scale: the folder's images repeated
            (or only the first ones) up to this length, so a stage's sampler sees the same length
            whatever the folder. ``<= 0`` keeps the folder's length. Defaults to ``int(1e6)``.
        gpu_samples_per_scale (dict, optional): ``{scale: images per GPU}``, e.g. ``{'4': 64}``;
            the other scales take ``gpu_samples_base``.
        gpu_samples_base (int): images per GPU of the scales not in ``gpu_samples_per_scale``.
            Defaults to 32.
        io_backend (str, optional), file_client_args (dict, optional): accepted for MMGeneration
            configs; the folders are listed on the local disk, so only ``'disk'`` (or ``None``).
        test_mode (bool): as in MMEngine's ``BaseDataset``. Defaults to False.
        **kwargs: other ``BaseDataset`` arguments (``lazy_init``, ...).

    Attributes (MMGeneration's names): ``data_root`` (the folder read now), ``samples_per_gpu``
    (the batch size of the current scale), ``_actual_curr_scale`` (the training scale) and
    ``_curr_scale`` (the scale of the folder read).
    """

    def __init__(self,
                 data_roots: Dict[str, str],
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 len_per_stage: int = int(1e6),
                 gpu_samples_per_scale: Optional[Dict[str, int]] = None,
                 gpu_samples_base: int = 32,
                 io_backend: Optional[str] = None,
                 file_client_args: Optional[dict] = None,
                 test_mode: bool = False,
                 **kwargs) -> None:
        if not isinstance(data_roots, dict) or not data_roots:
            raise ConfigError(f'GrowScaleImgDataset: data_roots={data_roots!r}; expected a dict '
                              "{scale: image folder}, e.g. {'64': 'data/imgs_64'}")
        backend = (file_client_args or {}).get('backend', io_backend)
        if io_backend not in LOCAL_BACKENDS or backend not in LOCAL_BACKENDS:
            raise ConfigError(f'GrowScaleImgDataset: io_backend={io_backend!r}, file_client_args='
                              f'{file_client_args!r}; reelkit lists image folders on the local '
                              "disk only; use io_backend='disk' or leave both unset")
        self.data_roots = {_scale_key(k, 'data_roots'): root for k, root in data_roots.items()}
        self._img_scales = sorted(int(k) for k in self.data_roots)
        self.gpu_samples_per_scale = {_scale_key(k, 'gpu_samples_per_scale'): int(v)
                                      for k, v in (gpu_samples_per_scale or {}).items()}
        self.gpu_samples_base = int(gpu_samples_base)
        self.len_per_stage = int(len_per_stage)
        self._curr_scale = self._actual_curr_scale = self._img_scales[0]
        self.samples_per_gpu = self._samples_at(self._actual_curr_scale)
        super().__init__(data_root=self.data_roots[str(self._curr_scale)], pipeline=pipeline,
                         test_mode=test_mode, **kwargs)

    def load_data_list(self) -> list:
        paths = list_images(self.data_root, type(self).__name__,
                            field=f"data_roots['{self._curr_scale}']")
        return [dict(img_path=path) for path in paths]

    def __len__(self) -> int:
        return self.len_per_stage if self.len_per_stage > 0 else super().__len__()

    def get_data_info(self, idx: int) -> dict:
        """Sample ``idx`` of the ``len_per_stage`` ones: image ``idx`` modulo the folder's count."""
        return super().get_data_info(idx % super().__len__())

    def update_annotations(self, curr_scale: int) -> bool:
        """Serve training scale ``curr_scale``: read the folder of the smallest scale of
        ``data_roots`` at least that large and set ``samples_per_gpu``. Returns whether the scale
        changed (the batch size may have, so the dataloader needs rebuilding)."""
        curr_scale = int(curr_scale)
        if curr_scale == self._actual_curr_scale:
            return False
        folder_scale = next((s for s in self._img_scales if s >= curr_scale), None)
        if folder_scale is None:
            raise ConfigError(f'GrowScaleImgDataset: no folder for scale {curr_scale}; data_roots '
                              f'has scales {self._img_scales}. Add a folder of images of at least '
                              f'{curr_scale}x{curr_scale} to data_roots')
        self._actual_curr_scale = curr_scale
        self.samples_per_gpu = self._samples_at(curr_scale)
        if folder_scale != self._curr_scale:
            self._curr_scale = folder_scale
            self.data_root = self.data_roots[str(folder_scale)]
            self._fully_initialized = False
            self.full_init()
        print_log(f'GrowScaleImgDataset: scale {curr_scale} reads {self.data_root} '
                  f'({len(self)} samples), {self.samples_per_gpu} per GPU', logger='current')
        return True

    def _samples_at(self, scale: int) -> int:
        return self.gpu_samples_per_scale.get(str(scale), self.gpu_samples_base)


def _scale_key(key, field: str) -> str:
    """``'64'`` or ``64`` -> ``'64'``; anything else is refused."""
    try:
        return str(int(key))
    except (TypeError, ValueError):
        raise ConfigError(f'GrowScaleImgDataset: {field} key {key!r} is not a scale; expected '
                          "image sides such as '4', '8', '64'") from None
