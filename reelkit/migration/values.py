"""Small helpers on config values: typed reads that name the dotted key, strict equality,
and one-line Python literals.

Every read of a 0.x value goes through :func:`expect`, so a wrong type becomes a
:class:`~reelkit.utils.errors.ConfigError` naming the key instead of a ``TypeError`` later.
"""
import keyword
import math
from typing import Any, Tuple, Type, Union

from reelkit.utils.errors import ConfigError


class _Missing:
    """Marks an absent value (``None`` is a legitimate config value)."""

    def __repr__(self) -> str:
        return 'MISSING'

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()

_TYPE_NAMES = {dict: 'a dict', list: 'a list', tuple: 'a tuple', str: 'a string', int: 'an integer',
               float: 'a number', bool: 'True or False', type(None): 'None'}


def expect(value: Any, types: Union[Type, Tuple[Type, ...]], key: str) -> Any:
    """Return ``value`` if it is one of ``types``; otherwise raise a ConfigError naming ``key``.

    ``bool`` is not accepted where an ``int`` or ``float`` is expected.
    """
    types = types if isinstance(types, tuple) else (types, )
    numeric = any(t in (int, float) for t in types) and bool not in types
    if isinstance(value, types) and not (numeric and isinstance(value, bool)):
        return value
    expected = ' or '.join(_TYPE_NAMES.get(t, t.__name__) for t in types)
    raise ConfigError(f'{key}: expected {expected}, got {short_repr(value)}')


def expect_type_name(cfg: dict, key: str) -> str:
    """The ``type`` of a component dict, which must be a string."""
    return expect(cfg.get('type'), str, f'{key}.type')


def lookup(cfg: Any, key: str) -> Any:
    """The value at dotted ``key`` of nested dicts (``MISSING`` when absent)."""
    node = cfg
    for part in key.split('.'):
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def put_dotted(root: dict, key: str, value: Any, full_key: str) -> None:
    """Set dotted ``key`` under ``root``, creating parent dicts. A different value already there is
    a conflict (two 0.x keys for one 1.x key, or a 1.x key next to its 0.x source): ConfigError."""
    *parents, name = key.split('.')
    node = root
    for part in parents:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f'{full_key}: cannot set it, {part} holds {short_repr(node)}, not a dict')
    if name in node and not same_value(node[name], value):
        raise ConfigError(f'{full_key}: set twice, to {short_repr(node[name])} and to {short_repr(value)} (a 1.x '
                          'key next to its 0.x source, or two 0.x keys for it); keep one')
    node[name] = value


def same_value(a: Any, b: Any) -> bool:
    """Equality that also compares types (``[1] == [True]`` in Python, but not here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def is_identifier(name: Any) -> bool:
    return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)


def inline(value: Any) -> str:
    """``value`` as a one-line Python literal in config style (``dict(a=1)``, ``[1, 2]``)."""
    if isinstance(value, dict):
        if all(is_identifier(k) for k in value):
            return 'dict(' + ', '.join(f'{k}={inline(v)}' for k, v in ordered_items(value)) + ')'
        return '{' + ', '.join(f'{inline(k)}: {inline(v)}' for k, v in ordered_items(value)) + '}'
    if isinstance(value, list):
        return '[' + ', '.join(inline(v) for v in value) + ']'
    if isinstance(value, tuple):
        return '(' + ', '.join(inline(v) for v in value) + (',)' if len(value) == 1 else ')')
    if isinstance(value, float) and not math.isfinite(value):
        return f"float('{value}')"
    return repr(value)


def ordered_items(cfg: dict):
    """Items of a component dict with ``type`` first, as OpenMMLab configs write them."""
    if 'type' in cfg:
        yield 'type', cfg['type']
    yield from ((k, v) for k, v in cfg.items() if k != 'type')


def short_repr(value: Any, limit: int = 100) -> str:
    """:func:`inline`, cut to ``limit`` characters for messages and reports."""
    try:
        text = inline(value)
    except RecursionError:
        text = '<deeply nested value>'
    return text if len(text) <= limit else text[:limit - 3] + '...'
