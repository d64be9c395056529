"""BSN end to end, the way MMAction2 runs it: train TEM, test TEM (it dumps one csv per video),
``reelkit bsn-proposals`` (candidate proposals and their features), train PEM, test PEM.

The first test runs the shipped SynthANet configs on 80 videos (about 12 s) and checks that PEM's
proposals beat random ones (AUC of the AR@AN curve); the others check ``bsn-proposals`` on a
hand-made TEM output.
"""
import json
import os
import re

import numpy as np
import pytest
import torch

from reelkit.cli import main
from reelkit.cli.bsn_proposals import PROPOSAL_CSV_HEADER
from reelkit.evaluation.metrics.anet_metric import TEM_CSV_HEADER
from tests.e2e.test_localization_first_run import printed_metric, random_baseline

TEM_CONFIG = 'localization/bsn/bsn_tem_1xb16-32x32-20e_synth-anet-feature.py'
PGM_CONFIG = 'localization/bsn/bsn_pgm_32x32_synth-anet-feature.py'
PEM_CONFIG = 'localization/bsn/bsn_pem_1xb16-32x32-10e_synth-anet-feature.py'
WORK_DIR = 'work_dirs/bsn_32x32_synth-anet-feature'  # the configs', relative to the cwd
TEM_RESULTS, PROPOSALS, FEATURES = (os.path.join(WORK_DIR, name)  # the folders the configs name
                                    for name in ('tem_results', 'pgm_proposals', 'pgm_features'))
NUM_VIDEOS = 80  # 60 train, 20 val
FEATURE_LENGTH = 8 + 8 + 16  # num_sample_start + num_sample_end + num_sample_action


@pytest.fixture(autouse=True)
def single_thread():
    """Tiny layers gain nothing from threads on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def video_names(*ann_files: str) -> list:
    return [name for ann_file in ann_files for name in json.load(open(ann_file))]


def test_bsn_pipeline_beats_random_proposals(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the shipped configs read data/synth_anet and write work_dirs/
    assert main(['data', 'synth-anet', 'data/synth_anet', '--num-videos', str(NUM_VIDEOS)]) == 0
    train_ann, val_ann = 'data/synth_anet/anet_anno_train.json', 'data/synth_anet/anet_anno_val.json'
    assert main(['train', TEM_CONFIG, '--seed', '0', '--debug']) == 0
    assert main(['test', TEM_CONFIG, f'{WORK_DIR}/tem_epoch_20.pth', '--debug']) == 0
    names = video_names(train_ann, val_ann)
    assert sorted(os.listdir(TEM_RESULTS)) == sorted(f'{name}.csv' for name in names)

    assert main(['bsn-proposals', PGM_CONFIG, '--tem-results', TEM_RESULTS, '--out-proposals',
                 PROPOSALS, '--out-features', FEATURES, '--workers', '2', '--debug']) == 0
    for name in names:
        proposals = np.loadtxt(os.path.join(PROPOSALS, f'{name}.csv'), delimiter=',', skiprows=1,
                               ndmin=2)
        features = np.load(os.path.join(FEATURES, f'{name}.npy'))
        assert proposals.shape[1] == 7 and features.shape == (len(proposals), FEATURE_LENGTH)

    assert main(['train', PEM_CONFIG, '--seed', '0', '--debug']) == 0
    capsys.readouterr()
    assert main(['test', PEM_CONFIG, f'{WORK_DIR}/epoch_10.pth', '--debug']) == 0
    output = capsys.readouterr().out
    trained = {name: printed_metric(output, name) for name in ('auc', 'AR@100')}
    random = random_baseline(val_ann)
    with capsys.disabled():  # the numbers of the report
        print(f'\nBSN (TEM + PEM): {trained}; random proposals: auc {random["auc"]:.2f}, '
              f'AR@100 {random["AR@100"]:.4f}')
    assert trained['auc'] > random['auc'] + 5
    results = json.load(open(f'{WORK_DIR}/results.json'))['results']
    assert set(results) == {name[2:] for name in video_names(val_ann)}


def tem_csv(path, num_snippets: int, start: int, end: int) -> None:
    """A TEM output (T, 5) whose start (end) score peaks at snippet ``start`` (``end``)."""
    rows = np.full((num_snippets, 5), 0.1)
    rows[start:end + 1, 0] = 0.9
    rows[start, 1] = rows[end, 2] = 0.9
    rows[:, 3] = np.arange(num_snippets) / num_snippets
    rows[:, 4] = (np.arange(num_snippets) + 1) / num_snippets
    np.savetxt(path, rows, delimiter=',', header=TEM_CSV_HEADER, comments='')


def write_pgm_setup(tmp_path, num_snippets: int = 16, top_k: int = 3):
    """One training video of 16 s (one snippet a second) with an action over snippets 4-11, its
    TEM csv, and a proposal-generation config naming it."""
    info = dict(duration_second=16.0, duration_frame=256, feature_frame=256, fps=16.0,
                annotations=[dict(segment=[4.5, 11.5], label='a')])
    (tmp_path / 'ann.json').write_text(json.dumps({'v_one': info}))
    (tmp_path / 'tem').mkdir()
    tem_csv(tmp_path / 'tem' / 'v_one.csv', num_snippets, start=4, end=11)
    features_cfg = dict(top_k=top_k, num_sample_start=2, num_sample_end=2, num_sample_action=4,
                        num_sample_interp=3, bsp_boundary_ratio=0.2)
    (tmp_path / 'pgm.py').write_text(
        f"ann_file_train = {str(tmp_path / 'ann.json')!r}\n"
        f"ann_file_val = {str(tmp_path / 'missing.json')!r}\n"
        "pgm_proposals_cfg = dict(peak_threshold=0.5)\n"
        f"pgm_features_train_cfg = {features_cfg!r}\npgm_features_test_cfg = {features_cfg!r}\n")
    return tmp_path / 'pgm.py'


def test_bsn_proposals_pairs_the_tem_peaks_and_matches_the_ground_truth(tmp_path):
    config = write_pgm_setup(tmp_path)
    assert main(['bsn-proposals', str(config), '--tem-results', str(tmp_path / 'tem'), '--mode', 'train',
                 '--out-proposals', str(tmp_path / 'p'), '--out-features', str(tmp_path / 'f'),
                 '--workers', '1', '--debug']) == 0
    with open(tmp_path / 'p' / 'v_one.csv') as stream:
        assert stream.readline().strip() == PROPOSAL_CSV_HEADER
    proposals = np.loadtxt(tmp_path / 'p' / 'v_one.csv', delimiter=',', skiprows=1, ndmin=2)
    # The best pair joins the two peaks, snippet centres 4.5/16 and 11.5/16: the ground truth.
    np.testing.assert_allclose(proposals[0, :2], [4.5 / 16, 11.5 / 16])
    np.testing.assert_allclose(proposals[0, 4:], [0.81, 1.0, 1.0])
    assert (np.diff(proposals[:, 4]) <= 0).all()
    features = np.load(tmp_path / 'f' / 'v_one.npy')
    assert len(proposals) == 4  # starts {0, 4, 15} x ends {0, 11, 15}, start before end
    assert features.shape == (3, 4 + 2 + 2)  # top_k rows: action, start and end samples
    np.testing.assert_allclose(features[0, 1:3], 0.9)  # inside the action, away from its edges
    assert features[0, 4:].max() < 0.9  # the boundary regions straddle background


def test_bsn_proposals_names_the_video_without_a_tem_csv(tmp_path, capsys):
    config = write_pgm_setup(tmp_path)
    os.remove(tmp_path / 'tem' / 'v_one.csv')
    assert main(['bsn-proposals', str(config), '--tem-results', str(tmp_path / 'tem'), '--mode', 'train',
                 '--out-proposals', str(tmp_path / 'p'), '--out-features', str(tmp_path / 'f'),
                 '--workers', '1']) == 2
    error = capsys.readouterr().err
    assert "video 'v_one'" in error and re.search(r'tem/v_one\.csv: no such feature file', error)


def test_bsn_proposals_needs_the_folders(tmp_path, capsys):
    config = write_pgm_setup(tmp_path)
    assert main(['bsn-proposals', str(config), '--tem-results', str(tmp_path / 'tem')]) == 2
    assert "no 'pgm_proposals_dir'; give --out-proposals DIR" in capsys.readouterr().err
