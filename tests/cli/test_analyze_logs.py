"""reelkit analyze-logs: the plotted curves are the logged values, runs overlay, the newest
timestamp folder is read, and a key that was never logged is named with the ones that were."""
import json

import cv2
import pytest

from reelkit.cli import main


def logged_values(scalars_file, key):
    """``(steps, values)`` of ``key``, read from the log independently of reelkit."""
    records = [json.loads(line) for line in scalars_file.read_text().splitlines() if line.strip()]
    return [r['step'] for r in records if key in r], [r[key] for r in records if key in r]


def write_log(work_dir, stamp, losses):
    """A scalar log as MMEngine writes it: ``<stamp>/vis_data/scalars.json``."""
    vis_data = work_dir / stamp / 'vis_data'
    vis_data.mkdir(parents=True)
    lines = [json.dumps(dict(loss=loss, lr=0.1, epoch=1, iter=step, step=step))
             for step, loss in enumerate(losses, start=1)]
    (vis_data / 'scalars.json').write_text('\n'.join(lines) + '\n')


def assert_png(path):
    image = cv2.imread(str(path))
    assert image is not None and image.shape[0] > 100 and image.shape[1] > 100
    assert image.std() > 0  # something was drawn


def test_plotted_data_equal_the_logged_scalars_of_a_training_run(tiny_run, tmp_path, capsys):
    _, work_dir = tiny_run
    (scalars, ) = work_dir.glob('*/vis_data/scalars.json')
    out, data = tmp_path / 'curves.png', tmp_path / 'curves.json'
    assert main(['analyze-logs', str(work_dir), '--keys', 'loss', 'acc/top1', 'lr',
                 '--out', str(out), '--json-out', str(data)]) == 0

    (run, ) = json.loads(data.read_text())['runs']
    assert run['log'] == str(scalars)
    for key in ('loss', 'acc/top1', 'lr'):
        steps, values = logged_values(scalars, key)
        assert run['series'][key] == dict(step=steps, value=values)
    assert run['series']['loss']['step'] == [1, 2, 3, 4]  # 1 epoch of 4 iterations
    assert run['series']['acc/top1']['step'] == [1]  # validation logs the epoch as its step
    assert_png(out)
    summary = capsys.readouterr().out
    losses = logged_values(scalars, 'loss')[1]
    (loss_line, ) = [line for line in summary.splitlines() if line.split()[1:2] == ['loss']]
    assert loss_line.split()[2:] == ['4', f'{losses[-1]:.6g}', f'{min(losses):.6g}', f'{max(losses):.6g}']


def test_runs_overlay_and_the_newest_timestamp_folder_is_read(tmp_path, capsys):
    write_log(tmp_path / 'tsm', '20240101_120000', [9.0, 9.0])  # an older run in the same work dir
    write_log(tmp_path / 'tsm', '20240102_080000', [2.0, 1.5, 1.0])
    write_log(tmp_path / 'tsn', '20240101_090000', [3.0, 2.5])
    data = tmp_path / 'curves.json'
    assert main(['analyze-logs', str(tmp_path / 'tsm'), str(tmp_path / 'tsn'), '--keys', 'loss',
                 '--out', str(tmp_path / 'curves.png'), '--json-out', str(data)]) == 0

    runs = {run['name']: run['series']['loss'] for run in json.loads(data.read_text())['runs']}
    assert runs == {'tsm': dict(step=[1, 2, 3], value=[2.0, 1.5, 1.0]),
                    'tsn': dict(step=[1, 2], value=[3.0, 2.5])}
    assert 'reading the newest, 20240102_080000' in capsys.readouterr().out
    assert_png(tmp_path / 'curves.png')


def test_a_key_never_logged_is_named_with_the_logged_keys(tmp_path, capsys):
    write_log(tmp_path / 'run', '20240101_120000', [1.0])
    assert main(['analyze-logs', str(tmp_path / 'run'), '--keys', 'loss', 'acc/top1',
                 '--out', str(tmp_path / 'curves.png')]) == 2
    error = capsys.readouterr().err
    assert "no logged value of 'acc/top1'" in error and 'the keys logged are: loss, lr' in error
    assert not (tmp_path / 'curves.png').exists()


@pytest.mark.parametrize('content, message', [('', 'no <timestamp>/vis_data/scalars.json'),
                                              ('{"loss": 1, "step": 1}\nnot json\n', ':2: not a JSON line')])
def test_bad_work_dirs_and_logs_are_named(tmp_path, capsys, content, message):
    if content:
        write_log(tmp_path / 'run', '20240101_120000', [])
        (tmp_path / 'run' / '20240101_120000' / 'vis_data' / 'scalars.json').write_text(content)
    else:
        (tmp_path / 'run').mkdir()
    assert main(['analyze-logs', str(tmp_path / 'run'), '--out', str(tmp_path / 'c.png')]) == 2
    assert message in capsys.readouterr().err
