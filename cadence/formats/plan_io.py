"""Read and write a plan file by its extension: .json (interchange) or .cadence (document)."""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable
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
    check_regular_input(path)
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
        raise PlanFileError(errors_text(path, exc)) from None
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot read ({exc.strerror or exc})") from None


def errors_text(path: Path, exc: PlanInvalid, what: str = "") -> str:
    """ "plan.json: 2 errors" and one indented line per error."""
    lines = "\n".join(f"  {e}" for e in exc.errors)
    count = len(exc.errors)
    return f"{path}: {what}{count} error{'s' if count != 1 else ''}\n{lines}"


def check_regular_input(path: Path) -> None:
    """Refuse to read a plan from a folder, device or named pipe (a pipe would hang)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        raise PlanFileError(f"{path}: not a regular file ({kind_of(mode)}); give a plan file")


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_regular_output(path: Path) -> None:
    """Refuse to write over anything but a regular file (a device, pipe or folder)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot write ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        raise PlanFileError(
            f"{path}: is {kind_of(mode)}; write to a regular file (or - for standard output)"
        )


def write_plan_file(plan: Plan, path: Path, *, wait: float = 0.0) -> None:
    """Write a plan as .json or .cadence, atomically: a failure leaves the old file intact.

    The file is replaced under its lock (see cadence.store.lock): never while a
    Cadence window or another command changes it; PlanFileError after ``wait`` s.
    """
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
    check_regular_output(path)
    if path.exists() and not os.access(path, os.W_OK):
        raise PlanFileError(f"{path}: the file is read-only; nothing was written")
    _check_writable_plan(plan, path)
    try:
        if suffix == ".json":
            from cadence.formats.plan_json import dumps_plan

            text = dumps_plan(plan)
            with _locked(path, wait):
                atomic_write_text(path, text)
        else:
            from cadence.store import StoreError, save_plan_document

            try:
                save_plan_document(plan, path, wait=wait)
            except StoreError as exc:
                raise PlanFileError(f"{path}: {exc}; nothing was written") from None
    except OSError as exc:
        raise PlanFileError(
            f"{path}: cannot write ({exc.strerror or exc}); nothing was written"
        ) from None


def update_plan_file(
    path: Path, change: Callable[[Plan], Plan | None], *, wait: float = 0.0
) -> tuple[Plan, Plan | None]:
    """Read-modify-write a plan file so that no concurrent change is lost.

    Under the file's lock (waiting up to ``wait`` seconds for it), the plan is
    read *now*, ``change`` returns the new plan (or None: write nothing), the new
    plan is validated and written: a .json atomically, a .cadence in one write
    transaction that writes only what changed. Returns (plan read, plan written).
    PlanFileError says why nothing was written (locked, invalid, disk full …).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in PLAN_SUFFIXES:
        raise PlanFileError(
            f"{path}: unknown plan file type {suffix or '(none)'!r} (use .json or .cadence)"
        )
    if not path.exists():
        raise PlanFileError(f"{path}: no such file")
    check_regular_input(path)
    if not os.access(path, os.W_OK):
        raise PlanFileError(f"{path}: the file is read-only; nothing was written")
    if suffix == ".json":
        return _update_json(path, change, wait)
    return _update_cadence(path, change, wait)


def _update_json(
    path: Path, change: Callable[[Plan], Plan | None], wait: float
) -> tuple[Plan, Plan | None]:
    from cadence.formats.plan_json import dumps_plan

    with _locked(path, wait):
        old = read_plan_file(path)
        new = change(old)
        if new is None:
            return old, None
        _check_writable_plan(new, path)
        try:
            atomic_write_text(path, dumps_plan(new))
        except OSError as exc:
            raise PlanFileError(
                f"{path}: cannot write ({exc.strerror or exc}); nothing was written"
            ) from None
    return old, new


def _update_cadence(
    path: Path, change: Callable[[Plan], Plan | None], wait: float
) -> tuple[Plan, Plan | None]:
    from sqlalchemy.exc import SQLAlchemyError

    from cadence.store import DocumentLocked, StoreError, update_plan_document

    try:
        return update_plan_document(path, change, wait=wait)
    except DocumentLocked as exc:
        raise PlanFileError(
            f"{path}: {exc}. Waited {wait:g} s; nothing was written "
            "(set CADENCE_LOCK_WAIT to wait longer)"
        ) from None
    except StoreError as exc:
        raise PlanFileError(f"{path}: {exc}; nothing was written") from None
    except PlanInvalid as exc:
        raise PlanFileError(errors_text(path, exc, "nothing was written: ")) from None
    except SQLAlchemyError as exc:
        text = str(getattr(exc, "orig", exc))
        raise PlanFileError(f"{path}: cannot write ({text}); nothing was written") from None
    except OSError as exc:
        raise PlanFileError(
            f"{path}: cannot write ({exc.strerror or exc}); nothing was written"
        ) from None


class _locked:
    """The plan file's lock for one write (PlanFileError when busy after ``wait`` s)."""

    def __init__(self, path: Path, wait: float) -> None:
        self.path = path
        self.wait = wait
        self.held: object = None

    def __enter__(self) -> None:
        from cadence.store import lock

        try:
            self.held = lock.acquire(self.path, self.wait)
        except lock.LockBusy as exc:
            raise PlanFileError(
                f"{self.path}: being changed by another Cadence window or command "
                f"({lock.describe_holder(exc.holder)}). Waited {self.wait:g} s; nothing was written "
                "(set CADENCE_LOCK_WAIT to wait longer)"
            ) from None
        except lock.LockUnavailable as exc:
            raise PlanFileError(f"{self.path}: {exc}; nothing was written") from None

    def __exit__(self, *exc: object) -> None:
        from cadence.store.lock import PlanLock

        if isinstance(self.held, PlanLock):
            self.held.release()


def _check_writable_plan(plan: Plan, path: Path) -> None:
    """Nothing is written that the next read would reject: validate it first."""
    from cadence.formats.plan_json import plan_to_dict
    from cadence.validate import build_plan

    try:
        build_plan(plan_to_dict(plan))
    except PlanInvalid as exc:
        raise PlanFileError(
            errors_text(path, exc, "the change would make the plan invalid; nothing was written: ")
        ) from None


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
