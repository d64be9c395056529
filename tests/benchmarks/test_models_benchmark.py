"""benchmarks/models.py: a zoo model's training-step time and memory, and the comparison table."""
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from repo_scripts import load_script

SCRIPT = Path(__file__).resolve().parents[2] / 'benchmarks' / 'models.py'


@pytest.fixture(scope='module')
def script():
    return load_script('benchmarks/models.py')


@pytest.fixture(scope='module')
def reference(script):
    with gzip.open(script.REFERENCE_FILE, 'rt') as f:
        return json.load(f)


def test_every_zoo_name_is_a_reference_config(script, reference):
    assert all(config in reference and 'error' not in reference[config] for config, _ in script.ZOO.values())


def test_without_weights_clears_nested_pretrained(script):
    cfg = dict(pretrained='https://x', backbone=dict(pretrained='a.pth', depth=50),
               parts=[dict(pretrained='b.pth')])
    assert script.without_weights(cfg) == dict(pretrained=None, backbone=dict(pretrained=None, depth=50),
                                                parts=[dict(pretrained=None)])
    assert cfg['backbone']['pretrained'] == 'a.pth'  # the reference facts stay as read


def test_spec_resizes_embeddings_with_the_clip(script, reference):
    spec = script.model_spec('timesformer', reference, batch=2, frames=4, size=32)
    assert spec['shape'] == [2, 1, 3, 4, 32, 32]
    assert spec['model']['backbone']['num_frames'] == 4 and spec['model']['backbone']['img_size'] == 32
    default = script.model_spec('x3d', reference, batch=1, frames=None, size=None)
    assert default['shape'] == [1, 1, 3, 13, 182, 182]


def test_worker_times_a_training_step_in_process(script, reference):
    spec = script.model_spec('x3d', reference, batch=2, frames=4, size=32)
    result = script.measure('reelkit', spec['model'], spec['shape'], iters=1, warmup=0,
                            threads=torch.get_num_threads())  # leave the suite's thread count as it is
    assert set(result) == {'ms', 'mib'} and result['ms'] > 0 and result['mib'] >= 0


def test_train_step_backpropagates_to_every_parameter(script, reference):
    registry, sample_type = script.load_side('reelkit')
    model = registry.build(script.model_spec('x3d', reference, 2, 4, 32)['model']).train()
    samples = [sample_type().set_gt_label(label) for label in (3, 7)]
    script.train_step(model, torch.randn(2, 1, 3, 4, 32, 32), samples)
    assert all(param.grad is not None for param in model.parameters() if param.requires_grad)


def test_table_gives_ratios_and_whether_all_meet_the_target(script):
    within = dict(reelkit=dict(ms=105.0, mib=200.0), reference=dict(ms=100.0, mib=200.0))
    table = script.format_table(dict(i3d=within))
    header, row, verdict = table.splitlines()
    assert header.split() == ['model', 'reelkit', 'ms', 'reference', 'ms', 'time', 'ratio',
                              'reelkit', 'MiB', 'reference', 'MiB', 'mem', 'ratio']
    assert row.split() == ['i3d', '105.0', '100.0', '1.05', '200.0', '200.0', '1.00']
    assert verdict == 'all ratios <= 1.1: yes'
    larger = dict(reelkit=dict(ms=90.0, mib=300.0), reference=dict(ms=100.0, mib=200.0))
    table = script.format_table(dict(i3d=within, swin=larger))
    assert table.splitlines()[2].split()[-1] == '1.50' and table.endswith('all ratios <= 1.1: no')


def test_table_without_reference_lists_reelkit_only(script):
    header, row = script.format_table(dict(x3d=dict(reelkit=dict(ms=12.345, mib=7.0)))).splitlines()
    assert header.split() == ['model', 'reelkit', 'ms', 'reelkit', 'MiB']
    assert row.split() == ['x3d', '12.3', '7.0']


def test_unknown_model_names_are_refused(script, capsys):
    with pytest.raises(SystemExit):
        script.parse_args(['--models', 'i3d,r2d'])
    assert '--models r2d: expected a subset of i3d,slowfast,x3d,timesformer,swin' in capsys.readouterr().err


def test_loading_the_script_imports_no_reelkit():
    """The reference interpreter runs this file and has no reelkit."""
    code = (f'import importlib.util, sys\n'
            f'spec = importlib.util.spec_from_file_location("m", {str(SCRIPT)!r})\n'
            f'spec.loader.exec_module(importlib.util.module_from_spec(spec))\n'
            f'print(sorted(name for name in sys.modules if name.startswith("reelkit")))\n')
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd='/')
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == '[]'


def test_rounds_alternate_sides_and_keep_the_fastest_median(script, monkeypatch):
    calls, numbers = [], iter([(10, 50), (20, 70), (30, 40), (9, 60), (1, 1), (2, 2), (3, 3), (4, 4)])

    def fake_worker(python, side, job):
        calls.append((job['name'], side, python))
        ms, mib = next(numbers)
        return dict(ms=ms, mib=mib)

    monkeypatch.setattr(script, 'run_worker', fake_worker)
    args = script.parse_args(['--models', 'x3d,i3d', '--reference', 'reference-python', '--rounds', '2',
                              '--frames', '4', '--size', '32', '--clock', 'cpu'])
    results = script.benchmark(args)
    assert [(name, side) for name, side, _ in calls] == [
        ('x3d', 'reelkit'), ('x3d', 'reference'), ('x3d', 'reference'), ('x3d', 'reelkit'),
        ('i3d', 'reelkit'), ('i3d', 'reference'), ('i3d', 'reference'), ('i3d', 'reelkit')]
    assert {python for _, side, python in calls if side == 'reference'} == {'reference-python'}
    assert results['x3d'] == dict(reelkit=dict(ms=9, mib=55), reference=dict(ms=20, mib=55))
