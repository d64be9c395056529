"""Clip-level classification metrics: ``AccMetric`` and ``ConfusionMatrix``.

Both read ``pred_score`` (and ``pred_label``) and ``gt_label`` from the data samples the
model returns. MMEngine's ``Evaluator`` hands them over as dicts (``ActionDataSample.to_dict()``);
calling ``process`` with ``ActionDataSample`` objects works too.
"""
from collections.abc import Mapping
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.structures import BaseDataElement

from reelkit.evaluation.functional import (confusion_matrix, mean_average_precision,
                                           mean_class_accuracy, mmit_mean_average_precision,
                                           top_k_accuracy)
from reelkit.registry import METRICS

SINGLE_LABEL_METRICS = ('top_k_accuracy', 'mean_class_accuracy')
MULTI_LABEL_METRICS = ('mean_average_precision', 'mmit_mean_average_precision')
ACC_METRICS = SINGLE_LABEL_METRICS + MULTI_LABEL_METRICS
DEFAULT_TOPK = (1, 5)

Sample = Union[Mapping, BaseDataElement]


def _read_field(sample: Sample, key: str, where: str) -> Any:
    """``sample[key]`` for a dict or a data element; raises naming the missing field."""
    value = sample.get(key, None)
    if value is None:
        raise KeyError(f"{where}: the data sample has no '{key}'; the model's predict() must "
                       f"return ActionDataSample objects with '{key}' set")
    return value


def _to_numpy(value: Any) -> np.ndarray:
    """A copy of a tensor, array or list as a numpy array on the CPU."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
    return np.array(value)


def _predicted_class(sample: Sample, where: str) -> Tuple[int, Optional[int]]:
    """The argmax of ``pred_score`` and the score length, or ``pred_label`` and None."""
    score = sample.get('pred_score', None)
    if score is None:
        return int(_to_numpy(_read_field(sample, 'pred_label', where)).reshape(-1)[0]), None
    score = _to_numpy(score).reshape(-1)
    return int(score.argmax()), score.size


def _one_hot(indices: Union[int, np.ndarray], num_classes: int) -> np.ndarray:
    hot = np.zeros(num_classes, dtype=np.float32)
    hot[indices] = 1.0
    return hot


def _read_label(gt_label: Any, num_classes: int, where: str) -> Union[int, np.ndarray]:
    """A class index (single-label) or a multi-hot float vector (multi-label).

    Integer labels with one element are class indices, integer labels with several
    elements list the positive classes, and float labels are multi-hot vectors.
    """
    label = _to_numpy(gt_label).reshape(-1)
    if np.issubdtype(label.dtype, np.floating):
        if label.size != num_classes:
            raise ValueError(f'{where}: a float gt_label is a multi-hot vector and needs one entry per '
                             f'class ({num_classes}, the length of pred_score), got {label.size}')
        return label
    outside = label[(label < 0) | (label >= num_classes)]
    if outside.size:
        raise ValueError(f'{where}: gt_label {int(outside[0])} is not a class index in '
                         f'[0, {num_classes}) (the length of pred_score)')
    return int(label[0]) if label.size == 1 else _one_hot(label, num_classes)


def _check_topk(topk: Any) -> Tuple[int, ...]:
    """``topk`` as a tuple of ints >= 1; an int k means ``(k,)``."""
    ks = (topk, ) if isinstance(topk, int) else topk
    if (isinstance(topk, (bool, str)) or not isinstance(ks, Sequence)
            or not ks or not all(isinstance(k, int) and not isinstance(k, bool) and k >= 1 for k in ks)):
        raise ValueError(f'AccMetric: metric_options.top_k_accuracy.topk={topk!r}; '
                         'expected an int >= 1 or a tuple of them, e.g. topk=(1, 5)')
    return tuple(ks)


def _check_metric_list(metric_list: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    names = (metric_list, ) if isinstance(metric_list, str) else metric_list
    if not isinstance(names, Sequence) or not names:
        raise TypeError(f'AccMetric: metric_list={metric_list!r}; expected a metric name or a '
                        f'tuple of them from {ACC_METRICS}')
    unknown = [name for name in names if name not in ACC_METRICS]
    if unknown:
        raise ValueError(f'AccMetric: unknown metric(s) {unknown} in metric_list; '
                         f'valid names are {", ".join(ACC_METRICS)}')
    return tuple(dict.fromkeys(names))


def _check_metric_options(metric_options: Optional[dict]) -> Tuple[int, ...]:
    """Validate ``metric_options`` and return the top-k values it asks for."""
    options = dict(metric_options or {})
    unknown = [name for name in options if name not in ACC_METRICS]
    if unknown:
        raise ValueError(f'AccMetric: metric_options has options for unknown metric(s) {unknown}; '
                         f'valid names are {", ".join(ACC_METRICS)}')
    topk_options = dict(options.pop('top_k_accuracy', None) or {})
    topk = topk_options.pop('topk', DEFAULT_TOPK)
    extra = {name: opts for name, opts in options.items() if opts}
    if topk_options or extra:
        raise ValueError(f'AccMetric: metric_options accepts only top_k_accuracy=dict(topk=...); '
                         f'remove {dict(topk_options, **extra)}')
    return _check_topk(topk)


@METRICS.register_module()
class AccMetric(BaseMetric):
    """Top-k accuracy, mean class accuracy and (MMIT) mean average precision.

    Results are named ``acc/top{k}`` for each k, ``acc/mean1``, ``acc/mean_average_precision``
    and ``acc/mmit_mean_average_precision`` (with the default prefix ``acc``).

    Args:
        metric_list: The metrics to compute, a name or a tuple of names among
            ``top_k_accuracy``, ``mean_class_accuracy`` (single-label) and
            ``mean_average_precision``, ``mmit_mean_average_precision`` (multi-label;
            single-label samples count as one-hot).
        collect_device: Where results from all ranks are gathered, ``'cpu'`` or ``'gpu'``.
        metric_options: ``dict(top_k_accuracy=dict(topk=(1, 5)))`` selects the k values;
            ``None`` means that default.
        prefix: Prefix of the result names; ``None`` means ``'acc'``.
    """
    default_prefix: Optional[str] = 'acc'

    def __init__(self,
                 metric_list: Union[str, Tuple[str, ...]] = SINGLE_LABEL_METRICS,
                 collect_device: str = 'cpu',
                 metric_options: Optional[dict] = None,
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.metrics = _check_metric_list(metric_list)
        self.topk = _check_metric_options(metric_options)

    def process(self, data_batch: Any, data_samples: Sequence[Sample]) -> None:
        """Keep the scores and label of each sample in ``self.results``."""
        where = f'{type(self).__name__}.process'
        for sample in data_samples:
            score = _read_field(sample, 'pred_score', where)
            score = {name: _to_numpy(each) for name, each in score.items()} if isinstance(score, dict) \
                else _to_numpy(score)
            size = next(iter(score.values())).size if isinstance(score, dict) else score.size
            label = _read_label(_read_field(sample, 'gt_label', where), size, where)
            self.results.append(dict(pred=score, label=label))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """The metrics named in ``metric_list``, from every processed sample."""
        if not results:
            raise ValueError('AccMetric: no data samples were processed; check that the '
                             'validation/test dataloader yields data')
        labels = [result['label'] for result in results]
        if isinstance(results[0]['pred'], dict):
            return self._per_modality_metrics({name: np.stack([result['pred'][name] for result in results])
                                               for name in results[0]['pred']}, labels)
        return self._metrics(np.stack([result['pred'] for result in results]), labels)

    def _per_modality_metrics(self, scores: Dict[str, np.ndarray], labels: list) -> Dict[str, float]:
        """``{modality}_{metric}`` for each modality; with RGB and pose scores also their weighted
        sums, ``RGBPose_{w_rgb}:{w_pose}_{metric}`` for 1:1, 2:1 and 1:2, as MMAction2 reports them."""
        metrics = {f'{name}_{key}': value for name, each in scores.items()
                   for key, value in self._metrics(each, labels).items()}
        if set(scores) == {'rgb', 'pose'}:
            for w_rgb, w_pose in ((1, 1), (2, 1), (1, 2)):
                fused = w_rgb * scores['rgb'] + w_pose * scores['pose']
                metrics.update({f'RGBPose_{w_rgb}:{w_pose}_{key}': value
                                for key, value in self._metrics(fused, labels).items()})
        return metrics

    def _metrics(self, scores: np.ndarray, labels: list) -> Dict[str, float]:
        metrics: Dict[str, float] = {}
        for name in self.metrics:
            if name in SINGLE_LABEL_METRICS:
                metrics.update(self._single_label_metric(name, scores, labels))
            else:
                metrics[name] = self._multi_label_metric(name, scores, labels)
        return metrics

    @staticmethod
    def _multi_label_metric(name: str, scores: np.ndarray, labels: list) -> float:
        """mAP over multi-hot targets; a single class index counts as a one-hot vector."""
        hot = np.stack([label if isinstance(label, np.ndarray) else _one_hot(label, scores.shape[1])
                        for label in labels])
        metric_fn = {'mean_average_precision': mean_average_precision,
                     'mmit_mean_average_precision': mmit_mean_average_precision}[name]
        return metric_fn(scores, hot)

    def _single_label_metric(self, name: str, scores: np.ndarray, labels: list) -> Dict[str, float]:
        multi = next((i for i, label in enumerate(labels) if isinstance(label, np.ndarray)), None)
        if multi is not None:
            raise ValueError(f'AccMetric: {name} needs one class index per sample, but sample {multi} '
                             f'has a multi-label gt_label; use metric_list={MULTI_LABEL_METRICS}')
        if name == 'mean_class_accuracy':
            return dict(mean1=mean_class_accuracy(scores, labels))
        accuracies = top_k_accuracy(scores, labels, self.topk)
        return {f'top{k}': acc for k, acc in zip(self.topk, accuracies)}


@METRICS.register_module()
class ConfusionMatrix(BaseMetric):
    """Confusion matrix of single-label predictions: rows are true classes, columns predicted.

    The result ``confusion_matrix/result`` is an int64 tensor of shape
    ``(num_classes, num_classes)``. The predicted class is the argmax of ``pred_score``
    or, when a sample has no score, its ``pred_label``.

    Args:
        num_classes: Number of classes; ``None`` takes the length of ``pred_score``.
        collect_device: Where results from all ranks are gathered, ``'cpu'`` or ``'gpu'``.
        prefix: Prefix of the result name; ``None`` means ``'confusion_matrix'``.
    """
    default_prefix: Optional[str] = 'confusion_matrix'

    def __init__(self,
                 num_classes: Optional[int] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if num_classes is not None and (not isinstance(num_classes, int) or num_classes < 1):
            raise ValueError(f'ConfusionMatrix: num_classes={num_classes!r}; expected an int >= 1 or None')
        self.num_classes = num_classes

    def process(self, data_batch: Any, data_samples: Sequence[Sample]) -> None:
        """Keep the predicted and the true class index of each sample."""
        where = f'{type(self).__name__}.process'
        for sample in data_samples:
            pred, size = _predicted_class(sample, where)
            label = _to_numpy(_read_field(sample, 'gt_label', where)).reshape(-1)
            if label.size != 1 or not np.issubdtype(label.dtype, np.integer):
                raise ValueError(f'{where}: ConfusionMatrix needs one class index per sample as '
                                 f'gt_label, got {label.dtype} of {label.size} element(s)')
            self.results.append(dict(pred=pred, label=int(label[0]), num_classes=size))

    def compute_metrics(self, results: List[dict]) -> Dict[str, torch.Tensor]:
        """The ``(num_classes, num_classes)`` count matrix under the key ``result``."""
        if not results:
            raise ValueError('ConfusionMatrix: no data samples were processed; check that the '
                             'validation/test dataloader yields data')
        num_classes = self._resolve_num_classes(results)
        matrix = confusion_matrix([r['pred'] for r in results], [r['label'] for r in results],
                                  num_classes=num_classes)
        return dict(result=torch.from_numpy(matrix))

    def _resolve_num_classes(self, results: List[dict]) -> int:
        lengths = sorted({r['num_classes'] for r in results} - {None})
        sizes = set(lengths) | ({self.num_classes} - {None})
        if len(sizes) != 1:
            raise ValueError(f'ConfusionMatrix: cannot tell the number of classes from num_classes='
                             f'{self.num_classes} and pred_score lengths {lengths}; set num_classes '
                             'to the length of pred_score')
        return sizes.pop()
