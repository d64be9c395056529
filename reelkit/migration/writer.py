"""Write a 1.x config dict as a readable, self-contained Python config file.

Keys are sorted the way the official 1.x configs read: model, dataset, schedule, runtime, then
anything else. Values are written as ``dict(...)`` literals, one argument per line when a value
does not fit on one line. A value equal to a variable written above it is written as that
variable's name (``test_dataloader = val_dataloader``, ``pipeline=train_pipeline``). Classes
and functions become imports. Anything else that has no Python literal is a ConfigError.
"""
import builtins
import importlib
import math
import numbers
from typing import Any, Dict, List, Optional, Set, Tuple

from reelkit.utils.errors import ConfigError

from .values import is_identifier, ordered_items, same_value

WIDTH = 100
INDENT = 4

MODEL_KEYS = ('model', )
DATASET_TAIL_KEYS = ('train_pipeline', 'val_pipeline', 'test_pipeline', 'train_dataloader', 'val_dataloader',
                     'test_dataloader', 'val_evaluator', 'test_evaluator')
SCHEDULE_KEYS = ('train_cfg', 'val_cfg', 'test_cfg', 'optim_wrapper', 'param_scheduler', 'auto_scale_lr')
RUNTIME_KEYS = ('default_scope', 'default_hooks', 'custom_hooks', 'env_cfg', 'log_processor', 'vis_backends',
                'visualizer', 'log_level', 'load_from', 'resume', 'randomness', 'model_wrapper_cfg',
                'find_unused_parameters', 'custom_imports', 'work_dir', 'launcher')
# A variable whose name contains one of these is a dataset helper (``data_root``, ``ann_file_val``...).
DATASET_HINTS = ('data', 'ann_file', 'pipeline', 'label_file', 'exclude_file', 'proposal_file', 'anno_root',
                 'file_client_args', 'backend_args', 'clip_len', 'split')
# Names a config file cannot assign: the loader drops or rejects them, or the file itself needs them.
RESERVED_NAMES = frozenset({'filename', 'text', 'pretty_text', 'env_variables', '_base_', 'dict', 'float'})


def render_config(cfg: Dict[str, Any], header: str = '') -> str:
    """The text of a Python config file that loads back (``Config.fromfile``) to ``cfg``."""
    for key in cfg:
        _check_name(key)
    writer = _Writer()
    blocks = []
    for title, keys in _sections(cfg):
        lines = [f'# {title}'] + [writer.assignment(key, cfg[key]) for key in keys]
        blocks.append('\n'.join(line for line in lines if line is not None))
    imports = [f'from {module} import {name}' for module, name in sorted(writer.imports)]
    head = [f'# {line}' for line in header.splitlines()] + ([''] if header else [])
    return '\n'.join(head + imports + ([''] if imports else []) + ['\n\n'.join(blocks)]) + '\n'


def _check_name(key: Any) -> None:
    if not is_identifier(key) or key.startswith('__') or key in RESERVED_NAMES:
        raise ConfigError(f'{key}: cannot be a top-level name in a config file; rename it')


def _sections(cfg: Dict[str, Any]) -> List[Tuple[str, List[str]]]:
    placed: Set[str] = set()

    def take(keys) -> List[str]:
        found = [k for k in keys if k in cfg and k not in placed]
        placed.update(found)
        return found

    model = take(MODEL_KEYS)
    helpers = take([k for k in cfg if k not in DATASET_TAIL_KEYS and k not in SCHEDULE_KEYS + RUNTIME_KEYS
                    and k not in MODEL_KEYS and any(hint in k for hint in DATASET_HINTS)])
    dataset = helpers + take(DATASET_TAIL_KEYS)
    schedule = take(SCHEDULE_KEYS)
    runtime = take(RUNTIME_KEYS)
    other = take(list(cfg))
    sections = [('model settings', model), ('dataset settings', dataset), ('schedule settings', schedule),
                ('runtime settings', runtime), ('other settings', other)]
    return [(title, keys) for title, keys in sections if keys]


class _Writer:
    """Renders values; remembers the variables written so far and the imports needed."""

    def __init__(self):
        self.names: List[Tuple[str, Any]] = []
        self.imports: Set[Tuple[str, str]] = set()

    def assignment(self, key: str, value: Any) -> Optional[str]:
        if _importable(value) and value.__name__ == key:  # the file's own import of a class
            self.imports.add(_import_of(value, key))
            return None
        text = f'{key} = {self.render(value, 0, key, offset=len(key) + 3)}'
        if isinstance(value, (dict, list, tuple)) and value:
            self.names.append((key, value))
        return text

    def render(self, value: Any, indent: int, key: str, offset: int = 0) -> str:
        """A variable name if one written above holds ``value``; else one line if it fits; else one item a line.

        ``indent`` is the indentation of the line the value starts on; ``offset`` what precedes it there.
        """
        name = self._name_for(value)
        if name is not None:
            return name
        flat = self._render(value, indent, key, flat=True)
        if len(flat) + indent + offset <= WIDTH or not isinstance(value, (dict, list, tuple)) or not value:
            return flat
        return self._render(value, indent, key, flat=False)

    def _name_for(self, value: Any) -> Optional[str]:
        if not isinstance(value, (dict, list, tuple)) or not value:
            return None
        return next((name for name, known in self.names if same_value(known, value)), None)

    def _render(self, value: Any, indent: int, key: str, flat: bool) -> str:
        if isinstance(value, dict):
            return self._dict(value, indent, key, flat)
        if isinstance(value, (list, tuple)):
            return self._sequence(value, indent, key, flat)
        return self._scalar(value, key)

    def _child(self, value: Any, indent: int, key: str, flat: bool, offset: int) -> str:
        if flat:
            return self._name_for(value) or self._render(value, indent, key, flat=True)
        return self.render(value, indent, key, offset)

    def _dict(self, value: dict, indent: int, key: str, flat: bool) -> str:
        call_style = all(is_identifier(k) for k in value)
        if not call_style:
            for k in value:
                self._scalar(k, f'{key}.{k}')  # keys must be literals too
        parts = []
        for k, v in ordered_items(value):
            label = f'{k}=' if call_style else f'{self._scalar(k, key)}: '
            parts.append(label + self._child(v, indent + INDENT, f'{key}.{k}', flat, len(label)))
        open_, close = ('dict(', ')') if call_style else ('{', '}')
        if flat or not parts:
            return open_ + ', '.join(parts) + close
        pad = ' ' * (indent + INDENT)
        return open_ + '\n' + ',\n'.join(pad + p for p in parts) + close

    def _sequence(self, value: Any, indent: int, key: str, flat: bool) -> str:
        parts = [self._child(v, indent + INDENT, f'{key}[{i}]', flat, 0) for i, v in enumerate(value)]
        open_, close = ('[', ']') if isinstance(value, list) else ('(', ')')
        if flat or not parts:
            tail = ',' if isinstance(value, tuple) and len(parts) == 1 else ''
            return open_ + ', '.join(parts) + tail + close
        pad = ' ' * (indent + INDENT)
        tail = ',' if isinstance(value, tuple) else ''
        return open_ + '\n' + ',\n'.join(pad + p for p in parts) + tail + '\n' + ' ' * indent + close

    def _scalar(self, value: Any, key: str) -> str:
        if value is None or isinstance(value, (bool, str, bytes)):
            return repr(value)
        if isinstance(value, numbers.Integral):
            return repr(int(value))
        if isinstance(value, numbers.Real):
            value = float(value)
            return repr(value) if math.isfinite(value) else f"float('{value}')"
        if _importable(value):
            module, name = _import_of(value, key)
            self.imports.add((module, name))
            return name
        raise ConfigError(f'{key}: {type(value).__name__} value {value!r:.60} has no Python literal; '
                          'replace it with a literal in the 0.x config')


def _importable(value: Any) -> bool:
    return isinstance(value, type) or callable(value) and hasattr(value, '__qualname__') and \
        hasattr(value, '__module__')


def _import_of(value: Any, key: str) -> Tuple[str, str]:
    module, qualname = getattr(value, '__module__', None), getattr(value, '__qualname__', '')
    if not module or '.' in qualname or '<' in qualname or module in ('__main__', builtins.__name__):
        raise ConfigError(f'{key}: {value!r} cannot be imported by name; write it as a registered type string')
    try:
        found = getattr(importlib.import_module(module), qualname)
    except (ImportError, AttributeError):
        found = None
    if found is not value:
        raise ConfigError(f'{key}: {value!r} cannot be imported as {module}.{qualname}')
    return module, qualname
