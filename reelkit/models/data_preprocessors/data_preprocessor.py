"""From the collated batch to model inputs, on the model's device: stack, to RGB, normalise, blend."""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseDataPreprocessor, stack_batch

from reelkit.registry import MODELS
from reelkit.structures import ActionDataSample

# format_shape -> how many dims follow the channel dim of a batch (..., C, *trailing).
# MIX2d3d batches are images (N, C, H, W) or clips (N, num_clips, C, T, H, W); told apart by ndim.
TRAILING_DIMS = {'NCHW': 2, 'NCTHW': 3, 'MIX2d3d': 3}


@MODELS.register_module()
class ActionDataPreprocessor(BaseDataPreprocessor):
    """Stack per-sample inputs, flip BGR to RGB, normalise, and blend batches in training.

    Inputs from ``PackActionInputs`` are per-sample tensors: (num_views, C, H, W) for ``NCHW``
    (num_views = num_clips * clip_len, times crops) or (num_clips, C, T, H, W) for ``NCTHW``;
    the batch is (N, num_views, C, H, W) or (N, num_clips, C, T, H, W), float32.

    Args:
        mean: per-channel mean subtracted (in the channel order after ``to_rgb``), or ``None``.
        std: per-channel std divided by, or ``None``; given together with ``mean``.
        to_rgb: reverse the three channels (BGR -> RGB).
        to_float32: convert to float32 when not normalising (normalising always gives float32).
        blending: config (or object) of a batch blending, e.g. ``dict(type='MixupBlending',
            num_classes=400, alpha=.2)``, applied in training only.
        format_shape: ``NCHW`` (2D recognizers), ``NCTHW`` (3D) or ``MIX2d3d`` (both).
    """

    def __init__(
            self,
            mean: Optional[Sequence[float]] = None,
            std: Optional[Sequence[float]] = None,
            to_rgb: bool = False,
            to_float32: bool = True,
            blending: Optional[Union[Mapping, object]] = None,
            format_shape: str = 'NCHW',
    ) -> None:
        super().__init__()
        if format_shape not in TRAILING_DIMS:
            raise ValueError(f'format_shape={format_shape!r}; expected one of {sorted(TRAILING_DIMS)}')
        if (mean is None) != (std is None) or (mean is not None and len(mean) != len(std)):
            raise ValueError(f'mean={mean} and std={std}: give both, with one value per channel, or neither')
        self.to_rgb = to_rgb
        self.to_float32 = to_float32
        self.format_shape = format_shape
        # Non-persistent: they follow the device but stay out of checkpoints, as in MMAction2.
        view = (-1, ) + (1, ) * TRAILING_DIMS[format_shape]
        for name, values in (('mean', mean), ('std', std)):
            buffer = None if values is None else torch.tensor(values, dtype=torch.float32).view(view)
            self.register_buffer(name, buffer, persistent=False)
        self.blending = MODELS.build(blending) if isinstance(blending, Mapping) else blending

    def forward(self, data: Union[Dict, Sequence[Dict]], training: bool = False) -> Union[Dict, Tuple[Dict, ...]]:
        """``{'inputs', 'data_samples'}`` (or a sequence of them, one per pipeline) -> the same, ready."""
        data = self.cast_data(data)
        if isinstance(data, Mapping):
            return self._forward_one(data, training)
        return tuple(self._forward_one(item, training) for item in data)

    def _forward_one(self, data: Mapping, training: bool) -> Dict:
        inputs, data_samples = self.preprocess(data['inputs'], data.get('data_samples'), training)
        return dict(data, inputs=inputs, data_samples=data_samples)

    def preprocess(self, inputs: Union[torch.Tensor, List[torch.Tensor]],
                   data_samples: Optional[List[ActionDataSample]],
                   training: bool = False) -> Tuple[torch.Tensor, Optional[List[ActionDataSample]]]:
        """Per-sample tensors (or a stacked batch) -> the normalised batch and the (blended) samples."""
        batch = inputs if isinstance(inputs, torch.Tensor) else stack_batch(list(inputs))
        trailing = self._trailing_dims(batch)
        if self.to_rgb:
            channel_dim = batch.dim() - trailing - 1
            if batch.shape[channel_dim] != 3:
                raise ValueError(f'to_rgb needs 3 channels; batch {tuple(batch.shape)} has '
                                 f'{batch.shape[channel_dim]} in dim {channel_dim} ({self.format_shape})')
            batch = batch.flip(channel_dim)
        if self.mean is not None:
            view = (-1, ) + (1, ) * trailing
            batch = (batch - self.mean.view(view)) / self.std.view(view)
        elif self.to_float32:
            batch = batch.float()
        if training and self.blending is not None:
            batch, data_samples = self.blending(batch, data_samples)
        return batch, data_samples

    def _trailing_dims(self, batch: torch.Tensor) -> int:
        """Dims after the channel dim: an (N, C, H, W) image batch has 2 even in ``MIX2d3d``."""
        if self.format_shape == 'MIX2d3d' and batch.dim() == 4:
            return 2
        return TRAILING_DIMS[self.format_shape]
