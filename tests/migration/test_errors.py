"""Input the migration cannot take gives a ConfigError that names the dotted key (and the choices)."""
import pytest

from reelkit.migration import migrate_config, migrate_file, render_config
from reelkit.utils.errors import ConfigError

VIDEO = dict(type='VideoDataset', ann_file='a.txt', pipeline=[])


@pytest.mark.parametrize('cfg, message', [
    (dict(lr_config=dict(policy='Foo')), "lr_config.policy: unknown policy 'Foo'; known: CosineAnnealing, "),
    (dict(lr_config=dict(step=[1])), 'lr_config.policy: missing; known: '),
    (dict(lr_config=dict(policy='step')), 'lr_config.step: missing'),
    (dict(lr_config=dict(policy='step', step=[2], warmup='cubic', warmup_iters=3)),
     "lr_config.warmup: unknown warmup 'cubic'; known: constant, exp, linear"),
    (dict(lr_config=dict(policy='step', step=[2], warmup='linear', warmup_iters=3, warmup_ratio=0)),
     'lr_config: warmup_iters=3, warmup_ratio=0; expected'),
    (dict(momentum_config=dict(policy='Fixed')), "momentum_config.policy: unknown policy 'Fixed'"),
    (dict(lr_config=dict(policy='CosineRestart', periods=[5])), 'lr_config: CosineRestart needs exactly one of'),
    (dict(optimizer=dict(type='SGD', lr=0.1), optimizer_config=dict(type='MyHook')),
     "optimizer_config.type: unknown optimizer hook 'MyHook'; known: DistOptimizerHook"),
    (dict(runner=dict(type='MyRunner')), "runner.type: unknown runner 'MyRunner'; known: EpochBasedRunner"),
    (dict(runner=dict(type='EpochBasedRunner', max_epochs=10), total_epochs=12),
     'total_epochs: 12 disagrees with runner.max_epochs=10'),
    (dict(evaluation=dict(metrics=['top1'])), "evaluation.metrics: unknown metric 'top1'; known: top_k_accuracy"),
    (dict(data=3), 'data: expected a dict, got 3'),
    (dict(data=dict(train=dict(VIDEO, pipeline=[3]))), 'data.train.pipeline[0]: expected a dict, got 3'),
    (dict(data=dict(train=dict(VIDEO, pipeline=[dict(keys=[])]))), 'data.train.pipeline[0].type: expected a string'),
    (dict(data=dict(train=dict(VIDEO, pipeline='p'))), "data.train.pipeline: expected a list or a tuple, got 'p'"),
    (dict(optimizer=dict(type='SGD', lr=0.1), optim_wrapper=dict(optimizer=dict(type='Adam'))),
     'optim_wrapper: set twice, to '),
    (dict(evaluation=dict(type='GenerativeEvalHook', metrics=[dict(type='FID')], best_metric='is')),
     "evaluation.best_metric: 'is' names no metric in evaluation.metrics"),
    (dict(use_ddp_wrapper=True, model=dict(type='X', generator=dict(type='G')), train_cfg=dict(disc_steps=0)),
     'train_cfg: disc_steps=0, gen_steps=1, batch_accumulation_steps=1; expected positive integers'),
    (dict(lr_config=dict(policy='step', step=[2], by_epoch='yes')), "lr_config.by_epoch: expected True or False"),
    (dict(_base_=['x.py'], lr_config=None), '_base_: load the file with Config.fromfile'),
])
def test_error_names_the_key(cfg, message):
    with pytest.raises(ConfigError) as error:
        migrate_config(cfg)
    assert message in str(error.value)


def test_not_a_config_at_all():
    with pytest.raises(ConfigError, match='expected a Config or a dict'):
        migrate_config([1, 2])


def test_a_file_that_does_not_parse_names_the_file(tmp_path):
    path = tmp_path / 'broken.py'
    path.write_text('model = dict(\n')
    with pytest.raises(ConfigError, match='broken.py: cannot load the config'):
        migrate_file(path)


def test_a_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='no such config file'):
        migrate_file(tmp_path / 'nope.py')


@pytest.mark.parametrize('cfg, message', [
    (dict(filename='x'), 'filename: cannot be a top-level name'),
    (dict(dict=1), 'dict: cannot be a top-level name'),
    ({'not an identifier': 1}, 'not an identifier: cannot be a top-level name'),
    (dict(model=dict(backbone=dict(fn=object()))), 'model.backbone.fn: object value'),
])
def test_writer_refuses_what_a_config_file_cannot_hold(cfg, message):
    with pytest.raises(ConfigError) as error:
        render_config(cfg)
    assert message in str(error.value)
