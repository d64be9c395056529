"""``VideoDataset``: one video file per line of a text annotation file."""
from typing import Callable, List, Optional, Sequence, Union

from reelkit.registry import DATASETS
from .base import BaseActionDataset, check_paths_exist


@DATASETS.register_module()
class VideoDataset(BaseActionDataset):
    """Videos listed one per line as ``path label`` (``path label1 label2 ...`` if multi-class).

    Example annotation file::

        climbing/v_001.mp4 3
        running/v_017.mp4 5

    Each entry holds ``filename`` (joined with ``data_prefix['video']``) and ``label`` (an int, or
    a list of ints when ``multi_class``). Every listed video is checked to exist when the list is
    loaded (one ``os.path.exists`` each); pass ``check_paths=False`` to skip that, e.g. for
    remote storage.

    Args:
        ann_file (str): The annotation file.
        pipeline (list[dict | callable]): The transforms applied to each sample.
        data_prefix (dict | None): ``dict(video=DIR)``, the directory paths are relative to.
            ``None`` means ``dict(video='')``.
        multi_class (bool): Lines carry one or more labels. Defaults to False.
        num_classes (int | None): Number of classes; required when ``multi_class``.
        start_index (int): Index of the first frame. Defaults to 0.
        modality (str): ``'RGB'``, ``'Flow'`` or ``'Audio'``. Defaults to ``'RGB'``.
        test_mode (bool): Validation/test dataset (unreadable videos raise). Defaults to False.
        delimiter (str): Field separator; the default ``' '`` splits on any run of whitespace,
            any other separator splits exactly and strips the fields.
        check_paths (bool): Check that each video exists while loading. Defaults to True.
        **kwargs: Passed to :class:`BaseActionDataset` (``skip_corrupt``, ``data_root``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: Sequence[Union[dict, Callable]],
                 data_prefix: Optional[dict] = None,
                 multi_class: bool = False,
                 num_classes: Optional[int] = None,
                 start_index: int = 0,
                 modality: str = 'RGB',
                 test_mode: bool = False,
                 delimiter: str = ' ',
                 check_paths: bool = True,
                 **kwargs) -> None:
        self.delimiter = delimiter
        self.check_paths = check_paths
        super().__init__(
            ann_file,
            pipeline,
            data_prefix=dict(video='') if data_prefix is None else data_prefix,
            test_mode=test_mode,
            multi_class=multi_class,
            num_classes=num_classes,
            start_index=start_index,
            modality=modality,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Parse the annotation file into ``dict(filename=..., label=...)`` entries."""
        data_list, paths = [], []
        for where, path, _, label in self.parse_list_lines(['<path>'], self.delimiter):
            filename = self.prefixed('video', path)
            data_list.append(dict(filename=filename, label=label))
            paths.append((where, filename))
        if self.check_paths:
            check_paths_exist(paths, 'video', 'check_paths=False')
        return data_list
