"""Bad input gives one line naming the file, line or key; corrupt training clips are skipped."""
import glob
import os.path as osp
import shutil

from reelkit.cli import main


def error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert err and 'Traceback' not in '\n'.join(err)
    return err[-1]


def test_unknown_transform_type_is_named(tiny_config, tmp_path, capsys):
    config = tiny_config(extra="pipeline[3] = dict(type='Rezise', scale=(24, 24))\n"
                               "train_dataloader['dataset']['pipeline'] = pipeline\n")
    assert main(['train', config, '--work-dir', str(tmp_path / 'w')]) == 2
    assert 'Rezise' in error_line(capsys)


def test_misspelled_dataset_argument_is_named(tiny_config, tmp_path, capsys):
    config = tiny_config(extra="train_dataloader['dataset']['strat_index'] = 0\n")
    assert main(['train', config, '--work-dir', str(tmp_path / 'w')]) == 2
    assert ("VideoDataset got an unexpected argument 'strat_index'; did you mean 'start_index'?"
            in error_line(capsys))


def test_misspelled_top_level_key_is_named(tiny_config, tmp_path, capsys):
    config = tiny_config(extra="val_evalutor = dict(type='AccMetric')\n")
    assert main(['train', config, '--work-dir', str(tmp_path / 'w')]) == 2
    assert "'val_evalutor'; did you mean 'val_evaluator'" in error_line(capsys)


def copy_dataset(tiny_motion, tmp_path):
    root = tmp_path / 'data'
    shutil.copytree(tiny_motion, root)
    return root


def test_malformed_annotation_line_names_file_and_line(tiny_config, tiny_motion, tmp_path,
                                                       capsys):
    root = copy_dataset(tiny_motion, tmp_path)
    lines = (root / 'train.txt').read_text().splitlines()
    lines[2] = 'videos/00002.mp4 not_a_label'
    (root / 'train.txt').write_text('\n'.join(lines) + '\n')
    config = tiny_config(extra=f"train_dataloader['dataset']['ann_file'] = '{root}/train.txt'\n")
    assert main(['train', config, '--work-dir', str(tmp_path / 'w')]) == 2
    assert f'{root}/train.txt:3:' in error_line(capsys)


def test_missing_video_is_named(tiny_config, tiny_motion, tmp_path, capsys):
    root = copy_dataset(tiny_motion, tmp_path)
    (root / 'videos' / '00017.mp4').unlink()
    config = tiny_config(extra=(
        f"train_dataloader['dataset'].update(ann_file='{root}/train.txt', "
        f"data_prefix=dict(video='{root}'))\n"))
    assert main(['train', config, '--work-dir', str(tmp_path / 'w')]) == 2
    assert '00017.mp4' in error_line(capsys)


def test_corrupt_training_video_is_skipped_with_a_warning(tiny_config, tiny_motion, tmp_path):
    root = copy_dataset(tiny_motion, tmp_path)
    corrupt = root / 'videos' / '00017.mp4'
    corrupt.write_bytes(corrupt.read_bytes()[:300])
    config = tiny_config(max_epochs=1, extra=(
        f"train_dataloader['dataset'].update(ann_file='{root}/train.txt', "
        f"data_prefix=dict(video='{root}'))\n"))
    work_dir = tmp_path / 'w'
    assert main(['train', config, '--work-dir', str(work_dir)]) == 0
    assert osp.isfile(work_dir / 'epoch_1.pth')
    (log, ) = glob.glob(str(work_dir / '*' / '*.log'))
    warnings = [line for line in open(log) if 'WARNING' in line and '00017.mp4' in line]
    assert warnings and 'skipped' in warnings[0]


def test_corrupt_video_is_fatal_when_asked(tiny_config, tiny_motion, tmp_path, capsys):
    root = copy_dataset(tiny_motion, tmp_path)
    corrupt = root / 'videos' / '00017.mp4'
    corrupt.write_bytes(corrupt.read_bytes()[:300])
    config = tiny_config(max_epochs=1, extra=(
        f"train_dataloader['dataset'].update(ann_file='{root}/train.txt', "
        f"data_prefix=dict(video='{root}'), skip_corrupt=False)\n"))
    assert main(['train', config, '--work-dir', str(tmp_path / 'w')]) == 2
    assert '00017.mp4' in error_line(capsys)


def test_missing_checkpoint_is_named(tiny_config, tmp_path, capsys):
    assert main(['test', tiny_config(), str(tmp_path / 'nope.pth')]) == 2
    assert 'nope.pth: no such checkpoint file' in error_line(capsys)
