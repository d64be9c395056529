"""Generative metrics: the mathematics against independent computations, feature networks,
cached real statistics, and the evaluator on a tiny model."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

import reelkit.datasets  # noqa: F401
import reelkit.engine  # noqa: F401
import reelkit.evaluation  # noqa: F401
import reelkit.models  # noqa: F401
from reelkit.datasets.gen import UnconditionalImageDataset
from reelkit.datasets.synth_shapes import generate_synth_shapes
from reelkit.evaluation.gen import (FeatureNetworkNotFound, FrechetInceptionDistance, GenEvaluator,
                                    SeededFeatureNet)
from reelkit.evaluation.gen import functional as gf
from reelkit.evaluation.gen import real_stats
from reelkit.registry import MODELS
from reelkit.utils.errors import ConfigError

init_default_scope('reelkit')


def random_cov(dim, rng, rank=None):
    a = rng.normal(size=(dim, rank or dim))
    return a @ a.T / (rank or dim)


# ----------------------------------------------------------------------------- Fréchet distance
def test_frechet_distance_matches_closed_form_for_diagonal_covariances():
    rng = np.random.default_rng(0)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    var1, var2 = rng.uniform(0.1, 3, 6), rng.uniform(0.1, 3, 6)
    expected = np.sum((mu1 - mu2)**2) + np.sum((np.sqrt(var1) - np.sqrt(var2))**2)
    fid, mean_term, cov_term = gf.frechet_distance(mu1, np.diag(var1), mu2, np.diag(var2))
    assert fid == pytest.approx(expected, rel=1e-6)
    assert mean_term + cov_term == pytest.approx(fid, rel=1e-12)


@pytest.mark.parametrize('rank', [None, 3])  # full rank, and singular covariances (N < D)
def test_frechet_distance_matches_eigenvalues_of_the_product(rank):
    rng = np.random.default_rng(1)
    cov1, cov2 = random_cov(8, rng, rank), random_cov(8, rng)
    mu1, mu2 = rng.normal(size=8), rng.normal(size=8)
    # Independent route: the eigenvalues of the (non-symmetric) product cov1 @ cov2.
    eig = torch.linalg.eigvals(torch.from_numpy(cov1 @ cov2))
    trace_sqrt = eig.real.clamp(min=0).sqrt().sum().item()
    expected = np.sum((mu1 - mu2)**2) + np.trace(cov1) + np.trace(cov2) - 2 * trace_sqrt
    assert gf.frechet_distance(mu1, cov1, mu2, cov2)[0] == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_of_a_distribution_with_itself_is_zero():
    rng = np.random.default_rng(2)
    cov = random_cov(5, rng)
    assert abs(gf.frechet_distance(np.ones(5), cov, np.ones(5), cov)[0]) < 1e-9


def test_fid_metric_result_from_fixed_features():
    rng = np.random.default_rng(3)
    real, fake = rng.normal(size=(40, 4)), rng.normal(0.5, 2.0, size=(30, 4))
    metric = FrechetInceptionDistance(fake_nums=30, feature_net=dict(type='SeededFeatureNet'))
    metric.real_mean, metric.real_cov = real.mean(0), np.cov(real, rowvar=False)
    result = metric.compute_metrics(torch.from_numpy(fake))
    expected = gf.frechet_distance(fake.mean(0), np.cov(fake, rowvar=False), real.mean(0),
                                   np.cov(real, rowvar=False))[0]
    assert result['fid'] == pytest.approx(expected, rel=1e-12)
    assert set(result) == {'fid', 'mean', 'cov'}


# ----------------------------------------------------------------------------- Inception score
def test_inception_score_matches_a_direct_kl_computation():
    logits = torch.randn(40, 7, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    probs = logits.softmax(1)
    scores = []
    for part in probs.split(10):
        kl = (part * (part.log() - part.mean(0, keepdim=True).log())).sum(1)
        scores.append(kl.mean().exp().item())
    mean, std = gf.inception_score(probs.numpy(), splits=4)
    assert mean == pytest.approx(np.mean(scores), rel=1e-6)
    assert std == pytest.approx(np.std(scores), rel=1e-6)


def test_inception_score_extremes():
    assert gf.inception_score(np.full((6, 3), 1 / 3), splits=1)[0] == pytest.approx(1.0)
    assert gf.inception_score(np.eye(3).repeat(2, axis=0), splits=1)[0] == pytest.approx(3.0)


# ----------------------------------------------------------------------------- precision/recall
def test_precision_recall_by_brute_force():
    rng = np.random.default_rng(4)
    real = rng.normal(size=(25, 3)).astype(np.float32)
    fake = (rng.normal(size=(20, 3)) * 1.5 + 0.7).astype(np.float32)

    def coverage(manifold, probes, k):
        d_mm = np.linalg.norm(manifold[:, None] - manifold[None], axis=2)
        radii = np.sort(d_mm, axis=1)[:, k].astype(np.float16)
        d_pm = np.linalg.norm(probes[:, None] - manifold[None], axis=2)
        return np.mean([(d_pm[i] <= radii).any() for i in range(len(probes))])

    precision, recall = gf.precision_recall(torch.from_numpy(real), torch.from_numpy(fake), k=3,
                                            batch_size=7)
    assert precision == pytest.approx(coverage(real, fake, 3))
    assert recall == pytest.approx(coverage(fake, real, 3))


# ----------------------------------------------------------------------------- MS-SSIM
def ssim_reference(img1, img2, max_val=255.0, size=11, sigma=1.5):
    """Single-scale SSIM and contrast term by explicit windows (numpy, float64)."""
    size = min(size, *img1.shape[1:3])
    sigma = size * sigma / 11
    offset = 0.5 if size % 2 == 0 else 0.0
    coords = np.arange(size) - size // 2 + offset
    window = np.exp(-(coords[:, None]**2 + coords[None]**2) / (2 * sigma**2))
    window /= window.sum()

    def blur(x):  # (N, H, W, C) valid correlation
        patches = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(1, 2))
        return np.einsum('nhwcij,ij->nhwc', patches, window)

    mu1, mu2 = blur(img1), blur(img2)
    s11 = blur(img1 * img1) - mu1**2
    s22 = blur(img2 * img2) - mu2**2
    s12 = blur(img1 * img2) - mu1 * mu2
    c1, c2 = (0.01 * max_val)**2, (0.03 * max_val)**2
    v1, v2 = 2 * s12 + c2, s11 + s22 + c2
    ssim = ((2 * mu1 * mu2 + c1) * v1 / ((mu1**2 + mu2**2 + c1) * v2)).mean((1, 2, 3))
    return ssim, (v1 / v2).mean((1, 2, 3))


def test_ms_ssim_matches_an_explicit_window_computation():
    rng = np.random.default_rng(5)
    img1 = rng.integers(0, 256, size=(2, 32, 32, 3)).astype(np.float64)
    img2 = np.clip(img1 + rng.normal(0, 40, img1.shape), 0, 255).round()
    weights = np.array([0.0448, 0.2856, 0.3001, 0.2363, 0.1333])
    a, b, ssims, css = img1, img2, [], []
    for _ in weights:
        s, c = ssim_reference(a, b)
        ssims.append(s)
        css.append(c)
        a = (a[:, 0::2, 0::2] + a[:, 1::2, 0::2] + a[:, 0::2, 1::2] + a[:, 1::2, 1::2]) / 4
        b = (b[:, 0::2, 0::2] + b[:, 1::2, 0::2] + b[:, 0::2, 1::2] + b[:, 1::2, 1::2]) / 4
    ssims, css = np.clip(ssims, 0, None), np.clip(css, 0, None)
    expected = np.prod(css[:-1]**weights[:-1, None], axis=0) * ssims[-1]**weights[-1]
    to_nchw = lambda x: torch.from_numpy(x).permute(0, 3, 1, 2)  # noqa: E731
    got = gf.ms_ssim(to_nchw(img1), to_nchw(img2)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert gf.ms_ssim(to_nchw(img1), to_nchw(img1)).numpy() == pytest.approx([1.0, 1.0])


# ----------------------------------------------------------------------------- SWD
def test_sliced_wasserstein_is_zero_for_equal_sets_and_grows_with_a_shift():
    a = torch.randn(64, 12, generator=torch.Generator().manual_seed(0))
    assert gf.sliced_wasserstein(a, a.clone(), 2, 8) == 0.0
    near = gf.sliced_wasserstein(a, a + 0.1, 2, 8, torch.Generator().manual_seed(1))
    far = gf.sliced_wasserstein(a, a + 1.0, 2, 8, torch.Generator().manual_seed(1))
    assert 0 < near < far


def test_laplacian_pyramid_levels_halve_the_side():
    levels = gf.laplacian_pyramid(torch.rand(2, 3, 32, 32), 2)
    assert [lv.shape[-1] for lv in levels] == [32, 16, 8]


# ----------------------------------------------------------------------------- feature networks
def test_seeded_feature_net_is_a_function_of_its_seed():
    images = torch.rand(2, 3, 16, 16) * 2 - 1
    same = SeededFeatureNet(seed=1).features(images), SeededFeatureNet(seed=1).features(images)
    torch.testing.assert_close(*same)
    assert not torch.allclose(same[0], SeededFeatureNet(seed=2).features(images))
    assert same[0].shape == (2, 128)


def test_missing_inception_file_says_which_file_and_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv('REELKIT_CACHE', str(tmp_path))
    with pytest.raises(FeatureNetworkNotFound) as error:
        FrechetInceptionDistance(fake_nums=10)
    message = str(error.value)
    assert str(tmp_path / 'inception-2015-12-05.pt') in message
    assert 'https://nvlabs-fi-cdn.nvidia.com' in message and 'inception_path=' in message


# ----------------------------------------------------------------------------- end to end
@pytest.fixture(scope='module')
def tiny_setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('shapes')
    generate_synth_shapes(str(root), num_images=16, size=16)
    dataset = UnconditionalImageDataset(
        data_root=str(root), pipeline=[dict(type='LoadImageFromFile', key='img'),
                                       dict(type='PackGenInputs', keys=['img'])])
    from mmengine.dataset import pseudo_collate
    loader = torch.utils.data.DataLoader(dataset, batch_size=4, collate_fn=pseudo_collate)
    model = MODELS.build(dict(
        type='DCGAN', noise_size=8,
        generator=dict(type='DCGANGenerator', output_scale=16, base_channels=16),
        discriminator=dict(type='DCGANDiscriminator', input_scale=16, output_scale=4,
                           out_channels=1, base_channels=4))).eval()
    return model, loader


def run_evaluator(evaluator, model, loader):
    evaluator.prepare_metrics(model, loader)
    for metrics, batches in evaluator.prepare_samplers(model, loader):
        for data in batches:
            with torch.no_grad():
                evaluator.process(model.val_step(data), data, metrics)
    return evaluator.evaluate()


def test_evaluator_reports_every_metric_with_its_prefix(tiny_setup, tmp_path, monkeypatch):
    monkeypatch.setenv('REELKIT_CACHE', str(tmp_path))
    model, loader = tiny_setup
    seeded = dict(type='SeededFeatureNet')
    evaluator = GenEvaluator([
        dict(type='FID', prefix='FID-8', fake_nums=8, feature_net=seeded),
        dict(type='IS', prefix='IS-8', fake_nums=8, splits=2, feature_net=seeded),
        dict(type='PR', prefix='PR-8', fake_nums=8, k=2, feature_net=seeded, sample_model='orig'),
        dict(type='MS_SSIM', prefix='ms-ssim', fake_nums=8, sample_model='orig'),
        dict(type='SWD', prefix='swd', fake_nums=8, image_shape=(3, 16, 16), sample_model='orig')])
    results = run_evaluator(evaluator, model, loader)
    assert set(results) == {'FID-8/fid', 'FID-8/mean', 'FID-8/cov', 'IS-8/is', 'IS-8/is_std',
                            'PR-8/precision', 'PR-8/recall', 'ms-ssim/avg', 'swd/16', 'swd/avg'}
    assert results['FID-8/fid'] > 0 and 1 <= results['IS-8/is'] <= 10


def test_real_statistics_are_cached_and_reused(tiny_setup, tmp_path, monkeypatch):
    model, loader = tiny_setup
    stats_file = tmp_path / 'real.npz'
    first = FrechetInceptionDistance(fake_nums=8, inception_pkl=str(stats_file),
                                     feature_net=dict(type='SeededFeatureNet'))
    first.prepare(model, loader)
    assert stats_file.is_file()

    def must_not_run(*args, **kwargs):
        raise AssertionError('real features recomputed although the statistics file exists')

    monkeypatch.setattr(real_stats, 'extract_real_features', must_not_run)
    monkeypatch.setattr('reelkit.evaluation.gen.base.extract_real_features', must_not_run)
    second = FrechetInceptionDistance(fake_nums=8, inception_pkl=str(stats_file),
                                      feature_net=dict(type='SeededFeatureNet'))
    second.prepare(model, loader)
    np.testing.assert_array_equal(second.real_cov, first.real_cov)


def test_fixed_evaluation_noise_gives_the_same_fid_twice(tiny_setup, tmp_path, monkeypatch):
    monkeypatch.setenv('REELKIT_CACHE', str(tmp_path))
    model, loader = tiny_setup
    cfg = dict(type='FID', fake_nums=8, feature_net=dict(type='SeededFeatureNet'))
    evaluator = GenEvaluator([cfg])
    state = torch.get_rng_state()
    assert run_evaluator(evaluator, model, loader) == run_evaluator(evaluator, model, loader)
    assert torch.equal(torch.get_rng_state(), state)  # evaluation leaves training's RNG alone


def test_statistics_file_may_have_mmgen_pkl_name_but_pickles_are_refused(tiny_setup, tmp_path):
    model, loader = tiny_setup
    stats_file = tmp_path / 'celeba-64.pkl'  # MMGeneration configs name it so
    metric = FrechetInceptionDistance(fake_nums=8, inception_pkl=str(stats_file),
                                      feature_net=dict(type='SeededFeatureNet'))
    metric.prepare(model, loader)
    metric.prepare(model, loader)  # written as .npz content, read back
    import pickle
    stats_file.write_bytes(pickle.dumps(dict(mean=1)))
    with pytest.raises(ConfigError, match='never unpickles'):
        metric.prepare(model, loader)


class InceptionStandIn(torch.nn.Module):
    """The call interface of StyleGAN2-ADA's TorchScript Inception (uint8 in, ``return_features``
    or ``no_output_bias``), with a fixed random projection in place of the real network."""

    def __init__(self):
        super().__init__()
        weights = torch.randn(3 * 4 * 4, 8, generator=torch.Generator().manual_seed(0))
        self.register_buffer('projection', weights)

    def forward(self, img: torch.Tensor, return_features: bool = False,
                no_output_bias: bool = False) -> torch.Tensor:
        small = torch.nn.functional.interpolate(img.float() / 255, size=(4, 4), mode='area')
        features = small.flatten(1) @ self.projection
        return features if return_features else torch.softmax(features, dim=1)


def test_inception_file_is_read_offline_and_fid_of_the_real_set_with_itself_is_zero(
        tiny_setup, tmp_path, monkeypatch):
    monkeypatch.setenv('REELKIT_CACHE', str(tmp_path))
    torch.jit.save(torch.jit.script(InceptionStandIn()), str(tmp_path / 'inception-2015-12-05.pt'))

    def no_network(*args, **kwargs):
        raise AssertionError('the metric tried to open a network connection')

    monkeypatch.setattr('socket.socket', no_network)
    model, loader = tiny_setup
    metric = FrechetInceptionDistance(fake_nums=16)  # no feature_net: the Inception file
    metric.prepare(model, loader)  # real statistics of the 16 images through the TorchScript file
    for batch in loader:
        real = model.data_preprocessor(batch)['inputs']['img']
        metric.process(batch, [dict(fake_img=image) for image in real])
    result = metric.evaluate()
    assert result['fid'] == pytest.approx(0, abs=1e-6)
