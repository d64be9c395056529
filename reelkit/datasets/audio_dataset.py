"""``AudioDataset``: one audio feature file (a spectrogram ``.npy``) per line of a text list."""
from typing import Callable, List, Optional, Sequence, Union

from reelkit.registry import DATASETS
from .base import BaseActionDataset


@DATASETS.register_module()
class AudioDataset(BaseActionDataset):
    """Audio features listed one per line as ``audio_path total_frames label [label ...]``::

        some/dir/v_001.npy 163 1
        some/dir/v_002.npy 122 3

    ``total_frames`` is the frame count of the video the audio belongs to: frame indices sampled
    from it (``SampleFrames``) are mapped onto the feature's time axis by
    ``AudioFeatureSelector``. Each entry holds ``audio_path`` (joined with
    ``data_prefix['audio']``), ``total_frames`` and ``label``. Files are not checked while
    loading: videos without an audio track have no feature file, and ``LoadAudioFeature`` pads
    in their place (saying so).

    Args:
        ann_file (str): The annotation file.
        pipeline (list[dict | callable]): The transforms applied to each sample.
        data_prefix (dict | None): ``dict(audio=DIR)``. ``None`` means ``dict(audio='')``.
        multi_class (bool): Lines carry one or more labels. Defaults to False.
        num_classes (int | None): Number of classes; required when ``multi_class``.
        **kwargs: Passed to :class:`BaseActionDataset` (``test_mode``, ``data_root``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: Sequence[Union[dict, Callable]],
                 data_prefix: Optional[dict] = None,
                 multi_class: bool = False,
                 num_classes: Optional[int] = None,
                 **kwargs) -> None:
        super().__init__(
            ann_file,
            pipeline,
            data_prefix=dict(audio='') if data_prefix is None else data_prefix,
            multi_class=multi_class,
            num_classes=num_classes,
            modality='Audio',
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Parse the annotation file into ``audio_path``/``total_frames``/``label`` entries."""
        return [dict(audio_path=self.prefixed('audio', path), total_frames=numbers[0], label=label)
                for _, path, numbers, label in self.parse_list_lines(['<audio_path>', '<total_frames>'])]
