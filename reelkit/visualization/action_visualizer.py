"""``ActionVisualizer``: ground-truth and predicted labels written on video frames.

Text is drawn with OpenCV (``cv2.putText``), so nothing opens a window unless
``show_frames=True``. The drawn frames go to every vis backend through ``add_image``, or,
with ``out_path``, to PNG frames, a GIF or an MP4 file.
"""
import os
import os.path as osp
from typing import List, Optional, Sequence, Union

import av
import cv2
import numpy as np
import torch
from mmengine.dist import master_only
from mmengine.visualization import Visualizer

from reelkit.datasets.synth_motion import write_mp4
from reelkit.datasets.transforms.video_readers import frame_to_rgb
from reelkit.registry import VISUALIZERS
from reelkit.structures.action_data_sample import ActionDataSample
from reelkit.utils.errors import VideoReadError

VideoType = Union[np.ndarray, Sequence[np.ndarray], str]

OUT_TYPES = ('img', 'gif', 'video')
FONT = cv2.FONT_HERSHEY_SIMPLEX
# text_cfg keys and their defaults; font_scale None follows the frame size.
TEXT_DEFAULTS = dict(font_scale=None, color=(255, 255, 255), thickness=1, position=(5, 5), box_alpha=0.5)


def adaptive_scale(height: int, width: int, min_scale: float = 0.3, max_scale: float = 3.0) -> float:
    """Short edge / 224, clipped to ``[min_scale, max_scale]``: text grows with the frame."""
    return min(max(min(height, width) / 224., min_scale), max_scale)


def decode_video(path: str) -> List[np.ndarray]:
    """Every frame of the video file at ``path`` as an RGB uint8 array, decoded with PyAV."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'ActionVisualizer: video file {path!r} does not exist')
    try:
        with av.open(path) as container:
            frames = [frame_to_rgb(frame) for frame in container.decode(video=0)]
    except av.error.FFmpegError as error:
        raise VideoReadError(path, f'PyAV cannot decode it ({error})') from error
    if not frames:
        raise VideoReadError(path, 'it holds no video frames')
    return frames


def load_frames(video: VideoType) -> List[np.ndarray]:
    """``video`` (a path, a ``(T, H, W, 3)`` array or a list of ``(H, W, 3)`` arrays) as frames."""
    if isinstance(video, (str, os.PathLike)):
        frames = decode_video(os.fspath(video))
    else:
        frames = [np.asarray(frame) for frame in video]
    if not frames:
        raise ValueError('ActionVisualizer: the video has no frames')
    for index, frame in enumerate(frames):
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f'ActionVisualizer: frame {index} must be an RGB uint8 array of shape '
                             f'(H, W, 3), got {frame.dtype} of shape {frame.shape}')
    return frames


def _class_indices(label: torch.Tensor) -> List[int]:
    """Class indices of an index tensor, or the positive entries of a multi-hot vector."""
    if label.is_floating_point():
        return torch.nonzero(label.reshape(-1) > 0).reshape(-1).tolist()
    return label.reshape(-1).tolist()


def _label_text(index: int, classes: Optional[Sequence[str]], score: Optional[float]) -> str:
    text = str(index)
    if classes is not None:
        if not 0 <= index < len(classes):
            raise ValueError(f"ActionVisualizer: label {index} has no name in dataset_meta['classes'] "
                             f'({len(classes)} classes)')
        text += f' ({classes[index]})'
    return text if score is None else f'{text}: {score:.2f}'


def label_lines(data_sample: ActionDataSample, classes: Optional[Sequence[str]], draw_gt: bool,
                draw_pred: bool, draw_score: bool) -> List[str]:
    """The ground-truth and prediction lines to write on each frame of ``data_sample``."""
    lines: List[str] = []
    if draw_gt and 'gt_label' in data_sample:
        gt = [_label_text(i, classes, None) for i in _class_indices(data_sample.gt_label)]
        lines.append('Ground truth: ' + ', '.join(gt))
    scores = data_sample.get('pred_score')
    if draw_pred and ('pred_label' in data_sample or scores is not None):
        preds = (_class_indices(data_sample.pred_label) if 'pred_label' in data_sample
                 else [int(scores.argmax())])
        pred = [_label_text(i, classes, float(scores[i]) if draw_score and scores is not None else None)
                for i in preds]
        lines.append('Prediction: ' + ', '.join(pred))
    return lines


def _check_text_cfg(text_cfg: dict) -> dict:
    unknown = sorted(set(text_cfg) - set(TEXT_DEFAULTS))
    if unknown:
        raise ValueError(f'ActionVisualizer.add_datasample: unknown text_cfg key(s) {unknown}; '
                         f'valid keys are {", ".join(TEXT_DEFAULTS)}')
    return {**TEXT_DEFAULTS, **text_cfg}


def draw_text_lines(frame: np.ndarray, lines: Sequence[str], cfg: dict) -> np.ndarray:
    """A copy of ``frame`` with ``lines`` written top-down over a darkened box.

    ``cfg`` holds every key of ``TEXT_DEFAULTS``; ``color`` is RGB like the frame.
    """
    out = frame.copy()
    height, width = frame.shape[:2]
    font_scale = cfg['font_scale'] or 0.5 * adaptive_scale(height, width)
    sizes = [cv2.getTextSize(line, FONT, font_scale, cfg['thickness']) for line in lines]
    line_height = max(h + baseline for (_, h), baseline in sizes) + 2
    left, top = cfg['position']
    right = min(width, left + max(w for (w, _), _ in sizes) + 2)
    bottom = min(height, top + line_height * len(lines) + 2)
    box = out[max(top, 0):bottom, max(left, 0):right]
    box[:] = (box * (1 - cfg['box_alpha'])).astype(np.uint8)
    for row, line in enumerate(lines):
        origin = (left + 1, top + line_height * (row + 1) - 2)
        cv2.putText(out, line, origin, FONT, font_scale, tuple(cfg['color']), cfg['thickness'], cv2.LINE_AA)
    return out


def write_gif(path: str, frames: np.ndarray, fps: int) -> None:
    """Encode RGB frames ``(T, H, W, 3)`` as an animated GIF with PyAV."""
    with av.open(path, mode='w', format='gif') as container:
        stream = container.add_stream('gif', rate=fps)
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = 'rgb8'
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format='rgb24')))
        container.mux(stream.encode())


def _pad_to_even(frames: np.ndarray) -> np.ndarray:
    """Repeat the last row/column where H or W is odd; H.264 in yuv420p needs even sizes."""
    _, height, width, _ = frames.shape
    return np.pad(frames, ((0, 0), (0, height % 2), (0, width % 2), (0, 0)), mode='edge')


def save_frames(out_path: str, frames: np.ndarray, out_type: str, step: int, fps: int) -> str:
    """Write ``frames`` under ``out_path``; return the file or folder written.

    ``'img'``: PNGs ``<out_path>/frames_<step>/<index>.png``; ``'gif'`` and ``'video'``:
    ``<out_path without extension>.gif`` / ``.mp4``.
    """
    if out_type == 'img':
        target = osp.join(out_path, f'frames_{step}')
        os.makedirs(target, exist_ok=True)
        for index, frame in enumerate(frames):
            cv2.imwrite(osp.join(target, f'{index}.png'), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        return target
    target = osp.splitext(out_path)[0] + ('.gif' if out_type == 'gif' else '.mp4')
    os.makedirs(osp.dirname(osp.abspath(target)), exist_ok=True)
    if out_type == 'gif':
        write_gif(target, frames, fps)
    else:
        write_mp4(target, _pad_to_even(frames), fps)
    return target


def show_frames_in_window(frames: np.ndarray, name: str, fps: int, wait_time: float) -> None:
    """Play ``frames`` in an OpenCV window: ``1 / fps`` s per frame, ``wait_time`` on the last (0: a key)."""
    try:
        for index, frame in enumerate(frames):
            cv2.imshow(name, cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            delay = 1. / fps if index < len(frames) - 1 else wait_time
            cv2.waitKey(0 if delay == 0 else max(1, round(delay * 1000)))
    except cv2.error as error:
        raise RuntimeError('ActionVisualizer: show_frames=True needs OpenCV with GUI support '
                           '(opencv-python, not opencv-python-headless) and a display; '
                           'save the frames with out_path instead') from error


@VISUALIZERS.register_module()
class ActionVisualizer(Visualizer):
    """Writes the labels of a clip on its frames and records them.

    Args:
        name: Name of the instance (``Visualizer.get_instance`` keys on it).
        vis_backends: Configs or instances of vis backends, e.g.
            ``[dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]``.
        save_dir: Folder of the backends' files (they write to ``<save_dir>/vis_data``).
        fig_save_cfg: Passed to ``mmengine.visualization.Visualizer``.
        fig_show_cfg: Passed to ``mmengine.visualization.Visualizer``.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 vis_backends: Optional[List[dict]] = None,
                 save_dir: Optional[str] = None,
                 fig_save_cfg: Optional[dict] = None,
                 fig_show_cfg: Optional[dict] = None) -> None:
        # MMEngine pops and sets keys of backend configs; keep the caller's dicts intact.
        super().__init__(
            name=name,
            vis_backends=[dict(b) if isinstance(b, dict) else b for b in vis_backends or []],
            save_dir=save_dir,
            fig_save_cfg=fig_save_cfg or dict(frameon=False),
            fig_show_cfg=fig_show_cfg or dict(frameon=False))

    @master_only
    def add_datasample(self,
                       name: str,
                       video: VideoType,
                       data_sample: Optional[ActionDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       draw_score: bool = True,
                       rescale_factor: Optional[float] = None,
                       show_frames: bool = False,
                       text_cfg: Optional[dict] = None,
                       wait_time: float = 0.1,
                       out_path: Optional[str] = None,
                       out_type: str = 'img',
                       step: int = 0,
                       fps: int = 4) -> np.ndarray:
        """Draw the labels of ``data_sample`` on every frame of ``video`` and record them.

        Without ``out_path``, frame ``i`` goes to every vis backend as the image
        ``f'{name}_frame_{i}'`` (``LocalVisBackend`` writes ``vis_image/<name>_frame_<i>_<step>.png``).
        With ``out_path``, the frames are written there instead (see ``save_frames``).

        Args:
            name: Identifier of the clip.
            video: A video file decodable by PyAV, a ``(T, H, W, 3)`` RGB uint8 array or a
                list of ``(H, W, 3)`` RGB uint8 frames.
            data_sample: ``gt_label``, ``pred_label`` and ``pred_score`` to write; None
                writes the frame counter only.
            draw_gt: Write the ground-truth classes.
            draw_pred: Write the predicted classes (``pred_label``, else the argmax of
                ``pred_score``).
            draw_score: Write the score of each predicted class.
            rescale_factor: Resize frames by this factor before drawing.
            show_frames: Also play the frames in an OpenCV window.
            text_cfg: Overrides of ``font_scale``, ``color`` (RGB), ``thickness``,
                ``position`` (x, y of the top-left corner) and ``box_alpha``.
            wait_time: Seconds the window shows the last frame; 0 waits for a key.
            out_path: Write the frames here instead of to the backends.
            out_type: ``'img'`` (PNG frames), ``'gif'`` or ``'video'`` (MP4); the last two
                need ``out_path``.
            step: Global step recorded with the frames.
            fps: Frames per second of the window, GIF and MP4.

        Returns:
            The drawn frames, ``(T, H, W, 3)`` RGB uint8.
        """
        self._check_output(out_type, out_path, rescale_factor, fps)
        cfg = _check_text_cfg(text_cfg or {})
        frames = load_frames(video)
        classes = (self.dataset_meta or {}).get('classes')
        lines = label_lines(data_sample or ActionDataSample(), classes, draw_gt, draw_pred, draw_score)
        drawn = np.stack([
            draw_text_lines(self._rescale(frame, rescale_factor),
                            [f'Frame {index + 1} of {len(frames)}'] + lines, cfg)
            for index, frame in enumerate(frames)
        ])
        if show_frames:
            show_frames_in_window(drawn, name, fps, wait_time)
        if out_path is not None:
            save_frames(out_path, drawn, out_type, step, fps)
        else:
            for index, frame in enumerate(drawn):
                self.add_image(f'{name}_frame_{index}', frame, step=step)
        return drawn

    @staticmethod
    def _check_output(out_type: str, out_path: Optional[str], rescale_factor: Optional[float],
                      fps: int) -> None:
        if out_type not in OUT_TYPES:
            raise ValueError(f"ActionVisualizer.add_datasample: out_type={out_type!r}; "
                             "expected 'img', 'gif' or 'video'")
        if out_type != 'img' and out_path is None:
            raise ValueError(f'ActionVisualizer.add_datasample: out_type={out_type!r} needs out_path; '
                             "the vis backends record frames as images (out_type='img')")
        if rescale_factor is not None and not rescale_factor > 0:
            raise ValueError(f'ActionVisualizer.add_datasample: rescale_factor={rescale_factor!r}; '
                             'expected a number > 0 or None')
        if not fps > 0:
            raise ValueError(f'ActionVisualizer.add_datasample: fps={fps!r}; expected a number > 0')

    @staticmethod
    def _rescale(frame: np.ndarray, factor: Optional[float]) -> np.ndarray:
        if factor is None:
            return frame
        height, width = frame.shape[:2]
        return cv2.resize(frame, (int(width * factor + 0.5), int(height * factor + 0.5)),
                          interpolation=cv2.INTER_LINEAR)
