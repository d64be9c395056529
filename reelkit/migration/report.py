"""What a migration did: one :class:`Change` per rule applied, key dropped or judgement made.

A change names the 0.x key it read and the 1.x key it wrote (either may be absent: a key that
1.x has no place for is *dropped*, a key with no 0.x source is *added*), the values on both
sides, a note, and whether a person should check it (``needs_review``). The report renders as
Markdown grouped by section, one line per change, and as a few lines for the terminal.
"""
from dataclasses import dataclass, field
from typing import Any, List, Optional

from .values import MISSING, short_repr

SECTIONS = ('model', 'dataset', 'evaluation', 'schedule', 'runtime', 'source')
SECTION_TITLES = {
    'model': 'Model',
    'dataset': 'Data and pipelines',
    'evaluation': 'Evaluation',
    'schedule': 'Schedule (optimizer, learning rate, loops)',
    'runtime': 'Runtime (hooks, logging, environment)',
    'source': 'Source file (Python code and computed values)',
}


@dataclass(frozen=True)
class Change:
    """One rule applied to the config.

    Args:
        section (str): One of :data:`SECTIONS`.
        old_key (str | None): Dotted 0.x key read, or None when the 1.x key is new.
        new_key (str | None): Dotted 1.x key written, or None when the value is dropped.
        old_value: The 0.x value (``MISSING`` when there is none).
        new_value: The 1.x value (``MISSING`` when there is none).
        note (str): Why, in a few words.
        needs_review (bool): The rule made a judgement a person should check.
    """
    section: str
    old_key: Optional[str]
    new_key: Optional[str]
    old_value: Any = MISSING
    new_value: Any = MISSING
    note: str = ''
    needs_review: bool = False

    @property
    def kind(self) -> str:
        if self.new_key is None:
            return 'dropped'
        if self.old_key is None:
            return 'added'
        return 'changed'

    def to_line(self) -> str:
        """The change as one line of text (without a list marker)."""
        old = f'`{self.old_key}`' if self.old_key else ''
        new = f'`{self.new_key}`' if self.new_key else ''
        if self.kind == 'dropped':
            text = f'dropped {old}' + _value_part(self.old_value)
        elif self.kind == 'added':
            text = f'added {new}' + _value_part(self.new_value)
        else:
            text = old if self.old_key == self.new_key else f'{old} -> {new}'
            if self.old_value is not MISSING or self.new_value is not MISSING:
                text += f': {_value(self.old_value)} -> {_value(self.new_value)}'
        return f'{text}: {self.note}' if self.note else text


def _value(value: Any) -> str:
    return '(none)' if value is MISSING else f'`{short_repr(value)}`'


def _value_part(value: Any) -> str:
    return '' if value is MISSING else f' = {_value(value)}'


@dataclass
class Report:
    """Every change a migration made to one config."""
    filename: str = '<config>'
    changes: List[Change] = field(default_factory=list)
    already_new: bool = False

    def add(self, section: str, old_key: Optional[str], new_key: Optional[str], old_value: Any = MISSING,
            new_value: Any = MISSING, note: str = '', review: bool = False) -> None:
        if section not in SECTIONS:
            raise ValueError(f'unknown report section {section!r}; expected one of {SECTIONS}')
        self.changes.append(Change(section, old_key, new_key, old_value, new_value, note, review))

    @property
    def reviews(self) -> List[Change]:
        return [change for change in self.changes if change.needs_review]

    @property
    def dropped(self) -> List[Change]:
        return [change for change in self.changes if change.kind == 'dropped']

    def to_markdown(self) -> str:
        """The whole report: what needs review first, then every other change by section."""
        lines = [f'# Migration report: {self.filename}', '']
        if self.already_new:
            return '\n'.join(lines + ['Already an MMEngine (1.x) config: nothing changed.', ''])
        lines += [f'{len(self.changes)} changes, {len(self.dropped)} keys dropped, '
                  f'{len(self.reviews)} to review.', '']
        if self.reviews:
            lines += ['## Needs review', '']
            lines += [f'- [{change.section}] {change.to_line()}' for change in self.reviews]
            lines.append('')
        for section in SECTIONS:
            rest = [c for c in self.changes if c.section == section and not c.needs_review]
            if rest:
                lines += [f'## {SECTION_TITLES[section]}', '']
                lines += [f'- {change.to_line()}' for change in rest]
                lines.append('')
        return '\n'.join(lines)

    def summary(self, max_reviews: int = 5) -> str:
        """A few lines for the terminal: counts and the first items to review."""
        if self.already_new:
            return f'{self.filename}: already an MMEngine (1.x) config, nothing migrated'
        lines = [f'{self.filename}: migrated a 0.x config to 1.x: {len(self.changes)} changes, '
                 f'{len(self.dropped)} keys dropped, {len(self.reviews)} to review']
        lines += [f'  check [{c.section}] {c.to_line()}' for c in self.reviews[:max_reviews]]
        if len(self.reviews) > max_reviews:
            lines.append(f'  ... and {len(self.reviews) - max_reviews} more in the report')
        return '\n'.join(lines)
