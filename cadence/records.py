"""Sequences of records kept compact and built into objects when read.

The engine computes a large plan's calendar as integer references into
per-product tables (see cadence.engine). :class:`Records` presents those
references as an ordinary immutable sequence of objects: ``len``, indexing,
slicing (a tuple), iteration, ``==`` with any sequence (a tuple included) and
hashing behave as for a tuple of the same objects. Each object is built on
first access by the ``resolve`` function, which may cache it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar, overload

T = TypeVar("T")

__all__ = ["Records"]


class Records(Sequence[T]):
    """An immutable sequence of the objects ``resolve(ref)`` for ``refs``, in order."""

    __slots__ = ("_refs", "_resolve")

    def __init__(self, refs: Sequence[int], resolve: Callable[[int], T]) -> None:
        self._refs = refs
        self._resolve = resolve

    def __len__(self) -> int:
        return len(self._refs)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...

    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return tuple(map(self._resolve, self._refs[index]))
        return self._resolve(self._refs[index])

    def __iter__(self) -> Iterator[T]:
        return map(self._resolve, self._refs)

    def __reversed__(self) -> Iterator[T]:
        return map(self._resolve, reversed(self._refs))

    def __bool__(self) -> bool:
        return bool(self._refs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Records):
            if self._refs is other._refs and self._resolve == other._resolve:
                return True
        elif not isinstance(other, (tuple, list)):
            return NotImplemented
        if len(self) != len(other):
            return False
        return all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __add__(self, other: Any) -> tuple[T, ...]:
        return (*self, *other)

    def __radd__(self, other: Any) -> tuple[T, ...]:
        return (*other, *self)

    def __repr__(self) -> str:
        return f"Records({len(self)} entries)"
