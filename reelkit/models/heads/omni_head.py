"""Omni head: one classifier for images and one for videos, chosen by the features' shape."""
import torch
import torch.nn as nn

from reelkit.registry import MODELS
from .base import BaseHead


@MODELS.register_module()
class OmniHead(BaseHead):
    """Image features (N, C, H, W) -> (N, image_classes) through ``fc2d``; clip features
    (N, C, T, H, W) -> (N, video_classes) through ``fc3d``.

    ``fc2d``: average pool, batch norm, dropout, linear. ``fc3d`` with ``video_nl_head``: average
    pool, linear to ``2 * video_classes``, batch norm, ReLU, dropout, linear; without: as ``fc2d``.
    Both are ``nn.Sequential`` so that keys read ``fc2d.2.weight``, ``fc3d.6.weight`` as in
    MMAction2 checkpoints.

    Args:
        image_classes: classes of the image source (the head's ``num_classes``).
        video_classes: classes of the video source.
        in_channels: channels of the input features.
        image_dropout_ratio: dropout before the image classifier.
        video_dropout_ratio: dropout before the video classifier.
        video_nl_head: a hidden layer in the video classifier.
        **kwargs: arguments of :class:`BaseHead` (``loss_cls``, ``average_clips``, ...).
    """

    def __init__(
            self,
            image_classes: int,
            video_classes: int,
            in_channels: int,
            image_dropout_ratio: float = 0.2,
            video_dropout_ratio: float = 0.5,
            video_nl_head: bool = True,
            **kwargs,
    ) -> None:
        super().__init__(image_classes, in_channels, **kwargs)
        self.image_classes = image_classes
        self.video_classes = video_classes
        image_classifier = self.classifier(in_channels, image_classes, image_dropout_ratio)
        self.fc2d = nn.Sequential(nn.AdaptiveAvgPool2d(1), *image_classifier)
        if video_nl_head:
            hidden = [nn.Linear(in_channels, 2 * video_classes), nn.BatchNorm1d(2 * video_classes),
                      nn.ReLU(inplace=True), nn.Dropout(video_dropout_ratio),
                      nn.Linear(2 * video_classes, video_classes)]
            self.fc3d = nn.Sequential(nn.AdaptiveAvgPool3d(1), nn.Flatten(), *hidden)
        else:
            video_classifier = self.classifier(in_channels, video_classes, video_dropout_ratio)
            self.fc3d = nn.Sequential(nn.AdaptiveAvgPool3d(1), *video_classifier)

    @staticmethod
    def classifier(in_channels: int, num_classes: int, dropout_ratio: float) -> list:
        """Flatten, batch norm, dropout, linear: (N, C, 1, ...) -> (N, num_classes)."""
        return [nn.Flatten(), nn.BatchNorm1d(in_channels), nn.Dropout(dropout_ratio),
                nn.Linear(in_channels, num_classes)]

    def forward(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        """(N, C, H, W) -> (N, image_classes); (N, C, T, H, W) -> (N, video_classes)."""
        if x.dim() not in (4, 5):
            raise ValueError(f'OmniHead takes (N, C, H, W) or (N, C, T, H, W) features, got {tuple(x.shape)}')
        return self.fc2d(x) if x.dim() == 4 else self.fc3d(x)
