"""The config being upgraded, what the converters learn about it, and the rename-table engine.

Converters (one module per concern) receive a :class:`Migration`: a plain-dict *clone* of the
0.x config that they upgrade in place (taking 0.x keys out, putting 1.x keys in), the
:class:`~reelkit.migration.report.Report` they record every step in, and a few facts computed
once up front (the flavour, how long training runs).
"""
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, NamedTuple, Optional


from .flavors import Flavor
from .report import Report
from .values import MISSING, expect, lookup, put_dotted, same_value


class Rule(NamedTuple):
    """One row of a rename table: ``old`` key becomes ``new`` (``None``: 1.x has no place for it).

    ``default``: when the 0.x value equals it, the 1.x key is left out (it is the 1.x default).
    ``review``: the rule is a judgement a person should check.
    """
    old: str
    new: Optional[str]
    note: str = ''
    default: Any = MISSING
    review: bool = False


@dataclass(frozen=True)
class TrainLength:
    """How the 0.x config trains: by epoch or iteration, and for how many (None: not set)."""
    by_epoch: bool
    max: Optional[int] = None

    @property
    def unit(self) -> str:
        return 'epochs' if self.by_epoch else 'iters'


@dataclass
class Migration:
    """A 0.x config being upgraded to 1.x, and the report of what was done."""
    cfg: Dict[str, Any]
    report: Report
    flavor: Flavor
    length: TrainLength
    # Facts one converter finds for another (e.g. the pipelines' Normalize for the model).
    facts: Dict[str, Any] = field(default_factory=dict)

    def has(self, key: str) -> bool:
        return self.get(key) is not MISSING

    def get(self, key: str) -> Any:
        """The value at dotted ``key`` (``MISSING`` when absent)."""
        return lookup(self.cfg, key)

    def take(self, key: str) -> Any:
        """Remove and return the value at dotted ``key`` (``MISSING`` when absent)."""
        parent_key, _, name = key.rpartition('.')
        parent = self.get(parent_key) if parent_key else self.cfg
        if not isinstance(parent, dict) or name not in parent:
            return MISSING
        return parent.pop(name)

    def put(self, key: str, value: Any) -> None:
        """Set dotted ``key``, creating parent dicts; a different value already there is a ConfigError."""
        put_dotted(self.cfg, key, value, key)

    def setdefault(self, key: str, value: Any) -> bool:
        """Set dotted ``key`` unless it exists; return whether it was set."""
        if self.has(key):
            return False
        self.put(key, value)
        return True

    # ----------------------------------------------------------------------------- recording
    def record(self, section: str, old_key: Optional[str], new_key: Optional[str], old_value: Any = MISSING,
               new_value: Any = MISSING, note: str = '', review: bool = False) -> None:
        self.report.add(section, old_key, new_key, old_value, new_value, note, review)

    def drop(self, section: str, key: str, value: Any, note: str, review: bool = False) -> None:
        self.record(section, key, None, old_value=value, note=note, review=review)


def take_dict(m: Migration, key: str, allow_none: bool = False) -> Any:
    """Take dotted ``key`` and check that it is a dict (or None if allowed); MISSING if absent."""
    value = m.take(key)
    if value is MISSING or (allow_none and value is None):
        return value
    return expect(value, dict, key)


def apply_rules(m: Migration, section: str, src: dict, rules: Iterable[Rule], src_key: str, dst: dict,
                dst_key: str, carry_unknown: bool = True, report_moves: bool = True) -> dict:
    """Move the keys of ``src`` into ``dst`` as the rename table ``rules`` says, and report each.

    A rule's ``new`` may be dotted (``'sampler.shuffle'``). Keys of ``src`` that no rule names
    are copied as they are and flagged (``carry_unknown``), never dropped silently. ``src`` is
    consumed. With ``report_moves=False`` plain moves are not reported one by one (the caller
    reports the whole object once); drops and judgements always are. Returns ``dst``.
    """
    for rule in rules:
        if rule.old not in src:
            continue
        value = src.pop(rule.old)
        old = _join(src_key, rule.old)
        if rule.default is not MISSING and same_value(value, rule.default):
            m.drop(section, old, value, f'equals the 1.x default of `{rule.new}`' if rule.new
                   else 'has no effect at this value')
        elif rule.new is None:
            m.drop(section, old, value, rule.note or 'no 1.x equivalent', review=rule.review)
        else:
            new = _join(dst_key, rule.new)
            put_dotted(dst, rule.new, value, new)
            if report_moves or rule.review:
                m.record(section, old, new, value, value, rule.note, rule.review)
    if carry_unknown:
        for name in list(src):
            value = src.pop(name)
            put_dotted(dst, name, value, _join(dst_key, name))
            m.record(section, _join(src_key, name), _join(dst_key, name), value, value,
                     'not a 0.x key reelkit knows; carried over unchanged', review=True)
    return dst


def _join(prefix: str, key: str) -> str:
    return f'{prefix}.{key}' if prefix else key


def flatten(value: Any, prefix: str = ''):
    """``(dotted key, leaf)`` pairs of nested dicts: ``{'a': {'b': 1}}`` -> ``('a.b', 1)``."""
    if isinstance(value, dict) and value:
        for name, sub in value.items():
            yield from flatten(sub, _join(prefix, name))
    elif prefix:
        yield prefix, value


def put_all(m: Migration, values: dict) -> None:
    """``m.put`` every leaf of ``values`` at its dotted key (merging into what is there)."""
    for key, value in flatten(values):
        if value == {}:
            m.setdefault(key, {})
        else:
            m.put(key, value)


def items_of(value: Any, key: str) -> List[Any]:
    """A list or tuple config value as a list; a ConfigError naming ``key`` otherwise."""
    return list(expect(value, (list, tuple), key))
