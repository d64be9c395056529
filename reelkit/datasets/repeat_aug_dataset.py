"""Repeated augmentation (Hoffer et al., 2019): several augmented clips of one video per batch entry.

MViT's recipes train on ``num_repeats`` clips of each video, sampled and augmented
independently; the video is opened and decoded once for all of them.
"""
from copy import deepcopy
from typing import Any, Callable, List, Sequence, Union

import numpy as np
from mmengine.dataset import pseudo_collate

from reelkit.registry import DATASETS, FUNCTIONS
from reelkit.utils.errors import ConfigError
from .transforms.decoding import VideoDecode, VideoInit
from .video_dataset import VideoDataset


@DATASETS.register_module()
class RepeatAugDataset(VideoDataset):
    """A training :class:`VideoDataset` whose samples are lists of ``num_repeats`` clips of one video.

    The pipeline must start with an ``*Init`` step, a frame sampling step and a ``*Decode``
    step (e.g. ``DecordInit``, ``SampleFrames``, ``DecordDecode``): the frames of all repeats
    are decoded in one pass, then the remaining steps run on each repeat. Batch with
    ``collate_fn=dict(type='repeat_pseudo_collate')``, which flattens the lists.

    Args:
        ann_file (str): The annotation file (as :class:`VideoDataset`).
        pipeline (list[dict | callable]): Init, sampling, Decode, then the other transforms.
        num_repeats (int): Clips per video. Defaults to 4.
        sample_once (bool): Use the same frame indices for all repeats (only the later
            augmentations differ). Defaults to False.
        **kwargs: Passed to :class:`VideoDataset` (``data_prefix``, ``multi_class``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: Sequence[Union[dict, Callable]],
                 num_repeats: int = 4,
                 sample_once: bool = False,
                 **kwargs) -> None:
        if kwargs.pop('test_mode', False):
            raise ConfigError('RepeatAugDataset is for training; use VideoDataset for validation and testing')
        if not isinstance(num_repeats, int) or num_repeats < 1:
            raise ConfigError(f'RepeatAugDataset: num_repeats={num_repeats!r}; expected a positive int')
        self.num_repeats = num_repeats
        self.sample_once = sample_once
        super().__init__(ann_file, pipeline, test_mode=False, **kwargs)
        steps = self.pipeline.transforms
        if len(steps) < 3 or not isinstance(steps[0], VideoInit) or not isinstance(steps[2], VideoDecode):
            raise ConfigError('RepeatAugDataset: the pipeline must begin with an Init step, a sampling step '
                              f'and a Decode step (e.g. DecordInit, SampleFrames, DecordDecode); got '
                              f'{[type(step).__name__ for step in steps[:3]]}')

    def apply_pipeline(self, data_info: dict) -> List[dict]:
        """``num_repeats`` pipeline outputs for one video, its frames decoded once."""
        opener, sampler, decoder, *rest = self.pipeline.transforms
        data_info = opener(data_info)
        draws = 1 if self.sample_once else self.num_repeats
        sampled = [sampler(dict(total_frames=data_info['total_frames'], start_index=data_info['start_index']))
                   for _ in range(draws)] * (self.num_repeats // draws)
        inds = [each['frame_inds'].reshape(-1) for each in sampled]
        data_info.update(sampled[-1])
        data_info['frame_inds'] = np.concatenate(inds)
        data_info = decoder(data_info)
        imgs = data_info.pop('imgs')
        bounds = np.cumsum([0] + [len(each) for each in inds])
        outputs = []
        for start, end in zip(bounds[:-1], bounds[1:]):
            repeat = deepcopy(data_info)
            repeat['imgs'] = imgs[start:end]
            for step in rest:
                repeat = step(repeat)
            outputs.append(repeat)
        return outputs


@FUNCTIONS.register_module()
def repeat_pseudo_collate(data_batch: Sequence[Sequence[Any]]) -> Any:
    """MMEngine's ``pseudo_collate`` over the flattened lists of repeated samples."""
    return pseudo_collate([sample for repeats in data_batch for sample in repeats])
