"""Recognising actions from Python: build a model from a config and a checkpoint, then score clips.

:func:`init_recognizer` builds the model the way ``reelkit test`` does and loads its weights;
:func:`inference_recognizer` runs the config's test pipeline (``test_dataloader.dataset.pipeline``)
on a video file, a decoded frame array or an annotation dict (a skeleton, a frame folder) and
returns the same ``pred_score`` that ``reelkit test`` would. Lists are scored in batches.
:class:`ActionRecogInferencer` wraps both and returns plain dicts (MMAction2's inferencer layout).
"""
import copy
import inspect
import os
import os.path as osp
from concurrent.futures import ThreadPoolExecutor
from itertools import groupby
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.runner import load_checkpoint
from torch import nn

from reelkit.apis.config import load_config
from reelkit.datasets.transforms import ArrayDecode, RawFrameDecode, VideoDecode, VideoInit
from reelkit.registry import DATASETS, INFERENCERS, MODELS, TRANSFORMS
from reelkit.structures import ActionDataSample
from reelkit.utils import checkpoint as _weights_only_reader  # noqa: F401  (load_checkpoint reads weights only)
from reelkit.utils.errors import ConfigError, ReelkitError, VideoReadError

VideoInput = Union[str, os.PathLike, np.ndarray, dict]
PipelineType = Union[Compose, Sequence[Union[dict, Callable]]]


# ----------------------------------------------------------------------------- the model
def init_recognizer(config: Union[str, os.PathLike, Config],
                    checkpoint: Optional[str] = None,
                    device: Union[str, torch.device] = 'cpu',
                    cfg_options: Optional[dict] = None) -> nn.Module:
    """Build ``config``'s model, load ``checkpoint`` into it and put it in eval mode on ``device``.

    Args:
        config: A config file, the name of a shipped config, or a loaded ``Config``.
        checkpoint: A checkpoint written by ``reelkit train`` (or MMAction2). Every key must
            match the model (strict loading). None keeps the freshly built weights.
        device: Where the model runs (``'cpu'``, ``'cuda:0'``, ...).
        cfg_options: Overrides of config keys, as ``--cfg-options`` gives them.

    Returns:
        The model, with the config as ``model.cfg``.
    """
    if isinstance(config, Config):
        cfg = copy.deepcopy(config)  # pretrained is cleared below; the caller's config stays
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
    elif isinstance(config, (str, os.PathLike)):
        cfg = load_config(os.fspath(config), cfg_options)
    else:
        raise TypeError(f'init_recognizer: config must be a file name or a Config, '
                        f'got {type(config).__name__}')
    if 'model' not in cfg:
        raise ConfigError(f'{cfg.filename or "the config"}: has no model key to build a recognizer from')
    if checkpoint is not None:
        if '://' not in checkpoint and not osp.isfile(checkpoint):
            raise ConfigError(f'{checkpoint}: no such checkpoint file')
        # The checkpoint holds every weight: a pretrained backbone file need not exist here.
        if isinstance(cfg.model.get('backbone'), dict) and cfg.model.backbone.get('pretrained'):
            cfg.model.backbone.pretrained = None
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        load_weights(model, checkpoint, device, cfg.filename or 'the config')
    model.cfg = cfg
    return model.to(device).eval()


def load_weights(model: nn.Module, checkpoint: str, device: Union[str, torch.device],
                 config_file: str) -> None:
    """Load every weight of ``checkpoint`` into ``model``; a failure names both files."""
    try:
        # Strict: any mismatch raises, so MMEngine's per-load log line would only add noise.
        load_checkpoint(model, checkpoint, map_location=device, strict=True, logger='silent')
    except RuntimeError as error:  # mismatched keys or shapes, a device torch does not have
        raise ConfigError(f'{checkpoint}: cannot load it into the model of {config_file} on '
                          f'{device}: {" ".join(str(error).split())}') from error


# ----------------------------------------------------------------------------- the pipeline
def pipeline_steps(cfg: Config, test_pipeline: Optional[PipelineType]) -> List:
    """The test pipeline's transforms: ``test_pipeline`` if given, else the config's."""
    if isinstance(test_pipeline, Compose):
        return list(test_pipeline.transforms)
    if test_pipeline is None:
        test_pipeline = config_test_pipeline(cfg)
    return [TRANSFORMS.build(step) if isinstance(step, dict) else step for step in test_pipeline]


def config_test_pipeline(cfg: Config) -> list:
    """The pipeline ``reelkit test`` runs: the test dataset's, else the top-level ``test_pipeline``."""
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    if 'pipeline' in dataset:
        return dataset.pipeline
    if 'test_pipeline' in cfg:
        return cfg.test_pipeline
    raise ConfigError(f'{cfg.filename}: has neither test_dataloader.dataset.pipeline nor '
                      'test_pipeline; pass test_pipeline= to inference_recognizer')


def array_pipeline(steps: List) -> List:
    """``steps`` reading frames from ``results['array']``: no ``*Init``, the decode step replaced."""
    decodes = [i for i, step in enumerate(steps) if isinstance(step, (VideoDecode, RawFrameDecode))]
    if len(decodes) != 1:
        raise ConfigError(f'the test pipeline has {len(decodes)} video decoding steps (*Decode, '
                          'RawFrameDecode); a frame array replaces exactly one')
    out = list(steps)
    out[decodes[0]] = ArrayDecode()
    return [step for step in out if not isinstance(step, VideoInit)]


def dataset_keys(cfg: Config) -> dict:
    """``start_index`` and ``modality`` as the test dataset adds them to every sample: the
    dataset config's values, else the defaults of its class (a RawframeDataset starts at 1)."""
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    dataset_type = dataset.get('type')
    dataset_cls = DATASETS.get(dataset_type) if isinstance(dataset_type, str) else dataset_type
    keys = dict(start_index=0)
    if inspect.isclass(dataset_cls):
        params = inspect.signature(dataset_cls).parameters
        keys.update({key: params[key].default for key in ('start_index', 'modality')
                     if key in params and params[key].default is not inspect.Parameter.empty})
    keys.update({key: dataset[key] for key in ('start_index', 'modality') if key in dataset})
    return keys


def sample_input(video: VideoInput, keys: dict) -> dict:
    """What the test dataset would hand the pipeline for ``video``, with its ``keys`` added."""
    if isinstance(video, (str, os.PathLike)):
        path = os.fspath(video)
        if '://' not in path and not osp.isfile(path):  # remote files are the io_backend's
            why = ('is a folder; give a frame folder as dict(frame_dir=..., total_frames=...)'
                   if osp.isdir(path) else 'no such video file')
            raise VideoReadError(path, why)
        return dict(keys, filename=path)
    if isinstance(video, np.ndarray):
        if video.ndim != 4 or video.shape[-1] != 3 or video.dtype != np.uint8 or not len(video):
            raise ValueError(f'a frame array must be (T, H, W, 3) uint8 RGB with T > 0, got '
                             f'{video.dtype} of shape {video.shape}')
        return dict(keys, array=video, total_frames=len(video), start_index=0)
    if isinstance(video, dict):
        return dict(keys, **video)
    raise TypeError(f'inference_recognizer: a video is a file path, a (T, H, W, 3) frame array or '
                    f'an annotation dict, got {type(video).__name__}')


# ----------------------------------------------------------------------------- inference
# Threads preparing the clips of a list: PyAV and OpenCV release the GIL, so on a small machine
# a few threads decode in parallel, and beside the forward pass of the batch before.
PREPARE_THREADS = min(4, os.cpu_count() or 1)


def inference_recognizer(model: nn.Module,
                         video: Union[VideoInput, Sequence[VideoInput]],
                         test_pipeline: Optional[PipelineType] = None,
                         batch_size: int = 8,
                         prepare_threads: Optional[int] = None
                         ) -> Union[ActionDataSample, List[ActionDataSample]]:
    """Score one clip, or a list of them, with a model from :func:`init_recognizer`.

    Args:
        model: The recognizer; its config (``model.cfg``) gives the test pipeline.
        video: A video file; a decoded video, ``(T, H, W, 3)`` uint8 RGB (the pipeline's
            ``*Init`` step is dropped and its ``*Decode`` step takes the frames from the array);
            an annotation dict as the test dataset gives it to the pipeline (a ``PoseDataset``
            skeleton, ``frame_dir`` and ``total_frames`` of a frame folder); or a list of these.
        test_pipeline: Transforms to use instead of the config's test pipeline (a ``Compose``
            or a list of transform configs and callables).
        batch_size: Clips per forward pass for a list. Only clips whose inputs have the same
            shape share a pass, so no clip is padded and every score equals a single call's.
        prepare_threads: Threads that decode and transform the clips of a list, the next batch
            while the model scores the current one (the transforms must keep no per-call
            state, as reelkit's do). None: ``PREPARE_THREADS``; 0: all in the calling thread.

    Returns:
        An ``ActionDataSample`` with ``pred_score`` (num_classes,) and ``pred_label``; a list
        of them, in input order, for a list.
    """
    if not (isinstance(batch_size, int) and batch_size >= 1):
        raise ValueError(f'inference_recognizer: batch_size={batch_size!r}; expected an int >= 1')
    if prepare_threads is None:
        prepare_threads = PREPARE_THREADS
    if not (isinstance(prepare_threads, int) and prepare_threads >= 0):
        raise ValueError(f'inference_recognizer: prepare_threads={prepare_threads!r}; '
                         'expected an int >= 0')
    cfg = getattr(model, 'cfg', None)
    if cfg is None:
        raise ValueError('inference_recognizer: the model has no .cfg; build it with '
                         'init_recognizer (or set model.cfg to its config)')
    many = isinstance(video, (list, tuple))
    videos = list(video) if many else [video]
    keys = dataset_keys(cfg)
    samples = [sample_input(item, keys) for item in videos]  # every input checked before any work
    clips = ClipPreparer(pipeline_steps(cfg, test_pipeline), samples,
                         [input_name(item, index) for index, item in enumerate(videos)])
    batches = [range(start, min(start + batch_size, len(samples)))
               for start in range(0, len(samples), batch_size)]
    if prepare_threads == 0 or len(samples) == 1:
        results = [sample for batch in batches
                   for sample in predict(model, [clips.prepare(i) for i in batch])]
    else:
        results = predict_prepared_ahead(model, clips, batches, prepare_threads)
    return results if many else results[0]


def input_name(video: VideoInput, index: int) -> str:
    """How an error names ``video``, the ``index``-th input: its file, else its place in the list."""
    if isinstance(video, (str, os.PathLike)):
        return os.fspath(video)
    if isinstance(video, dict) and (video.get('filename') or video.get('frame_dir')):
        return str(video.get('filename') or video.get('frame_dir'))
    return f'input {index} of the list ({type(video).__name__})'


class ClipPreparer:
    """Runs the test pipeline on the samples of one call, from any thread.

    Args:
        steps: The test pipeline's transforms (:func:`pipeline_steps`).
        samples: What :func:`sample_input` made of each input.
        names: How an error names each input (:func:`input_name`).
    """

    def __init__(self, steps: List, samples: List[dict], names: List[str]) -> None:
        self.samples, self.names = samples, names
        # built here, in the calling thread: a pipeline that cannot be built fails before any work
        kinds = {self.kind(sample) for sample in samples}
        self.pipelines = {kind: Compose(array_pipeline(steps) if kind == 'array' else steps)
                          for kind in kinds}

    @staticmethod
    def kind(sample: dict) -> str:
        return 'array' if 'array' in sample else 'as_configured'

    def prepare(self, index: int) -> dict:
        """The packed sample (``inputs``, ``data_samples``) of input ``index``. A failure of the
        pipeline that names no file of ours becomes a ``VideoReadError`` naming the input."""
        sample = self.samples[index]
        try:
            packed = self.pipelines[self.kind(sample)](dict(sample))
        except ReelkitError:  # names its file or config key already
            raise
        except Exception as error:
            reason = ' '.join(f'{type(error).__name__}: {error}'.split())
            raise VideoReadError(self.names[index], f'the test pipeline failed on it ({reason})') from error
        if packed is None:
            raise VideoReadError(self.names[index], 'a transform of the test pipeline dropped it')
        return packed


def predict_prepared_ahead(model: nn.Module, clips: ClipPreparer, batches: List[range],
                           threads: int) -> List[ActionDataSample]:
    """:func:`predict` each batch of input indices while ``threads`` threads prepare the next.

    At most two batches of prepared clips are held. The first failure in input order is
    raised, after the clips still being prepared are done and every thread has ended.
    """
    results: List[ActionDataSample] = []
    with ThreadPoolExecutor(threads, thread_name_prefix='reelkit-inference') as pool:
        def submit(batch: range) -> list:
            return [pool.submit(clips.prepare, index) for index in batch]

        upcoming = submit(batches[0])
        try:
            for position in range(len(batches)):
                current = upcoming
                upcoming = submit(batches[position + 1]) if position + 1 < len(batches) else []
                results.extend(predict(model, [future.result() for future in current]))
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)  # no clip of a later batch starts
            raise
    return results


def predict(model: nn.Module, packed: List[dict]) -> List[ActionDataSample]:
    """Forward packed samples, one pass per group of equal input shapes; outputs in input order."""
    def shape(index: int) -> str:
        inputs = packed[index]['inputs']
        return repr(tuple(inputs.shape) if isinstance(inputs, torch.Tensor) else
                    {key: tuple(value.shape) for key, value in inputs.items()})

    out: Dict[int, ActionDataSample] = {}
    for _, group in groupby(sorted(range(len(packed)), key=shape), key=shape):
        indices = list(group)
        with torch.no_grad():
            predictions = model.test_step(pseudo_collate([packed[i] for i in indices]))
        out.update(zip(indices, predictions))
    return [out[i] for i in range(len(packed))]


# ----------------------------------------------------------------------------- the inferencer
def read_label_map(path: str) -> List[str]:
    """Class names from ``path``, one per line in label order (blank lines at the end ignored)."""
    if not osp.isfile(path):
        raise ConfigError(f'{path}: no such label map file (one class name per line)')
    with open(path, encoding='utf-8') as stream:
        names = [line.strip() for line in stream.read().rstrip().splitlines()]
    if not names or not all(names):
        raise ConfigError(f'{path}: a label map holds one non-empty class name per line')
    return names


def label_names(labels: Sequence[int], names: Sequence[str], label_file: str) -> List[str]:
    """The names of class indices ``labels``; an index past the label map names the file."""
    for label in labels:
        if not 0 <= label < len(names):
            raise ConfigError(f'{label_file}: has {len(names)} class names, but the model '
                              f'predicted class {label}; the label map does not fit the model')
    return [names[label] for label in labels]


@INFERENCERS.register_module(name='action-recognition')
@INFERENCERS.register_module()
class ActionRecogInferencer:
    """Action recognition in one call: ``ActionRecogInferencer(config, checkpoint)(videos)``.

    Args:
        model: A config file, a shipped config's name or a ``Config``; or a model from
            :func:`init_recognizer` (``weights`` and ``device`` are then ignored).
        weights: The checkpoint to load. None keeps the freshly built weights.
        device: Where the model runs.
        label_file: Class names, one per line; adds ``pred_label_names`` to each prediction.
    """

    def __init__(self,
                 model: Union[str, os.PathLike, Config, nn.Module],
                 weights: Optional[str] = None,
                 device: Union[str, torch.device] = 'cpu',
                 label_file: Optional[str] = None) -> None:
        self.model = model if isinstance(model, nn.Module) else init_recognizer(model, weights, device)
        self.label_file = label_file
        self.classes = read_label_map(label_file) if label_file is not None else None

    def __call__(self, inputs: Union[VideoInput, Sequence[VideoInput]],
                 return_datasamples: bool = False, batch_size: int = 8) -> dict:
        """Score ``inputs`` (one input or a list, as :func:`inference_recognizer` takes them).

        Returns:
            ``{'predictions': [...]}``, one entry per input: a dict with ``pred_labels``
            (``[top-1 index]``), ``pred_scores`` (one float per class) and, with a
            ``label_file``, ``pred_label_names``; or the ``ActionDataSample`` itself with
            ``return_datasamples``.
        """
        many = isinstance(inputs, (list, tuple))
        samples = inference_recognizer(self.model, list(inputs) if many else [inputs],
                                       batch_size=batch_size)
        if return_datasamples:
            return dict(predictions=samples)
        return dict(predictions=[self.pred2dict(sample) for sample in samples])

    def pred2dict(self, sample: ActionDataSample) -> dict:
        """A JSON-ready dict of one prediction."""
        if not isinstance(sample.pred_score, torch.Tensor):
            raise ValueError(f'the model scores each modality apart ({sorted(sample.pred_score)}); '
                             'pass return_datasamples=True to get the per-modality scores')
        result = dict(pred_labels=sample.pred_label.tolist(),
                      pred_scores=sample.pred_score.tolist())
        if self.classes is not None:
            result['pred_label_names'] = label_names(result['pred_labels'], self.classes,
                                                     self.label_file)
        return result
