"""``AVAMetric``: frame mAP@0.5 IoU of a spatio-temporal action detector on an AVA-format set.

The protocol is the official AVA one (see :mod:`reelkit.evaluation.functional.ava`). Each data
sample the model returns carries ``video_id`` and ``timestamp`` (metainfo) and
``pred_instances`` with ``bboxes`` ``(n, 4)`` (x1y1x2y2 fractions of the frame) and ``scores``
``(n, num_classes)`` (column 0 the background).
"""
import logging
from typing import Any, Dict, List, Optional, Sequence, Tuple

from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from reelkit.evaluation.functional.ava import (bbox2result, evaluated_class_ids,
                                               frame_average_precisions, read_ava_csv,
                                               read_exclusions, read_labelmap, result_rows,
                                               rows_to_frames, summarize_average_precisions,
                                               write_result_csv, DETECTIONS_PER_FRAME)
from reelkit.registry import METRICS
from reelkit.utils.errors import ConfigError


@METRICS.register_module()
class AVAMetric(BaseMetric):
    """Frame mAP@0.5 IoU over the label map's classes, excluded timestamps left out.

    Metrics (prefixed ``mAP/``): ``overall``, and ``person_movement``,
    ``object_manipulation``, ``person_interaction`` (AVA's action groups by id) for the groups
    that have an evaluated class.

    Args:
        ann_file (str): The ground-truth csv (``ava_val_v2.1.csv``).
        exclude_file (str | None): The excluded-timestamps csv.
        label_file (str): The ``.pbtxt`` label map; its ids are the classes evaluated.
        options (tuple[str]): ``('mAP', )``, the only evaluation. Defaults to ``('mAP', )``.
        action_thr (float): A box counts as a detection of a class whose score exceeds this.
            Defaults to 0.002.
        num_classes (int): Classes of the model's scores, background included. Defaults to 81.
        custom_classes (list[int] | None): The action ids the model was trained on (score
            column ``i + 1`` is ``custom_classes[i]``); only they are evaluated. Defaults to None.
        out_file (str | None): Also write the detections as an AVA result csv here.
            Defaults to None.
        capacity (int): Detection rows kept per frame, best scored first (the official 50;
            0 keeps all). Defaults to 50.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str | None): Metric name prefix. Defaults to ``'mAP'``.
    """
    default_prefix: Optional[str] = 'mAP'

    def __init__(self,
                 ann_file: str,
                 exclude_file: Optional[str],
                 label_file: str,
                 options: Tuple[str, ...] = ('mAP', ),
                 action_thr: float = 0.002,
                 num_classes: int = 81,
                 custom_classes: Optional[List[int]] = None,
                 out_file: Optional[str] = None,
                 capacity: int = DETECTIONS_PER_FRAME,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if tuple(options) != ('mAP', ):
            raise ConfigError(f"AVAMetric: options={options!r}; the only evaluation is ('mAP', )")
        if custom_classes is not None and num_classes != len(custom_classes) + 1:
            raise ConfigError(f'AVAMetric: num_classes={num_classes} must be '
                              f'len(custom_classes) + 1 = {len(custom_classes) + 1}')
        self.ann_file = ann_file
        self.exclude_file = exclude_file
        self.label_file = label_file
        self.options = tuple(options)
        self.action_thr = action_thr
        self.num_classes = num_classes
        self.custom_classes = None if custom_classes is None else list(custom_classes)
        self.out_file = out_file
        self.capacity = capacity

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep each frame's detections, split by class (see ``bbox2result``)."""
        for sample in data_samples:
            pred = sample['pred_instances']
            self.results.append(dict(
                video_id=sample['video_id'], timestamp=sample['timestamp'],
                outputs=bbox2result(pred['bboxes'], pred['scores'], self.num_classes,
                                    self.action_thr)))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """The mAP summary; the per-class APs go to the log."""
        rows = result_rows(results, self.custom_classes)
        if self.out_file is not None:
            write_result_csv(rows, self.out_file)
        class_ids = evaluated_class_ids(self.label_file, self.custom_classes)
        class_aps = frame_average_precisions(
            read_ava_csv(self.ann_file, class_ids), rows_to_frames(rows, class_ids, self.capacity),
            class_ids, read_exclusions(self.exclude_file))
        self._log_class_aps(class_aps)
        return summarize_average_precisions(class_aps)

    def _log_class_aps(self, class_aps: Dict[int, float]) -> None:
        names = {category['id']: category['name'] for category in read_labelmap(self.label_file)[0]}
        lines = [f'  {class_id:>3} {names.get(class_id)}: AP {ap:.4f}'
                 for class_id, ap in sorted(class_aps.items())]
        print_log('AVA frame AP@0.5 per class:\n' + '\n'.join(lines), logger='current',
                  level=logging.INFO)
