"""``reelkit export-onnx``: tiny TSM and SlowOnly models exported, run in onnxruntime, and compared
with the scores the PyTorch model predicts in testing."""
import re

import numpy as np
import pytest
import torch
from mmengine.config import Config

from reelkit.apis import init_recognizer
from reelkit.apis.export import export_onnx
from reelkit.cli import main
from reelkit.structures import ActionDataSample
from reelkit.utils.errors import ConfigError

ORT_REASON = "onnxruntime is not installed (pip install 'reelkit[onnx]')"
pytest.importorskip('onnx', reason="the exporter needs onnx (pip install 'reelkit[onnx]')")

# 4 segments per clip; inputs of 8 views are 2 clips per sample, whose scores the head averages.
TSM_MODEL = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNetTSM', depth=18, num_segments=4, shift_div=4),
    cls_head=dict(type='TSMHead', num_classes=5, in_channels=512, num_segments=4,
                  dropout_ratio=0.5, init_std=1.0, average_clips='score'),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[127.5] * 3, std=[60.0] * 3))
SLOWONLY_MODEL = dict(
    type='Recognizer3D',
    backbone=dict(type='ResNet3dSlowOnly', depth=18, base_channels=8, lateral=False,
                  conv1_kernel=(1, 7, 7), conv1_stride_t=1, pool1_stride_t=1, inflate=(0, 0, 1, 1)),
    cls_head=dict(type='I3DHead', num_classes=5, in_channels=64, init_std=1.0, average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[127.5] * 3, std=[60.0] * 3,
                           format_shape='NCTHW'))


pytestmark = pytest.mark.usefixtures('single_thread')


def write_model(folder, model_cfg, name):
    """Write a config holding ``model_cfg`` and a checkpoint of seeded random weights, batch-norm
    statistics included (so eval-mode BN is no identity); return both paths."""
    config = folder / f'{name}.py'
    Config(dict(model=model_cfg)).dump(str(config))
    torch.manual_seed(0)
    model = init_recognizer(str(config))
    state = {key: (value.uniform_(0.5, 1.5) if key.endswith('running_var') else
                   value.normal_(0, 0.1) if key.endswith('running_mean') else value)
             for key, value in model.state_dict().items()}
    checkpoint = folder / f'{name}.pth'
    torch.save(dict(state_dict=state), checkpoint)
    return str(config), str(checkpoint)


def predicted_scores(model, inputs):
    """(N, num_classes) ``pred_score`` of ``model.predict``, the path ``reelkit test`` takes."""
    with torch.no_grad():
        samples = model.predict(inputs, [ActionDataSample() for _ in range(len(inputs))])
    return torch.stack([sample.pred_score for sample in samples]).numpy()


def onnx_scores(onnx_file, inputs):
    ort = pytest.importorskip('onnxruntime', reason=ORT_REASON)
    session = ort.InferenceSession(onnx_file, providers=['CPUExecutionProvider'])
    return session.run(['scores'], {'inputs': inputs.numpy()})[0]


def test_exported_tsm_gives_the_test_time_scores_in_onnxruntime(tmp_path, capsys):
    pytest.importorskip('onnxruntime', reason=ORT_REASON)
    config, checkpoint = write_model(tmp_path, TSM_MODEL, 'tsm')
    out = str(tmp_path / 'tsm.onnx')
    assert main(['export-onnx', config, checkpoint, '--shape', '1', '8', '3', '32', '32',
                 '--out', out, '--opset', '17', '--verify']) == 0
    printed = capsys.readouterr().out
    assert 'inputs (batch, 8, 3, 32, 32) float32 -> scores (batch, 5)' in printed
    assert float(re.search(r'max abs diff (\S+)', printed).group(1)) <= 1e-4

    # a batch of 3 (the exported batch axis is dynamic) scored as the PyTorch model predicts it
    inputs = torch.randn(3, 8, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    expected = predicted_scores(init_recognizer(config, checkpoint), inputs)
    assert np.abs(expected).max() > 0.1  # scores of a real spread, not all near 0
    np.testing.assert_allclose(onnx_scores(out, inputs), expected, rtol=0, atol=1e-4)


def test_exported_3d_model_averages_the_clips_as_in_testing(tmp_path):
    config, checkpoint = write_model(tmp_path, SLOWONLY_MODEL, 'slowonly')
    model = init_recognizer(config, checkpoint)
    out = str(tmp_path / 'slowonly.onnx')
    export_onnx(model, (1, 2, 3, 4, 16, 16), out)  # 2 clips of 4 frames of 16x16

    inputs = torch.randn(2, 2, 3, 4, 16, 16, generator=torch.Generator().manual_seed(2))
    scores = onnx_scores(out, inputs)
    np.testing.assert_allclose(scores, predicted_scores(model, inputs), rtol=0, atol=1e-4)
    np.testing.assert_allclose(scores.sum(axis=1), 1, atol=1e-5)  # mean of the clips' softmax


def test_a_shape_the_model_cannot_take_is_a_one_line_error(tmp_path, capsys):
    config, checkpoint = write_model(tmp_path, TSM_MODEL, 'tsm')
    out = tmp_path / 'bad.onnx'
    assert main(['export-onnx', config, checkpoint, '--shape', '1', '8', '3', '32',
                 '--out', str(out)]) == 2
    error = capsys.readouterr().err
    assert 'input shape (1, 8, 3, 32): the model cannot take it' in error
    assert len(error.strip().splitlines()) == 1 and not out.exists()


def test_views_the_head_would_not_average_are_refused(tmp_path):
    config, checkpoint = write_model(tmp_path, TSM_MODEL, 'tsm')
    model = init_recognizer(config, checkpoint, cfg_options={'model.cls_head.average_clips': None})
    with pytest.raises(ConfigError, match=r"average_clips=None keeps the 2 score rows .*'score' or 'prob'"):
        export_onnx(model, (1, 8, 3, 32, 32), str(tmp_path / 'tsm.onnx'))
