"""Unconditional GANs on MMEngine: the generator/discriminator schedule, EMA, and sampling.

Training alternates the two networks inside :meth:`BaseGAN.train_step`, which the runner calls
once per iteration with an ``OptimWrapperDict`` keyed ``generator`` and ``discriminator``
(built by ``GenOptimWrapperConstructor``):

- every call updates the discriminator once (one backward pass; with ``accumulative_counts=k``
  its optimizer steps every k calls);
- after ``discriminator_steps`` full discriminator updates, the generator is updated
  ``generator_steps`` times on the same batch (``generator_steps * k_G`` backward passes);
- after each generator phase, ``generator_ema`` (if ``ema_config`` is given) averages the
  generator, or copies it while the iteration is before ``ema_config.start_iter`` cycles.

The iteration number comes with the optimizer wrappers, not from a global: it is the
discriminator wrapper's count of backward passes, one per call, which the runner sets to the
resumed iteration through ``GenOptimWrapperDict.initialize_count_status``. ``train_step`` keeps
it on the model as ``self.iteration`` for the subclasses' schedules (lazy regularization).
"""
from copy import deepcopy
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel, is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch import Tensor

from reelkit.registry import MODELS
from reelkit.structures import GenDataSample

ModuleOrConfig = Union[dict, nn.Module]
SAMPLE_MODELS = ('orig', 'ema', 'ema/orig')


def unwrap(module: nn.Module) -> nn.Module:
    """The module inside a (distributed) model wrapper, or the module itself."""
    return module.module if is_model_wrapper(module) else module


def set_requires_grad(module: nn.Module, flag: bool) -> None:
    for param in module.parameters():
        param.requires_grad_(flag)


def accumulative_counts(optim_wrapper: OptimWrapper) -> int:
    """Backward passes per optimizer step of ``optim_wrapper``."""
    return optim_wrapper._accumulative_counts  # MMEngine exposes no public accessor


def mean_log_vars(log_vars_list: Sequence[Dict[str, Tensor]]) -> Dict[str, Tensor]:
    """Average the logged values of several passes, key by key."""
    keys = log_vars_list[0].keys()
    return {key: torch.stack([torch.as_tensor(lv[key]) for lv in log_vars_list]).mean()
            for key in keys}


class BaseGAN(BaseModel):
    """Base of the unconditional GAN models.

    Subclasses define :meth:`disc_loss` and :meth:`gen_loss`. Models whose networks take more
    than noise and images (class labels, the stage of progressive growing) override
    :meth:`generate_fake`, :meth:`real_condition` and :meth:`sampling_condition`.

    Args:
        generator (dict | nn.Module): the generator or its config. Built with ``noise_size`` as a
            default argument when given.
        discriminator (dict | nn.Module, optional): the discriminator or its config; needed to train.
        data_preprocessor (dict | nn.Module, optional): defaults to ``GANDataPreprocessor``.
        generator_steps (int): generator updates per generator phase. Defaults to 1.
        discriminator_steps (int): discriminator updates before each generator phase. Defaults to 1.
        noise_size (int, optional): length of the noise vector; defaults to the generator's.
        ema_config (dict, optional): config of ``generator_ema`` (type defaults to
            ``ExponentialMovingAverage``); its ``start_iter`` (default 0) counts generator phases
            before which the average only copies the generator.
        loss_config (dict, optional): loss settings read by subclasses (weights, intervals).
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self,
                 generator: ModuleOrConfig,
                 discriminator: Optional[ModuleOrConfig] = None,
                 data_preprocessor: Optional[ModuleOrConfig] = None,
                 generator_steps: int = 1,
                 discriminator_steps: int = 1,
                 noise_size: Optional[int] = None,
                 ema_config: Optional[dict] = None,
                 loss_config: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if not isinstance(data_preprocessor, nn.Module):
            data_preprocessor = MODELS.build(data_preprocessor or dict(type='GANDataPreprocessor'))
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        for name, value in (('generator_steps', generator_steps),
                            ('discriminator_steps', discriminator_steps)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'model.{name}={value!r}; expected a positive integer')
        self.generator = self._build_generator(generator, noise_size)
        self.noise_size = getattr(self.generator, 'noise_size', noise_size)
        self.discriminator = self._build_discriminator(discriminator)
        self.generator_steps = generator_steps
        self.discriminator_steps = discriminator_steps
        self.loss_config = deepcopy(loss_config) if loss_config else {}
        self.ema_start = 0
        self.iteration = 0  # set by train_step; lazy regularizers and schedules read it
        if ema_config is not None:
            self._build_ema(ema_config)

    # ------------------------------------------------------------------ construction
    def _generator_defaults(self) -> dict:
        """Default arguments for the generator config (subclasses add ``num_classes``)."""
        return {}

    def _discriminator_defaults(self) -> dict:
        return {}

    def _build_generator(self, generator: ModuleOrConfig, noise_size: Optional[int]) -> nn.Module:
        if isinstance(generator, nn.Module):
            return generator
        given = generator.get('noise_size')
        if noise_size is not None and given is not None and given != noise_size:
            raise ValueError(f'model.noise_size={noise_size} but model.generator.noise_size='
                             f'{given}; set one of them, or make them equal')
        defaults = self._generator_defaults()
        if noise_size is not None:
            defaults['noise_size'] = noise_size
        return MODELS.build(generator, default_args=defaults)

    def _build_discriminator(self, discriminator: Optional[ModuleOrConfig]) -> Optional[nn.Module]:
        if discriminator is None or isinstance(discriminator, nn.Module):
            return discriminator
        return MODELS.build(discriminator, default_args=self._discriminator_defaults())

    def _build_ema(self, ema_config: dict) -> None:
        cfg = dict(deepcopy(ema_config))
        cfg.setdefault('type', 'ExponentialMovingAverage')
        self.ema_start = cfg.pop('start_iter', 0)
        if not isinstance(self.ema_start, int) or self.ema_start < 0:
            raise ValueError(f'model.ema_config.start_iter={self.ema_start!r}; expected an '
                             'integer >= 0')
        self.generator_ema = MODELS.build(cfg, default_args=dict(model=unwrap(self.generator)))

    def init_weights(self) -> None:
        """Initialise the networks, then start the average from the initialised generator."""
        super().init_weights()
        if self.with_ema_gen:
            self.generator_ema.sync_parameters(unwrap(self.generator))

    def loss_settings(self, defaults: dict) -> dict:
        """``loss_config`` over ``defaults``; a key not in ``defaults`` is refused (a typo would
        otherwise silently keep the default)."""
        unknown = sorted(set(self.loss_config) - set(defaults))
        if unknown:
            raise ValueError(f'model.loss_config: unknown keys {unknown} for {type(self).__name__}; '
                             f'expected some of {sorted(defaults)}')
        return {**defaults, **self.loss_config}

    @property
    def with_ema_gen(self) -> bool:
        """Whether the model keeps a moving average of the generator (``generator_ema``)."""
        return hasattr(self, 'generator_ema')

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    # ------------------------------------------------------------------ noise and sampling
    def noise_fn(self, noise: Optional[Tensor] = None, num_batches: int = 1) -> Tensor:
        """``noise`` itself (moved to the model's device), or ``num_batches`` standard normal vectors."""
        if noise is not None:
            return noise.to(self.device)
        if self.noise_size is None:
            raise ValueError(f'{type(self).__name__}: noise_size is unknown; set model.noise_size '
                             'or the generator\'s noise_size')
        return torch.randn(num_batches, self.noise_size, device=self.device)

    def resolve_sample_model(self, inputs: Union[Tensor, dict]) -> str:
        """The generator(s) to sample from: ``inputs['sample_model']`` or the default
        (``'ema'`` when the model has one, else ``'orig'``)."""
        sample_model = inputs.get('sample_model') if isinstance(inputs, dict) else None
        if sample_model is None:
            return 'ema' if self.with_ema_gen else 'orig'
        if sample_model not in SAMPLE_MODELS:
            raise ValueError(f'sample_model={sample_model!r}; expected one of {SAMPLE_MODELS}')
        if sample_model != 'orig' and not self.with_ema_gen:
            raise ValueError(f'sample_model={sample_model!r} but {type(self).__name__} has no '
                             "generator_ema; add model.ema_config or sample with 'orig'")
        return sample_model

    def _noise_from_inputs(self, inputs: Union[Tensor, dict]) -> Tensor:
        if isinstance(inputs, Tensor):
            return self.noise_fn(inputs)
        noise = inputs.get('noise')
        num_batches = inputs.get('num_batches')
        if num_batches is None:
            images = inputs.get('img')
            num_batches = noise.shape[0] if noise is not None else (
                images.shape[0] if images is not None else 1)
        return self.noise_fn(noise, num_batches=num_batches)

    def sampling_condition(self, inputs: Union[Tensor, dict], num_batches: int,
                           data_samples: Optional[List[GenDataSample]]) -> Dict[str, Tensor]:
        """Extra generator inputs for sampling (``{}``; conditional models add ``label``)."""
        return {}

    def forward(self,
                inputs: Union[Tensor, dict],
                data_samples: Optional[List[GenDataSample]] = None,
                mode: Optional[str] = None) -> List[GenDataSample]:
        """Sample images.

        Args:
            inputs: a noise tensor ``(N, noise_size)``, or a dict with any of ``noise``,
                ``num_batches``, ``sample_model`` (``'orig'``, ``'ema'``, ``'ema/orig'``),
                ``sample_kwargs``, ``label`` (conditional models) and ``img`` (real images, kept
                as ``gt_img``).
            data_samples: samples whose fields are copied into the outputs.
            mode: unused; sampling is the only forward of a GAN.

        Returns:
            one :class:`GenDataSample` per image with ``fake_img`` ``(C, H, W)`` (or ``ema`` and
            ``orig`` sub-samples for ``'ema/orig'``), ``noise``, ``sample_model`` and, for
            conditional models, ``gt_label``.
        """
        noise = self._noise_from_inputs(inputs)
        sample_model = self.resolve_sample_model(inputs)
        sample_kwargs = dict(inputs.get('sample_kwargs') or {}) if isinstance(inputs, dict) else {}
        condition = self.sampling_condition(inputs, noise.shape[0], data_samples)
        generators = dict(ema=getattr(self, 'generator_ema', None), orig=self.generator)
        names = ('ema', 'orig') if sample_model == 'ema/orig' else (sample_model, )
        outputs = {name: generators[name](noise=noise, return_noise=False, **condition, **sample_kwargs)
                   for name in names}
        real = inputs.get('img') if isinstance(inputs, dict) else None
        samples = []
        for idx in range(noise.shape[0]):
            sample = self._pack_sample(idx, outputs, sample_model, noise, sample_kwargs, real,
                                       data_samples)
            if 'label' in condition:
                sample.set_gt_label(condition['label'][idx:idx + 1])
            samples.append(sample)
        return samples

    def _pack_sample(self, idx: int, outputs: Dict[str, Tensor], sample_model: str, noise: Tensor,
                     sample_kwargs: dict, real: Optional[Tensor],
                     data_samples: Optional[List[GenDataSample]]) -> GenDataSample:
        sample = GenDataSample()
        if data_samples:
            sample.update(data_samples[idx])
        if real is not None:
            sample.gt_img = real[idx]
        if sample_model == 'ema/orig':
            for name, images in outputs.items():
                sample.set_field(GenDataSample(fake_img=images[idx], sample_model=name), name)
        else:
            sample.fake_img = outputs[sample_model][idx]
        sample.sample_model = sample_model
        sample.noise = noise[idx]
        sample.sample_kwargs = deepcopy(sample_kwargs)
        return sample

    def val_step(self, data: dict) -> List[GenDataSample]:
        """Preprocess ``data`` and sample; the inputs say how many images and from which generator."""
        data = self.data_preprocessor(data)
        return self(**data)

    def test_step(self, data: dict) -> List[GenDataSample]:
        data = self.data_preprocessor(data)
        return self(**data)

    # ------------------------------------------------------------------ training
    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        """One iteration: a discriminator pass, then a generator phase when its turn comes."""
        if self.discriminator is None:
            raise ValueError(f'{type(self).__name__} was built without a discriminator and '
                             'cannot be trained; add model.discriminator')
        data = self.data_preprocessor(data, True)
        disc_wrapper = optim_wrapper['discriminator']
        self.iteration = disc_wrapper.inner_count  # 0-based index of this iteration
        finished_iters = self.iteration + 1
        with disc_wrapper.optim_context(self.discriminator):
            log_vars = self.train_discriminator(**data, optimizer_wrapper=disc_wrapper)
        cycle = self.discriminator_steps * accumulative_counts(disc_wrapper)
        if finished_iters % cycle == 0:
            log_vars.update(self._generator_phase(data, optim_wrapper['generator']))
            self._update_ema(reached_start=finished_iters >= self.ema_start * cycle)
        return {key: value.detach() for key, value in log_vars.items()}

    def _generator_phase(self, data: dict, gen_wrapper: OptimWrapper) -> Dict[str, Tensor]:
        set_requires_grad(self.discriminator, False)
        passes = []
        for _ in range(self.generator_steps * accumulative_counts(gen_wrapper)):
            with gen_wrapper.optim_context(self.generator):
                passes.append(self.train_generator(**data, optimizer_wrapper=gen_wrapper))
        set_requires_grad(self.discriminator, True)
        log_vars = mean_log_vars(passes)
        log_vars.pop('loss', None)  # 'loss' in the log is the discriminator's total
        return log_vars

    def _update_ema(self, reached_start: bool) -> None:
        if not self.with_ema_gen:
            return
        generator = unwrap(self.generator)
        if reached_start:
            self.generator_ema.update_parameters(generator)
        else:
            self.generator_ema.sync_parameters(generator)

    def generate_fake(self, num_batches: int) -> Tuple[Tensor, dict]:
        """``num_batches`` generated images and the condition to give the discriminator with them
        (``{}`` here; conditional models return ``{'label': labels}``)."""
        noise = self.noise_fn(num_batches=num_batches)
        return self.generator(noise=noise, return_noise=False), {}

    def real_condition(self, inputs: dict, data_samples: Optional[List[GenDataSample]]) -> dict:
        """The discriminator's condition for the real images (``{}`` for unconditional models)."""
        return {}

    def train_discriminator(self, inputs: dict, data_samples: Optional[List[GenDataSample]],
                            optimizer_wrapper: OptimWrapper) -> Dict[str, Tensor]:
        """One discriminator pass on real images and as many generated ones."""
        real_imgs = inputs['img']
        with torch.no_grad():
            fake_imgs, fake_condition = self.generate_fake(real_imgs.shape[0])
        disc_pred_fake = self.discriminator(fake_imgs, **fake_condition)
        disc_pred_real = self.discriminator(real_imgs, **self.real_condition(inputs, data_samples))
        loss, log_vars = self.disc_loss(disc_pred_fake, disc_pred_real, fake_imgs, real_imgs)
        optimizer_wrapper.update_params(loss)
        return log_vars

    def train_generator(self, inputs: dict, data_samples: Optional[List[GenDataSample]],
                        optimizer_wrapper: OptimWrapper) -> Dict[str, Tensor]:
        """One generator pass (a batch as large as the real one)."""
        fake_imgs, fake_condition = self.generate_fake(inputs['img'].shape[0])
        disc_pred_fake = self.discriminator(fake_imgs, **fake_condition)
        loss, log_vars = self.gen_loss(disc_pred_fake)
        optimizer_wrapper.update_params(loss)
        return log_vars

    def disc_loss(self, disc_pred_fake: Tensor, disc_pred_real: Tensor, fake_imgs: Tensor,
                  real_imgs: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        """``(loss, log_vars)`` of the discriminator; log keys ``loss_disc_*``."""
        raise NotImplementedError(f'{type(self).__name__} must define disc_loss')

    def gen_loss(self, disc_pred_fake: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        """``(loss, log_vars)`` of the generator; log keys ``loss_gen*``."""
        raise NotImplementedError(f'{type(self).__name__} must define gen_loss')
