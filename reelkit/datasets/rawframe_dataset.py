"""``RawframeDataset``: one folder of extracted frames per line of a text annotation file."""
from typing import Callable, List, Optional, Sequence, Union

from reelkit.registry import DATASETS
from .base import BaseActionDataset, check_paths_exist


@DATASETS.register_module()
class RawframeDataset(BaseActionDataset):
    """Frame folders listed one per line as ``frame_dir total_frames label [label ...]``.

    With ``with_offset`` each line reads ``frame_dir offset total_frames label [label ...]``: a
    clip of ``total_frames`` frames starting after frame ``offset`` of a long video. Example::

        climbing/v_001 163 3
        running/v_017 122 5

    Each entry holds ``frame_dir`` (joined with ``data_prefix['img']``), ``total_frames``,
    ``label`` (an int, or a list when ``multi_class``), ``filename_tmpl`` and, with
    ``with_offset``, ``offset``. Every frame folder is checked to exist when the list is loaded
    (one ``os.path.exists`` each); pass ``check_paths=False`` to skip that.

    Args:
        ann_file (str): The annotation file.
        pipeline (list[dict | callable]): The transforms applied to each sample.
        data_prefix (dict | None): ``dict(img=DIR)``, the directory frame folders are relative
            to. ``None`` means ``dict(img='')``.
        filename_tmpl (str): Frame file names, formatted with the frame index.
            Defaults to ``'img_{:05}.jpg'``.
        with_offset (bool): Lines carry an ``offset`` field before ``total_frames``.
            Defaults to False.
        multi_class (bool): Lines carry one or more labels. Defaults to False.
        num_classes (int | None): Number of classes; required when ``multi_class``.
        start_index (int): Index of the first frame file. Defaults to 1 (``img_00001.jpg``).
        modality (str): ``'RGB'`` or ``'Flow'``. Defaults to ``'RGB'``.
        test_mode (bool): Validation/test dataset (unreadable frames raise). Defaults to False.
        check_paths (bool): Check that each frame folder exists while loading. Defaults to True.
        **kwargs: Passed to :class:`BaseActionDataset` (``skip_corrupt``, ``data_root``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: Sequence[Union[dict, Callable]],
                 data_prefix: Optional[dict] = None,
                 filename_tmpl: str = 'img_{:05}.jpg',
                 with_offset: bool = False,
                 multi_class: bool = False,
                 num_classes: Optional[int] = None,
                 start_index: int = 1,
                 modality: str = 'RGB',
                 test_mode: bool = False,
                 check_paths: bool = True,
                 **kwargs) -> None:
        self.filename_tmpl = filename_tmpl
        self.with_offset = with_offset
        self.check_paths = check_paths
        super().__init__(
            ann_file,
            pipeline,
            data_prefix=dict(img='') if data_prefix is None else data_prefix,
            test_mode=test_mode,
            multi_class=multi_class,
            num_classes=num_classes,
            start_index=start_index,
            modality=modality,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Parse the annotation file into ``frame_dir``/``total_frames``/``label`` entries."""
        head = ['<frame_dir>', '<offset>', '<total_frames>'] if self.with_offset else [
            '<frame_dir>', '<total_frames>']
        data_list, paths = [], []
        for where, path, numbers, label in self.parse_list_lines(head):
            frame_dir = self.prefixed('img', path)
            entry = dict(frame_dir=frame_dir, total_frames=numbers[-1], label=label,
                         filename_tmpl=self.filename_tmpl)
            if self.with_offset:
                entry['offset'] = numbers[0]
            data_list.append(entry)
            paths.append((where, frame_dir))
        if self.check_paths:
            check_paths_exist(paths, 'frame folder', 'check_paths=False')
        return data_list
