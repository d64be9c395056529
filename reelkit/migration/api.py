"""Entry points: detect a 0.x config, migrate it in memory, or migrate a file to a 1.x file and a report."""
import ast
import copy
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple, Union

from mmengine.config import Config

from reelkit.utils.errors import ConfigError

from . import dataloaders, evaluation, gan, models, pipelines, runtime, schedules
from .context import Migration
from .flavors import detect_flavor
from .report import Report
from .values import same_value
from .writer import render_config

# Top-level keys only 0.x configs have.
LEGACY_KEYS = ('data', 'optimizer', 'optimizer_config', 'lr_config', 'momentum_config', 'runner', 'total_epochs',
               'total_iters', 'log_config', 'checkpoint_config', 'evaluation', 'img_norm_cfg', 'resume_from',
               'dist_params', 'workflow', 'fp16', 'use_ddp_wrapper', 'cudnn_benchmark', 'mp_start_method',
               'opencv_num_threads', 'output_config', 'gpu_ids', 'auto_resume', 'precise_bn', 'omnisource',
               'module_hooks', 'eval_config')

# (what it migrates, converter), in order: model settings leave the names train_cfg/test_cfg free
# before the loops take them; datasets before the evaluators that read them; the optim wrapper
# before the settings written on it; runtime defaults last.
CONVERTERS: Tuple[Tuple[str, Callable[[Migration], None]], ...] = (
    ('train_cfg/test_cfg', models.move_top_level_settings),
    ('model', gan.convert_gan_model),
    ('model', models.convert_action_model),
    ('pipelines', pipelines.migrate_top_level_pipelines),
    ('data', dataloaders.convert_data),
    ('model.data_preprocessor', models.add_data_preprocessor),
    ('optimizer', schedules.convert_optimizer),
    ('model.train_cfg', gan.convert_gan_training),
    ('runner', gan.convert_runner_extras),
    ('lr_config', schedules.convert_schedules),
    ('evaluation', evaluation.convert_evaluation),
    ('output_config', evaluation.take_output_config),
    ('runner', runtime.convert_runner),
    ('checkpoint_config', runtime.convert_checkpoint),
    ('custom_hooks', runtime.convert_custom_hooks),
    ('log_config', runtime.convert_logging),
    ('env_cfg', runtime.convert_env),
    ('resume_from', runtime.convert_resume),
    ('top-level keys', runtime.convert_top_level),
    ('runtime defaults', runtime.add_runtime_defaults),
    ('loops', runtime.finalize_loops),
)

HEADER = ('1.x config written by `reelkit migrate` from the MMAction2/MMGeneration 0.x config\n'
          '{filename}\n'
          'The migration report lists every change and what to check.')


@dataclass
class MigrationResult:
    """A migrated config and the report of what changed.

    Attributes:
        config (Config): The 1.x config.
        report (Report): Every change, drop and judgement (``.to_markdown()``, ``.summary()``).
    """
    config: Config
    report: Report

    @property
    def text(self) -> str:
        """The 1.x config as the text of a self-contained Python config file."""
        return render_config(self.config.to_dict(), HEADER.format(filename=self.report.filename))

    def write(self, config_path: Optional[Union[str, Path]] = None,
              report_path: Optional[Union[str, Path]] = None) -> None:
        """Write the config file and/or the Markdown report (parent directories are created)."""
        for path, text in ((config_path, self.text if config_path else ''),
                           (report_path, self.report.to_markdown() if report_path else '')):
            if path is not None:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                Path(path).write_text(text, encoding='utf-8')


def _plain(cfg: Any) -> Dict[str, Any]:
    if isinstance(cfg, Config):
        return cfg.to_dict()
    if not isinstance(cfg, dict):
        raise ConfigError(f'<config>: expected a Config or a dict, got {type(cfg).__name__}')
    if '_base_' in cfg:
        raise ConfigError('_base_: load the file with Config.fromfile (or use migrate_file) so the base '
                          'configs are merged first')
    return copy.deepcopy(dict(cfg))


def is_legacy_config(cfg: Union[Config, dict]) -> bool:
    """Whether ``cfg`` is an MMAction2/MMGeneration 0.x config (a 1.x config returns False).

    Every marker is something a converter removes, so a migrated config is never "legacy" again.
    """
    cfg = cfg.to_dict() if isinstance(cfg, Config) else cfg
    if not isinstance(cfg, dict):
        return False
    return any(key in cfg for key in legacy_keys(cfg)) or any(marker(cfg) for marker in LEGACY_MARKERS)


def legacy_keys(cfg: dict) -> tuple:
    """The 0.x top-level keys to look for: a 1.x config may keep its optimizer in an ``optimizer``
    variable that its ``optim_wrapper`` uses (MMAction2 1.x's BSN schedules do); an ``optimizer``
    beside an ``optim_wrapper`` with another optimizer is still a 0.x key."""
    wrapper = cfg.get('optim_wrapper')
    if isinstance(wrapper, dict) and wrapper.get('optimizer') == cfg.get('optimizer'):
        return tuple(key for key in LEGACY_KEYS if key != 'optimizer')
    return LEGACY_KEYS


def _model_settings_at_top(cfg: dict) -> bool:
    return any(key in cfg and models.is_model_settings(cfg[key]) for key in ('train_cfg', 'test_cfg'))


def _clip_averaging_in_test_cfg(cfg: dict) -> bool:
    model = cfg.get('model')
    return isinstance(model, dict) and isinstance(model.get('test_cfg'), dict) and \
        'average_clips' in model['test_cfg']


def _gan_losses_in_gan(cfg: dict) -> bool:
    """0.x GANs named their losses in the model dict; 1.x models compute their own."""
    model = cfg.get('model')
    return isinstance(model, dict) and 'generator' in model and any(r.old in model for r in gan.GAN_MODEL_ARGS)


def _legacy_hooks(cfg: dict) -> bool:
    hooks = cfg.get('custom_hooks')
    return isinstance(hooks, list) and any(isinstance(h, dict) and h.get('type') in LEGACY_HOOKS for h in hooks)


def _legacy_pipelines(cfg: dict) -> bool:
    """A top-level ``*pipeline`` variable with a transform that only 0.x had."""
    return any(name.endswith('pipeline') and isinstance(value, list) and any(
        isinstance(t, dict) and t.get('type') in LEGACY_TRANSFORMS for t in value) for name, value in cfg.items())


LEGACY_MARKERS = (_model_settings_at_top, _clip_averaging_in_test_cfg, _gan_losses_in_gan, _legacy_hooks,
                  _legacy_pipelines)
LEGACY_HOOKS = tuple(gan.GAN_HOOKS) + (gan.EMA_HOOK, )
LEGACY_TRANSFORMS = ('Collect', ) + tuple(pipelines.DROPPED_TRANSFORMS) + tuple(pipelines.TRANSFORM_RENAMES)


def migrate_config(cfg: Union[Config, dict], filename: str = '<config>') -> MigrationResult:
    """The 1.x form of a 0.x config (a 1.x config comes back unchanged), with the report.

    Raises:
        ConfigError: the config cannot be migrated; the message names the dotted key.
    """
    source = _plain(cfg)
    if not is_legacy_config(source):
        return MigrationResult(_to_config(source), Report(filename, already_new=True))
    flavor = detect_flavor(source)
    m = Migration(source, Report(filename), flavor, runtime.train_length(source, flavor))
    for concern, convert in CONVERTERS:
        _run(concern, convert, m)
    return MigrationResult(_to_config(m.cfg), m.report)


def _run(concern: str, convert: Callable[[Migration], None], m: Migration) -> None:
    try:
        convert(m)
    except ConfigError:
        raise
    except Exception as error:  # a converter met a shape it does not expect: still a clear message
        raise ConfigError(f'{concern}: reelkit could not migrate it ({type(error).__name__}: {error}); '
                          'please report this with the config') from error


def _to_config(cfg: Dict[str, Any]) -> Config:
    try:
        return Config(cfg)
    except (KeyError, TypeError, AttributeError) as error:
        raise ConfigError(f'<config>: the migrated config is not a valid MMEngine config: {error}') from error


def migrate_file(path: Union[str, Path], out: Optional[Union[str, Path]] = None,
                 report: Optional[Union[str, Path]] = None) -> MigrationResult:
    """Load ``path`` with its whole ``_base_`` chain, migrate it, and write ``out`` and ``report`` if given."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'{path}: no such config file')
    try:
        # custom_imports are carried over, not imported: the user's modules need not be installed here.
        cfg = Config.fromfile(str(path), import_custom_modules=False, format_python_code=False)
    except Exception as error:  # mmengine raises many kinds for a file it cannot read
        raise ConfigError(f'{path}: cannot load the config: {error}') from error
    result = migrate_config(cfg, filename=str(path))
    if not result.report.already_new:
        flag_source_expressions(result.report, path)
    _check_round_trip(result)
    result.write(out, report)
    return result


def _check_round_trip(result: MigrationResult) -> None:
    """The written text must load back to the migrated values; anything else is a reelkit bug."""
    with tempfile.TemporaryDirectory() as folder:
        written = Path(folder, 'migrated.py')
        written.write_text(result.text, encoding='utf-8')
        loaded = Config.fromfile(str(written), import_custom_modules=False, format_python_code=False).to_dict()
    expected = result.config.to_dict()
    if not same_value(_normalised(loaded), _normalised(expected)):
        raise ConfigError(f'{result.report.filename}: the written 1.x config does not load back to the migrated '
                          'values; please report this with the config')


def _normalised(value: Any) -> Any:
    """Dict key order does not matter for equality of loaded configs."""
    if isinstance(value, dict):
        return {k: _normalised(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, (list, tuple)):
        return type(value)(_normalised(v) for v in value)
    return value


# ------------------------------------------------------------------------------ source checks
# Literals, variable references and f-strings of them: values, not computations worth a look.
_PLAIN_NODES = (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Name, ast.Load, ast.keyword, ast.Starred,
                ast.JoinedStr, ast.FormattedValue)


def flag_source_expressions(report: Report, path: Path) -> None:
    """Flag top-level values the 0.x file computed (the 1.x file writes the result) or defined in code."""
    try:
        tree = ast.parse(path.read_text(encoding='utf-8'))
    except (SyntaxError, UnicodeDecodeError):
        return
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)):
            report.add('source', f'line {node.lineno}', None, old_value=ast.unparse(node).splitlines()[0],
                       note='code in a config file is not carried over: the 1.x file holds only values', review=True)
        elif isinstance(node, ast.Assign):
            computed = _first_computed(node.value)
            for target in (t for t in node.targets if isinstance(t, ast.Name)):
                if computed is not None:
                    report.add('source', target.id, target.id, old_value=ast.unparse(computed), note='computed by '
                               'a Python expression in the 0.x file; the 1.x file writes the resulting value',
                               review=True)


def _first_computed(node: ast.AST) -> Optional[ast.AST]:
    """The first sub-expression that is not a literal, a ``dict(...)`` call or a variable reference."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) and \
            isinstance(node.operand, ast.Constant):
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == 'dict':
        children = list(node.args) + [k.value for k in node.keywords]
    elif isinstance(node, _PLAIN_NODES):
        children = list(ast.iter_child_nodes(node))
    else:
        return node
    return next((found for found in map(_first_computed, children) if found is not None), None)
