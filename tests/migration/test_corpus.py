"""The corpus: realistic 0.x configs (recognition 2D/3D on videos and frames, localization, AVA, GANs
with EMA and AMP, every lr_config policy and warmup) migrate, load with ``Config``, and equal their
golden 1.x files.

How the golden files in ``golden/`` were made:

* Written by hand from the seed rules: the 25 configs that ``test_build_and_train.py`` does not build
  and train (``HAND_WRITTEN`` in ``mig_helpers.py``): the models reelkit does not have (I3D, also
  test-only, R(2+1)D, SlowFast, SlowOnly, Swin, BMN localization, AVA detection), the TSN/TSM configs
  the build test does not train (schedule policies and warmups, custom hooks, flow, fp16, gradient
  accumulation, the early top-level layout), the GANs it skips (PGGAN, SAGAN, the two BigGANs) and
  pix2pix. Each was written from the 0.x file, its ``_base_`` chain and the seeds (000/001 MMAction2,
  002 MMGeneration, 003 the 0.x arguments), without the migrator's output or the earlier golden file
  (commit eb79c69 has them as first written). Then every difference with the migrator was decided from
  the seeds: wrong rules were fixed (data preprocessor GANDataPreprocessor, timer GenIterTimerHook,
  test split = validation split, gt_label not packed as an image, progressive-growing optimizers,
  flow normalisation, mmcv EMAHook's momentum convention) and my own slips fixed in the files; where
  the seeds are silent and both forms are valid 1.x, the migrator's form was kept (defaults written
  or left out, a ``vis_backends`` variable, ``log_processor``, AVA's ``action_thr`` in ``AVAMetric``,
  pix2pix's losses and pipelines).
* The other 10, the configs ``test_build_and_train.py`` builds and trains one iteration (TSN/TSM in
  ``TRAINED_VIDEO``, DCGAN/GGAN/LSGAN/WGAN-GP/StyleGAN2 in ``TRAINED_GANS``), were first written by
  ``reelkit migrate`` and then read line by line against the seed rules, the fixes going into the rules.

A change to a golden file is a reviewed change of behaviour.
"""
import pytest
from mmengine.config import Config

from mig_helpers import CORPUS, GOLDEN, HAND_WRITTEN, TRAINED_GANS, TRAINED_VIDEO

from reelkit.migration import is_legacy_config, migrate_config, migrate_file

CORPUS_FILES = sorted(path.name for path in CORPUS.glob('*.py'))


def _normalised(value):
    if isinstance(value, dict):
        return {k: _normalised(value[k]) for k in sorted(value)}
    if isinstance(value, (list, tuple)):
        return type(value)(_normalised(v) for v in value)
    return value


def test_corpus_holds_at_least_30_configs_each_with_a_golden_file():
    assert len(CORPUS_FILES) >= 30
    assert sorted(path.name for path in GOLDEN.glob('*.py')) == CORPUS_FILES


def test_every_golden_file_is_hand_written_or_backed_by_the_build_test():
    assert set(HAND_WRITTEN) <= set(CORPUS_FILES)
    assert set(CORPUS_FILES) - set(HAND_WRITTEN) <= set(TRAINED_VIDEO) | set(TRAINED_GANS)


def _load(path):
    return Config.fromfile(str(path), import_custom_modules=False, format_python_code=False)


@pytest.mark.parametrize('name', CORPUS_FILES)
def test_corpus_config_migrates_to_its_golden_file_and_stays_there(name, tmp_path):
    source = _load(CORPUS / name)
    assert is_legacy_config(source)
    result = migrate_config(source, filename=name)
    (tmp_path / name).write_text(result.text)
    written = _load(tmp_path / name)
    golden = _load(GOLDEN / name)
    assert _normalised(written.to_dict()) == _normalised(golden.to_dict())
    assert _normalised(result.config.to_dict()) == _normalised(golden.to_dict())
    # idempotent: the 1.x config is not "legacy" and a second migration changes nothing
    assert not is_legacy_config(golden)
    again = migrate_config(golden)
    assert again.report.already_new and again.report.changes == []
    assert again.config.to_dict() == golden.to_dict()


def test_migrate_file_writes_the_config_and_the_report(tmp_path):
    name = 'tsn_r50_1x1x3_100e_kinetics400_rgb.py'
    result = migrate_file(CORPUS / name, out=tmp_path / 'new' / name, report=tmp_path / 'new' / 'report.md')
    assert _normalised(_load(tmp_path / 'new' / name).to_dict()) == _normalised(result.config.to_dict())
    assert (tmp_path / 'new' / 'report.md').read_text() == result.report.to_markdown()
