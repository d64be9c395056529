"""RoIAlign and RoIPool in plain PyTorch, with the semantics of MMCV's compiled ops.

RoIs are ``(R, 5)`` rows ``(batch_index, x1, y1, x2, y2)`` in input-image pixels; ``spatial_scale``
maps them onto the feature map (``1 / featmap_stride``). Both ops return ``(R, C, out_h, out_w)``.

RoIAlign (He et al., Mask R-CNN) averages (or takes the max of) bilinear samples on a regular grid
inside each output bin: ``sampling_ratio`` samples per bin side, or ``ceil(roi_size / out_size)``
when it is 0. With ``aligned=True`` a pixel's value sits at its centre, so box corners are shifted
by half a pixel before sampling; ``aligned=False`` is the legacy layout, whose RoIs are at least
one pixel wide. A sample more than one pixel outside the map reads 0; one just outside is clamped.

Bilinear weights factor into a row part and a column part, so every sample of a RoI is a row of a
``(out, grid, H)`` matrix times the feature map times a ``(out, grid, W)`` matrix: the op is a pair
of matrix products per image, differentiable with respect to the features.
"""
from typing import Tuple, Union

import torch
import torch.nn as nn

SizeType = Union[int, Tuple[int, int]]


def pair(size: SizeType) -> Tuple[int, int]:
    """``size`` as ``(height, width)``."""
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def sample_weights(start: torch.Tensor, bin_size: torch.Tensor, grid: torch.Tensor, out_size: int,
                   length: int) -> torch.Tensor:
    """Bilinear weights of the samples along one axis.

    Args:
        start, bin_size, grid: per RoI (R,): first edge, bin length and samples per bin (int).
        out_size: bins along the axis.
        length: feature-map size along the axis.

    Returns:
        (R, out_size, max_grid, length): entry ``[r, b, s, i]`` is the weight of feature row (or
        column) ``i`` in sample ``s`` of bin ``b``; samples beyond ``grid[r]`` weigh 0.
    """
    max_grid = max(int(grid.max()), 1) if grid.numel() else 1
    steps = torch.arange(max_grid, dtype=start.dtype, device=start.device)
    bins = torch.arange(out_size, dtype=start.dtype, device=start.device)
    grid_f = grid.clamp(min=1).to(start.dtype)[:, None, None]
    pos = (start[:, None, None] + bins[None, :, None] * bin_size[:, None, None]
           + (steps[None, None, :] + 0.5) * bin_size[:, None, None] / grid_f)
    inside = (pos >= -1.0) & (pos <= length) & (steps[None, None, :] < grid[:, None, None])
    pos = pos.clamp(min=0)
    low = pos.floor().long().clamp(max=length - 1)
    at_edge = low >= length - 1
    pos = torch.where(at_edge, low.to(pos.dtype), pos)
    high = torch.where(at_edge, low, low + 1)
    frac = pos - low.to(pos.dtype)
    weights = pos.new_zeros(pos.shape + (length, ))
    weights.scatter_add_(-1, low[..., None], ((1 - frac) * inside)[..., None])
    weights.scatter_add_(-1, high[..., None], (frac * inside)[..., None])
    return weights


def roi_align(features: torch.Tensor, rois: torch.Tensor, output_size: SizeType,
              spatial_scale: float = 1.0, sampling_ratio: int = 0, pool_mode: str = 'avg',
              aligned: bool = True) -> torch.Tensor:
    """RoIAlign of ``rois`` (R, 5) on ``features`` (N, C, H, W) -> (R, C, out_h, out_w)."""
    if pool_mode not in ('avg', 'max'):
        raise ValueError(f"pool_mode={pool_mode!r}; expected 'avg' or 'max'")
    N, C, H, W = features.shape
    out_h, out_w = pair(output_size)
    # the geometry of the sampling grid is not differentiated (MMCV gives RoIs no gradient either)
    rois = rois.detach().to(features.dtype)
    boxes = rois[:, 1:] * spatial_scale - (0.5 if aligned else 0.0)
    width, height = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    if not aligned:
        width, height = width.clamp(min=1.0), height.clamp(min=1.0)
    if sampling_ratio > 0:
        grid_h = grid_w = torch.full_like(width, sampling_ratio, dtype=torch.long)
    else:
        grid_h, grid_w = (height / out_h).ceil().long(), (width / out_w).ceil().long()
    rows = sample_weights(boxes[:, 1], height / out_h, grid_h, out_h, H)  # (R, out_h, gh, H)
    cols = sample_weights(boxes[:, 0], width / out_w, grid_w, out_w, W)  # (R, out_w, gw, W)
    output = features.new_zeros(len(rois), C, out_h, out_w)
    for image in range(N):
        picked = (rois[:, 0].long() == image).nonzero().flatten()
        if len(picked) == 0:
            continue
        if pool_mode == 'avg':
            count = (grid_h[picked] * grid_w[picked]).clamp(min=1).to(features.dtype)
            pooled = torch.einsum('rph,chw,rqw->rcpq', rows[picked].sum(2), features[image],
                                  cols[picked].sum(2)) / count[:, None, None, None]
        else:
            samples = torch.einsum('rpih,chw,rqjw->rcpqij', rows[picked], features[image], cols[picked])
            valid = ((torch.arange(samples.shape[-2], device=rois.device) < grid_h[picked, None])[:, :, None]
                     & (torch.arange(samples.shape[-1], device=rois.device) < grid_w[picked, None])[:, None, :])
            samples = samples.masked_fill(~valid[:, None, None, None], float('-inf'))
            pooled = samples.flatten(-2).amax(-1).clamp(min=torch.finfo(features.dtype).min)
            pooled = torch.where(valid.flatten(1).any(1)[:, None, None, None], pooled, pooled.new_zeros(()))
        output = output.index_copy(0, picked, pooled)
    return output


def roi_pool(features: torch.Tensor, rois: torch.Tensor, output_size: SizeType,
             spatial_scale: float = 1.0) -> torch.Tensor:
    """RoIPool (Fast R-CNN) of ``rois`` (R, 5) on ``features`` (N, C, H, W) -> (R, C, out_h, out_w).

    Each bin is the max over the feature cells ``[floor(start), ceil(end))`` it covers; the RoI
    spans ``x1 * scale`` to ``(x2 + 1) * scale`` (at least 0.1); an empty bin is 0.
    """
    N, C, H, W = features.shape
    out_h, out_w = pair(output_size)
    rois = rois.detach().to(features.dtype)
    start = rois[:, 1:3] * spatial_scale
    size = ((rois[:, 3:5] + 1) * spatial_scale - start).clamp(min=0.1)
    row_mask = bin_cells(start[:, 1], size[:, 1] / out_h, out_h, H)  # (R, out_h, H)
    col_mask = bin_cells(start[:, 0], size[:, 0] / out_w, out_w, W)  # (R, out_w, W)
    feats = features[rois[:, 0].long()]  # (R, C, H, W)
    lowest = torch.finfo(features.dtype).min
    bins = []
    for q in range(out_w):
        by_col = feats.masked_fill(~col_mask[:, q, None, None, :], lowest).amax(-1)  # (R, C, H)
        bins.append(torch.stack([by_col.masked_fill(~row_mask[:, p, None, :], lowest).amax(-1)
                                 for p in range(out_h)], -1))  # (R, C, out_h)
    pooled = torch.stack(bins, -1)
    empty = ~(row_mask.any(-1)[:, :, None] & col_mask.any(-1)[:, None, :])  # (R, out_h, out_w)
    return pooled.masked_fill(empty[:, None], 0.0)


def bin_cells(start: torch.Tensor, bin_size: torch.Tensor, out_size: int, length: int) -> torch.Tensor:
    """(R, out_size, length) bool: which cells along one axis each RoIPool bin covers."""
    bins = torch.arange(out_size, dtype=start.dtype, device=start.device)
    first = (bins[None] * bin_size[:, None] + start[:, None]).floor().clamp(0, length)
    last = ((bins[None] + 1) * bin_size[:, None] + start[:, None]).ceil().clamp(0, length)
    cells = torch.arange(length, dtype=start.dtype, device=start.device)
    return (cells >= first[..., None]) & (cells < last[..., None])


class RoIAlign(nn.Module):
    """:func:`roi_align` as a module, with MMCV ``RoIAlign``'s arguments.

    Args:
        output_size: bins per RoI, ``int`` or ``(h, w)``.
        spatial_scale: feature-map pixels per image pixel.
        sampling_ratio: samples per bin side; 0 picks ``ceil(roi_size / output_size)``.
        pool_mode: ``'avg'`` or ``'max'`` over the samples of a bin.
        aligned: shift boxes by half a pixel (pixel centres at ``.5``).
    """

    def __init__(self, output_size: SizeType, spatial_scale: float = 1.0, sampling_ratio: int = 0,
                 pool_mode: str = 'avg', aligned: bool = True) -> None:
        super().__init__()
        if pool_mode not in ('avg', 'max'):
            raise ValueError(f"pool_mode={pool_mode!r}; expected 'avg' or 'max'")
        self.output_size = pair(output_size)
        self.spatial_scale = float(spatial_scale)
        self.sampling_ratio = int(sampling_ratio)
        self.pool_mode = pool_mode
        self.aligned = aligned

    def forward(self, features: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W), (R, 5) -> (R, C, out_h, out_w)."""
        return roi_align(features, rois, self.output_size, self.spatial_scale, self.sampling_ratio,
                         self.pool_mode, self.aligned)


class RoIPool(nn.Module):
    """:func:`roi_pool` as a module, with MMCV ``RoIPool``'s arguments."""

    def __init__(self, output_size: SizeType, spatial_scale: float = 1.0) -> None:
        super().__init__()
        self.output_size = pair(output_size)
        self.spatial_scale = float(spatial_scale)

    def forward(self, features: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W), (R, 5) -> (R, C, out_h, out_w)."""
        return roi_pool(features, rois, self.output_size, self.spatial_scale)
