"""A new user's first localization run: synth-anet, train the shipped BMN config, test, localize.

The trained BMN must beat random proposals on the same videos clearly (AR@100 and AUC).
"""
import json
import re

import numpy as np
import pytest
import torch

from reelkit.cli import main
from reelkit.evaluation.metrics import ANetMetric
from reelkit.structures import ActionDataSample

localizers = pytest.importorskip('reelkit.models.localizers',
                                 reason='the temporal localizers (BMN) are not in this checkout')
if not hasattr(localizers, 'BMN'):
    pytest.skip('reelkit.models.localizers has no BMN yet', allow_module_level=True)

CONFIG = 'localization/bmn/bmn_1xb8-32x32-10e_synth-anet-feature.py'
WORK_DIR = 'work_dirs/bmn_1xb8-32x32-10e_synth-anet-feature'  # the config's, relative to the cwd
TEMPORAL_SCALE = 32
PROPOSALS_PER_VIDEO = 100


@pytest.fixture(autouse=True)
def single_thread():
    """Tiny convolutions gain nothing from threads on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def printed_metric(output: str, name: str) -> float:
    found = re.findall(rf'{re.escape(name)}: ([0-9.]+)', output)
    assert found, f'{name} not printed'
    return float(found[-1])


def random_baseline(ann_file: str, seed: int = 0) -> dict:
    """AR@AN of 100 random proposals per video on BMN's grid of T snippets, random scores."""
    database = json.load(open(ann_file))
    rng = np.random.default_rng(seed)
    metric = ANetMetric(metric_type='AR@AN')
    for video_name, info in database.items():
        sample = ActionDataSample()
        sample.set_metainfo(dict(video_name=video_name, annotations=info['annotations']))
        ends = rng.integers(0, TEMPORAL_SCALE + 1, (PROPOSALS_PER_VIDEO, 2))
        start, end = ends.min(axis=1), np.maximum(ends.max(axis=1), ends.min(axis=1) + 1)
        seconds = info['duration_second'] / TEMPORAL_SCALE
        proposal_list = [dict(segment=[float(s * seconds), float(e * seconds)], score=float(score))
                         for s, e, score in zip(start, end, rng.random(PROPOSALS_PER_VIDEO))]
        metric.process(dict(data_samples=[sample]),
                       [dict(video_name=video_name, proposal_list=proposal_list)])
    return metric.evaluate(len(database))


def test_bmn_first_run_beats_random_proposals(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the shipped config reads data/synth_anet and writes work_dirs/
    assert main(['data', 'synth-anet', 'data/synth_anet']) == 0
    assert main(['train', CONFIG, '--seed', '0', '--debug']) == 0
    checkpoint = f'{WORK_DIR}/epoch_10.pth'
    capsys.readouterr()

    assert main(['test', CONFIG, checkpoint, '--debug']) == 0
    output = capsys.readouterr().out
    trained = {name: printed_metric(output, name) for name in ('auc', 'AR@1', 'AR@100')}
    random = random_baseline('data/synth_anet/anet_anno_val.json')
    with capsys.disabled():  # the numbers of the closing note
        print(f'\ntrained BMN: {trained}; random proposals: AR@1 {random["AR@1"]:.4f}, '
              f'AR@100 {random["AR@100"]:.4f}, auc {random["auc"]:.2f}')
    assert trained['AR@100'] > random['AR@100'] + 0.1
    assert trained['auc'] > random['auc'] + 15

    assert main(['localize', CONFIG, checkpoint, '--out', 'result.json', '--debug']) == 0
    result = json.load(open('result.json'))
    val_names = json.load(open('data/synth_anet/anet_anno_val.json'))
    assert set(result['results']) == {name[2:] for name in val_names}  # ids without 'v_'
    proposals = next(iter(result['results'].values()))
    assert 0 < len(proposals) <= PROPOSALS_PER_VIDEO
    assert set(proposals[0]) == {'segment', 'score'} and proposals[0]['segment'][0] <= proposals[0]['segment'][1]
    assert 'Wrote the proposals of 40 videos to result.json' in capsys.readouterr().out

    # New videos: no annotations, only the durations; the same features give the same proposals.
    unannotated = {name: {key: value for key, value in info.items() if key != 'annotations'}
                   for name, info in val_names.items()}
    with open('new_videos.json', 'w') as stream:
        json.dump(unannotated, stream)
    assert main(['localize', CONFIG, checkpoint, '--out', 'new_result.json', '--no-eval',
                 '--ann-file', 'new_videos.json', '--feature-dir', 'data/synth_anet/features',
                 '--debug']) == 0
    assert json.load(open('new_result.json')) == result
