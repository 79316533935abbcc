"""Read and write a plan file by its extension: .json (interchange) or .cadence (document)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cadence.files import keep_mode
from cadence.model import Plan
from cadence.validate import PlanInvalid

PLAN_SUFFIXES = (".json", ".cadence")


class PlanFileError(Exception):
    """A plan file could not be read or written; the message says what to fix."""


def read_plan_file(path: Path) -> Plan:
    """Load and validate a .json or .cadence plan; PlanFileError lists every problem."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in PLAN_SUFFIXES:
        raise PlanFileError(
            f"{path}: unknown plan file type {suffix or '(none)'!r} (use .json or .cadence)"
        )
    if not path.exists():
        raise PlanFileError(f"{path}: no such file")
    try:
        if suffix == ".json":
            from cadence.formats.plan_json import load_plan_json

            return load_plan_json(path)
        from cadence.store import StoreError, open_document

        try:
            with open_document(path, read_only=True) as doc:
                return doc.load()
        except StoreError as exc:
            raise PlanFileError(f"{path}: {exc}") from None
    except PlanInvalid as exc:
        lines = "\n".join(f"  {e}" for e in exc.errors)
        count = len(exc.errors)
        raise PlanFileError(f"{path}: {count} error{'s' if count != 1 else ''}\n{lines}") from None
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot read ({exc.strerror or exc})") from None


def write_plan_file(plan: Plan, path: Path) -> None:
    """Write a plan as .json or .cadence, atomically: a failure leaves the old file intact."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in PLAN_SUFFIXES:
        raise PlanFileError(
            f"{path}: unknown plan file type {suffix or '(none)'!r} (use .json or .cadence)"
        )
    folder = path.parent
    if not folder.is_dir():
        raise PlanFileError(f"{path}: folder {str(folder)!r} does not exist")
    # Replacing is a rename, which the folder allows even when the file is read-only.
    if path.exists() and not os.access(path, os.W_OK):
        raise PlanFileError(f"{path}: the file is read-only; nothing was written")
    try:
        if suffix == ".json":
            from cadence.formats.plan_json import dumps_plan

            atomic_write_text(path, dumps_plan(plan))
        else:
            from cadence.store import StoreError, save_plan_document

            try:
                save_plan_document(plan, path)
            except StoreError as exc:
                raise PlanFileError(f"{path}: {exc}") from None
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot write ({exc.strerror or exc})") from None


def atomic_write_text(path: Path, text: str) -> None:
    """Write text through a temporary file in the same folder, then rename over the target."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    # Not mkstemp: its private 0600 would stick to a new plan file; 0666 less the umask.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        keep_mode(tmp, path)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
