"""Batch blending (mixup, cutmix): mix each sample with another of the batch, labels alike.

Run by :class:`ActionDataPreprocessor` on the stacked, normalised batch during training. Labels
become probability vectors of shape (num_classes,) that sum to 1; the loss reads them as soft
labels. Randomness comes from torch's global generator (seeded by the runner).
"""
from typing import List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch.distributions import Beta

from reelkit.registry import MODELS
from reelkit.structures import ActionDataSample


def beta_on_cpu(alpha: float) -> Beta:
    """Beta(alpha, alpha) on the CPU: draws are scalars, and models may be built under another
    default device (``torch.device('meta')`` to check layouts)."""
    alpha = torch.tensor(float(alpha), device='cpu')
    return Beta(alpha, alpha)


class BaseMiniBatchBlending:
    """Turn the labels into (N, num_classes) targets, blend, write the targets back.

    Args:
        num_classes: number of classes.
    """

    def __init__(
            self,
            num_classes: int,
    ) -> None:
        self.num_classes = num_classes

    def do_blending(self, imgs: torch.Tensor, label: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(N, ...) inputs and (N, num_classes) targets -> blended inputs and targets."""
        raise NotImplementedError

    def __call__(self, imgs: torch.Tensor,
                 data_samples: List[ActionDataSample]) -> Tuple[torch.Tensor, List[ActionDataSample]]:
        labels = [sample.gt_label for sample in data_samples]
        if all(label.is_floating_point() for label in labels):  # already targets (multi-label)
            targets = torch.stack(labels).to(imgs.device)
        else:
            indices = torch.cat([label.reshape(-1) for label in labels]).to(imgs.device)
            if indices.numel() != len(labels):
                raise ValueError('blending needs one class index (or a float target vector) per sample')
            targets = F.one_hot(indices, self.num_classes).float()
        imgs, targets = self.do_blending(imgs, targets)
        for sample, target in zip(data_samples, targets):
            sample.set_gt_label(target)
        return imgs, data_samples


@MODELS.register_module()
class MixupBlending(BaseMiniBatchBlending):
    """Mixup (Zhang et al., 2018): ``lam * x + (1 - lam) * x[perm]``, lam ~ Beta(alpha, alpha).

    Args:
        num_classes: number of classes.
        alpha: parameter of the Beta distribution.
    """

    def __init__(
            self,
            num_classes: int,
            alpha: float = .2,
    ) -> None:
        super().__init__(num_classes)
        self.beta = beta_on_cpu(alpha)

    def do_blending(self, imgs: torch.Tensor, label: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        lam = self.beta.sample().to(imgs.device)
        perm = torch.randperm(imgs.shape[0], device=imgs.device)
        return lam * imgs + (1 - lam) * imgs[perm], lam * label + (1 - lam) * label[perm]


@MODELS.register_module()
class CutmixBlending(BaseMiniBatchBlending):
    """CutMix (Yun et al., 2019): paste a box of another sample into every frame; labels by area.

    Args:
        num_classes: number of classes.
        alpha: parameter of the Beta distribution of the kept area.
    """

    def __init__(
            self,
            num_classes: int,
            alpha: float = .2,
    ) -> None:
        super().__init__(num_classes)
        self.beta = beta_on_cpu(alpha)

    @staticmethod
    def rand_bbox(height: int, width: int, lam: float) -> Tuple[int, int, int, int]:
        """A box covering about ``1 - lam`` of the image, centred uniformly, clipped: (y1, y2, x1, x2)."""
        cut = (1.0 - lam) ** 0.5
        cut_h, cut_w = int(height * cut), int(width * cut)
        cy, cx = torch.randint(height, ()).item(), torch.randint(width, ()).item()
        y1, y2 = max(cy - cut_h // 2, 0), min(cy + cut_h // 2, height)
        x1, x2 = max(cx - cut_w // 2, 0), min(cx + cut_w // 2, width)
        return y1, y2, x1, x2

    def do_blending(self, imgs: torch.Tensor, label: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        height, width = imgs.shape[-2:]
        perm = torch.randperm(imgs.shape[0], device=imgs.device)
        y1, y2, x1, x2 = self.rand_bbox(height, width, self.beta.sample().item())
        imgs = imgs.clone()
        imgs[..., y1:y2, x1:x2] = imgs[perm][..., y1:y2, x1:x2]
        lam = 1 - (y2 - y1) * (x2 - x1) / (height * width)  # the area actually kept
        return imgs, lam * label + (1 - lam) * label[perm]


@MODELS.register_module()
class RandomBatchAugment(BaseMiniBatchBlending):
    """Apply one blending per batch, picked at random (e.g. mixup or cutmix, VideoMAE/UniFormer recipes).

    Args:
        augments: config (or list of configs) of the blendings; they share ``num_classes``.
        probs: the probability of each blending; with a total below 1 the rest is the chance of no
            blending. ``None`` picks among them evenly.
    """

    def __init__(
            self,
            augments: Union[Mapping, Sequence[Mapping]],
            probs: Optional[Union[float, Sequence[float]]] = None,
    ) -> None:
        augments = [augments] if isinstance(augments, Mapping) else list(augments)
        if not augments or not all(isinstance(aug, Mapping) for aug in augments):
            raise TypeError(f'RandomBatchAugment.augments must be blending configs (dicts), got {augments!r}')
        super().__init__(augments[0].get('num_classes'))
        self.augments: List[Optional[BaseMiniBatchBlending]] = [MODELS.build(dict(aug)) for aug in augments]
        if probs is not None:
            probs = [probs] if isinstance(probs, (int, float)) else list(probs)
            if len(probs) != len(augments) or min(probs) < 0 or sum(probs) > 1 + 1e-6:
                raise ValueError(f'RandomBatchAugment.probs={probs}: one probability per augment '
                                 f'({len(augments)}), non-negative, summing to at most 1')
            self.augments.append(None)  # no blending, with the remaining probability
            probs.append(max(0.0, 1 - sum(probs)))
        self.probs = None if probs is None else torch.tensor(probs, dtype=torch.float)

    def do_blending(self, imgs: torch.Tensor, label: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        if self.probs is None:
            index = int(torch.randint(len(self.augments), ()))
        else:
            index = int(torch.multinomial(self.probs, 1))
        augment = self.augments[index]
        return (imgs, label) if augment is None else augment.do_blending(imgs, label)
