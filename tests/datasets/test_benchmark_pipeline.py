"""benchmarks/pipeline.py: builds a config's dataset and reports clips/s and per-transform time."""
from reelkit.registry import TRANSFORMS
from repo_scripts import load_script


@TRANSFORMS.register_module(force=True)
class BenchmarkProbe:
    """Adds ``probed=True``; stands in for a real transform."""

    def __call__(self, results):
        results['probed'] = True
        return results


def test_benchmark_reports_clips_per_second_and_each_transform(tmp_path, capsys):
    (tmp_path / 'a.mp4').write_bytes(b'')
    (tmp_path / 'ann.txt').write_text('a.mp4 0\n')
    dataset = dict(type='VideoDataset', ann_file=str(tmp_path / 'ann.txt'),
                   data_prefix=dict(video=str(tmp_path)), pipeline=[dict(type='BenchmarkProbe')])
    config = tmp_path / 'bench_cfg.py'
    config.write_text(f"default_scope = 'reelkit'\n"
                      f"val_dataloader = dict(dataset=dict(type='RepeatDataset', times=2, "
                      f"dataset={dataset!r}))\n")
    assert load_script('benchmarks/pipeline.py').main([str(config), '--split', 'val', '--num', '3', '--warmup', '1']) == 0
    out = capsys.readouterr().out
    assert '3 clips in' in out and 'clips/s' in out
    assert 'BenchmarkProbe' in out and '100.0%' in out
