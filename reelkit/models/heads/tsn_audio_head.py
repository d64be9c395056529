"""TSN head for audio: pool the spectrogram features of each clip and classify every clip."""
import torch

from reelkit.registry import MODELS
from .tsn_head import TSNHead


@MODELS.register_module()
class TSNAudioHead(TSNHead):
    """(N * num_clips, in_channels, T, F) -> (N * num_clips, num_classes): pool, dropout, ``fc_cls``.

    :class:`TSNHead` with one segment per clip: each clip is scored on its own, and
    :meth:`BaseHead.predict` merges the clips of a sample (``average_clips``). Arguments as
    :class:`TSNHead` (``spatial_type`` pools the (T, F) map: ``'avg'``, ``'max'`` or ``None``).
    """

    def forward(self, x: torch.Tensor, num_segs: int = 1) -> torch.Tensor:
        return super().forward(x, num_segs)
