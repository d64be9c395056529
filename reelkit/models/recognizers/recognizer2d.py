"""2D recognizer (TSN, TSM): a 2D backbone on every frame, the head merges the frames of a clip."""
from typing import Any, Dict, Optional, Tuple

import torch

from reelkit.registry import MODELS
from .base import BaseRecognizer, SampleList

STAGES = ('backbone', 'neck', 'head')


@MODELS.register_module()
class Recognizer2D(BaseRecognizer):
    """Inputs (N, num_views, C, H, W); the backbone sees (N * num_views, C, H, W).

    ``num_views`` is clips x frames per clip x crops, as the pipeline packs them. It reaches the
    head as ``num_segs``.

    ``test_cfg`` options (as MMAction2):

    - ``max_testing_views``: run the backbone on at most this many frames at a time in testing
      (a multiple of the backbone's ``num_segments`` when it has one).
    - ``fcn_test``: hand the head (N * num_crops, C', num_segs, H', W') maps and ``fcn_test=True``,
      with ``num_segs`` from ``test_cfg`` or the backbone; for heads that take such maps.

    Args: as :class:`BaseRecognizer`.
    """

    def check_test_cfg(self) -> None:
        super().check_test_cfg()
        backbone_segments = getattr(self.backbone, 'num_segments', None)
        views = self.test_cfg.get('max_testing_views')
        # A chunk must hold whole clips: TSM shifts features between the frames of one clip.
        if views is not None and backbone_segments and views % backbone_segments:
            raise ValueError(f'model.test_cfg.max_testing_views={views!r}; expected a '
                             f'multiple of the backbone num_segments ({backbone_segments})')
        if self.test_cfg.get('fcn_test') and not self.test_cfg.get('num_segs', backbone_segments):
            raise ValueError('model.test_cfg.fcn_test needs test_cfg.num_segs (the backbone has no num_segments)')

    def extract_feat(self, inputs: torch.Tensor, stage: str = 'neck', data_samples: Optional[SampleList] = None,
                     test_mode: bool = False) -> Tuple[Any, Dict]:
        """(N, num_views, C, H, W) -> features after ``stage`` and the head's keyword arguments.

        Returns:
            ``backbone``: (N * num_views, C', H', W') (a tuple with several ``out_indices``);
            ``neck``: what the head takes; ``head``: (N * num_clips, num_classes) scores.
            The dict holds ``num_segs`` (= num_views, 1 after a neck), ``loss_aux`` and, when
            set, ``fcn_test``.
        """
        if stage not in STAGES:
            raise ValueError(f'stage={stage!r}; expected one of {STAGES}')
        num_views = inputs.shape[1]
        kwargs: Dict[str, Any] = dict(num_segs=num_views)
        x = self.run_backbone(inputs.flatten(0, 1), test_mode)
        if stage == 'backbone':
            return x, kwargs

        fcn_test = test_mode and bool(self.test_cfg.get('fcn_test'))
        segs = self.test_cfg.get('num_segs', getattr(self.backbone, 'num_segments', None)) if fcn_test else num_views
        loss_aux: Dict[str, torch.Tensor] = {}
        if self.with_neck:
            # Necks take (N, C, T, H, W) maps, one per backbone output.
            maps = [each.reshape((-1, segs) + each.shape[1:]).transpose(1, 2).contiguous() for each in x]
            x, loss_aux = self.neck(maps, data_samples=data_samples)
            if not fcn_test:
                x = x.squeeze(2)
                kwargs['num_segs'] = 1
        elif fcn_test:
            x = x.reshape((-1, segs) + x.shape[1:]).transpose(1, 2).contiguous()
        if fcn_test:
            kwargs['fcn_test'] = True
        if stage == 'head':
            x = self._head()(x, **kwargs)
        kwargs['loss_aux'] = loss_aux
        return x, kwargs
