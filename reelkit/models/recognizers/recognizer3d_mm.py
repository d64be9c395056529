"""Multi-modal 3D recognizer (RGBPoseConv3D): one backbone takes every modality of a clip."""
from typing import Any, Dict, Mapping, Optional, Tuple

import torch

from reelkit.registry import MODELS
from .base import BaseRecognizer, SampleList

STAGES = ('backbone', 'head')


@MODELS.register_module()
class MMRecognizer3D(BaseRecognizer):
    """Inputs ``{modality: (N, num_views, C, T, H, W)}``; the backbone is called with each modality as
    a keyword argument, views folded into the batch: ``backbone(imgs=..., heatmap_imgs=...)``.

    Args: as :class:`BaseRecognizer` (use a ``MultiModalDataPreprocessor``).
    """

    def extract_feat(self, inputs: Mapping[str, torch.Tensor], stage: str = 'backbone',
                     data_samples: Optional[SampleList] = None, test_mode: bool = False) -> Tuple[Any, Dict]:
        """Modalities -> the backbone's features (or the head's scores with ``stage='head'``)."""
        if stage not in STAGES:
            raise ValueError(f'stage={stage!r}; expected one of {STAGES}')
        if not isinstance(inputs, Mapping):
            raise TypeError(f'MMRecognizer3D takes a dict of modalities, got {type(inputs).__name__}')
        x = self.backbone(**{name: value.flatten(0, 1) for name, value in inputs.items()})
        if stage == 'head':
            x = self._head()(x)
        return x, {}
