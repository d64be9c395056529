"""Class-conditional GANs: labels go to the generator and to the discriminator with every image."""
from typing import Dict, List, Optional, Tuple, Union

import torch
from torch import Tensor

from reelkit.structures import GenDataSample
from .base_gan import BaseGAN, ModuleOrConfig


class BaseConditionalGAN(BaseGAN):
    """Base of the conditional GAN models (SNGAN/SAGAN, BigGAN).

    Generated images are drawn with uniform random labels; real images come with the
    ``gt_label`` of their data samples. For sampling, labels are taken from ``inputs['label']``,
    else from the data samples' ``gt_label``, else drawn uniformly.

    Args:
        num_classes (int): number of classes; also the default ``num_classes`` of the generator
            and discriminator configs.
        Other arguments: see :class:`BaseGAN`.
    """

    def __init__(self,
                 generator: ModuleOrConfig,
                 discriminator: Optional[ModuleOrConfig] = None,
                 data_preprocessor: Optional[ModuleOrConfig] = None,
                 generator_steps: int = 1,
                 discriminator_steps: int = 1,
                 noise_size: Optional[int] = None,
                 num_classes: Optional[int] = None,
                 ema_config: Optional[dict] = None,
                 loss_config: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        self.num_classes = self._valid_num_classes(num_classes, generator)
        super().__init__(generator, discriminator, data_preprocessor, generator_steps,
                         discriminator_steps, noise_size, ema_config, loss_config, init_cfg)

    @staticmethod
    def _valid_num_classes(num_classes: Optional[int], generator: ModuleOrConfig) -> int:
        given = generator.get('num_classes') if isinstance(generator, dict) else \
            getattr(generator, 'num_classes', None)
        if num_classes is not None and given is not None and given != num_classes:
            raise ValueError(f'model.num_classes={num_classes} but model.generator.num_classes='
                             f'{given}; set one of them, or make them equal')
        value = num_classes if num_classes is not None else given
        if not isinstance(value, int) or value < 1:
            raise ValueError(f'model.num_classes={value!r}; a conditional GAN needs a positive '
                             'number of classes (set model.num_classes)')
        return value

    def _generator_defaults(self) -> dict:
        return dict(num_classes=self.num_classes)

    def _discriminator_defaults(self) -> dict:
        return dict(num_classes=self.num_classes)

    def label_fn(self, label: Optional[Tensor] = None, num_batches: int = 1) -> Tensor:
        """``label`` on the model's device, or ``num_batches`` uniform labels."""
        if label is not None:
            return label.to(self.device).reshape(-1).long()
        return torch.randint(self.num_classes, (num_batches, ), device=self.device)

    @staticmethod
    def data_sample_to_label(data_samples: Optional[List[GenDataSample]]) -> Optional[Tensor]:
        """The stacked ``gt_label`` of the samples, or None when they carry none."""
        if not data_samples or 'gt_label' not in data_samples[0]:
            return None
        return torch.cat([sample.gt_label.reshape(-1) for sample in data_samples])

    def sampling_condition(self, inputs: Union[Tensor, dict], num_batches: int,
                           data_samples: Optional[List[GenDataSample]]) -> Dict[str, Tensor]:
        """Labels for sampling: ``inputs['label']``, the samples' ``gt_label``, or uniform ones."""
        label = inputs.get('label') if isinstance(inputs, dict) else None
        if label is None:
            label = self.data_sample_to_label(data_samples)
        return dict(label=self.label_fn(label, num_batches))

    # ------------------------------------------------------------------ training
    def generate_fake(self, num_batches: int) -> Tuple[Tensor, dict]:
        noise = self.noise_fn(num_batches=num_batches)
        labels = self.label_fn(num_batches=num_batches)
        return self.generator(noise=noise, label=labels, return_noise=False), dict(label=labels)

    def real_condition(self, inputs: dict, data_samples: Optional[List[GenDataSample]]) -> Dict:
        labels = self.data_sample_to_label(data_samples)
        if labels is None:
            raise ValueError(f'{type(self).__name__}: the training samples carry no gt_label; a '
                             'conditional GAN needs labelled data (PackGenInputs packs gt_label)')
        return dict(label=labels.to(self.device))
