import pytest

from reelkit.apis import load_config
from reelkit.utils.config import SHIPPED_CONFIGS, apply_scope_aliases
from reelkit.utils.errors import ConfigError


def write(path, text):
    path.write_text(text)
    return str(path)


def test_mmaction_scope_and_scoped_types_map_to_reelkit(tmp_path):
    cfg = load_config(write(tmp_path / 'a.py', (
        "default_scope = 'mmaction'\n"
        "model = dict(type='mmaction.Recognizer2D', backbone=dict(_scope_='mmaction', type='ResNet'))\n"
        "train_pipeline = [dict(type='mmgen.Resize'), dict(type='mmengine.Foo')]\n")))
    assert cfg.default_scope == 'reelkit'
    assert cfg.model.type == 'reelkit.Recognizer2D'
    assert cfg.model.backbone._scope_ == 'reelkit'
    assert [t['type'] for t in cfg.train_pipeline] == ['reelkit.Resize', 'mmengine.Foo']


def test_scope_aliases_report_changed_keys(tmp_path):
    cfg = load_config(write(tmp_path / 'a.py', "default_scope = 'reelkit'\nx = dict(type='A')\n"))
    assert apply_scope_aliases(cfg) == []


def test_misspelled_runner_key_is_named(tmp_path):
    path = write(tmp_path / 'typo.py', "train_dataloder = dict(batch_size=2)\n")
    with pytest.raises(ConfigError, match=r"typo.py: unknown top-level key 'train_dataloder'; "
                                          r"did you mean 'train_dataloader'"):
        load_config(path)


def test_ordinary_config_variables_are_allowed(tmp_path):
    cfg = load_config(write(tmp_path / 'vars.py', "data_root = 'x'\ntrain_pipeline = []\n"))
    assert cfg.data_root == 'x'


def test_missing_config_names_the_path_and_the_search_places(tmp_path):
    with pytest.raises(ConfigError, match='nope.py: no such config file'):
        load_config(str(tmp_path / 'nope.py'))


def test_syntax_error_names_the_file(tmp_path):
    path = write(tmp_path / 'bad.py', 'model = dict(\n')
    with pytest.raises(ConfigError, match='bad.py: cannot load config'):
        load_config(path)


def test_shipped_config_found_by_name_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config('configs/_base_/default_runtime.py')
    assert cfg.default_scope == 'reelkit'
    assert (SHIPPED_CONFIGS / '_base_' / 'default_runtime.py').is_file()


def test_cfg_options_override_before_checks(tmp_path):
    path = write(tmp_path / 'a.py', "train_cfg = dict(max_epochs=3)\n")
    assert load_config(path, {'train_cfg.max_epochs': 7}).train_cfg.max_epochs == 7
