"""The evaluator of generative models (MMGeneration's ``GenEvaluator``)."""
from collections import defaultdict
from typing import List, Sequence, Tuple

import torch.nn as nn
from mmengine.evaluator import Evaluator
from mmengine.structures import BaseDataElement
from torch.utils.data import DataLoader

from reelkit.registry import EVALUATOR


@EVALUATOR.register_module()
class GenEvaluator(Evaluator):
    """Run generative metrics: prepare them once (real-image statistics), group them by batch
    source (``SAMPLER_MODE`` and ``sample_model``) so each group shares the generated images,
    then feed each group its batches.

    Args:
        metrics (dict | list[dict]): metric configs, e.g. ``dict(type='FID', fake_nums=50000)``.
    """

    def __init__(self, metrics=None):
        super().__init__(metrics or [])
        self.is_ready = False

    def prepare_metrics(self, module: nn.Module, dataloader: DataLoader) -> None:
        """Let every metric compute what it needs from the real images (once)."""
        if self.is_ready:
            return
        for metric in self.metrics:
            metric.prepare(module, dataloader)
        self.is_ready = True

    def prepare_samplers(self, module: nn.Module, dataloader: DataLoader) -> List[Tuple[list, object]]:
        """``[(metrics, batches), ...]``, one entry per group of metrics sharing a batch source."""
        groups = defaultdict(list)
        for metric in self.metrics:
            groups[(metric.SAMPLER_MODE, metric.sample_model)].append(metric)
        return [(metrics, metrics[0].get_metric_sampler(module, dataloader, metrics))
                for metrics in groups.values()]

    def process(self, outputs: Sequence[BaseDataElement], data_batch=None, metrics=None) -> None:
        """Give a batch of model outputs (as dicts) to ``metrics`` (default: all)."""
        samples = [o.to_dict() if isinstance(o, BaseDataElement) else o for o in outputs]
        for metric in (self.metrics if metrics is None else metrics):
            metric.process(data_batch, samples)

    def evaluate(self, size: int = 0) -> dict:
        results = {}
        for metric in self.metrics:
            for name, value in metric.evaluate().items():
                if name in results:
                    raise ValueError(f'GenEvaluator: two metrics report {name!r}; give them '
                                     'different prefix values')
                results[name] = value
        return results
