"""The base of reelkit's action datasets, and the helpers their ``load_data_list`` shares.

A dataset reads its annotation file once (``load_data_list``, the only method a subclass
overrides), adds the per-dataset keys (``modality``, ``start_index``, one-hot labels) when a
sample is fetched, and skips samples whose video turns out to be unreadable (see
``BaseActionDataset``'s ``skip_corrupt``).
"""
import logging
import os.path as osp
from collections import Counter
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from torch.utils.data import get_worker_info

from reelkit.registry import TRANSFORMS
from reelkit.utils.allocator import keep_freed_memory
from reelkit.utils.errors import AnnotationError, ConfigError, VideoReadError
from .skip_records import SKIPPED_KEY, STAND_IN_KEY, attach, skip_record
from .worker_status import WorkerLoadingTable, track

# How many times this process skipped each unreadable file (see ``BaseActionDataset.prepare_data``).
_SKIPPED_FILES: Counter = Counter()
# The files this process has logged a skip warning for (each is logged once).
_WARNED_FILES: set = set()
MAX_MISSING_SHOWN = 5


def skipped_files() -> Dict[str, int]:
    """This process's record of skipped unreadable files, ``{filename: times skipped}`` (a copy)."""
    return dict(_SKIPPED_FILES)


class BaseActionDataset(BaseDataset):
    """Base of the action recognition datasets (MMEngine ``BaseDataset`` plus video keys).

    Subclasses override ``load_data_list`` only; each entry they return is a dict with at least
    ``label`` (an int, or a list of ints when ``multi_class``).

    Args:
        ann_file (str): The annotation file; joined with ``data_root`` when relative.
        pipeline (list[dict | callable]): The transforms applied to each sample; dicts are
            built from reelkit's ``TRANSFORMS``, so no default scope is needed.
        data_prefix (dict | None): Directories the entries' paths are relative to, by kind.
            ``None`` means ``dict(prefix='')``.
        test_mode (bool): Build a validation/test dataset: an unreadable video is answered by a
            marked stand-in that the val/test loops drop and report (see ``skip_corrupt``).
            Defaults to False.
        multi_class (bool): Each sample has several labels; ``label`` becomes a float one-hot
            tensor of length ``num_classes``. Defaults to False.
        num_classes (int | None): Number of classes; required when ``multi_class``. When given,
            labels outside ``[0, num_classes)`` are rejected while loading. Defaults to None.
        start_index (int): Index of the first frame (0 for videos, 1 for ``img_00001.jpg``).
            Defaults to 0.
        modality (str): ``'RGB'``, ``'Flow'``, ``'Audio'`` or ``'Pose'``. Defaults to ``'RGB'``.
        skip_corrupt (bool): What a sample whose pipeline raises ``VideoReadError`` (a truncated,
            empty, frameless or non-video file) becomes. In training it is counted
            (:func:`skipped_files`) and replaced by a random other sample, whose data sample
            carries the skip record to the main process; ``ReelkitRunner`` logs each such file
            once and lists them all when training ends (``SkippedSamplesHook``). In test mode it
            becomes a stand-in (the next readable sample, marked with the skipped one's record)
            that reelkit's val/test loops drop, so metrics are computed on the readable samples
            and the run says how many of how many were skipped (``SkipAwareValLoop``). A
            pipeline without ``data_samples`` cannot carry records: there training logs the skip
            in the process that loads it, and testing raises. False makes the error propagate,
            stopping the run with a message naming the file. Defaults to True.
        **kwargs: Passed to ``mmengine.dataset.BaseDataset`` (``data_root``, ``metainfo``,
            ``lazy_init``, ``max_refetch``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: Sequence[Union[dict, Callable]],
                 data_prefix: Optional[dict] = None,
                 test_mode: bool = False,
                 multi_class: bool = False,
                 num_classes: Optional[int] = None,
                 start_index: int = 0,
                 modality: str = 'RGB',
                 skip_corrupt: bool = True,
                 **kwargs) -> None:
        name = type(self).__name__
        if multi_class and num_classes is None:
            raise ConfigError(f'{name}(multi_class=True) needs num_classes (the length of the '
                              'one-hot label); add num_classes=N to the dataset config')
        if modality not in ('RGB', 'Flow', 'Audio', 'Pose'):
            raise ConfigError(f"{name}: modality={modality!r}; "
                              "expected 'RGB', 'Flow', 'Audio' or 'Pose'")
        self.multi_class = multi_class
        self.num_classes = num_classes
        self.start_index = start_index
        self.modality = modality
        self.skip_corrupt = skip_corrupt
        self.loading_table = WorkerLoadingTable()
        self._pending_skips: List[dict] = []  # skipped since this process last returned a sample
        track(self)
        super().__init__(
            ann_file,
            pipeline=[TRANSFORMS.build(step) if isinstance(step, dict) else step
                      for step in pipeline or []],
            data_prefix=dict(prefix='') if data_prefix is None else data_prefix,
            test_mode=test_mode,
            **kwargs)

    def get_data_info(self, idx: int) -> dict:
        """Entry ``idx`` plus ``modality``, ``start_index`` and, if multi-class, a one-hot label."""
        data_info = super().get_data_info(idx)
        data_info['modality'] = self.modality
        data_info['start_index'] = self.start_index
        if self.multi_class:
            onehot = torch.zeros(self.num_classes)
            onehot[data_info['label']] = 1.
            data_info['label'] = onehot
        return data_info

    def prepare_data(self, idx: int):
        """Run the pipeline on sample ``idx``, handling unreadable videos as ``skip_corrupt`` says.

        In training an unreadable sample gives None and MMEngine's ``__getitem__`` fetches a
        random other one, which carries the skip record. In test mode the stand-in is returned
        directly. The index is written to the dataset's worker table while it loads. The
        process keeps the memory a sample frees for the next (:mod:`reelkit.utils.allocator`).
        """
        keep_freed_memory()
        row = self.loading_table.start(idx)
        try:
            return self._load(idx)
        finally:
            self.loading_table.finish(row)

    def _load(self, idx: int):
        data_info = self.get_data_info(idx)
        if not self.skip_corrupt:
            return self.apply_pipeline(data_info)
        try:
            data = self.apply_pipeline(data_info)
        except VideoReadError as error:
            if self.test_mode:
                return self._stand_in(idx, error)
            self._note_skip(idx, error)
            return None
        return self._with_pending_skips(data)

    def _note_skip(self, idx: int, error: VideoReadError) -> None:
        """Count a training skip and keep its record for the next sample returned. The main
        process (``num_workers=0``) logs it at once; workers leave that to the main process."""
        _SKIPPED_FILES[error.filename] += 1
        in_main_process = get_worker_info() is None
        if in_main_process:
            _warn_once(error.filename, error.reason)
        self._pending_skips.append(dict(skip_record(idx, error), logged=in_main_process))

    def _with_pending_skips(self, data):
        """``data`` carrying the records of the samples skipped before it (see skip_records)."""
        if not self._pending_skips:
            return data
        pending, self._pending_skips = self._pending_skips, []
        if not attach(data, SKIPPED_KEY, pending):
            for record in pending:
                _warn_once(record['filename'], record['reason'])
        return data

    def _stand_in(self, idx: int, error: VideoReadError):
        """The output of the next readable sample after ``idx`` (in order, wrapping), marked as
        standing in for ``idx``; raises ``error`` if none is found within ``max_refetch``
        samples or the output has no data sample to mark."""
        record = skip_record(idx, error)
        for offset in range(1, min(len(self), self.max_refetch + 1)):
            try:
                data = self.apply_pipeline(self.get_data_info((idx + offset) % len(self)))
            except VideoReadError:
                continue
            if attach(data, STAND_IN_KEY, record):
                return data
            break
        raise error

    def describe_sample(self, idx: int) -> str:
        """``sample IDX of CLASS ANN_FILE (PATH)``, for messages about sample ``idx``."""
        info = self.get_data_info(idx)
        path = next((info[key] for key in ('filename', 'frame_dir', 'audio_path') if key in info),
                    None)
        where = f'sample {idx} of {type(self).__name__} {self.ann_file}'
        return f'{where} ({path})' if path else where

    def apply_pipeline(self, data_info: dict):
        """The pipeline's output for one entry (a subclass may run it differently)."""
        return self.pipeline(data_info)

    def prefixed(self, key: str, path: str) -> str:
        """``path`` joined with ``data_prefix[key]``; a missing key is named in the error."""
        if key not in self.data_prefix:
            raise ConfigError(f'{type(self).__name__}: data_prefix={self.data_prefix!r} has no '
                              f'{key!r} key; use data_prefix=dict({key}=DIR)')
        prefix = self.data_prefix[key]
        return osp.join(prefix, path) if prefix else path

    def parse_list_lines(self, head: Sequence[str], delimiter: str = ' '
                         ) -> Iterator[Tuple[str, str, List[int], Union[int, List[int]]]]:
        """Read a ``PATH [NUMBER ...] LABEL [LABEL ...]`` list (video, rawframe and audio lists).

        Args:
            head: the names of the fields before the labels, e.g. ``['<frame_dir>', '<total_frames>']``.
            delimiter: the field separator; ``' '`` means any run of whitespace.

        Yields:
            ``(where, path, numbers, label)``: ``file:line``, the first field, the other head fields
            as ints, and the label (a list when ``multi_class``), checked against ``num_classes``.
        """
        expected = ' '.join(head) + (' <label> [<label> ...]' if self.multi_class else ' <label>')
        for where, line in read_annotation_lines(self.ann_file):
            fields = split_fields(line, delimiter)
            num_labels = len(fields) - len(head)
            if num_labels < 1 or (num_labels > 1 and not self.multi_class):
                raise AnnotationError(f'{where}: expected {expected!r}, got {line!r}'
                                      + ('' if num_labels < 1 else ' (pass multi_class=True '
                                         'and num_classes for several labels per video)'))
            numbers = [parse_int(field, name.strip('<>'), where, expected, line)
                       for field, name in zip(fields[1:len(head)], head[1:])]
            labels = [parse_int(field, 'label', where, expected, line) for field in fields[len(head):]]
            self.check_labels(labels, where)
            yield where, fields[0], numbers, labels if self.multi_class else labels[0]

    def check_labels(self, labels: List[int], where: str) -> None:
        """Reject labels outside ``[0, num_classes)`` (when ``num_classes`` is known)."""
        if self.num_classes is None:
            return
        bad = [label for label in labels if not 0 <= label < self.num_classes]
        if bad:
            raise AnnotationError(f'{where}: label {bad[0]} is outside [0, {self.num_classes}) '
                                  f'(num_classes={self.num_classes})')


def _warn_once(filename: str, reason: str) -> None:
    """Log one warning per file and process for a skipped training sample."""
    if filename in _WARNED_FILES:
        return
    _WARNED_FILES.add(filename)
    total = sum(_SKIPPED_FILES.values())
    print_log(f'skipped unreadable sample {filename} ({reason}); '
              f'{total} sample(s) skipped so far in this process',
              logger='current', level=logging.WARNING)


def read_annotation_lines(ann_file: str) -> Iterator[Tuple[str, str]]:
    """Yield ``(where, line)`` for each non-blank line; ``where`` reads ``file:line``.

    Lines end at ``\\n``, ``\\r\\n`` or ``\\r``; a leading UTF-8 byte-order mark is dropped. A line
    that is not UTF-8, and a file without a non-blank line, raise an AnnotationError.
    """
    if not osp.isfile(ann_file):
        raise AnnotationError(f'{ann_file}: annotation file not found '
                              '(check ann_file and data_root)')
    try:
        # surrogateescape keeps undecodable bytes (as lone surrogates), so the error names the line;
        # plain utf-8 because utf-8-sig drops a file's truncated byte-order mark without a word
        stream = open(ann_file, encoding='utf-8', errors='surrogateescape')
    except OSError as error:
        raise AnnotationError(f'{ann_file}: cannot read the annotation file ({error.strerror})'
                              ) from None
    empty = True
    with stream:
        for number, line in enumerate(stream, start=1):
            where = f'{ann_file}:{number}'
            if number == 1:
                line = line.removeprefix('\ufeff')
            try:
                line.encode('utf-8')
            except UnicodeEncodeError:
                raise AnnotationError(f'{where}: the line is not UTF-8 text; save the file as '
                                      'UTF-8') from None
            line = line.strip()
            if line:
                empty = False
                yield where, line
    if empty:
        raise AnnotationError(f'{ann_file}: the annotation file has no entries (it is empty or '
                              'blank)')


def split_fields(line: str, delimiter: str) -> List[str]:
    """Split on ``delimiter``; ``' '`` means any run of whitespace."""
    if delimiter == ' ':
        return line.split()
    return [field.strip() for field in line.split(delimiter)]


def parse_int(field: str, what: str, where: str, expected: str, line: str) -> int:
    """``int(field)``, or an AnnotationError naming ``what`` and the expected line format.

    Labels, frame counts and offsets are never negative, so a negative value is refused too.
    """
    try:
        value = int(field)
    except ValueError:
        raise AnnotationError(f'{where}: {what} must be an integer, got {field!r}; '
                              f'expected {expected!r}, got {line!r}') from None
    if value < 0:
        raise AnnotationError(f'{where}: {what} must not be negative, got {field!r}; '
                              f'expected {expected!r}, got {line!r}')
    return value


def check_paths_exist(entries: Sequence[Tuple[str, str]], what: str, option: str) -> None:
    """Raise an AnnotationError if any ``(where, path)`` does not exist on disk.

    The message gives the count and the first few ``file:line: missing WHAT PATH`` entries,
    and ``option`` names how to turn the check off.
    """
    missing = [(where, path) for where, path in entries if not osp.exists(path)]
    if not missing:
        return
    shown = '\n'.join(f'{where}: missing {what} {path}'
                      for where, path in missing[:MAX_MISSING_SHOWN])
    hidden = len(missing) - MAX_MISSING_SHOWN
    more = f'\n... and {hidden} more' if hidden > 0 else ''
    raise AnnotationError(f'{len(missing)} of {len(entries)} {what}s listed in the annotation file '
                          f'do not exist (check data_root and data_prefix, or pass {option} '
                          f'to skip this check):\n{shown}{more}')
