"""Exporting a recognizer to ONNX: the test-time scores of preprocessed clips as one graph.

The graph's input ``inputs`` is what the config's ``data_preprocessor`` hands the model: float32
(N, num_clips * clip_len, C, H, W) for a 2D recognizer (TSN, TSM) or (N, num_clips, C, T, H, W)
for a 3D one, already normalised. Its output ``scores`` is (N, num_classes), the ``pred_score``
that ``reelkit test`` gives: backbone, neck, head, then the head's ``average_clips`` over the views
of each sample. The batch axis N is dynamic; the other axes keep the exported shape.
"""
import warnings
from typing import Sequence

import numpy as np
import torch
from torch import nn

from reelkit.utils.errors import ConfigError, ReelkitError

INPUT_NAME, OUTPUT_NAME = 'inputs', 'scores'
DEFAULT_OPSET = 17
VERIFY_TOLERANCE = 1e-4  # largest |ONNX Runtime - PyTorch| score difference a verified export may have


class RecognizerScores(nn.Module):
    """A recognizer's test-time path as one module: (N, V, ...) inputs -> (N, num_classes) scores.

    The same steps as ``recognizer.predict``, without data samples: ``extract_feat`` in test mode,
    the head's ``forward``, then the head's ``average_clip`` over the V views of each sample.

    Args:
        recognizer: A recognizer with a ``cls_head`` (from :func:`init_recognizer`).
    """

    def __init__(self, recognizer: nn.Module) -> None:
        super().__init__()
        if getattr(recognizer, 'cls_head', None) is None:
            raise ConfigError(f'model.cls_head: {type(recognizer).__name__} has none; '
                              'an exported model needs a head to give class scores')
        self.recognizer = recognizer

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """(N, V, C, H, W) or (N, V, C, T, H, W) float32 -> (N, num_classes)."""
        num_samples = inputs.shape[0]
        rows = self.score_rows(inputs)
        return self.recognizer.cls_head.average_clip(rows, rows.shape[0] // num_samples).reshape(
            num_samples, -1)

    def score_rows(self, inputs: torch.Tensor) -> torch.Tensor:
        """(N, V, ...) -> the head's (N * rows per sample, num_classes) scores, before averaging
        (a row per clip, or per view; a dict of them for heads that score modalities apart)."""
        feats, head_kwargs = self.recognizer.extract_feat(inputs, test_mode=True)
        head_kwargs.pop('loss_aux', None)
        return self.recognizer.cls_head(feats, **head_kwargs)


def check_input_shape(wrapper: RecognizerScores, shape: Sequence[int]) -> None:
    """Run the model on zeros of ``shape``; a shape it cannot take, or one whose views the head
    would not average, raises ``ConfigError``."""
    if len(shape) < 2 or not all(isinstance(size, int) and size > 0 for size in shape):
        raise ConfigError(f'input shape {tuple(shape)}: expected positive sizes (N, views, ...)')
    head = wrapper.recognizer.cls_head
    try:
        with torch.no_grad():
            rows = wrapper.score_rows(torch.zeros(tuple(shape)))
    except (RuntimeError, ValueError, IndexError) as error:
        raise ConfigError(f'input shape {tuple(shape)}: the model cannot take it '
                          f'({" ".join(str(error).split())})') from error
    if not isinstance(rows, torch.Tensor):
        raise ConfigError(f'model.cls_head: {type(head).__name__} gives {type(rows).__name__} '
                          'scores (one per modality); ONNX export takes one score tensor')
    if head.average_clips is None and rows.shape[0] != shape[0]:
        raise ConfigError(f"model.cls_head.average_clips=None keeps the {rows.shape[0] // shape[0]} "
                          f"score rows of each sample of input shape {tuple(shape)} apart; "
                          "set it to 'score' or 'prob' to export")


def export_onnx(model: nn.Module, shape: Sequence[int], out_file: str,
                opset: int = DEFAULT_OPSET) -> RecognizerScores:
    """Write ``model``'s test-time scores for inputs of ``shape`` as an ONNX graph to ``out_file``.

    Args:
        model: A recognizer in eval mode (from :func:`init_recognizer`), on the CPU.
        shape: The input shape, e.g. (1, 8, 3, 224, 224) for a TSM of 8 segments, or
            (1, 1, 3, 8, 224, 224) for a 3D model on one 8-frame clip; N becomes dynamic.
        out_file: The ``.onnx`` file to write.
        opset: The ONNX opset to target.

    Returns:
        The exported module, for comparing the graph with PyTorch (:func:`verify_onnx`).

    Needs the ``onnx`` package (``pip install 'reelkit[onnx]'``).
    """
    wrapper = RecognizerScores(model).eval()
    check_input_shape(wrapper, shape)
    dynamic = {0: 'batch'}
    with warnings.catch_warnings():
        # Traced Python branches test sizes the export fixes (all but N, which only scales them),
        # and the TorchScript exporter is chosen knowingly: neither warning helps the user.
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        warnings.simplefilter('ignore', DeprecationWarning)
        # The default (dynamo) exporter needs the onnxscript package; the TorchScript exporter
        # needs only onnx, traces these feed-forward graphs exactly and keeps N dynamic
        # through dynamic_axes.
        torch.onnx.export(wrapper, (torch.zeros(tuple(shape)), ), out_file, dynamo=False,
                          opset_version=opset, input_names=[INPUT_NAME],
                          output_names=[OUTPUT_NAME],
                          dynamic_axes={INPUT_NAME: dynamic, OUTPUT_NAME: dynamic})
    return wrapper


def verify_onnx(wrapper: nn.Module, onnx_file: str, shape: Sequence[int], seed: int = 0) -> float:
    """The largest |ONNX Runtime - PyTorch| score difference on random inputs.

    Checks a batch of ``shape`` and one sample more, since the exported batch axis is dynamic.
    Inputs are standard normal, as normalised clips roughly are.
    """
    import onnxruntime  # optional: pip install 'reelkit[onnx]'
    session = onnxruntime.InferenceSession(onnx_file, providers=['CPUExecutionProvider'])
    generator = torch.Generator().manual_seed(seed)
    largest = 0.0
    for batch in (shape[0], shape[0] + 1):
        inputs = torch.randn((batch, *shape[1:]), generator=generator)
        with torch.no_grad():
            expected = wrapper(inputs).numpy()
        (actual, ) = session.run([OUTPUT_NAME], {INPUT_NAME: inputs.numpy()})
        if actual.shape != expected.shape:
            raise ReelkitError(f'{onnx_file}: gives scores of shape {actual.shape} for a batch of '
                               f'{batch}, PyTorch {expected.shape}')
        largest = max(largest, float(np.abs(actual - expected).max()))
    return largest

