"""reelkit flops: for a one-convolution recognizer the counts equal the analytic numbers, per
module and in total, on a given --shape and on the shape taken from the config."""
import re

import pytest

from reelkit.apis import init_recognizer, load_config
from reelkit.cli import main
from reelkit.cli.flops import default_input_shape

TOY_MODULE = '''
from torch import nn
from reelkit.registry import MODELS


@MODELS.register_module(force=True)
class FlopsToyConv(nn.Module):
    """One 3x3 (x3) convolution with padding 1: the output keeps the input's size."""

    def __init__(self, dims=2, in_channels=3, out_channels=4):
        super().__init__()
        self.conv = (nn.Conv2d if dims == 2 else nn.Conv3d)(in_channels, out_channels, 3, padding=1)

    def forward(self, x):
        return self.conv(x)
'''

TOY_CONFIG = '''
custom_imports = dict(imports=['flops_toy_conv'], allow_failed_imports=False)
model = dict(type='{recognizer}',
             backbone=dict(type='FlopsToyConv', dims={dims}, in_channels=3, out_channels=4),
             cls_head=dict(type='{head}', num_classes=5, in_channels=4, dropout_ratio=0.0),
             data_preprocessor=dict(type='ActionDataPreprocessor', format_shape='{layout}'))
test_dataloader = dict(dataset=dict(pipeline=[
    dict(type='SampleFrames', clip_len={clip_len}, num_clips={num_clips}, test_mode=True)]))
'''
TOY_2D = dict(recognizer='Recognizer2D', dims=2, head='TSNHead', layout='NCHW', clip_len=1, num_clips=3)
TOY_3D = dict(recognizer='Recognizer3D', dims=3, head='I3DHead', layout='NCTHW', clip_len=2, num_clips=1)
CONV_PARAMS = {2: 4 * 3 * 3 * 3 + 4, 3: 4 * 3 * 3 * 3 * 3 + 4}
HEAD_PARAMS = 4 * 5 + 5


@pytest.fixture
def toy_config(tmp_path, monkeypatch):
    (tmp_path / 'flops_toy_conv.py').write_text(TOY_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(toy):
        path = tmp_path / f'toy_{toy["dims"]}d.py'
        path.write_text(TOY_CONFIG.format(**toy))
        return str(path)

    return write


def analytic_flops(dims, shape):
    """``(conv, head)`` FLOPs, a multiply-add counted as 2: the convolution makes 4 channels at
    every input position of every view from 3 x 3^dims inputs; the head's linear layer maps each
    clip's pooled 4 channels to 5 scores (TSNHead averages the views first, I3DHead scores one)."""
    batch, views, *pixels = shape[0], shape[1], *shape[3:]
    positions = 1
    for size in pixels:
        positions *= size
    conv = 2 * batch * views * 4 * positions * 3 * 3 ** dims
    clips_scored = batch * views if dims == 3 else batch
    return conv, 2 * clips_scored * 4 * 5


def printed_costs(stdout):
    """``{module: (params, FLOPs)}`` from the printed table."""
    rows = re.findall(r'^(\w+)\s+([\d,]+)\s+([\d,]+)\s+[\d.]+$', stdout, re.MULTILINE)
    return {name: (int(params.replace(',', '')), int(flops.replace(',', '')))
            for name, params, flops in rows}


@pytest.mark.parametrize('toy, shape', [(TOY_2D, (2, 3, 3, 16, 16)), (TOY_3D, (2, 1, 3, 4, 8, 8))])
def test_counts_equal_the_analytic_numbers(toy_config, capsys, toy, shape):
    config = toy_config(toy)
    assert main(['flops', config, '--shape', *map(str, shape)]) == 0
    conv, head = analytic_flops(toy['dims'], shape)
    params = CONV_PARAMS[toy['dims']]
    assert printed_costs(capsys.readouterr().out) == {
        'backbone': (params, conv), 'cls_head': (HEAD_PARAMS, head),
        'total': (params + HEAD_PARAMS, conv + head)}


@pytest.mark.parametrize('toy, shape', [(TOY_2D, (1, 3, 3, 224, 224)), (TOY_3D, (1, 1, 3, 2, 224, 224))])
def test_the_default_shape_is_one_clip_of_the_config(toy_config, capsys, toy, shape):
    assert main(['flops', toy_config(toy)]) == 0
    stdout = capsys.readouterr().out
    assert f'Input shape: {shape} (from the config)' in stdout
    assert printed_costs(stdout)['total'][1] == sum(analytic_flops(toy['dims'], shape))
    assert 'multiply-add as 2' in stdout


def test_default_shape_of_a_tsm_follows_its_num_segments(tiny_run):
    config, _ = tiny_run
    assert default_input_shape(init_recognizer(config), load_config(config)) == (1, 4, 3, 224, 224)
