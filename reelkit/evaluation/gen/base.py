"""Common parts of the generative metrics: sample selection, batch sources, result gathering.

A metric names where its images come from with ``SAMPLER_MODE``:

- ``'Generative'``: batches of noise (``fake_nums`` images), drawn from a generator seeded with
  :data:`NOISE_SEED` (plus the rank), so every evaluation compares the same noise and training's
  random state is untouched;
- ``'normal'``: the real dataloader (``real_nums`` images), each batch given noise the same way;
  the model keeps the real images as ``gt_img``.

Metrics read generated images from the model's :class:`GenDataSample` outputs (as dicts):
``sample[sample_model][fake_key]`` for ``'ema/orig'`` outputs, else ``sample[fake_key]``, with
``fake_key`` defaulting to ``'fake_img'``.
"""
import math
from typing import Callable, Iterator, List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.dist import all_gather, broadcast_object_list, get_dist_info, is_main_process
from mmengine.evaluator import BaseMetric
from torch import Tensor
from torch.utils.data import DataLoader

from reelkit.utils.errors import ConfigError
from .real_stats import cached_arrays, extract_real_features, stats_path

NOISE_SEED = 2022
SAMPLE_MODELS = ('orig', 'ema', 'ema/orig')


def unwrap(module: nn.Module) -> nn.Module:
    return module.module if hasattr(module, 'module') and isinstance(module.module, nn.Module) \
        else module


class NoiseBatches:
    """Batches ``dict(inputs=dict(noise=..., sample_model=...[, label=...]))`` for ``num_images``."""

    def __init__(self, module: nn.Module, batch_size: int, num_images: int, sample_model: str):
        self.noise_size = module.noise_size
        self.num_classes = getattr(module, 'num_classes', 0) or 0
        self.batch_size, self.num_images, self.sample_model = batch_size, num_images, sample_model
        self.seed = NOISE_SEED + get_dist_info()[0]

    def __len__(self) -> int:
        return math.ceil(self.num_images / self.batch_size)

    def __iter__(self) -> Iterator[dict]:
        generator = torch.Generator().manual_seed(self.seed)
        for start in range(0, self.num_images, self.batch_size):
            size = min(self.batch_size, self.num_images - start)
            inputs = dict(noise=torch.randn(size, self.noise_size, generator=generator),
                          sample_model=self.sample_model)
            if self.num_classes:
                inputs['label'] = torch.randint(self.num_classes, (size, ), generator=generator)
            yield dict(inputs=inputs)


class RealBatches:
    """The first ``num_images`` of a dataloader's dataset (this rank's share), with noise added."""

    def __init__(self, module: nn.Module, dataloader: DataLoader, num_images: int, sample_model: str):
        rank, world = get_dist_info()
        dataset_size = len(dataloader.dataset)
        if num_images > dataset_size:
            raise ConfigError(f'a metric needs {num_images} real images but the dataset has only '
                              f'{dataset_size}; lower real_nums/fake_nums or add images')
        indices = list(range(rank, num_images, world))
        self.loader = DataLoader(dataloader.dataset, batch_size=dataloader.batch_size,
                                 sampler=indices, collate_fn=dataloader.collate_fn,
                                 generator=torch.Generator())  # global random state untouched
        self.noise = NoiseBatches(module, dataloader.batch_size, len(indices), sample_model)

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self) -> Iterator[dict]:
        for data, noise in zip(self.loader, self.noise):
            data['inputs'] = dict(data['inputs'], **noise['inputs'])
            yield data


def gather_rows(batches: List[Tensor], size: int) -> Tensor:
    """Concatenate this rank's ``(n, ...)`` batches and those of all ranks; keep ``size`` rows."""
    local = torch.cat(batches) if batches else torch.empty(0)
    return torch.cat(all_gather(local))[:size]


class GenMetric(BaseMetric):
    """Base of the generative metrics.

    Args:
        fake_nums (int): generated images to evaluate.
        real_nums (int): real images to use; -1 means the whole dataset. Defaults to 0.
        fake_key (str, optional): output field with the generated image. Defaults to ``fake_img``.
        real_key (str, optional): input key of the real images. Defaults to ``'img'``.
        sample_model (str): ``'orig'``, ``'ema'`` or ``'ema/orig'`` generator. Defaults to ``'ema'``.
        collect_device (str): ``'cpu'`` or ``'gpu'``, for gathering across processes.
        prefix (str, optional): prefix of the result names (``'FID-Full-50k'`` -> ``FID-Full-50k/fid``).
    """
    SAMPLER_MODE = 'normal'

    def __init__(self,
                 fake_nums: int,
                 real_nums: int = 0,
                 fake_key: Optional[str] = None,
                 real_key: Optional[str] = 'img',
                 sample_model: str = 'ema',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device, prefix)
        name = type(self).__name__
        if sample_model not in SAMPLE_MODELS:
            raise ConfigError(f'{name}: sample_model={sample_model!r}; expected one of {SAMPLE_MODELS}')
        if not isinstance(fake_nums, int) or fake_nums < 0:
            raise ConfigError(f'{name}: fake_nums={fake_nums!r}; expected an integer >= 0')
        if not isinstance(real_nums, int) or real_nums < -1:
            raise ConfigError(f'{name}: real_nums={real_nums!r}; expected an integer >= -1 '
                              '(-1: the whole dataset)')
        self.fake_nums, self.real_nums = fake_nums, real_nums
        self.fake_key, self.real_key = fake_key, real_key
        self.sample_model = sample_model
        self.fake_results: List[Tensor] = []
        self.output_color_order = 'bgr'
        self.data_preprocessor = None
        self.device = torch.device('cpu')

    @property
    def fake_nums_per_device(self) -> int:
        return math.ceil(self.fake_nums / get_dist_info()[1])

    def num_processed(self) -> int:
        return sum(len(batch) for batch in self.fake_results)

    # ------------------------------------------------------------------ preparation
    def prepare(self, module: nn.Module, dataloader: DataLoader) -> None:
        """Remember the model's preprocessing (colour order, device); subclasses add statistics."""
        module = unwrap(module)
        self.data_preprocessor = module.data_preprocessor
        self.output_color_order = getattr(self.data_preprocessor, 'output_color_order', 'bgr')
        self.device = self.data_preprocessor.device

    def get_metric_sampler(self, module: nn.Module, dataloader: DataLoader,
                           metrics: Sequence['GenMetric']):
        """The batches fed to the model for this group of metrics."""
        num_images = max(m.real_nums if m.real_nums > 0 else m.fake_nums for m in metrics)
        return RealBatches(unwrap(module), dataloader, num_images, self.sample_model)

    # ------------------------------------------------------------------ images
    def fake_images(self, data_samples: Sequence[dict]) -> Tensor:
        """The generated images of a batch of outputs, ``(N, C, H, W)`` in the model's range."""
        key = self.fake_key or 'fake_img'
        images = []
        for sample in data_samples:
            if self.sample_model in sample:  # 'ema/orig' outputs hold one sub-sample each
                sample = sample[self.sample_model]
            if key not in sample:
                raise KeyError(f'{type(self).__name__}: generated samples have no {key!r}; their '
                               f'fields are {sorted(sample)}; set fake_key')
            images.append(sample[key])
        return torch.stack(images)

    def to_rgb(self, images: Tensor) -> Tensor:
        """Model-range images in RGB order with 3 channels, for feature networks."""
        images = images.to(self.device).float()
        if images.shape[1] == 1:
            return images.expand(-1, 3, -1, -1)
        return images[:, [2, 1, 0]] if self.output_color_order == 'bgr' else images

    def real_images(self, data_batch: dict) -> Tensor:
        """Preprocessed real images of a dataloader batch."""
        data = self.data_preprocessor(data_batch)
        return data['inputs'][self.real_key]

    # ------------------------------------------------------------------ results
    def evaluate(self, size: Optional[int] = None) -> dict:
        results = [None]
        fake = self.collect_fake()
        if is_main_process():
            metrics = self.compute_metrics(fake)
            if self.prefix:
                metrics = {f'{self.prefix}/{k}': v for k, v in metrics.items()}
            results = [metrics]
        broadcast_object_list(results)
        self.fake_results.clear()
        return results[0]

    def collect_fake(self) -> Tensor:
        if not self.fake_results:
            raise RuntimeError(f'{type(self).__name__}: no generated images reached the metric')
        return gather_rows(self.fake_results, self.fake_nums)


class GenerativeMetric(GenMetric):
    """A metric of generated images only (real images at most in :meth:`prepare`)."""
    SAMPLER_MODE = 'Generative'

    def get_metric_sampler(self, module: nn.Module, dataloader: DataLoader,
                           metrics: Sequence[GenMetric]):
        num_images = max(m.fake_nums_per_device for m in metrics)
        return NoiseBatches(unwrap(module), dataloader.batch_size, num_images, self.sample_model)


class FeatureNetMetric(GenerativeMetric):
    """A generative metric that compares ``feature_net`` features of fake images with those of the
    real set, which :meth:`prepare` reads from a cache file or computes once.

    Subclasses set ``feature_net`` and ``feature_dtype`` (the dtype fake features are kept in).
    """
    feature_dtype = torch.float32

    def real_feature_arrays(self, dataloader: DataLoader, cache_file: Optional[str], tag: str, keys: Sequence[str],
                            summarize: Callable[[Tensor], dict], save: bool = True) -> dict:
        """``keys`` arrays of the real set: ``summarize(features)`` of its images, cached by ``tag``."""
        self.feature_net.to(self.device)

        def compute() -> dict:
            return summarize(extract_real_features(dataloader, self.real_nums,
                                                   lambda batch: self.to_rgb(self.real_images(batch)),
                                                   self.feature_net.features))

        return cached_arrays(cache_file, lambda: stats_path(tag, self.feature_net.identity(), dataloader,
                                                            self.real_nums),
                             tuple(keys), compute, save=save)

    @torch.no_grad()
    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        if self.num_processed() >= self.fake_nums_per_device:
            return
        images = self.to_rgb(self.fake_images(data_samples))
        self.fake_results.append(self.feature_net.features(images).to(self.feature_dtype).cpu())

