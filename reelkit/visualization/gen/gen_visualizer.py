"""Image grids of generated samples (MMGeneration's ``GenVisualizer`` and ``GenVisBackend``)."""
import os
import os.path as osp
from typing import List, Optional, Sequence, Union

import cv2
import numpy as np
import torch
from mmengine.visualization import LocalVisBackend, Visualizer
from mmengine.visualization.vis_backend import force_init_env
from torch import Tensor

from reelkit.registry import VISBACKENDS, VISUALIZERS
from reelkit.structures import GenDataSample


def image_grid(images: np.ndarray, n_row: int, padding: int = 2, pad_value: int = 0) -> np.ndarray:
    """``(N, H, W, C)`` uint8 images -> one ``(rows*(H+p)+p, n_row*(W+p)+p, C)`` grid, ``n_row`` per row."""
    num, height, width, channels = images.shape
    rows = -(-num // n_row)
    grid = np.full((rows * (height + padding) + padding, n_row * (width + padding) + padding, channels),
                   pad_value, dtype=np.uint8)
    for idx, image in enumerate(images):
        top = padding + (idx // n_row) * (height + padding)
        left = padding + (idx % n_row) * (width + padding)
        grid[top:top + height, left:left + width] = image
    return grid


def to_uint8_rgb(images: Tensor, mean: Union[float, Tensor], std: Union[float, Tensor],
                 color_order: str) -> np.ndarray:
    """Model-range ``(N, C, H, W)`` images -> ``(N, H, W, C)`` uint8, RGB (or 1-channel gray)."""
    images = images.detach().float().cpu()
    mean = torch.as_tensor(mean, dtype=torch.float32).reshape(-1, 1, 1)
    std = torch.as_tensor(std, dtype=torch.float32).reshape(-1, 1, 1)
    if mean.shape[0] != images.shape[1]:
        mean, std = mean[:1], std[:1]
    pixels = (images * std + mean).round().clamp(0, 255).to(torch.uint8)
    if color_order == 'bgr' and pixels.shape[1] == 3:
        pixels = pixels[:, [2, 1, 0]]
    return pixels.permute(0, 2, 3, 1).numpy()


def _field(sample: GenDataSample, key: str) -> Tensor:
    value = sample
    for part in key.split('.'):
        if part not in value:
            raise KeyError(f'GenVisualizer: samples have no field {key!r}; their fields are '
                           f'{sorted(sample.keys())}')
        value = value.get(part)
    return value


def default_target_keys(sample: GenDataSample) -> List[str]:
    """``fake_img``, or ``ema.fake_img`` and ``orig.fake_img`` for ``'ema/orig'`` samples."""
    if 'fake_img' in sample:
        return ['fake_img']
    return [f'{name}.fake_img' for name in ('ema', 'orig') if name in sample]


@VISUALIZERS.register_module()
class GenVisualizer(Visualizer):
    """Visualizer that writes grids of generated images to its backends.

    Args:
        name (str): instance name. Defaults to 'visualizer'.
        vis_backends (list[dict], optional): backend configs, e.g. ``[dict(type='GenVisBackend')]``.
        save_dir (str, optional): where backends write; the runner passes ``work_dir/<timestamp>/vis_data``.
    """

    def __init__(self, name: str = 'visualizer', vis_backends: Optional[List[dict]] = None,
                 save_dir: Optional[str] = None, **kwargs) -> None:
        super().__init__(name=name, vis_backends=vis_backends, save_dir=save_dir, **kwargs)

    def add_datasample(self,
                       name: str,
                       gen_samples: Sequence[GenDataSample],
                       target_keys: Optional[Union[str, Sequence[str]]] = None,
                       vis_mode: Optional[str] = None,
                       n_row: int = 8,
                       color_order: str = 'bgr',
                       target_mean: Union[float, Tensor] = 127.5,
                       target_std: Union[float, Tensor] = 127.5,
                       show: bool = False,
                       wait_time: float = 0,
                       step: int = 0,
                       **kwargs) -> None:
        """Write one grid per target key, named ``name`` (``name_<key>`` for several keys).

        Args:
            name: image name in the backends.
            gen_samples: samples holding the images under ``target_keys``.
            target_keys: dotted fields to draw; defaults to the generated images.
            vis_mode: only ``None``/``'image'`` (grids) are supported.
            n_row: images per grid row.
            color_order: channel order of the images (``data_preprocessor.output_color_order``).
            target_mean, target_std: the data preprocessor's normalisation, undone before drawing.
            show: also display the grid (needs a display).
            wait_time: seconds to show it.
            step: the iteration, part of the file name.
        """
        if vis_mode not in (None, 'image'):
            raise ValueError(f"GenVisualizer: vis_mode={vis_mode!r} is not supported; use 'image'")
        if isinstance(target_keys, str):
            target_keys = [target_keys]
        keys = list(target_keys or default_target_keys(gen_samples[0]))
        for key in keys:
            images = torch.stack([_field(sample, key) for sample in gen_samples])
            pixels = to_uint8_rgb(images, target_mean, target_std, color_order)
            grid = image_grid(pixels, n_row=max(1, min(n_row, len(pixels))))
            image_name = name if len(keys) == 1 else f'{name}_{key.replace(".", "_")}'
            if show:
                self.show(grid, win_name=image_name, wait_time=wait_time)
            self.add_image(image_name, grid, step)


@VISBACKENDS.register_module()
class GenVisBackend(LocalVisBackend):
    """``LocalVisBackend`` that also writes gray images; files are ``vis_image/<name>_<step>.png``."""

    @force_init_env
    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs) -> None:
        if image.dtype != np.uint8:
            raise TypeError(f'GenVisBackend.add_image: expected a uint8 image, got {image.dtype}')
        if image.ndim == 3 and image.shape[2] == 3:
            image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        os.makedirs(self._img_save_dir, exist_ok=True)
        cv2.imwrite(osp.join(self._img_save_dir, f'{name}_{step}.png'), image)
