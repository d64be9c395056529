"""Validation and test loops of generative models (MMGeneration's ``GenValLoop``/``GenTestLoop``).

A generative metric asks for images from the model rather than for the dataset in order, so the
loop lets the evaluator (``GenEvaluator``) prepare its metrics (real-image statistics) and hand
out one batch source per group of metrics, then feeds each source's batches to ``val_step``.
"""
from typing import Dict, List, Union

import torch
from mmengine.evaluator import Evaluator
from mmengine.runner import TestLoop, ValLoop
from torch.utils.data import DataLoader

from reelkit.registry import LOOPS
from reelkit.utils.errors import ConfigError


def _run_generative(loop, stage: str, step_name: str) -> dict:
    """Shared body of the two loops; ``stage`` is 'val' or 'test'."""
    runner = loop.runner
    evaluator = loop.evaluator
    if not hasattr(evaluator, 'prepare_samplers'):
        raise ConfigError(f'{stage}_evaluator: {type(loop).__name__} needs '
                          f"type='GenEvaluator', got {type(evaluator).__name__}")
    runner.call_hook(f'before_{stage}')
    runner.call_hook(f'before_{stage}_epoch')
    runner.model.eval()
    module = runner.model.module if hasattr(runner.model, 'module') else runner.model
    evaluator.prepare_metrics(module, loop.dataloader)
    groups = evaluator.prepare_samplers(module, loop.dataloader)
    loop.total_length = sum(len(source) for _, source in groups)
    step = getattr(runner.model, step_name)
    index = 0
    for metrics, source in groups:
        for data_batch in source:
            runner.call_hook(f'before_{stage}_iter', batch_idx=index, data_batch=data_batch)
            with torch.no_grad():
                outputs = step(data_batch)
            evaluator.process(outputs, data_batch, metrics)
            runner.call_hook(f'after_{stage}_iter', batch_idx=index, data_batch=data_batch,
                             outputs=outputs)
            index += 1
    results = evaluator.evaluate()
    runner.call_hook(f'after_{stage}_epoch', metrics=results)
    runner.call_hook(f'after_{stage}')
    return results


@LOOPS.register_module()
class GenValLoop(ValLoop):
    """Validation of generative models with ``GenEvaluator`` metrics.

    Args:
        runner (Runner): the runner.
        dataloader (DataLoader | dict): real images (for real-image statistics and data-driven metrics).
        evaluator (Evaluator | dict | list): a ``GenEvaluator`` config.
    """

    def __init__(self, runner, dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List]) -> None:
        super().__init__(runner, dataloader, evaluator)
        self.total_length = 0

    def run(self) -> dict:
        return _run_generative(self, 'val', 'val_step')


@LOOPS.register_module()
class GenTestLoop(TestLoop):
    """Testing of generative models with ``GenEvaluator`` metrics (see :class:`GenValLoop`)."""

    def __init__(self, runner, dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List]) -> None:
        super().__init__(runner, dataloader, evaluator)
        self.total_length = 0

    def run(self) -> dict:
        return _run_generative(self, 'test', 'test_step')


__all__ = ['GenValLoop', 'GenTestLoop']
