"""3D recognizer (I3D, SlowFast, CSN, X3D, the video transformers): the backbone sees whole clips."""
from typing import Any, Dict, Optional, Tuple

import torch

from reelkit.registry import MODELS
from .base import BaseRecognizer, SampleList

STAGES = ('backbone', 'neck', 'head')


@MODELS.register_module()
class Recognizer3D(BaseRecognizer):
    """Inputs (N, num_views, C, T, H, W); the backbone sees (N * num_views, C, T, H, W).

    ``num_views`` is clips x crops, as the pipeline packs them (``SampleFrames`` with
    ``num_clips``, ``ThreeCrop``/``TenCrop``, ``DenseSampleFrames`` positions); the head scores
    every view and :meth:`BaseHead.predict` averages the views of each sample.

    ``test_cfg`` options (as MMAction2):

    - ``max_testing_views``: run the backbone on at most this many views at a time in testing.
    - ``fcn_test``: handed to the head, for heads that score fully convolutional feature maps.

    Args: as :class:`BaseRecognizer`.
    """

    def extract_feat(self, inputs: torch.Tensor, stage: str = 'neck', data_samples: Optional[SampleList] = None,
                     test_mode: bool = False) -> Tuple[Any, Dict]:
        """(N, num_views, C, T, H, W) -> features after ``stage`` and the head's keyword arguments.

        Returns:
            ``backbone``: (N * num_views, C', T', H', W') (a tuple for several outputs or pathways);
            ``neck``: what the head takes; ``head``: (N * num_views, num_classes) scores.
            The dict holds ``loss_aux`` (the neck's losses) and, in testing, ``fcn_test`` when set.
        """
        if stage not in STAGES:
            raise ValueError(f'stage={stage!r}; expected one of {STAGES}')
        x = self.run_backbone(inputs.flatten(0, 1), test_mode)
        kwargs: Dict[str, Any] = {}
        if stage == 'backbone':
            return x, kwargs
        loss_aux: Dict[str, torch.Tensor] = {}
        if self.with_neck:
            x, loss_aux = self.neck(x, data_samples=None if test_mode else data_samples)
        if test_mode and self.test_cfg.get('fcn_test'):
            kwargs['fcn_test'] = True
        if stage == 'head':
            x = self._head()(x, **kwargs)
        kwargs['loss_aux'] = loss_aux or {}
        return x, kwargs
