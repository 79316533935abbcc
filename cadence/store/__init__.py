"""Storage of plans: the .cadence SQLite document and its facade.

The names below load :mod:`cadence.store.document` (and with it SQLModel, ~0.5 s)
on first use, not when the package is imported: ``cadence.store.lock``, which every
command-line save of a .json plan takes, is inside this package and needs none of it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cadence.store.document import (
        Changes,
        Document,
        DocumentLocked,
        StoreError,
        create_document,
        diff_plans,
        open_document,
        save_plan_document,
        update_plan_document,
    )

__all__ = [
    "Changes",
    "Document",
    "DocumentLocked",
    "StoreError",
    "create_document",
    "diff_plans",
    "open_document",
    "save_plan_document",
    "update_plan_document",
]


def __getattr__(name: str) -> Any:
    """``cadence.store.X`` for X in ``__all__``: imported from the document module on use."""
    if name in __all__:
        return getattr(import_module("cadence.store.document"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
