"""RoIAlign and RoIPool against direct per-sample loops written from MMCV's definition, plus gradients."""
import math

import pytest
import torch

from reelkit.models.common.roi_ops import RoIAlign, RoIPool, roi_align, roi_pool


def bilinear(feature, y, x):
    """One bilinear sample of a (H, W) map as MMCV's RoIAlign reads it."""
    H, W = feature.shape
    if y < -1.0 or y > H or x < -1.0 or x > W:
        return feature.new_zeros(())
    y, x = max(y, 0.0), max(x, 0.0)
    y_low, x_low = int(y), int(x)
    if y_low >= H - 1:
        y_low = y_high = H - 1
        y = float(y_low)
    else:
        y_high = y_low + 1
    if x_low >= W - 1:
        x_low = x_high = W - 1
        x = float(x_low)
    else:
        x_high = x_low + 1
    ly, lx = y - y_low, x - x_low
    return ((1 - ly) * (1 - lx) * feature[y_low, x_low] + (1 - ly) * lx * feature[y_low, x_high]
            + ly * (1 - lx) * feature[y_high, x_low] + ly * lx * feature[y_high, x_high])


def reference_roi_align(features, rois, out, scale, sampling_ratio, pool_mode, aligned):
    result = features.new_zeros(len(rois), features.shape[1], out, out)
    for r, (b, x1, y1, x2, y2) in enumerate(rois.tolist()):
        offset = 0.5 if aligned else 0.0
        sx, sy, ex, ey = x1 * scale - offset, y1 * scale - offset, x2 * scale - offset, y2 * scale - offset
        w, h = ex - sx, ey - sy
        if not aligned:
            w, h = max(w, 1.0), max(h, 1.0)
        bw, bh = w / out, h / out
        gh = sampling_ratio if sampling_ratio > 0 else math.ceil(h / out)
        gw = sampling_ratio if sampling_ratio > 0 else math.ceil(w / out)
        for c in range(features.shape[1]):
            for p in range(out):
                for q in range(out):
                    values = [bilinear(features[int(b), c], sy + p * bh + (i + 0.5) * bh / gh,
                                       sx + q * bw + (j + 0.5) * bw / gw)
                              for i in range(gh) for j in range(gw)]
                    if not values:
                        continue
                    stacked = torch.stack(values)
                    result[r, c, p, q] = stacked.mean() if pool_mode == 'avg' else stacked.max()
    return result


def reference_roi_pool(features, rois, out, scale):
    H, W = features.shape[-2:]
    result = features.new_zeros(len(rois), features.shape[1], out, out)
    for r, (b, x1, y1, x2, y2) in enumerate(rois.tolist()):
        sx, sy = x1 * scale, y1 * scale
        w, h = max((x2 + 1) * scale - sx, 0.1), max((y2 + 1) * scale - sy, 0.1)
        for p in range(out):
            for q in range(out):
                h0 = min(max(math.floor(p * h / out + sy), 0), H)
                h1 = min(max(math.ceil((p + 1) * h / out + sy), 0), H)
                w0 = min(max(math.floor(q * w / out + sx), 0), W)
                w1 = min(max(math.ceil((q + 1) * w / out + sx), 0), W)
                if h1 > h0 and w1 > w0:
                    result[r, :, p, q] = features[int(b), :, h0:h1, w0:w1].amax((-1, -2))
    return result


def random_rois(generator, num, size, num_images):
    """Boxes in image pixels (stride 2 onto a size x size map), some poking out of the image."""
    corners = torch.rand(num, 2, 2, generator=generator) * (size * 2 + 8) - 4
    x1y1, x2y2 = corners.min(1).values, corners.max(1).values
    index = torch.randint(num_images, (num, 1), generator=generator).double()
    return torch.cat([index, x1y1, x2y2], 1)


@pytest.mark.parametrize('sampling_ratio, pool_mode, aligned',
                         [(0, 'avg', True), (2, 'avg', True), (0, 'avg', False), (0, 'max', True), (1, 'max', False)])
def test_roi_align_matches_direct_sampling(sampling_ratio, pool_mode, aligned):
    generator = torch.Generator().manual_seed(0)
    features = torch.randn(2, 3, 7, 6, generator=generator, dtype=torch.float64)
    rois = random_rois(generator, 6, 7, 2)
    rois = torch.cat([rois, rois.new_tensor([[1, 3.0, 3.0, 3.2, 3.1]])])  # narrower than a pixel
    got = RoIAlign(3, spatial_scale=0.5, sampling_ratio=sampling_ratio, pool_mode=pool_mode, aligned=aligned)(
        features, rois)
    want = reference_roi_align(features, rois, 3, 0.5, sampling_ratio, pool_mode, aligned)
    assert got.shape == (7, 3, 3, 3)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=0)


def test_roi_align_of_a_ramp_is_the_box_centre():
    # f(y, x) = x: with aligned=True pixel i sits at i + 0.5, so a box [x1, x2] averages to its
    # centre minus half a pixel, for every row bin
    features = torch.arange(8.0).expand(1, 1, 8, 8).contiguous()
    rois = torch.tensor([[0, 2.0, 1.0, 6.0, 7.0]])
    pooled = roi_align(features, rois, 1, aligned=True)
    assert pooled.item() == pytest.approx(3.5, abs=1e-6)


def test_roi_align_gradcheck():
    generator = torch.Generator().manual_seed(1)
    features = torch.randn(2, 2, 5, 5, generator=generator, dtype=torch.float64, requires_grad=True)
    rois = torch.tensor([[0, 1.2, 0.7, 7.9, 6.3], [1, -1.0, 2.0, 4.5, 9.5], [1, 3.3, 3.1, 3.4, 3.2]],
                        dtype=torch.float64)
    for pool_mode in ('avg', 'max'):
        assert torch.autograd.gradcheck(
            lambda f: roi_align(f, rois, 2, spatial_scale=0.5, pool_mode=pool_mode), (features, ))


def test_roi_pool_matches_direct_max():
    generator = torch.Generator().manual_seed(2)
    features = torch.randn(2, 3, 7, 6, generator=generator, dtype=torch.float64)
    rois = random_rois(generator, 8, 7, 2)
    got = RoIPool(3, spatial_scale=0.5)(features, rois)
    torch.testing.assert_close(got, reference_roi_pool(features, rois, 3, 0.5), atol=1e-12, rtol=0)
    assert torch.autograd.gradcheck(lambda f: roi_pool(f, rois[:3], 2, 0.5), (features.requires_grad_(), ))


def test_roi_ops_reject_unknown_pool_mode():
    with pytest.raises(ValueError, match="pool_mode='mean'"):
        RoIAlign(2, pool_mode='mean')
