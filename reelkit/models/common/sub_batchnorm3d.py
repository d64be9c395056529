"""BatchNorm3d with statistics per sub-batch, for multigrid training (Wu et al., "A Multigrid
Method for Efficiently Training Video Models", CVPR 2020).

In training the batch is cut into ``num_splits`` sub-batches, each normalized with its own
statistics; sub-batch ``j`` holds samples ``j, j + num_splits, j + 2 * num_splits, ...`` (the
layout MMAction2 uses). Evaluation runs one BN whose running statistics
:meth:`SubBatchNorm3D.aggregate_stats` merges from the sub-batches': call it before evaluating.

Usable as ``norm_cfg=dict(type='SubBatchNorm3D', num_splits=2)`` wherever a norm is built with
:func:`~reelkit.models.common.layers.build_norm_layer`. State-dict keys are MMAction2's:
``weight`` and ``bias`` (one affine pair shared by all sub-batches), then ``bn.*`` and
``split_bn.*`` (running statistics only).
"""
import torch
import torch.nn as nn

from reelkit.registry import MODELS
from .layers import NORM_LAYERS


@MODELS.register_module()
class SubBatchNorm3D(nn.Module):
    """Per-sub-batch BatchNorm3d in training, aggregated BatchNorm3d in evaluation.

    Args:
        num_features: channels C.
        num_splits: sub-batches per batch; the batch size must be a multiple of it in training.
        eps: added to the variance.
        momentum: of the running statistics, as in ``nn.BatchNorm3d``.
        affine: learn a per-channel scale ``weight`` and shift ``bias``.
        track_running_stats: keep running statistics, as in ``nn.BatchNorm3d``.
    """

    def __init__(
            self,
            num_features: int,
            num_splits: int = 1,
            eps: float = 1e-5,
            momentum: float = 0.1,
            affine: bool = True,
            track_running_stats: bool = True,
    ) -> None:
        super().__init__()
        if not isinstance(num_splits, int) or num_splits < 1:
            raise ValueError(f'num_splits={num_splits!r}; expected a positive integer')
        self.num_features = num_features
        self.num_splits = num_splits
        self.affine = affine
        # The affine pair lives here, shared by both norms, so that both see the same scale and shift.
        stats = dict(eps=eps, momentum=momentum, affine=False, track_running_stats=track_running_stats)
        self.bn = nn.BatchNorm3d(num_features, **stats)
        self.split_bn = nn.BatchNorm3d(num_features * num_splits, **stats)
        self.weight = nn.Parameter(torch.ones(num_features)) if affine else None
        self.bias = nn.Parameter(torch.zeros(num_features)) if affine else None

    @torch.no_grad()
    def aggregate_stats(self) -> None:
        """Set ``bn``'s running statistics to the whole batch's, from the sub-batches'.

        The mean is the mean of the sub-batch means; the variance is the mean of their variances
        plus the variance of their means (equal-sized sub-batches).
        """
        if not self.split_bn.track_running_stats:
            return
        means = self.split_bn.running_mean.view(self.num_splits, -1)
        variances = self.split_bn.running_var.view(self.num_splits, -1)
        mean = means.sum(0) / self.num_splits
        self.bn.running_mean.copy_(mean)
        self.bn.running_var.copy_(variances.sum(0) / self.num_splits
                                  + ((means - mean) ** 2).sum(0) / self.num_splits)
        self.bn.num_batches_tracked.copy_(self.split_bn.num_batches_tracked)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, T, H, W) -> (N, C, T, H, W)."""
        if self.training:
            n, c, t, h, w = x.shape
            if n % self.num_splits:
                raise ValueError(f'SubBatchNorm3D: batch of {n} does not split into num_splits={self.num_splits}')
            # channels of sample j * num_splits + s land in block s of split_bn's channels
            x = self.split_bn(x.reshape(n // self.num_splits, c * self.num_splits, t, h, w)).reshape(n, c, t, h, w)
        else:
            x = self.bn(x)
        if self.affine:
            x = x * self.weight.view(-1, 1, 1, 1) + self.bias.view(-1, 1, 1, 1)
        return x


# norm_cfg=dict(type='SubBatchNorm3D', ...) resolves through the same table as 'BN3d'.
NORM_LAYERS['SubBatchNorm3D'] = SubBatchNorm3D
