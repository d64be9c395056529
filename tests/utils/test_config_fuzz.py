"""Hostile config files: ``load_config`` and ``migrate_file`` either succeed or raise a ConfigError
that names the file or the key at fault; no other exception escapes, and none is a reelkit bug.

The files are Python text: assignments of random dict/list/tuple literals to runner keys, 0.x keys,
near misses and other names, ``_base_`` lists (to a random base file, to missing files, of the
wrong type), ``{{_base_.x}}`` references, statements that fail when run, and texts with a
character inserted or deleted. (tests/migration/test_properties.py fuzzes ``migrate_config`` on
random dicts; this file fuzzes the files around it.)

``FUZZ`` settings: 200 examples per test, no deadline, no example database. ``pytest -s`` prints
how many generated configs each test loaded ("fuzz cases run").
"""
import keyword
import os
import re
import string
import tempfile
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from reelkit.apis import load_config
from reelkit.migration import LEGACY_KEYS, migrate_file
from reelkit.utils.config import RUNNER_KEYS
from reelkit.utils.errors import ConfigError

set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), 'reelkit-hypothesis'))  # not in the tree
FUZZ = settings(max_examples=200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CASES: Counter = Counter()  # generated configs loaded, by test
BUG = 'please report'

NEAR_MISSES = ('train_dataloder', 'optim_wraper', 'val_evalutor', 'param_schedular', 'defualt_hooks',
               'lr_conifg', 'custom_import')
TOP_KEYS = RUNNER_KEYS + LEGACY_KEYS + NEAR_MISSES + ('train_pipeline', 'dataset_type', 'data_root')
INNER_KEYS = ('type', '_delete_', '_scope_', 'imports', 'allow_failed_imports', 'dataset', 'pipeline',
              'ann_file', 'optimizer', 'lr', 'momentum', 'policy', 'step', 'train', 'val', 'test',
              'videos_per_gpu', 'max_epochs', 'interval', 'hooks', 'backbone', 'cls_head', 'metrics')
TYPES = ('SGD', 'VideoDataset', 'Recognizer2D', 'mmaction.TSNHead', 'step', 'EpochBasedRunner',
         'TextLoggerHook', 'Collect', 'reelkit.models', 'mmaction.models', 'no_such_module')

names = st.text(string.ascii_lowercase + '_', min_size=1, max_size=8)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 100), st.floats(-5, 5, allow_nan=False),
                    st.sampled_from(TYPES), st.text(max_size=6))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.tuples(inner), st.tuples(inner, inner),
    st.dictionaries(st.one_of(st.sampled_from(INNER_KEYS), names), inner, max_size=4)),
    max_leaves=12)


@st.composite
def source(draw, value):
    """``value`` as Python source: dicts as ``dict(k=v)`` where the keys allow it, else ``{...}``."""
    if isinstance(value, dict):
        items = [(key, draw(source(item))) for key, item in value.items()]
        if all(key.isidentifier() and not keyword.iskeyword(key) for key in value) and draw(st.booleans()):
            return 'dict(' + ', '.join(f'{key}={text}' for key, text in items) + ')'
        return '{' + ', '.join(f'{key!r}: {text}' for key, text in items) + '}'
    if isinstance(value, list):
        return '[' + ', '.join([draw(source(item)) for item in value]) + ']'
    if isinstance(value, tuple):
        return '(' + ''.join(draw(source(item)) + ', ' for item in value) + ')'
    return repr(value)


def assignment():
    return st.tuples(st.one_of(st.sampled_from(TOP_KEYS), names), values).flatmap(
        lambda pair: source(pair[1]).map(lambda text: f'{pair[0]} = {text}'))


def base_line():
    """A ``_base_`` line: the base file beside the config, missing files, or a wrong type."""
    return st.sampled_from([
        "_base_ = ['base.py']", "_base_ = 'base.py'", "_base_ = ['missing.py']",
        "_base_ = ['base.py', 'nowhere/x.py']", '_base_ = 5', "_base_ = ['base.py', 'base.py']",
        "_base_ = [dict(a=1)]"])


STATEMENTS = st.sampled_from([
    'model = {{_base_.model}}', 'x = {{_base_.no_such_key}}', 'x = 1 / 0', 'x = [1][3]',
    'x = dict(); x.y = 1', 'x = undefined_name', "x = dict(a=1)['b']", 'del model',
    "custom_imports = dict(imports=['no_such_module'], allow_failed_imports=False)",
    "custom_imports = dict(imports=['mmaction.models'])", 'custom_imports = 5',
    "custom_imports = dict(imports=5)", "default_scope = 'mmaction'", 'optimizer = 3',
    "data = dict(train=dict(type='VideoDataset', pipeline=5))", 'x = (', 'def f(:', 'x = "\\u00e9"'])


def config_text(with_base):
    lines = st.lists(st.one_of(assignment(), assignment(), STATEMENTS), max_size=6)
    return st.tuples(base_line() if with_base else st.just(''), lines).map(
        lambda parts: '\n'.join([parts[0]] + parts[1]) + '\n')


@st.composite
def damaged(draw, text):
    """``text``, or ``text`` with one character inserted or deleted."""
    how = draw(st.sampled_from(['keep', 'keep', 'insert', 'delete']))
    position = draw(st.integers(0, len(text)))
    if how == 'insert':
        return text[:position] + draw(st.sampled_from(list('()[]{}=,:\'"#\\ \n\t.'))) + text[position:]
    if how == 'delete':
        return text[:position] + text[position + 1:]
    return text


configs = st.tuples(config_text(True).flatmap(damaged), config_text(False).flatmap(damaged))
cfg_options = st.dictionaries(st.sampled_from(['model.type', 'train_cfg.max_epochs', 'optim_wrapper',
                                               'data.train.pipeline', 'model.backbone.depth', 'x.y.z']),
                              scalars, max_size=2)


@pytest.fixture(scope='module', autouse=True)
def report_fuzz_cases():
    yield
    print('\nfuzz cases run: ' + ', '.join(f'{name} {count}' for name, count in CASES.items()))


def write_configs(folder, texts):
    """The config and its base file (``texts``) in ``folder``; the config's path."""
    main_text, base_text = texts
    (folder / 'base.py').write_text(base_text, encoding='utf-8')
    (folder / 'cfg.py').write_text(main_text, encoding='utf-8')
    return folder / 'cfg.py'


def names_file_or_key(message: str, folder, texts, options=()) -> bool:
    """The message names one of the two files, or starts with a key that one of them assigns
    or ``options`` sets."""
    if str(folder / 'cfg.py') in message or str(folder / 'base.py') in message:
        return True
    root = re.split(r'[.\[:/ ]', message, maxsplit=1)[0]
    return any(re.search(rf'^{re.escape(root)}\s*=', text, re.M) for text in texts) or \
        any(root == key.split('.')[0] for key in options)


@FUZZ
@given(texts=configs, options=cfg_options)
def test_random_config_files_load_or_name_the_file_or_key(tmp_path, texts, options):
    CASES['load_config'] += 1
    path = write_configs(tmp_path, texts)
    try:
        load_config(str(path), options)
    except ConfigError as error:
        assert BUG not in str(error), str(error)
        assert names_file_or_key(str(error), tmp_path, texts, options), str(error)


@FUZZ
@given(texts=configs)
def test_random_config_files_migrate_or_name_the_file_or_key(tmp_path, texts):
    CASES['migrate_file'] += 1
    path = write_configs(tmp_path, texts)
    try:
        migrate_file(path, out=tmp_path / 'out.py')
    except ConfigError as error:
        assert BUG not in str(error), str(error)
        assert names_file_or_key(str(error), tmp_path, texts), str(error)
