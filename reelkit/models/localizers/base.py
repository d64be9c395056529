"""The forward entry shared by the temporal action localizers."""
from typing import Any, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.model import BaseModel

from reelkit.structures import ActionDataSample
from .utils import post_processing

SampleList = List[ActionDataSample]
MODES = ('loss', 'predict', 'tensor')


def stack_inputs(inputs: Union[torch.Tensor, Sequence[torch.Tensor]]) -> torch.Tensor:
    """A batch tensor from the per-video features (C, T) the default data preprocessor leaves as a list."""
    return inputs if isinstance(inputs, torch.Tensor) else torch.stack(list(inputs))


class BaseLocalizer(BaseModel):
    """``forward(inputs, data_samples, mode)`` over ``forward_tensor``, ``loss`` and ``predict``.

    ``inputs``: features (N, C, T), or a list of N tensors (C, T). ``data_samples``: one
    :class:`ActionDataSample` per video, with what ``PackLocalizationInputs`` packs
    (``gt_instances``, ``proposals`` and the video's metainfo).

    - ``'tensor'``: the network's raw outputs (see the subclass's ``forward_tensor``).
    - ``'loss'``: a dict of losses (every key contains ``loss``).
    - ``'predict'``: per video what ``ANetMetric`` consumes, for proposal models
      ``dict(video_name=..., proposal_list=[dict(segment=[start_s, end_s], score=...), ...])``.
    """

    def forward(self, inputs: Union[torch.Tensor, Sequence[torch.Tensor]],
                data_samples: Optional[SampleList] = None, mode: str = 'tensor') -> Any:
        if mode not in MODES:
            raise ValueError(f"{type(self).__name__}.forward: mode={mode!r}; expected one of {MODES}")
        inputs = stack_inputs(inputs)
        if mode == 'tensor':
            return self.forward_tensor(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        return self.predict(inputs, data_samples)

    def set_post_processing(self, soft_nms_alpha: float, soft_nms_low_threshold: float,
                            soft_nms_high_threshold: float, post_process_top_k: int,
                            feature_extraction_interval: int) -> None:
        """Keep the options of :func:`~reelkit.models.localizers.utils.post_processing`."""
        self.post_process_cfg = dict(
            soft_nms_alpha=soft_nms_alpha, soft_nms_low_threshold=soft_nms_low_threshold,
            soft_nms_high_threshold=soft_nms_high_threshold, post_process_top_k=post_process_top_k,
            feature_extraction_interval=feature_extraction_interval)

    def proposal_result(self, proposals: np.ndarray, data_sample: ActionDataSample) -> dict:
        """ANetMetric's entry for one video from its proposals (P, >=3) ``[start, end, ..., score]``.

        The metainfo needs ``video_name``, ``duration_frame`` and ``duration_second``.
        """
        info = data_sample.metainfo
        return dict(video_name=info['video_name'],
                    proposal_list=post_processing(proposals, info, **self.post_process_cfg))

    def forward_tensor(self, inputs: torch.Tensor) -> Any:
        raise NotImplementedError

    def loss(self, inputs: torch.Tensor, data_samples: SampleList) -> dict:
        raise NotImplementedError

    def predict(self, inputs: torch.Tensor, data_samples: SampleList) -> list:
        raise NotImplementedError
