"""Omni-source recognizer: one network trained on image and video batches together (OmniSource)."""
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

import torch

from reelkit.registry import MODELS
from .base import BaseRecognizer, ModuleOrCfg, SampleList

STAGES = ('backbone', 'head')


@MODELS.register_module()
class RecognizerOmni(BaseRecognizer):
    """A backbone and head that take both images and clips (:class:`OmniResNet`, :class:`OmniHead`).

    Inputs: images (N, C, H, W), clips (N, C, T, H, W), or (N, num_views, C, T, H, W) clips whose
    views the backbone sees as N * num_views clips.

    Training on several sources at once: a multi-loader train loop (MMAction2's
    ``MultiLoaderEpochBasedTrainLoop``) hands ``train_step`` a tuple with one batch per loader.
    MMEngine's ``BaseModel.train_step`` (and ``MMDistributedDataParallel.train_step``) runs the data
    preprocessor on each batch, calls ``forward(batch_0, batch_1, ..., mode='loss')`` with the
    batches as positional dicts, sums every ``loss`` term of the result and takes one optimizer
    step. :meth:`forward` therefore takes the batches positionally; the losses and accuracies of
    batch i are named ``<key>_<i>`` (``loss_cls_0``, ``top1_acc_1``), as MMAction2 logs them. A
    single batch (``forward(inputs, data_samples, mode)``, the usual call) is source 0.

    Prediction takes one batch: validation and test run one loader.

    Args:
        backbone: config or module of the backbone.
        cls_head: config or module of the head.
        data_preprocessor: config or module; ``ActionDataPreprocessor`` with ``format_shape='MIX2d3d'``
            normalises image and clip batches alike.
        train_cfg: training options (kept for MMAction2 configs).
        test_cfg: test options: ``max_testing_views``.
        init_cfg: MMEngine init config.
    """

    def __init__(
            self,
            backbone: ModuleOrCfg,
            cls_head: ModuleOrCfg,
            data_preprocessor: Optional[ModuleOrCfg] = None,
            train_cfg: Optional[Mapping] = None,
            test_cfg: Optional[Mapping] = None,
            init_cfg: Optional[Dict] = None,
    ) -> None:
        super().__init__(backbone, cls_head, neck=None, train_cfg=train_cfg, test_cfg=test_cfg,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg)

    def forward(self, *batches: Any, mode: str = 'tensor', **kwargs) -> Any:
        """``forward(inputs, data_samples=None, mode)`` for one batch, or ``forward(batch_0, batch_1, ...,
        mode='loss')`` with a ``{'inputs', 'data_samples'}`` dict per source."""
        if not batches or not all(isinstance(batch, Mapping) for batch in batches):
            return super().forward(*batches, mode=mode, **kwargs)
        if mode == 'loss':
            return self.loss_of_sources(batches)
        if len(batches) != 1:
            raise ValueError(f"mode={mode!r} takes one batch, got {len(batches)}: only mode='loss' "
                             'takes a batch per source')
        return super().forward(**batches[0], mode=mode, **kwargs)

    def loss(self, inputs: torch.Tensor, data_samples: SampleList, **kwargs) -> Dict[str, torch.Tensor]:
        """The losses of one batch, as source 0: ``{'loss_cls_0': ..., 'top1_acc_0': ...}``."""
        return self.loss_of_sources([dict(inputs=inputs, data_samples=data_samples)])

    def loss_of_sources(self, batches: Sequence[Mapping]) -> Dict[str, torch.Tensor]:
        """The losses of each source's batch, those of batch i suffixed ``_i``."""
        losses = {}
        for idx, batch in enumerate(batches):
            source_losses = super().loss(batch['inputs'], batch['data_samples'])
            losses.update({f'{key}_{idx}': value for key, value in source_losses.items()})
        return losses

    def extract_feat(self, inputs: torch.Tensor, stage: str = 'backbone', data_samples: Optional[SampleList] = None,
                     test_mode: bool = False) -> Tuple[Any, Dict]:
        """Images or clips -> features after ``stage`` (``'backbone'``, or ``'head'`` for scores), no kwargs."""
        if stage not in STAGES:
            raise ValueError(f'stage={stage!r}; expected one of {STAGES}')
        if inputs.dim() not in (4, 5, 6):
            raise ValueError(f'RecognizerOmni takes (N, C, H, W) images or (N, [num_views,] C, T, H, W) clips, '
                             f'got {tuple(inputs.shape)}')
        x = self.run_backbone(inputs.flatten(0, 1) if inputs.dim() == 6 else inputs, test_mode)
        if stage == 'head':
            x = self._head()(x)
        return x, {}
