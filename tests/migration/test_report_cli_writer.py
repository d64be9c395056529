"""The report reads as a person needs it, the ``reelkit migrate`` command writes what it says, and the
writer's files load back to the same values, sorted like official 1.x configs."""
import math

import pytest
from mmengine.config import Config

from mig_helpers import CORPUS, load_text

from reelkit.cli import main
from reelkit.migration import Report, migrate_file, render_config
from reelkit.migration.report import SECTION_TITLES

TSN = CORPUS / 'tsn_r50_1x1x3_100e_kinetics400_rgb.py'
AVA = CORPUS / 'slowonly_kinetics_pretrained_r50_4x16x1_20e_ava_rgb.py'


# ------------------------------------------------------------------------------ report
def test_report_groups_changes_by_section_with_reviews_first():
    text = migrate_file(AVA).report.to_markdown()
    headings = [line for line in text.splitlines() if line.startswith('## ')]
    titles = ['## Needs review'] + [f'## {t}' for t in SECTION_TITLES.values()]
    assert headings == [t for t in titles if t in headings]  # in this order
    assert headings[0] == '## Needs review'


def test_report_has_one_line_per_change():
    report = migrate_file(TSN).report
    bullets = [line for line in report.to_markdown().splitlines() if line.startswith('- ')]
    assert len(bullets) == len(report.changes)


def test_report_lines_show_keys_and_values():
    report = migrate_file(TSN).report
    lines = report.to_markdown()
    assert '- `optimizer_config.grad_clip` -> `optim_wrapper.clip_grad`: `dict(max_norm=40, norm_type=2)` -> ' in lines
    assert "- dropped `workflow` = `[('train', 1)]`: " in lines
    assert "- added `val_cfg` = `dict(type='ValLoop')`" in lines


def test_summary_is_a_few_lines_listing_what_to_check():
    report = migrate_file(AVA).report
    summary = report.summary(max_reviews=3).splitlines()
    assert len(summary) == 5
    assert f'{len(report.reviews)} to review' in summary[0]
    assert summary[1].startswith('  check [') and summary[-1].startswith('  ... and ')


def test_report_of_a_1x_config_says_nothing_changed():
    report = Report('x.py', already_new=True)
    assert 'nothing changed' in report.to_markdown() and 'nothing migrated' in report.summary()


# ------------------------------------------------------------------------------ command line
def test_migrate_command_writes_the_config_and_the_report(tmp_path, capsys):
    out, report = tmp_path / 'tsn_1x.py', tmp_path / 'tsn_1x.md'
    assert main(['migrate', str(TSN), '-o', str(out), '--report', str(report)]) == 0
    assert Config.fromfile(str(out)).train_cfg.max_epochs == 100
    assert report.read_text().startswith('# Migration report')
    err = capsys.readouterr().err
    assert 'migrated a 0.x config to 1.x' in err and str(out) in err


def test_migrate_command_prints_the_config_without_an_output_file(capsys):
    assert main(['migrate', str(TSN)]) == 0
    printed = capsys.readouterr().out
    assert load_text(printed)['optim_wrapper']['clip_grad'] == dict(max_norm=40, norm_type=2)


def test_migrate_command_reports_an_error_in_one_line(tmp_path, capsys):
    bad = tmp_path / 'bad.py'
    bad.write_text("lr_config = dict(policy='Foo')\n")
    assert main(['migrate', str(bad)]) == 2
    assert "lr_config.policy: unknown policy 'Foo'" in capsys.readouterr().err


# ------------------------------------------------------------------------------ writer
def test_written_file_is_sorted_model_dataset_schedule_runtime():
    text = migrate_file(TSN).text
    order = [text.index(f'# {name} settings') for name in ('model', 'dataset', 'schedule', 'runtime')]
    assert order == sorted(order)
    assert text.index('\nmodel = ') < text.index('\ntrain_dataloader = ') < text.index('\noptim_wrapper = ') \
        < text.index('\ndefault_hooks = ')


def test_written_file_refers_to_variables_written_above():
    text = migrate_file(TSN).text
    assert 'pipeline=train_pipeline' in text and 'test_evaluator = val_evaluator' in text
    assert 'vis_backends=vis_backends' in text


@pytest.mark.parametrize('value', [
    (1, ), (), [], {}, {'a.b': 1, 3: 'x'}, "it's \"quoted\"", math.inf, -math.inf, 1e-12, True, None,
    [dict(type='A', x=(1, 2)), dict(type='A', x=(1, 2))], {'class': 1}, 'x' * 300,
])
def test_writer_round_trips_values(value):
    cfg = dict(first=dict(v=value), second=dict(v=value))
    assert Config.fromstring(render_config(cfg), '.py').to_dict() == cfg


def test_writer_imports_classes_carried_in_a_config():
    cfg = dict(custom_hooks=[dict(type=Config)])
    text = render_config(cfg)
    assert 'from mmengine.config.config import Config' in text
    assert 'type=Config' in text


def test_written_lines_stay_short_where_they_can():
    text = migrate_file(AVA).text
    long_lines = [line for line in text.splitlines() if len(line) > 100]
    assert all("'" in line for line in long_lines)  # only long strings
