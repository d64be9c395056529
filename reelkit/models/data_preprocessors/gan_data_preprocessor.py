"""Batching and normalisation of the inputs of generative models (MMGeneration's ``GANDataPreprocessor``)."""
import math
from typing import List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.model import ImgDataPreprocessor
from torch import Tensor

from reelkit.registry import MODELS


def _as_list(keys: Union[None, str, Sequence[str]]) -> List[str]:
    if keys is None:
        return []
    return [keys] if isinstance(keys, str) else list(keys)


@MODELS.register_module()
class GANDataPreprocessor(ImgDataPreprocessor):
    """Stack, colour-convert and normalise image inputs on the model's device.

    ``data['inputs']`` is either a batch of images (a tensor or a list of ``(C, H, W)`` tensors) or
    a dict. In a dict, every tensor (or list of tensors) is an image batch unless its key is one of
    ``non_image_keys`` (default ``noise`` and ``label``), which are only stacked; a list under one of
    ``non_concentate_keys`` (``num_batches``, ``mode``, ``sample_kwargs``, ``eq_cfg``,
    ``sample_model``) must hold equal values and becomes that value; strings and numbers pass through.

    Images become ``(x[, channel order] - mean) / std`` in float32, padded to ``pad_size_divisor``.
    ``output_color_order`` tells metrics and visualizers the channel order of the model's images.

    Args:
        mean (Sequence[float]): per-channel mean. Defaults to 127.5 for three channels.
        std (Sequence[float]): per-channel standard deviation. Defaults to 127.5 for three channels.
        pad_size_divisor (int): pad height and width to a multiple of this. Defaults to 1.
        pad_value (float): value of the padding. Defaults to 0.
        bgr_to_rgb (bool): flip BGR input to RGB. Defaults to False.
        rgb_to_bgr (bool): flip RGB input to BGR. Defaults to False.
        non_image_keys (str | list[str], optional): extra dict keys holding tensors that are not images.
        non_concentate_keys (str | list[str], optional): extra dict keys whose list values are merged
            into one value (MMGeneration's spelling of the argument).
    """
    NON_IMAGE_KEYS = ('noise', 'label')
    NON_CONCATENATE_KEYS = ('num_batches', 'mode', 'sample_kwargs', 'eq_cfg', 'sample_model')

    def __init__(self,
                 mean: Sequence[float] = (127.5, 127.5, 127.5),
                 std: Sequence[float] = (127.5, 127.5, 127.5),
                 pad_size_divisor: int = 1,
                 pad_value: float = 0,
                 bgr_to_rgb: bool = False,
                 rgb_to_bgr: bool = False,
                 non_image_keys: Optional[Union[str, List[str]]] = None,
                 non_concentate_keys: Optional[Union[str, List[str]]] = None):
        if bgr_to_rgb and rgb_to_bgr:
            raise ValueError('data_preprocessor: bgr_to_rgb and rgb_to_bgr cannot both be True')
        super().__init__(mean, std, pad_size_divisor, pad_value, bgr_to_rgb, rgb_to_bgr)
        self.input_color_order = 'rgb' if rgb_to_bgr else 'bgr'
        self.output_color_order = 'rgb' if bgr_to_rgb else 'bgr'
        self.non_image_keys = list(self.NON_IMAGE_KEYS) + _as_list(non_image_keys)
        self.non_concatenate_keys = list(self.NON_CONCATENATE_KEYS) + _as_list(non_concentate_keys)

    def forward(self, data: dict, training: bool = False) -> dict:
        """``data = dict(inputs=..., data_samples=...)`` -> the same with processed inputs."""
        data = self.cast_data(data)
        inputs = data['inputs']
        if isinstance(inputs, dict):
            data['inputs'] = {key: self._process_value(key, value) for key, value in inputs.items()}
        elif isinstance(inputs, Tensor) or _is_tensor_list(inputs):
            data['inputs'] = self.process_images(inputs)
        else:
            raise TypeError('GANDataPreprocessor: data["inputs"] must be an image tensor, a list of '
                            f'image tensors or a dict, got {type(inputs).__name__}')
        data.setdefault('data_samples', None)
        return data

    def _process_value(self, key: str, value):
        if isinstance(value, list) and key in self.non_concatenate_keys:
            if any(item != value[0] for item in value):
                raise ValueError(f'GANDataPreprocessor: inputs[{key!r}] must be equal across the '
                                 f'batch, got {value!r}')
            return value[0]
        if not (isinstance(value, Tensor) or _is_tensor_list(value)):
            if isinstance(value, list):
                raise TypeError(f'GANDataPreprocessor: inputs[{key!r}] is a list of '
                                f'{type(value[0]).__name__}; only lists of tensors are stacked '
                                '(add the key to non_concentate_keys to merge equal values)')
            return value
        if key in self.non_image_keys:
            return torch.stack(value) if isinstance(value, list) else value
        return self.process_images(value)

    def process_images(self, images: Union[Tensor, List[Tensor]]) -> Tensor:
        """``(N, C, H, W)`` tensor or list of ``(C, H, W)`` tensors -> normalised float batch."""
        batch = torch.stack(images) if isinstance(images, list) else images
        if batch.dim() != 4:
            raise ValueError(f'GANDataPreprocessor: expected images of shape (N, C, H, W) or a list '
                             f'of (C, H, W), got shape {tuple(batch.shape)}')
        if self._channel_conversion and batch.shape[1] == 3:
            batch = batch[:, [2, 1, 0]]
        batch = batch.float()
        if self._enable_normalize:
            mean, std = self._stats_for(batch.shape[1])
            batch = (batch - mean) / std
        return self._pad(batch)

    def _stats_for(self, channels: int):
        if self.mean.shape[0] == channels:
            return self.mean, self.std
        if bool((self.mean == self.mean[0]).all()) and bool((self.std == self.std[0]).all()):
            return self.mean[:1], self.std[:1]  # one value per channel given for RGB; gray input
        raise ValueError(f'GANDataPreprocessor: mean/std have {self.mean.shape[0]} values but the '
                         f'images have {channels} channels; give one value per channel')

    def _pad(self, batch: Tensor) -> Tensor:
        height, width = batch.shape[2:]
        pad_h = math.ceil(height / self.pad_size_divisor) * self.pad_size_divisor - height
        pad_w = math.ceil(width / self.pad_size_divisor) * self.pad_size_divisor - width
        if pad_h == 0 and pad_w == 0:
            return batch
        return F.pad(batch, (0, pad_w, 0, pad_h), 'constant', self.pad_value)


def _is_tensor_list(value) -> bool:
    return isinstance(value, list) and len(value) > 0 and all(isinstance(v, Tensor) for v in value)

