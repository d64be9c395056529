"""Experiment tracking: the tiny TSM trains with MMEngine's TensorBoard, W&B (offline) and MLflow
(local file store) vis backends named in a reelkit config under ``default_scope='mmaction'``, and
each backend's own files hold the losses that LocalVisBackend writes to scalars.json."""
import json
import struct
from pathlib import Path

import pytest

from reelkit.cli import main

VISUALIZER = '''
default_scope = 'mmaction'
visualizer = dict(type='ActionVisualizer',
                  vis_backends=[dict(type='LocalVisBackend'), {backend}])
# the training losses are the point: no validation, no best checkpoint
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1, val_begin=2)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(save_best=None))
'''
WANDB_BLOCK = 32 * 1024  # .wandb files are LevelDB-style logs: 32 KiB blocks of framed chunks
WANDB_FULL, WANDB_LAST = 1, 4  # chunk types that end a record (FIRST=2 and MIDDLE=3 continue it)


pytestmark = pytest.mark.usefixtures('single_thread')


def train_with(tiny_config, tmp_path, backend: str) -> Path:
    """Train the tiny TSM one epoch (4 iterations, each logged) with LocalVisBackend and
    ``backend`` (a config dict as text); return the run's vis_data folder."""
    config = tiny_config(extra=VISUALIZER.format(backend=backend))
    work_dir = tmp_path / 'work_dir'
    assert main(['train', config, '--work-dir', str(work_dir)]) == 0
    (vis_data, ) = work_dir.glob('*/vis_data')
    return vis_data


def local_losses(vis_data: Path) -> dict:
    """``{step: loss}`` of the training rows of LocalVisBackend's scalars.json."""
    rows = [json.loads(line) for line in (vis_data / 'scalars.json').read_text().splitlines()]
    losses = {row['step']: row['loss'] for row in rows if 'loss' in row}
    assert len(losses) == 4
    return losses


def tensorboard_losses(vis_data: Path) -> dict:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    (event_file, ) = vis_data.glob('events.out.tfevents.*')
    events = EventAccumulator(str(event_file), size_guidance={'scalars': 0})
    events.Reload()
    return {event.step: event.value for event in events.Scalars('loss')}


def wandb_records(run_file: Path):
    """The protobuf ``Record``s of a .wandb file, in order."""
    from wandb.proto.wandb_internal_pb2 import Record
    data = run_file.read_bytes()
    assert data[:4] == b':W&B'  # then a 2-byte magic and a 1-byte version
    position, pending = 7, b''
    while position + 7 <= len(data):
        room = WANDB_BLOCK - position % WANDB_BLOCK
        if room < 7:  # a block's last bytes, too few for a chunk header, are padding
            position += room
            continue
        # chunk header: CRC-32 (4 bytes), payload length (2, little-endian), chunk type (1)
        length, kind = struct.unpack_from('<HB', data, position + 4)
        pending += data[position + 7:position + 7 + length]
        position += 7 + length
        if kind in (WANDB_FULL, WANDB_LAST):
            record = Record()
            record.ParseFromString(pending)
            pending = b''
            yield record


def wandb_losses(vis_data: Path) -> list:
    """The losses of the offline run's history rows, in order (MMEngine logs them without a step)."""
    (run_file, ) = vis_data.glob('wandb/offline-run-*/run-*.wandb')
    losses = []
    for record in wandb_records(run_file):
        if record.WhichOneof('record_type') == 'history':
            items = {item.key or '/'.join(item.nested_key): json.loads(item.value_json)
                     for item in record.history.item}
            if 'loss' in items:
                losses.append(items['loss'])
    return losses


def mlflow_losses(vis_data: Path) -> dict:
    """``{step: loss}`` from the file store's ``<experiment>/<run>/metrics/loss`` (lines
    ``timestamp value step``)."""
    (metric_file, ) = vis_data.glob('*/*/metrics/loss')
    rows = [line.split() for line in metric_file.read_text().splitlines()]
    return {int(step): float(value) for _, value, step in rows}


def test_tensorboard_event_file_holds_the_logged_losses(tiny_config, tmp_path):
    pytest.importorskip('tensorboard', reason="TensorboardVisBackend needs tensorboard "
                        "(pip install 'reelkit[tensorboard]')")
    vis_data = train_with(tiny_config, tmp_path, "dict(type='TensorboardVisBackend')")
    expected, logged = local_losses(vis_data), tensorboard_losses(vis_data)
    assert sorted(logged) == sorted(expected)
    assert [logged[step] for step in sorted(expected)] == pytest.approx(
        [expected[step] for step in sorted(expected)], rel=1e-6)  # TensorBoard keeps float32


def test_wandb_offline_run_holds_the_logged_losses(tiny_config, tmp_path, monkeypatch):
    pytest.importorskip('wandb', reason="WandbVisBackend needs wandb (pip install 'reelkit[wandb]')")
    for key, value in dict(WANDB_CONFIG_DIR='config', WANDB_CACHE_DIR='cache', WANDB_DATA_DIR='data',
                           WANDB_ARTIFACT_DIR='artifacts').items():
        monkeypatch.setenv(key, str(tmp_path / 'wandb_home' / value))  # nothing written to ~
    monkeypatch.setenv('WANDB_CONSOLE', 'off')  # leave pytest's captured streams alone
    monkeypatch.chdir(tmp_path)  # MMEngine's add_config uploads the .py files under the cwd
    backend = "dict(type='WandbVisBackend', init_kwargs=dict(mode='offline', project='reelkit'))"
    vis_data = train_with(tiny_config, tmp_path, backend)
    expected = local_losses(vis_data)
    assert wandb_losses(vis_data) == [expected[step] for step in sorted(expected)]


def test_mlflow_file_store_holds_the_logged_losses(tiny_config, tmp_path, monkeypatch):
    pytest.importorskip('mlflow', reason="MLflowVisBackend needs mlflow (pip install 'reelkit[mlflow]')")
    monkeypatch.setenv('MLFLOW_ALLOW_FILE_STORE', 'true')  # MLflow 3 refuses file stores without it
    vis_data = train_with(tiny_config, tmp_path, "dict(type='MLflowVisBackend', exp_name='reelkit')")
    assert mlflow_losses(vis_data) == local_losses(vis_data)
