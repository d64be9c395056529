"""The transform base class and the argument checks every transform shares.

MMEngine calls a pipeline step as ``step(results)`` and expects the (modified) dict back, or
None to drop the sample. MMCV's ``BaseTransform`` provided that contract; reelkit does not
depend on MMCV, so :class:`BaseTransform` restates it here: subclasses implement
``transform(results)``, and ``repr`` is derived from the ``__init__`` arguments.
"""
import inspect
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real
from typing import Any, Iterable, Optional, Sequence, Tuple


class BaseTransform(metaclass=ABCMeta):
    """One step of a data pipeline: ``results -> results``.

    Subclasses store every ``__init__`` argument under its own name (after validation), which
    is what ``__repr__`` prints: ``Resize(scale=(inf, 256), keep_ratio=True, ...)``.
    """

    def __call__(self, results: dict) -> Optional[dict]:
        return self.transform(results)

    @abstractmethod
    def transform(self, results: dict) -> Optional[dict]:
        """Read and write keys of ``results``; return it (or None to drop the sample)."""

    def __repr__(self) -> str:
        params = inspect.signature(type(self).__init__).parameters.values()
        args = ', '.join(f'{p.name}={getattr(self, p.name)!r}' for p in params
                         if p.name != 'self' and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))
        return f'{type(self).__name__}({args})'


def _choices_text(choices: Sequence[Any]) -> str:
    texts = [repr(c) for c in choices]
    return texts[0] if len(texts) == 1 else ', '.join(texts[:-1]) + ' or ' + texts[-1]


def check_choice(owner: str, name: str, value: Any, choices: Sequence[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``; otherwise raise a ValueError naming both."""
    if value not in choices:
        raise ValueError(f'{owner}: {name}={value!r}; expected {_choices_text(choices)}')
    return value


def check_int(owner: str, name: str, value: Any, minimum: int = 1) -> int:
    """Return ``value`` if it is an int (not a bool) ``>= minimum``; otherwise raise."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f'{owner}: {name}={value!r}; expected an int >= {minimum}')
    return int(value)


def check_range(owner: str, name: str, value: Any, low: float, high: float) -> float:
    """Return ``value`` if it is a number in ``[low, high]``; otherwise raise."""
    if isinstance(value, bool) or not isinstance(value, Real) or not low <= value <= high:
        raise ValueError(f'{owner}: {name}={value!r}; expected a number in [{low}, {high}]')
    return float(value)


def to_size_pair(owner: str, name: str, value: Any) -> Tuple[int, int]:
    """An int ``s`` or a pair ``(w, h)`` of positive ints, as ``(w, h)``."""
    def positive_int(v) -> bool:
        return isinstance(v, Integral) and not isinstance(v, bool) and v > 0

    pair = (value, value) if positive_int(value) else value
    if not isinstance(pair, Sequence) or len(pair) != 2 or not all(map(positive_int, pair)):
        raise TypeError(f'{owner}: {name}={value!r}; expected a positive int or a (w, h) pair '
                        'of positive ints')
    return int(pair[0]), int(pair[1])


def reject_keys(owner: str, results: dict, keys: Iterable[str]) -> None:
    """Raise if ``results`` holds a key this transform would otherwise leave stale.

    Box and keypoint annotations must move with the pixels; a transform that does not update
    them refuses to run rather than return misaligned annotations.
    """
    present = [key for key in keys if key in results]
    if present:
        raise NotImplementedError(
            f'{owner} does not update {present[0]!r} yet, so the sample would come out with '
            f'annotations that no longer match its frames; remove {present[0]!r} or use a '
            'pipeline without this transform')
