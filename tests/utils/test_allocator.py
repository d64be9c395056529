"""reelkit.utils.allocator: a data pipeline keeps the memory it frees for the next sample."""
import os
import platform
import subprocess
import sys
import textwrap

import pytest

GLIBC = platform.system() == 'Linux' and platform.libc_ver()[0] == 'glibc'

# Allocate and free what one dense clip does (many arrays of a few hundred KiB, all alive at
# once), round after round, and print the page faults of the rounds before and after tuning.
CHURN = textwrap.dedent('''
    import resource
    import numpy as np
    from reelkit.utils.allocator import keep_freed_memory

    def faults_of_rounds(rounds=10):
        start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(rounds):
            frames = [np.full(261_120, 1, np.uint8) for _ in range(48)]
            del frames
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start

    faults_of_rounds(1)
    before = faults_of_rounds()
    in_effect = keep_freed_memory()
    faults_of_rounds(1)
    print(before, faults_of_rounds(), in_effect)
''')


def run_churn(env: dict):
    done = subprocess.run([sys.executable, '-c', CHURN], capture_output=True, text=True,
                          env=env, check=True)
    before, after, in_effect = done.stdout.split()
    return int(before), int(after), in_effect == 'True'


@pytest.mark.skipif(not GLIBC, reason='the thresholds are glibc settings')
def test_tuned_process_reuses_freed_pages():
    env = {k: v for k, v in os.environ.items() if not k.startswith(('MALLOC_', 'GLIBC_TUNABLES'))}
    before, after, in_effect = run_churn(env)
    assert in_effect
    assert before > 10 * 48 * 10  # untuned, each round maps its arrays afresh
    assert after < before / 10


@pytest.mark.skipif(not GLIBC, reason='the thresholds are glibc settings')
def test_user_settings_stand():
    env = dict(os.environ, MALLOC_TRIM_THRESHOLD_='131072')
    _, _, in_effect = run_churn(env)
    assert not in_effect


def test_dataset_loading_tunes_the_process(tmp_path, monkeypatch):
    from reelkit.datasets import base
    calls = []
    monkeypatch.setattr(base, 'keep_freed_memory', lambda: calls.append(True))
    from reelkit.datasets import VideoDataset
    ann = tmp_path / 'list.txt'
    ann.write_text('a.mp4 0\n')
    (tmp_path / 'a.mp4').write_bytes(b'')  # the empty pipeline never opens it
    dataset = VideoDataset(ann_file=str(ann), pipeline=[], data_prefix=dict(video=str(tmp_path)))
    dataset.prepare_data(0)
    assert calls


def test_runners_tune_the_process(monkeypatch):
    from mmengine.config import Config
    from mmengine.runner import Runner

    from reelkit.engine import compat
    from reelkit.engine.runner import flexible
    calls = []
    monkeypatch.setattr(compat, 'keep_freed_memory', lambda: calls.append('ReelkitRunner'))
    monkeypatch.setattr(flexible, 'keep_freed_memory', lambda: calls.append('FlexibleRunner'))
    monkeypatch.setattr(Runner, '__init__', lambda self, *args, **kwargs: None)  # build nothing
    monkeypatch.setattr(flexible.RUNNERS, 'build', lambda cfg: None)
    compat.ReelkitRunner()
    flexible.build_runner(Config(dict(runner_type='FlexibleRunner')))
    assert calls == ['ReelkitRunner', 'FlexibleRunner']
