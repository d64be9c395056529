"""A misspelled argument of a transform, dataset, model or optimizer stops ``reelkit train`` before
training, with one line naming where the dict sits, the type, the argument and the closest name."""
import glob

import pytest

from reelkit.cli import main


def error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert err and 'Traceback' not in '\n'.join(err)
    return err[-1]


@pytest.mark.parametrize('extra, message', [
    ("pipeline[3] = dict(type='Resize', scal=(24, 24), keep_ratio=False)\n",
     "dataset.pipeline[3]: Resize got an unexpected argument 'scal'; did you mean 'scale'?"),
    ("pipeline[1] = dict(type='SampleFrames', clip_lenn=1, num_clips=4, test_mode=True)\n",
     "dataset.pipeline[1]: SampleFrames got an unexpected argument 'clip_lenn'; "
     "did you mean 'clip_len'?"),
    ("train_dataloader['dataset']['num_clases'] = 8\n",
     "dataset: VideoDataset got an unexpected argument 'num_clases'; did you mean 'num_classes'?"),
    ("optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentun=0.9))\n",
     "optimizer: SGD got an unexpected argument 'momentun'; did you mean 'momentum'?"),
    ("model['backbone']['shift_dvi'] = 4\n",
     "model.backbone: ResNetTSM got an unexpected argument 'shift_dvi'; did you mean 'shift_div'?"),
], ids=['transform', 'sampler', 'dataset', 'optimizer', 'backbone'])
def test_misspelled_argument_names_the_type_and_suggests_the_name(tiny_config, tmp_path, capsys,
                                                                  extra, message):
    config = tiny_config(extra=extra + "train_dataloader['dataset']['pipeline'] = pipeline\n")
    work_dir = tmp_path / 'w'
    assert main(['train', config, '--work-dir', str(work_dir)]) == 2
    assert error_line(capsys) == f'reelkit train: error: {message}'
    assert not glob.glob(str(work_dir / '**' / '*.pth'), recursive=True)  # no training step ran


def test_argument_without_a_close_name_lists_what_the_type_takes(tiny_config, tmp_path, capsys):
    config = tiny_config(extra="optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, "
                               "zzz=1))\n")
    assert main(['train', config, '--work-dir', str(tmp_path / 'w')]) == 2
    line = error_line(capsys)
    assert "SGD got an unexpected argument 'zzz'; it takes params, lr, momentum" in line
