"""The mathematics of the generative metrics, on arrays, without model or data code.

- :func:`frechet_distance`: FID's distance between two Gaussians, with the matrix square root
  taken through symmetric eigendecompositions (no ``scipy.linalg.sqrtm``).
- :func:`inception_score`: IS over ``splits`` groups, MMGeneration's split rule.
- :func:`precision_recall`: improved precision and recall (k-nearest-neighbour manifolds).
- :func:`ms_ssim`: multi-scale SSIM of image pairs (PGGAN's implementation).
- :func:`laplacian_pyramid`, :func:`sample_descriptors`, :func:`normalize_descriptors`,
  :func:`sliced_wasserstein`: the sliced Wasserstein distance of PGGAN.
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor


# ----------------------------------------------------------------------------- FID
def psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix (negative round-off clipped to 0)."""
    matrix = (matrix + matrix.T) / 2
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0, None))) @ eigenvectors.T


def trace_sqrt_product(cov1: np.ndarray, cov2: np.ndarray) -> float:
    """``trace(sqrtm(cov1 @ cov2))`` for covariance matrices.

    ``cov1 @ cov2`` is similar to the symmetric ``S cov2 S`` with ``S = sqrt(cov1)``, so both
    have the same (non-negative) eigenvalues; the trace of the square root is the sum of their
    square roots. Stable where ``scipy.linalg.sqrtm`` returns complex noise.
    """
    root = psd_sqrt(cov1)
    middle = root @ cov2 @ root
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    return float(np.sqrt(np.clip(eigenvalues, 0, None)).sum())


def frechet_distance(mean1: np.ndarray, cov1: np.ndarray, mean2: np.ndarray,
                     cov2: np.ndarray) -> Tuple[float, float, float]:
    """Fréchet distance of ``N(mean1, cov1)`` and ``N(mean2, cov2)``, in float64.

    Returns:
        ``(distance, mean_term, cov_term)`` with ``mean_term = |mean1 - mean2|^2`` and
        ``cov_term = tr(cov1) + tr(cov2) - 2 tr(sqrt(cov1 cov2))``.
    """
    mean1, mean2 = np.asarray(mean1, np.float64), np.asarray(mean2, np.float64)
    cov1, cov2 = np.asarray(cov1, np.float64), np.asarray(cov2, np.float64)
    if mean1.shape != mean2.shape or cov1.shape != cov2.shape or cov1.shape != mean1.shape * 2:
        raise ValueError(f'frechet_distance: shapes do not match: means {mean1.shape} and '
                         f'{mean2.shape}, covariances {cov1.shape} and {cov2.shape}')
    diff = mean1 - mean2
    mean_term = float(diff @ diff)
    cov_term = float(np.trace(cov1) + np.trace(cov2) - 2 * trace_sqrt_product(cov1, cov2))
    return mean_term + cov_term, mean_term, cov_term


def feature_statistics(features: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased covariance of ``(N, D)`` features, in float64."""
    features = np.asarray(features, np.float64)
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError(f'feature_statistics: need (N, D) features with N >= 2, got shape '
                         f'{features.shape}')
    return features.mean(0), np.cov(features, rowvar=False)


# ----------------------------------------------------------------------------- IS
def inception_score(probs: np.ndarray, splits: int = 10) -> Tuple[float, float]:
    """Inception score of ``(N, K)`` class probabilities: mean and std over ``splits`` groups.

    Group ``g`` holds rows ``[g * N // splits, (g + 1) * N // splits)``; its score is
    ``exp(mean_i KL(p_i || mean_j p_j))``. Rows are renormalised to sum to 1 and
    ``0 * log 0 = 0``, as ``scipy.stats.entropy`` does.
    """
    probs = np.asarray(probs, np.float64)
    if probs.ndim != 2 or not 1 <= splits <= probs.shape[0]:
        raise ValueError(f'inception_score: need (N, K) probabilities with 1 <= splits <= N, got '
                         f'shape {probs.shape} and splits={splits}')
    probs = probs / probs.sum(1, keepdims=True)
    size = probs.shape[0] // splits
    scores = []
    for group in range(splits):
        part = probs[group * size:(group + 1) * size]
        marginal = part.mean(0, keepdims=True)
        with np.errstate(divide='ignore', invalid='ignore'):
            terms = np.where(part > 0, part * (np.log(part) - np.log(marginal)), 0.0)
        scores.append(np.exp(terms.sum(1).mean()))
    return float(np.mean(scores)), float(np.std(scores))


# ----------------------------------------------------------------------------- precision/recall
def kth_neighbour_radii(features: Tensor, k: int, batch_size: int = 10000) -> Tensor:
    """Distance from each row of ``features`` to its ``k``-th nearest other row.

    Rounded to float16 as StyleGAN2-ADA's reference implementation (and MMGeneration) do.
    """
    radii = []
    for rows in features.split(batch_size):
        distances = torch.cdist(rows, features)
        radii.append(distances.float().kthvalue(k + 1, dim=1).values.half())
    return torch.cat(radii)


def manifold_coverage(manifold: Tensor, probes: Tensor, k: int, batch_size: int = 10000) -> float:
    """Fraction of ``probes`` inside a k-NN ball of some ``manifold`` row."""
    radii = kth_neighbour_radii(manifold, k, batch_size)
    inside = [(torch.cdist(rows, manifold) <= radii).any(1) for rows in probes.split(batch_size)]
    return float(torch.cat(inside).float().mean())


def precision_recall(real: Tensor, fake: Tensor, k: int = 3,
                     batch_size: int = 10000) -> Tuple[float, float]:
    """Improved precision (fakes on the real manifold) and recall (reals on the fake manifold)."""
    return (manifold_coverage(real, fake, k, batch_size), manifold_coverage(fake, real, k, batch_size))


# ----------------------------------------------------------------------------- MS-SSIM
def gaussian_window(size: int, sigma: float) -> Tensor:
    """PGGAN's normalised ``size x size`` Gaussian (centred between pixels for an even size)."""
    offset = 0.5 if size % 2 == 0 else 0.0
    coords = torch.arange(size, dtype=torch.float64) - size // 2 + offset
    yy, xx = torch.meshgrid(coords, coords, indexing='ij')
    window = torch.exp(-(xx**2 + yy**2) / (2.0 * sigma**2))
    return window / window.sum()


def _valid_blur(images: Tensor, window: Tensor) -> Tensor:
    """Per-channel 'valid' correlation of ``(N, C, H, W)`` with a symmetric window."""
    channels = images.shape[1]
    kernel = window.to(images)[None, None].expand(channels, 1, *window.shape)
    return F.conv2d(images, kernel, groups=channels)


def ssim_and_contrast(img1: Tensor, img2: Tensor, max_val: float = 255, filter_size: int = 11,
                      filter_sigma: float = 1.5, k1: float = 0.01,
                      k2: float = 0.03) -> Tuple[Tensor, Tensor]:
    """Per-image SSIM and contrast-structure term of ``(N, C, H, W)`` images."""
    height, width = img1.shape[2:]
    size = min(filter_size, height, width)
    sigma = size * filter_sigma / filter_size
    window = gaussian_window(size, sigma)
    mu1, mu2 = _valid_blur(img1, window), _valid_blur(img2, window)
    sigma11 = _valid_blur(img1 * img1, window) - mu1 * mu1
    sigma22 = _valid_blur(img2 * img2, window) - mu2 * mu2
    sigma12 = _valid_blur(img1 * img2, window) - mu1 * mu2
    c1, c2 = (k1 * max_val)**2, (k2 * max_val)**2
    v1 = 2.0 * sigma12 + c2
    v2 = sigma11 + sigma22 + c2
    ssim = ((2.0 * mu1 * mu2 + c1) * v1) / ((mu1 * mu1 + mu2 * mu2 + c1) * v2)
    return ssim.mean((1, 2, 3)), (v1 / v2).mean((1, 2, 3))


def _halve(images: Tensor) -> Tensor:
    """2x2 average downsampling (odd rows/columns dropped)."""
    height, width = images.shape[2] // 2 * 2, images.shape[3] // 2 * 2
    return F.avg_pool2d(images[:, :, :height, :width], 2)


def ms_ssim(img1: Tensor, img2: Tensor, max_val: float = 255,
            weights: Sequence[float] = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)) -> Tensor:
    """MS-SSIM of each pair of ``(N, C, H, W)`` images with values in ``[0, max_val]``.

    Computed in float64; ``weights`` (Wang et al. 2003) set the number of scales, so the
    images need a side of at least ``2 ** (len(weights) - 1)``.
    """
    if img1.shape != img2.shape or img1.dim() != 4:
        raise ValueError(f'ms_ssim: need two (N, C, H, W) batches of one shape, got '
                         f'{tuple(img1.shape)} and {tuple(img2.shape)}')
    if min(img1.shape[2:]) < 2**(len(weights) - 1):
        raise ValueError(f'ms_ssim: {len(weights)} scales need images of side >= '
                         f'{2**(len(weights) - 1)}, got {tuple(img1.shape[2:])}')
    im1, im2 = img1.double(), img2.double()
    ssims, contrasts = [], []
    for level in range(len(weights)):
        if level:
            im1, im2 = _halve(im1), _halve(im2)
        ssim, contrast = ssim_and_contrast(im1, im2, max_val)
        ssims.append(ssim)
        contrasts.append(contrast)
    weights_t = torch.tensor(weights, dtype=torch.float64)[:, None]
    ssims = torch.stack(ssims).clamp(min=0)
    contrasts = torch.stack(contrasts).clamp(min=0)
    return (contrasts[:-1]**weights_t[:-1]).prod(0) * ssims[-1]**weights_t[-1]


# ----------------------------------------------------------------------------- SWD
BINOMIAL_KERNEL = torch.tensor([1., 4., 6., 4., 1.])
GAUSSIAN_5X5 = torch.outer(BINOMIAL_KERNEL, BINOMIAL_KERNEL) / 256.0


def _blur(images: Tensor, stride: int) -> Tensor:
    channels = images.shape[1]
    kernel = GAUSSIAN_5X5.to(images)[None, None].expand(channels, 1, 5, 5)
    return F.conv2d(images, kernel, padding=2, stride=stride, groups=channels)


def laplacian_pyramid(images: Tensor, levels: int) -> List[Tensor]:
    """``levels`` band-pass images (finest first) plus the coarsest Gaussian level."""
    gaussians = [images]
    for _ in range(levels):
        gaussians.append(_blur(gaussians[-1], stride=2))
    bands = [fine - _blur(F.interpolate(coarse, scale_factor=2), stride=1)
             for fine, coarse in zip(gaussians[:-1], gaussians[1:])]
    return bands + [gaussians[-1]]


def sample_descriptors(level: Tensor, patch_size: int, patches_per_image: int,
                       rng: np.random.Generator) -> Tensor:
    """``patches_per_image`` random ``patch_size`` squares of each image: ``(N*P, C, s, s)``."""
    num, channels, height, width = level.shape
    half = patch_size // 2
    count = num * patches_per_image
    image_index = np.repeat(np.arange(num), patches_per_image)
    ys = rng.integers(half, height - half, size=count)
    xs = rng.integers(half, width - half, size=count)
    offsets = np.arange(-half, half + 1)
    rows = torch.as_tensor(ys[:, None] + offsets)[:, None, :, None]
    cols = torch.as_tensor(xs[:, None] + offsets)[:, None, None, :]
    images = torch.as_tensor(image_index)[:, None, None, None]
    chans = torch.arange(channels)[None, :, None, None]
    return level[images, chans, rows, cols]


def normalize_descriptors(descriptors: Tensor) -> Tensor:
    """Standardise each channel over all descriptors and flatten: ``(M, C*s*s)``."""
    descriptors = descriptors - descriptors.mean((0, 2, 3), keepdim=True)
    descriptors = descriptors / descriptors.std((0, 2, 3), keepdim=True)
    return descriptors.reshape(descriptors.shape[0], -1)


def sliced_wasserstein(a: Tensor, b: Tensor, repeats: int, directions: int,
                       generator: Optional[torch.Generator] = None) -> float:
    """Mean over random unit directions of the 1-D Wasserstein-1 distance of the projections."""
    if a.shape != b.shape:
        raise ValueError(f'sliced_wasserstein: need equally many descriptors, got {tuple(a.shape)} '
                         f'and {tuple(b.shape)}')
    results = []
    for _ in range(repeats):
        dirs = torch.randn(a.shape[1], directions, generator=generator).to(a)
        dirs = dirs / dirs.norm(dim=0, keepdim=True)
        proj_a = torch.sort(a @ dirs, dim=0).values
        proj_b = torch.sort(b @ dirs, dim=0).values
        results.append(float((proj_a - proj_b).abs().mean()))
    return float(np.mean(results))
