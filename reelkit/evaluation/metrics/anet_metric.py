"""``ANetMetric``: temporal proposals and detections on an ActivityNet-format set.

The model returns, per video, ``dict(video_name=..., proposal_list=[dict(segment=[start_s,
end_s], score=s), ...])`` (BMN, BSN's PEM, TCANet), each proposal with a ``label`` too for
detection, or ``(video_name, (T, 5) array)`` (BSN's TEM, dumped as csv only). The ground truth
is the ``annotations`` metainfo of each data sample (``PackLocalizationInputs`` copies it when
it is among the ``meta_keys``). Video ids drop the ``v_`` of ActivityNet's file names, as the
official result JSON does.
"""
import os
import os.path as osp
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence

import mmengine
import numpy as np
from mmengine.evaluator import BaseMetric

from reelkit.evaluation.functional.activitynet import (DEFAULT_TIOU_THRESHOLDS,
                                                       average_recall_at_avg_proposals,
                                                       detection_map)
from reelkit.registry import METRICS
from reelkit.utils.errors import ConfigError, ReelkitError

METRIC_TYPES = ('TEM', 'AR@AN', 'mAP')
OUTPUT_FORMATS = ('csv', 'json')
RESULT_VERSION = 'VERSION 1.3'
TEM_CSV_HEADER = 'action,start,end,tmin,tmax'
RECALL_POINTS = (1, 5, 10, 100)  # reported as AR@N: the curve's point at N% of max_avg_proposals


def video_id_of(video_name: str) -> str:
    """ActivityNet's id of a video: its feature file's name without the leading ``v_``."""
    return video_name[2:] if video_name.startswith('v_') else video_name


def result_json(results: Sequence[dict], version: str = RESULT_VERSION) -> dict:
    """The ActivityNet result file: ``{version, results: {video_id: proposal_list}, external_data}``."""
    return dict(version=version,
                results={video_id_of(result['video_name']): result['proposal_list']
                         for result in results},
                external_data={})


@METRICS.register_module()
class ANetMetric(BaseMetric):
    """ActivityNet evaluation: AR@AN and AUC of proposals, or detection mAP; dumps the results.

    ``metric_type``:

    - ``'AR@AN'``: ``auc`` (area under the AR@AN curve, percent) and ``AR@1``, ``AR@5``,
      ``AR@10``, ``AR@100`` (average recall over the tIoU thresholds with 1, 5, 10, 100
      proposals per video when ``max_avg_proposals`` is 100).
    - ``'mAP'``: ``mAP@0.50`` ... ``mAP@0.95`` (interpolated AP averaged over the classes, one
      key per threshold) and ``average_mAP`` (their mean); each proposal needs a ``label``.
    - ``'TEM'``: no metric, only the dump (BSN's first stage writes its csv files).

    Args:
        metric_type (str): One of the above. Defaults to ``'TEM'``.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str | None): Metric name prefix. Defaults to None.
        metric_options (dict | None): ``{'AR@AN': dict(temporal_iou_thresholds=...,
            max_avg_proposals=100), 'mAP': dict(temporal_iou_thresholds=...)}``; thresholds
            default to ``0.5:0.05:0.95``. Defaults to None.
        dump_config (dict | None): ``dict(out=PATH, output_format='csv' | 'json')``. ``'json'``
            writes the ActivityNet result file at ``out``; ``'csv'`` writes one
            ``<video_name>.csv`` per TEM result in the folder ``out``. An empty ``out`` writes
            nothing. Defaults to None (nothing written).
    """

    def __init__(self,
                 metric_type: str = 'TEM',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 metric_options: Optional[dict] = None,
                 dump_config: Optional[dict] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if metric_type not in METRIC_TYPES:
            raise ConfigError(f'ANetMetric: metric_type={metric_type!r}; expected one of {METRIC_TYPES}')
        dump_config = dict(dump_config or dict(out=''))
        if 'out' not in dump_config:
            raise ConfigError(f'ANetMetric: dump_config={dump_config!r} has no "out" key; '
                              "use dump_config=dict(out=PATH, output_format='json')")
        self.output_format = dump_config.get('output_format', 'csv')
        if self.output_format not in OUTPUT_FORMATS:
            raise ConfigError(f'ANetMetric: dump_config.output_format={self.output_format!r}; '
                              f'expected one of {OUTPUT_FORMATS}')
        self.metric_type = metric_type
        self.out = dump_config['out']
        self.metric_options = dict(metric_options or {})
        self.ground_truth: Dict[str, List[tuple]] = {}

    def process(self, data_batch: Any, predictions: Sequence[Any]) -> None:
        """Keep each video's predictions and, unless ``'TEM'``, its ground-truth segments."""
        self.results.extend(predictions)
        if self.metric_type == 'TEM':
            return
        for sample in data_batch['data_samples']:
            info = sample.metainfo
            if 'annotations' not in info or 'video_name' not in info:
                raise ConfigError(
                    f"ANetMetric(metric_type={self.metric_type!r}): a data sample of video "
                    f"{info.get('video_name', '?')!r} lacks the metainfo 'video_name' or "
                    "'annotations'; add both to PackLocalizationInputs' meta_keys")
            self.ground_truth[video_id_of(info['video_name'])] = [
                (float(ann['segment'][0]), float(ann['segment'][1]), ann['label'])
                for ann in info['annotations']]

    def compute_metrics(self, results: list) -> dict:
        """Dump ``results``, then the metrics of ``metric_type`` (none for ``'TEM'``)."""
        self.dump_results(results)
        if self.metric_type == 'AR@AN':
            return self.compute_ARAN(results)
        if self.metric_type == 'mAP':
            return self.compute_mAP(results)
        return OrderedDict()

    def _options(self, metric: str) -> dict:
        options = dict(self.metric_options.get(metric, {}))
        options['temporal_iou_thresholds'] = np.asarray(
            options.get('temporal_iou_thresholds', DEFAULT_TIOU_THRESHOLDS), dtype=np.float64)
        return options

    def compute_ARAN(self, results: list) -> dict:
        """``auc`` and ``AR@1/5/10/100`` (see the class docstring)."""
        options = self._options('AR@AN')
        proposals = {video_id: np.array([[*p['segment'], p['score']] for p in proposal_list],
                                        dtype=np.float64).reshape(-1, 3)
                     for video_id, proposal_list in self._proposal_lists(results).items()}
        ground_truth = {video_id: np.array([segment[:2] for segment in segments]).reshape(-1, 2)
                        for video_id, segments in self.ground_truth.items()}
        recall, _, _, auc = average_recall_at_avg_proposals(
            ground_truth, proposals, sum(len(p) for p in proposals.values()),
            max_avg_proposals=options.get('max_avg_proposals', 100),
            temporal_iou_thresholds=options['temporal_iou_thresholds'])
        metrics = OrderedDict(auc=float(auc))
        for point in RECALL_POINTS:
            metrics[f'AR@{point}'] = float(np.mean(recall[:, point - 1]))
        return metrics

    def compute_mAP(self, results: list) -> dict:
        """``mAP@<tIoU>`` per threshold and ``average_mAP`` (see the class docstring)."""
        thresholds = self._options('mAP')['temporal_iou_thresholds']
        detections = {}
        for video_id, proposal_list in self._proposal_lists(results).items():
            for index, proposal in enumerate(proposal_list):
                if 'label' not in proposal:
                    raise ReelkitError(
                        f"ANetMetric(metric_type='mAP'): proposal {index} of video {video_id!r} "
                        "has no 'label'; detection mAP needs labelled detections")
            detections[video_id] = [(*p['segment'], p['label'], p['score']) for p in proposal_list]
        _, mean_ap, _ = detection_map(self.ground_truth, detections, thresholds)
        metrics = OrderedDict((f'mAP@{threshold:.2f}', float(value))
                              for threshold, value in zip(thresholds, mean_ap))
        metrics['average_mAP'] = float(mean_ap.mean())
        return metrics

    @staticmethod
    def _proposal_lists(results: Sequence[dict]) -> Dict[str, list]:
        """``{video_id: proposal_list}``, checking each result's keys."""
        lists = {}
        for result in results:
            if not isinstance(result, dict) or not {'video_name', 'proposal_list'} <= set(result):
                raise ReelkitError('ANetMetric: each prediction must be dict(video_name=..., '
                                   f'proposal_list=[...]), got {type(result).__name__} '
                                   f'{sorted(result) if isinstance(result, dict) else ""}')
            lists[video_id_of(result['video_name'])] = result['proposal_list']
        return lists

    def dump_results(self, results: list, version: str = RESULT_VERSION) -> None:
        """Write ``results`` as ``dump_config`` says (nothing when ``out`` is empty)."""
        if not self.out:
            return
        if self.output_format == 'json':
            self._proposal_lists(results)  # the same checks, before anything is written
            if osp.dirname(self.out):
                os.makedirs(osp.dirname(self.out), exist_ok=True)
            mmengine.dump(result_json(results, version), self.out)
            return
        os.makedirs(self.out, exist_ok=True)
        for video_name, outputs in results:
            np.savetxt(osp.join(self.out, video_name + '.csv'), outputs, header=TEM_CSV_HEADER,
                       delimiter=',', comments='')
