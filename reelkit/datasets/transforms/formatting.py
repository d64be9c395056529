"""Formatting: arrange frames into the model's input layout and pack the sample.

``FormatShape`` turns the list of ``H x W x C`` frames into one array in the layout a model
expects; ``PackActionInputs`` turns the results dict into ``dict(inputs, data_samples)``, the
form MMEngine's dataloader collates and the model's ``data_preprocessor`` receives.
"""
from numbers import Number
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmengine.structures import InstanceData

from reelkit.registry import TRANSFORMS
from reelkit.structures.action_data_sample import ActionDataSample
from .base import BaseTransform, check_choice

INPUT_FORMATS = ('NCTHW', 'NCHW', 'NCHW_Flow', 'NPTCHW', 'NCTHW_Heatmap')
# Where PackActionInputs looks for the model input, in order (without collect_keys).
INPUT_KEYS = ('imgs', 'heatmap_imgs', 'keypoint', 'audios')


def to_tensor(value) -> torch.Tensor:
    """A tensor from an array, a list of arrays, a sequence of numbers or a number.

    Arrays are shared, not copied, when already contiguous; ints become a 1-element int64
    tensor and floats a 1-element float32 tensor (MMCV's ``to_tensor``).
    """
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(value))
    if isinstance(value, Sequence) and not isinstance(value, str):
        if value and isinstance(value[0], np.ndarray):
            return torch.from_numpy(np.stack(value))
        return torch.tensor(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Number):
        raise TypeError(f'cannot convert {type(value).__name__} to a tensor')
    if isinstance(value, (int, np.integer)):
        return torch.tensor([int(value)], dtype=torch.int64)
    return torch.tensor([float(value)], dtype=torch.float32)


def _reshape(owner: str, imgs: np.ndarray, shape: Tuple[int, ...], what: str) -> np.ndarray:
    try:
        return imgs.reshape(shape)
    except ValueError:
        raise ValueError(f'{owner}: {imgs.shape[0]} frames of shape {imgs.shape[1:]} cannot be '
                         f'arranged as {what}') from None


def _clip_len(owner: str, results: dict, modality: str) -> int:
    """``clip_len``, or its ``modality`` entry when it is a per-modality dict (RGBPoseConv3D)."""
    clip_len = results['clip_len']
    if not isinstance(clip_len, dict):
        return clip_len
    if modality not in clip_len:
        raise KeyError(f'{owner}: clip_len={clip_len!r} has no {modality!r} entry')
    return clip_len[modality]


def to_ncthw(owner: str, frames: np.ndarray, num_clips: int, clip_len: int,
             channels_last: bool = True) -> np.ndarray:
    """``M`` frames ordered crops x clips x T as ``(crops * num_clips, C, clip_len, H, W)``.

    Frames are ``(M, H, W, C)`` (decoded images) or, without ``channels_last``,
    ``(M, C, H, W)`` (pose heatmaps).
    """
    clips = _reshape(owner, frames, (-1, num_clips, clip_len) + frames.shape[1:],
                     f'(crops, num_clips={num_clips}, clip_len={clip_len})')
    axes = (0, 1, 5, 2, 3, 4) if channels_last else (0, 1, 3, 2, 4, 5)
    clips = clips.transpose(axes)  # crops x clips x C x T x H x W
    return clips.reshape((-1, ) + clips.shape[2:])


def planar_ncthw(frames: Sequence[np.ndarray], clip_len: int) -> Optional[np.ndarray]:
    """``to_ncthw`` of ``M`` decoded ``(H, W, C)`` frames, each split into its ``C`` planes by
    OpenCV straight into the output (one vectorised pass: about 4x faster than NumPy's strided
    transpose of the stacked frames). None when the frames are not alike uint8/float32 images."""
    first = frames[0]
    if (first.ndim != 3 or first.dtype not in (np.uint8, np.float32) or len(frames) % clip_len
            or any(frame.shape != first.shape or frame.dtype != first.dtype for frame in frames)):
        return None
    height, width, channels = first.shape
    out = np.empty((len(frames) // clip_len, channels, clip_len, height, width), first.dtype)
    for index, frame in enumerate(frames):
        view, t = divmod(index, clip_len)
        cv2.split(np.ascontiguousarray(frame), [out[view, c, t] for c in range(channels)])
    return out


@TRANSFORMS.register_module()
class FormatShape(BaseTransform):
    """Stack the frames into the model's input layout.

    The ``M`` frames are ordered crops x clips x frames (``M = crops * num_clips * clip_len``,
    as TenCrop/ThreeCrop and SampleFrames produce them). Layouts:

    - ``'NCTHW'`` (3D models): ``(crops * clips, C, clip_len, H, W)``. With a per-modality
      ``clip_len`` dict (RGBPoseConv3D) the frames take ``clip_len['RGB']``, and
      ``heatmap_imgs`` (``(M', K, H, W)`` pose heatmaps), when present, becomes
      ``(crops * clips, K, clip_len['Pose'], H, W)`` too.
    - ``'NCTHW_Heatmap'`` (PoseC3D): ``imgs`` holds ``(M, K, H, W)`` heatmaps (K joints or
      limbs), arranged as ``(crops * clips, K, clip_len, H, W)``.
    - ``'NCHW'`` (2D models): ``(M, C, H, W)``.
    - ``'NCHW_Flow'`` (2D flow models, frames alternating x and y grayscale):
      ``(crops * clips, clip_len * 2, H, W)`` float32, x and y interleaved per frame.
    - ``'NPTCHW'`` (per-proposal clips): ``(num_proposals, clips * clip_len, C, H, W)``.

    Required Keys:
        - imgs
        - heatmap_imgs (optional: read by NCTHW)
        - num_clips (optional: read by NCTHW, NCTHW_Heatmap, NCHW_Flow, NPTCHW and collapse)
        - clip_len (optional: read by NCTHW, NCTHW_Heatmap, NCHW_Flow and NPTCHW)
        - num_proposals (optional: read by NPTCHW)

    Modified Keys:
        - imgs
        - heatmap_imgs

    Added Keys:
        - input_shape
        - heatmap_input_shape

    ``heatmap_imgs`` and ``heatmap_input_shape`` are written only when ``heatmap_imgs`` is
    present (NCTHW).

    Args:
        input_format (str): One of the layouts above.
        collapse (bool): Drop the leading axis, which must be 1 (one clip, one crop), as
            detectors expect. Defaults to False.
    """

    def __init__(self, input_format: str, collapse: bool = False) -> None:
        self.input_format = check_choice(type(self).__name__, 'input_format', input_format,
                                         INPUT_FORMATS)
        self.collapse = bool(collapse)

    def transform(self, results: dict) -> dict:
        name = type(self).__name__
        fmt = self.input_format
        if self.collapse and results['num_clips'] != 1:
            raise ValueError(f"{name}: collapse=True needs num_clips == 1, got "
                             f"{results['num_clips']}")
        if fmt == 'NCTHW':
            frames, clip_len = results['imgs'], _clip_len(name, results, 'RGB')
            whole = len(frames) and len(frames) % (results['num_clips'] * clip_len) == 0
            imgs = planar_ncthw(frames, clip_len) if whole else None
            if imgs is None:  # not alike images, or the frame count is wrong (to_ncthw says how)
                imgs = to_ncthw(name, np.asarray(frames), results['num_clips'], clip_len)
            if 'heatmap_imgs' in results:
                heatmaps = to_ncthw(name, np.asarray(results['heatmap_imgs']),
                                    results['num_clips'], _clip_len(name, results, 'Pose'),
                                    channels_last=False)
                results['heatmap_imgs'] = np.ascontiguousarray(heatmaps)
                results['heatmap_input_shape'] = heatmaps.shape
        elif fmt == 'NCTHW_Heatmap':
            imgs = to_ncthw(name, np.asarray(results['imgs']), results['num_clips'],
                            results['clip_len'], channels_last=False)
        elif fmt == 'NCHW_Flow':
            imgs = self._flow_pairs(results)
        elif fmt == 'NCHW':
            imgs = np.asarray(results['imgs']).transpose(0, 3, 1, 2)
        else:  # NPTCHW
            imgs = np.asarray(results['imgs'])
            num_proposals = results['num_proposals']
            length = results['num_clips'] * results['clip_len']
            imgs = _reshape(name, imgs, (num_proposals, length) + imgs.shape[1:],
                            f'(num_proposals={num_proposals}, num_clips * clip_len={length})')
            imgs = imgs.transpose(0, 1, 4, 2, 3)
        if self.collapse:
            if imgs.shape[0] != 1:
                raise ValueError(f'{name}: collapse=True needs one crop and one clip, got '
                                 f'leading size {imgs.shape[0]}')
            imgs = imgs[0]
        imgs = np.ascontiguousarray(imgs)
        results['imgs'] = imgs
        results['input_shape'] = imgs.shape
        return results

    def _flow_pairs(self, results: dict) -> np.ndarray:
        """``(crops * clips, clip_len * 2, H, W)`` float32 from alternating x / y frames."""
        name = type(self).__name__
        frames = results['imgs']
        if len(frames) % 2:
            raise ValueError(f'{name}: NCHW_Flow needs x/y pairs of flow frames, got '
                             f'{len(frames)} frames')
        imgs = np.stack([np.stack(frames[0::2]), np.stack(frames[1::2])],
                        axis=-1).astype(np.float32)
        num_clips, clip_len = results['num_clips'], results['clip_len']
        # crops x clips x T x H x W x C
        imgs = _reshape(name, imgs, (-1, num_clips, clip_len) + imgs.shape[1:],
                        f'(crops, num_clips={num_clips}, clip_len={clip_len})')
        imgs = imgs.transpose(0, 1, 2, 5, 3, 4)  # crops x clips x T x C x H x W
        return imgs.reshape((-1, imgs.shape[2] * imgs.shape[3]) + imgs.shape[4:])


@TRANSFORMS.register_module()
class PackActionInputs(BaseTransform):
    """Pack a sample as ``dict(inputs=Tensor, data_samples=ActionDataSample)``.

    ``inputs`` is the first of ``imgs``, ``heatmap_imgs``, ``keypoint``, ``audios`` present,
    as a tensor (a PoseC3D heatmap volume, a GCN skeleton tensor, ...), or a dict of tensors
    with ``collect_keys`` (RGBPoseConv3D packs ``('imgs', 'heatmap_imgs')``). The data sample gets ``gt_label``
    from ``label`` (``set_gt_label``), ``gt_instances`` (``bboxes``, ``labels``) and
    ``proposals`` from the box keys, the ``algorithm_keys`` as fields, and the ``meta_keys``
    present as metainfo. Returns a new dict; ``results`` is left as it was.

    Required Keys:
        - imgs (or heatmap_imgs, keypoint, audios; or the collect_keys)
        - label (optional)
        - gt_bboxes (optional, with gt_labels)
        - gt_labels (optional)
        - proposals (optional)
        - img_shape (optional: a default meta key; every meta key is copied when present)
        - img_key (optional)
        - video_id (optional)
        - timestamp (optional)

    The ``algorithm_keys`` are read when present, too.

    Args:
        collect_keys (tuple[str] | None): Pack these keys as a dict of tensors instead of one
            input tensor. Defaults to None.
        meta_keys (tuple[str]): Keys copied to the metainfo when present.
            Defaults to ``('img_shape', 'img_key', 'video_id', 'timestamp')``.
        algorithm_keys (tuple[str]): Keys set as data-sample fields when present.
            Defaults to ().
    """

    def __init__(self,
                 collect_keys: Optional[Sequence[str]] = None,
                 meta_keys: Sequence[str] = ('img_shape', 'img_key', 'video_id', 'timestamp'),
                 algorithm_keys: Sequence[str] = ()) -> None:
        name = type(self).__name__
        for arg, keys in (('collect_keys', collect_keys), ('meta_keys', meta_keys),
                          ('algorithm_keys', algorithm_keys)):
            if keys is None and arg == 'collect_keys':
                continue
            if isinstance(keys, str) or not all(isinstance(k, str) for k in keys):
                raise TypeError(f'{name}: {arg}={keys!r}; expected a tuple of key names')
        self.collect_keys = None if collect_keys is None else tuple(collect_keys)
        self.meta_keys = tuple(meta_keys)
        self.algorithm_keys = tuple(algorithm_keys)

    def _inputs(self, results: dict):
        if self.collect_keys is not None:
            return {key: to_tensor(results[key]) for key in self.collect_keys}
        for key in INPUT_KEYS:
            if key in results:
                return to_tensor(results[key])
        raise KeyError(f'{type(self).__name__}: the sample has none of {list(INPUT_KEYS)} '
                       f'(it has {sorted(results)}); decode frames first or set collect_keys')

    def transform(self, results: dict) -> dict:
        sample = ActionDataSample()
        if 'gt_bboxes' in results:
            sample.gt_instances = InstanceData(bboxes=to_tensor(results['gt_bboxes']),
                                               labels=to_tensor(results['gt_labels']))
            if results.get('proposals') is not None:
                sample.proposals = InstanceData(bboxes=to_tensor(results['proposals']))
        if 'label' in results:
            sample.set_gt_label(results['label'])
        for key in self.algorithm_keys:
            if key in results:
                sample.set_field(results[key], key)
        sample.set_metainfo({key: results[key] for key in self.meta_keys if key in results})
        return dict(inputs=self._inputs(results), data_samples=sample)


@TRANSFORMS.register_module()
class PackLocalizationInputs(BaseTransform):
    """Pack a localization sample as ``dict(inputs=Tensor, data_samples=ActionDataSample)``.

    ``inputs`` is ``raw_feature`` (C, T) as a tensor, or an empty scalar tensor for BSN's PEM,
    whose input is ``bsp_feature`` among the ``keys``. Each of the ``keys`` present becomes a
    field of the data sample's ``gt_instances`` under its own name (``gt_bbox``, ``bsp_feature``,
    ``tmin``, ...), except ``proposals``, which becomes ``proposals.proposals``; the
    ``meta_keys`` present become metainfo. Returns a new dict.

    Required Keys:
        - raw_feature (or bsp_feature)
        - video_name (optional: the default meta key; every meta key is copied when present)

    The ``keys`` are read when present, too.

    Args:
        keys (tuple[str]): Keys packed as instance fields. Defaults to ().
        meta_keys (tuple[str]): Keys copied to the metainfo when present.
            Defaults to ``('video_name', )``.
    """

    def __init__(self, keys: Sequence[str] = (), meta_keys: Sequence[str] = ('video_name', )) -> None:
        for arg, names in (('keys', keys), ('meta_keys', meta_keys)):
            if isinstance(names, str) or not all(isinstance(k, str) for k in names):
                raise TypeError(f'{type(self).__name__}: {arg}={names!r}; expected a tuple of key names')
        self.keys = tuple(keys)
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        if 'raw_feature' in results:
            inputs = to_tensor(results['raw_feature'])
        elif 'bsp_feature' in results:
            inputs = torch.tensor(0.)  # PEM reads its features from gt_instances
        else:
            raise KeyError(f'{type(self).__name__}: the sample has neither raw_feature nor '
                           f'bsp_feature (it has {sorted(results)}); load the features first')
        sample = ActionDataSample()
        instances = {key: to_tensor(results[key]) for key in self.keys
                     if key in results and key != 'proposals'}
        if instances:
            sample.gt_instances = InstanceData(**instances)
        if 'proposals' in self.keys and 'proposals' in results:
            sample.proposals = InstanceData(proposals=to_tensor(results['proposals']))
        sample.set_metainfo({key: results[key] for key in self.meta_keys if key in results})
        return dict(inputs=inputs, data_samples=sample)
