"""Audio features: load a spectrogram, cut the part under the sampled frames, shape it for the model.

A feature file holds an (L, F) array: L time steps of F frequency bins covering the whole video.
Frame indices sampled from the video (``SampleFrames`` on ``total_frames``) are mapped onto the
L steps in proportion.
"""
import logging
import os.path as osp
from functools import lru_cache

import numpy as np
from mmengine.logging import print_log

from reelkit.registry import TRANSFORMS
from .base import BaseTransform, check_choice, check_int

PAD_METHODS = ('zero', 'random')
# The stand-in for a missing feature file (a video without audio): 640 steps x 80 bins, as MMAction2.
MISSING_AUDIO_SHAPE = (640, 80)


@lru_cache(maxsize=None)
def _report_missing(path: str, pad_method: str) -> None:
    """Say once per file that a missing feature file is replaced by padding."""
    print_log(f'audio feature file {path} not found (a video without audio?): using {pad_method} '
              f'padding of shape {MISSING_AUDIO_SHAPE}', logger='current', level=logging.WARNING)


@TRANSFORMS.register_module()
class LoadAudioFeature(BaseTransform):
    """Load an ``.npy`` spectrogram; a missing file becomes padding, reported once per file.

    Required Keys:
        - audio_path

    Added Keys:
        - audios (L, F) float32
        - length (L)

    Args:
        pad_method (str): ``'zero'`` or ``'random'`` (uniform in [0, 1), the features' range)
            stand-in for missing files. Defaults to ``'zero'``.
    """

    def __init__(self, pad_method: str = 'zero') -> None:
        self.pad_method = check_choice(type(self).__name__, 'pad_method', pad_method, PAD_METHODS)

    def transform(self, results: dict) -> dict:
        path = results['audio_path']
        if osp.exists(path):
            audios = np.load(path).astype(np.float32, copy=False)
        else:
            _report_missing(path, self.pad_method)
            audios = (np.zeros(MISSING_AUDIO_SHAPE, np.float32) if self.pad_method == 'zero'
                      else np.random.rand(*MISSING_AUDIO_SHAPE).astype(np.float32))
        if audios.ndim != 2:
            raise ValueError(f'{path}: an audio feature must be a (time, frequency) array, got shape {audios.shape}')
        results['audios'] = audios
        results['length'] = audios.shape[0]
        return results


@TRANSFORMS.register_module()
class AudioFeatureSelector(BaseTransform):
    """Cut each clip's span of the spectrogram and pad or truncate it to ``fixed_length`` steps.

    Clip ``k`` spans steps ``round((first + 1) / total_frames * L)`` to
    ``round((last + 1) / total_frames * L)`` of its sampled frames, clipped to ``[0, L]``.

    Required Keys:
        - audios (L, F)
        - frame_inds
        - num_clips
        - length
        - total_frames

    Modified Keys:
        - audios -> (num_clips, fixed_length, F)

    Added Keys:
        - audios_shape

    Args:
        fixed_length (int): Time steps per clip. Defaults to 128.
    """

    def __init__(self, fixed_length: int = 128) -> None:
        self.fixed_length = check_int(type(self).__name__, 'fixed_length', fixed_length)

    def transform(self, results: dict) -> dict:
        audios, length, total = results['audios'], results['length'], results['total_frames']
        clips = np.asarray(results['frame_inds']).reshape(results['num_clips'], -1)
        out = np.zeros((len(clips), self.fixed_length, audios.shape[1]), dtype=audios.dtype)
        for k, inds in enumerate(clips):
            start = max(0, int(round((inds[0] + 1) / total * length)))
            end = min(length, int(round((inds[-1] + 1) / total * length)))
            span = audios[start:end][:self.fixed_length]
            out[k, :len(span)] = span
        results['audios'] = out
        results['audios_shape'] = out.shape
        return results


@TRANSFORMS.register_module()
class FormatAudioShape(BaseTransform):
    """Add the channel axis: (clips, T, F) -> (clips, 1, T, F).

    Required Keys:
        - audios

    Modified Keys:
        - audios

    Added Keys:
        - input_shape

    Args:
        input_format (str): ``'NCTF'``, the only layout audio models take.
    """

    def __init__(self, input_format: str) -> None:
        self.input_format = check_choice(type(self).__name__, 'input_format', input_format, ('NCTF', ))

    def transform(self, results: dict) -> dict:
        audios = results['audios']
        results['audios'] = audios.reshape(audios.shape[0], 1, *audios.shape[1:])
        results['input_shape'] = results['audios'].shape
        return results
