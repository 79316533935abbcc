"""Storage of plans: the .cadence SQLite document and its facade."""

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
