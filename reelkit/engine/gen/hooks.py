"""Hooks of generative-model training: timing, sample grids, random state in checkpoints, and the
dataloader of progressive growing."""
import logging
import random
import time
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.dataset import DefaultSampler, InfiniteSampler
from mmengine.dist import master_only
from mmengine.hooks import Hook, IterTimerHook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop
from mmengine.visualization import Visualizer
from torch.utils.data import BatchSampler, DataLoader

from reelkit.registry import HOOKS
from reelkit.utils.errors import ConfigError


@HOOKS.register_module()
class GenIterTimerHook(IterTimerHook):
    """``IterTimerHook`` whose validation/test ETA counts the batches of the generative loops
    (``GenValLoop.total_length``) instead of the length of the real-image dataloader."""

    def _after_iter(self, runner, batch_idx: int, data_batch=None, outputs=None,
                    mode: str = 'train') -> None:
        if mode == 'train':
            return super()._after_iter(runner, batch_idx, data_batch, outputs, mode)
        runner.message_hub.update_scalar(f'{mode}/time', time.time() - self.t)
        self.t = time.time()
        self.time_sec_test_val += runner.message_hub.get_scalar(f'{mode}/time').current()
        loop = runner.val_loop if mode == 'val' else runner.test_loop
        total = getattr(loop, 'total_length', 0) or len(loop.dataloader)
        eta = self.time_sec_test_val / (batch_idx + 1) * (total - batch_idx - 1)
        runner.message_hub.update_info('eta', eta)


@HOOKS.register_module()
class GenVisualizationHook(Hook):
    """Write a grid of generated images every ``interval`` training iterations, and the
    generated images of each test batch when ``save_at_test``.

    Samples come from fixed noise (``fixed_input=True``: drawn once from its own generator
    seeded with ``seed``, so the grids of different iterations are comparable and training's
    random state is untouched) or fresh noise each time. Conditional models draw the classes
    in turn (``0, 1, ..., num_classes - 1, 0, ...``).

    Args:
        interval (int): iterations between grids. Defaults to 1000.
        vis_kwargs_list (dict | list[dict]): what to draw; each entry has ``type='GAN'`` (or
            ``'Noise'``) and optionally ``name`` (image name, default ``'fake_img'``),
            ``n_samples``, ``n_row``, ``sample_model`` (``'orig'``, ``'ema'``, ``'ema/orig'``),
            ``fixed_input``, ``target_keys``.
        fixed_input (bool): default of the entries' ``fixed_input``. Defaults to True.
        n_samples (int): default number of images per grid. Defaults to 64.
        n_row (int): default images per grid row. Defaults to 8.
        seed (int): seed of the fixed noise. Defaults to 2022.
        save_at_test (bool): draw the test outputs too. Defaults to True.
        max_save_at_test (int): at most this many test images are written. Defaults to 100.
        test_vis_keys (str | list[str], optional): fields drawn at test; default the generated images.
        show (bool): display the grids instead of only writing them. Defaults to False.
        wait_time (float): display time in seconds. Defaults to 0.
        message_hub_vis_kwargs: MMGeneration option; not supported (must be None).
    """
    priority = 'NORMAL'
    SAMPLER_TYPES = ('GAN', 'Noise')

    def __init__(self,
                 interval: int = 1000,
                 vis_kwargs_list: Optional[Union[dict, List[dict]]] = None,
                 fixed_input: bool = True,
                 n_samples: int = 64,
                 n_row: int = 8,
                 seed: int = 2022,
                 save_at_test: bool = True,
                 max_save_at_test: int = 100,
                 test_vis_keys: Optional[Union[str, List[str]]] = None,
                 show: bool = False,
                 wait_time: float = 0,
                 message_hub_vis_kwargs=None):
        if not isinstance(interval, int) or interval < 1:
            raise ConfigError(f'GenVisualizationHook.interval={interval!r}; expected a positive integer')
        if message_hub_vis_kwargs is not None:
            raise ConfigError('GenVisualizationHook.message_hub_vis_kwargs is not supported by '
                              'reelkit; remove it')
        entries = vis_kwargs_list or dict(type='GAN', name='fake_img')
        self.vis_kwargs_list = [dict(e) for e in ([entries] if isinstance(entries, dict) else entries)]
        for entry in self.vis_kwargs_list:
            if entry.get('type') not in self.SAMPLER_TYPES:
                raise ConfigError(f'GenVisualizationHook.vis_kwargs_list: type={entry.get("type")!r} '
                                  f'is not supported; expected one of {self.SAMPLER_TYPES}')
        self.interval = interval
        self.fixed_input = fixed_input
        self.n_samples = n_samples
        self.n_row = n_row
        self.seed = seed
        self.save_at_test = save_at_test
        self.max_save_at_test = max_save_at_test
        self._saved_at_test = 0
        self.test_vis_keys = test_vis_keys
        self.show = show
        self.wait_time = wait_time
        self._fixed_noise = {}

    @master_only
    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not self.every_n_train_iters(runner, self.interval):
            return
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        was_training = model.training
        model.eval()
        try:
            for entry in self.vis_kwargs_list:
                self._draw(model, entry, step=runner.iter + 1)
        finally:
            model.train(was_training)

    def before_test(self, runner) -> None:
        self._saved_at_test = 0

    @master_only
    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not self.save_at_test or not outputs:
            return
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        preprocessor = model.data_preprocessor
        for sample in outputs[:self.max_save_at_test - self._saved_at_test]:
            Visualizer.get_current_instance().add_datasample(
                name='test', gen_samples=[sample], target_keys=self.test_vis_keys, n_row=1,
                color_order=preprocessor.output_color_order, target_mean=preprocessor.mean,
                target_std=preprocessor.std, step=self._saved_at_test)
            self._saved_at_test += 1

    @torch.no_grad()
    def _draw(self, model, entry: dict, step: int) -> None:
        name = entry.get('name', 'fake_img')
        n_samples = entry.get('n_samples', self.n_samples)
        noise = self._noise(model, name, n_samples, entry.get('fixed_input', self.fixed_input))
        inputs = dict(noise=noise)
        num_classes = getattr(model, 'num_classes', 0) or 0
        if num_classes:  # conditional models: classes in turn, the same every time
            inputs['label'] = torch.arange(n_samples) % num_classes
        if 'sample_model' in entry:
            inputs['sample_model'] = entry['sample_model']
        samples = model.val_step(dict(inputs=inputs))
        preprocessor = model.data_preprocessor
        Visualizer.get_current_instance().add_datasample(
            name=name, gen_samples=samples, target_keys=entry.get('target_keys'),
            n_row=entry.get('n_row', self.n_row), color_order=preprocessor.output_color_order,
            target_mean=preprocessor.mean, target_std=preprocessor.std, show=self.show,
            wait_time=self.wait_time, step=step)

    def _noise(self, model, name: str, n_samples: int, fixed: bool) -> torch.Tensor:
        if fixed and name in self._fixed_noise:
            return self._fixed_noise[name]
        generator = torch.Generator().manual_seed(self.seed) if fixed else None
        noise = torch.randn(n_samples, model.noise_size, generator=generator)
        if fixed:
            self._fixed_noise[name] = noise
        return noise


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Save the random states (Python, NumPy, torch CPU and CUDA) in checkpoints and restore them
    when resuming, so a resumed run draws the same noise as an uninterrupted one.

    MMEngine re-seeds at resume and then replays the dataloader up to the resumed iteration, both
    of which move the random streams away from where the interrupted run left them. The states
    are stored under ``checkpoint['random_state']`` and put back just before the first resumed
    iteration, after the replay.

    A deterministic run (``--deterministic``) seeds every step from ``(seed, iteration)``
    (``StepSeedHook``), which a resume reproduces by itself; the restored state must not replace
    that step's seed, so this hook comes first and ``StepSeedHook`` re-seeds after it.
    """
    priority = 'HIGHEST'  # before StepSeedHook (VERY_HIGH), whose step seed is the one kept

    def __init__(self) -> None:
        self._pending: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        numpy_state = np.random.get_state()
        state = dict(
            python=random.getstate(),
            numpy=dict(name=numpy_state[0], keys=torch.from_numpy(numpy_state[1].astype(np.int64)),
                       pos=int(numpy_state[2]), has_gauss=int(numpy_state[3]),
                       cached_gaussian=float(numpy_state[4])),
            torch=torch.get_rng_state())
        if torch.cuda.is_available():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint['random_state'] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if getattr(runner, '_resume', False):  # not for load_from without resuming
            self._pending = checkpoint.get('random_state')

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if self._pending is None:
            return
        state, self._pending = self._pending, None
        random.setstate(_as_python_state(state['python']))
        numpy_state = state['numpy']
        np.random.set_state((numpy_state['name'], numpy_state['keys'].numpy().astype(np.uint32),
                             numpy_state['pos'], numpy_state['has_gauss'],
                             numpy_state['cached_gaussian']))
        torch.set_rng_state(state['torch'])
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state['cuda'])


def _as_python_state(state: Sequence):
    """``random.setstate`` wants tuples; a checkpoint may give lists back."""
    version, internal, gauss = state
    return version, tuple(internal), gauss


@HOOKS.register_module()
class PGGANFetchDataHook(Hook):
    """Keep the training dataloader at the scale of a progressively grown model (PGGAN,
    StyleGANv1) over ``GrowScaleImgDataset``.

    Whenever the model's ``_next_scale_int`` (the scale of its next iteration) is not the one
    the dataset serves, the dataset's ``update_annotations(scale)`` switches folder and
    ``samples_per_gpu``, and the train loop gets a new dataloader of that batch size (same
    dataset, sampler, workers and collate function) and a new iterator. Wrapped (distributed)
    and plain models both work. A dataset without ``update_annotations`` is left alone.

    MMGeneration 1.x looked in ``before_train_iter``, after the loop had fetched that
    iteration's batch, so the first iteration of each scale trained on a batch from the old
    folder at the old batch size (an error when that folder's images are smaller than the new
    scale). This hook looks in ``before_train`` (the first scale, or the resumed one) and after
    every iteration, right after the model set ``_next_scale_int``, so each batch comes from the
    right dataloader.

    Args:
        interval (int): MMGeneration 0.x's argument, kept in migrated configs; must be 1 (the
            dataloader follows the model at every iteration).
    """
    priority = 'NORMAL'

    def __init__(self, interval: int = 1) -> None:
        if interval != 1:
            raise ConfigError(f'PGGANFetchDataHook.interval={interval!r}; only 1 is supported: the '
                              'dataloader must follow the model scale at every iteration')
        self.interval = interval

    def before_train(self, runner) -> None:
        if not isinstance(runner.train_loop, IterBasedTrainLoop):
            raise ConfigError('PGGANFetchDataHook needs an iteration-based train loop '
                              f'(train_cfg.by_epoch=False), not {type(runner.train_loop).__name__}')
        if not hasattr(runner.train_loop.dataloader.dataset, 'update_annotations'):
            print_log('PGGANFetchDataHook: the train dataset has no update_annotations (use '
                      'GrowScaleImgDataset); its dataloader stays as it is', logger='current',
                      level=logging.WARNING)
        self._follow_model(runner)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._follow_model(runner)

    @staticmethod
    def _follow_model(runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not hasattr(model, '_next_scale_int'):
            raise ConfigError(f'PGGANFetchDataHook: {type(model).__name__} is not a progressive '
                              'growing model (no _next_scale_int); remove the hook')
        loop = runner.train_loop
        dataset = loop.dataloader.dataset
        if not hasattr(dataset, 'update_annotations'):
            return
        old_length = len(dataset)
        changed = dataset.update_annotations(int(model._next_scale_int))
        if not changed and loop.dataloader.batch_size == dataset.samples_per_gpu:
            return
        loop.dataloader = _resized_loader(loop.dataloader, dataset.samples_per_gpu,
                                          same_length=len(dataset) == old_length)
        loop.dataloader_iterator = type(loop.dataloader_iterator)(loop.dataloader)


def _resized_loader(loader: DataLoader, batch_size: int, same_length: bool) -> DataLoader:
    """``loader`` with batches of ``batch_size``; MMEngine's samplers, which size themselves by
    the dataset, are rebuilt (same shuffle and seed) when its length changed."""
    if type(loader.batch_sampler) is not BatchSampler:
        raise ConfigError(f'PGGANFetchDataHook: the train dataloader batches with '
                          f'{type(loader.batch_sampler).__name__}, whose batch size cannot follow '
                          'the scale; remove train_dataloader.batch_sampler')
    sampler = loader.sampler
    if not same_length and isinstance(sampler, InfiniteSampler):
        sampler = InfiniteSampler(loader.dataset, shuffle=sampler.shuffle, seed=sampler.seed)
    elif not same_length and isinstance(sampler, DefaultSampler):
        sampler = DefaultSampler(loader.dataset, shuffle=sampler.shuffle, seed=sampler.seed,
                                 round_up=sampler.round_up)
    workers = dict(prefetch_factor=loader.prefetch_factor,
                   multiprocessing_context=loader.multiprocessing_context,
                   persistent_workers=loader.persistent_workers) if loader.num_workers else {}
    return DataLoader(loader.dataset, batch_size=batch_size, sampler=sampler,
                      num_workers=loader.num_workers, collate_fn=loader.collate_fn,
                      pin_memory=loader.pin_memory, drop_last=loader.drop_last,
                      timeout=loader.timeout, worker_init_fn=loader.worker_init_fn,
                      generator=loader.generator, **workers)
