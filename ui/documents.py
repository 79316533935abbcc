"""Opening, creating and remembering documents; the dialogs that ask about them.

The functions that talk to the user (``ask_*``, ``show_*``) are module-level
so tests patch them instead of clicking modal dialogs. Everything else is
plain logic over the store facade:

* a ``.cadence`` file is opened with a lock (another running Cadence that has
  it open makes it :class:`OpenError` kind ``locked``); the facade never writes
  while opening, so a corrupt, read-only or newer-schema file is left as it was;
* a ``.json`` plan is imported into a new ``.cadence`` next to it (or in the
  app's data folder when that folder is not writable) and edited there, so
  every edit is saved like any other document;
* the demo lives in the app's data folder as "Northwind demo.cadence".
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from cadence.model import Plan, Team

if TYPE_CHECKING:
    from cadence.store import Document

DEMO_NAME = "Northwind demo.cadence"
MAX_RECENT = 8
PLAN_FILTER = "Cadence plans (*.cadence *.json);;Cadence documents (*.cadence);;Plan JSON (*.json)"


@dataclass
class OpenError(Exception):
    """Why a file could not be opened, in words for a dialog."""

    kind: str  # "missing" | "corrupt" | "newer" | "locked" | "readonly" | "invalid" | "io"
    path: Path
    message: str
    details: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.path.name}: {self.message}"

    @property
    def title(self) -> str:
        return {
            "missing": "File not found",
            "corrupt": "Not a Cadence document",
            "newer": "Made by a newer Cadence",
            "locked": "Open in another window",
            "readonly": "File is read-only",
            "invalid": "The plan has errors",
            "io": "Cannot read the file",
        }.get(self.kind, "Cannot open the file")

    @property
    def can_open_read_only(self) -> bool:
        return self.kind in ("locked", "readonly")

    @property
    def read_only_reason(self) -> str:
        """Why the document opens read-only after this error, in one line for its dialogs."""
        name = self.path.name
        if self.kind == "locked":
            return (
                f"{name} is open for editing in another Cadence window; this window follows "
                "its saves. File ▸ Save As makes an editable copy."
            )
        if self.kind == "readonly":
            return f"You may not change {name} (a read-only file). File ▸ Save As makes an editable copy."
        return read_only_reason(self.path)


def read_only_reason(path: Path) -> str:
    """The line a read-only document's dialogs show when no other reason is known."""
    return f"{Path(path).name} is open read-only. File ▸ Save As makes an editable copy."


@dataclass
class Opened:
    plan: Plan
    path: Path
    document: Document | None
    note: str = ""

    @property
    def read_only(self) -> bool:
        return self.document is not None and self.document.read_only


# --- places and settings ---------------------------------------------------------------


def data_dir() -> Path:
    """The app's data folder (created when missing)."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    path = Path(location or Path.home() / ".cadence")
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """The app's cache folder (not created here): facts it can always compute again."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
    return Path(location or Path.home() / ".cache" / "cadence")


def settings() -> QSettings:
    return QSettings()


SHARED_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def is_shared_address(text: object) -> bool:
    """A shared plan's URL (``postgresql://…?plan=``) rather than a file path."""
    return isinstance(text, str) and text.lower().startswith(SHARED_SCHEMES)


def recent_files(store: QSettings) -> list[Path | str]:
    """Recent documents: paths, and shared plans as their URL (never with a password)."""
    value = store.value("recent_files", [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):  # nothing stored yet (None)
        return []
    return [v if is_shared_address(v) else Path(v) for v in value if v]


def add_recent(store: QSettings, path: Path | str) -> None:
    """Put a document first in the recent list. A shared plan is given by its address
    (``SharedLocation.address``: no password); only files become the "last file"."""
    entry: Path | str = path if is_shared_address(path) else Path(path).resolve()
    files = [p for p in recent_files(store) if p != entry]
    files.insert(0, entry)
    store.setValue("recent_files", [str(p) for p in files[:MAX_RECENT]])
    if isinstance(entry, Path):
        store.setValue("last_file", str(entry))


def clear_recent(store: QSettings) -> None:
    store.setValue("recent_files", [])


def last_file(store: QSettings) -> Path | None:
    value = store.value("last_file", "")
    return Path(str(value)) if value else None


# --- opening ---------------------------------------------------------------------------------


def open_cadence(path: Path, read_only: bool = False) -> Opened:
    """Open a .cadence document (locked for editing unless read-only)."""
    from cadence.store import DocumentLocked, StoreError, open_document
    from cadence.validate import PlanInvalid

    path = Path(path)
    if not path.exists():
        raise OpenError("missing", path, f"{path} does not exist (moved or deleted?)")
    if not read_only and not os.access(path, os.W_OK):
        raise OpenError(
            "readonly",
            path,
            "You may not change this file. Open it read-only to look at it, then use "
            "File ▸ Save As to keep an editable copy.",
        )
    try:
        doc = open_document(path, read_only=read_only, lock=not read_only)
    except DocumentLocked as exc:
        raise OpenError("locked", path, str(exc)) from None
    except StoreError as exc:
        text = str(exc)
        kind = (
            "newer" if "newer Cadence" in text else "readonly" if "read-only" in text else "corrupt"
        )
        raise OpenError(
            kind, path, text + ("" if kind != "corrupt" else ". The file was not changed.")
        ) from None
    except OSError as exc:
        raise OpenError("io", path, exc.strerror or str(exc)) from None
    try:
        plan = doc.load()
    except PlanInvalid as exc:
        doc.close()
        raise OpenError(
            "invalid",
            path,
            f"The document holds a plan with {len(exc.errors)} error(s); the file was not changed.",
            [str(e) for e in exc.errors],
        ) from None
    except StoreError as exc:
        doc.close()
        raise OpenError("corrupt", path, f"{exc}. The file was not changed.") from None
    return Opened(plan, path, doc, "read-only" if read_only else "")


def read_json(path: Path) -> Plan:
    from cadence.formats.plan_json import load_plan_json
    from cadence.validate import PlanInvalid

    path = Path(path)
    if not path.exists():
        raise OpenError("missing", path, f"{path} does not exist")
    try:
        return load_plan_json(path)
    except PlanInvalid as exc:
        raise OpenError(
            "invalid",
            path,
            f"{path.name} is not a valid plan ({len(exc.errors)} error(s)).",
            [str(e) for e in exc.errors],
        ) from None
    except OSError as exc:
        raise OpenError("io", path, exc.strerror or str(exc)) from None


def cadence_path_for(json_path: Path) -> Path:
    """Where an imported JSON plan is kept: beside it, else in the data folder."""
    json_path = Path(json_path).resolve()
    folder = json_path.parent if os.access(json_path.parent, os.W_OK) else data_dir()
    return free_path(folder / f"{json_path.stem}.cadence")


def free_path(path: Path) -> Path:
    """``path``, or "name 2.cadence", "name 3.cadence"… when it exists."""
    candidate, n = path, 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem} {n}{path.suffix}")
        n += 1
    return candidate


def import_json(path: Path, target: Path | None = None) -> Opened:
    """Read a JSON plan and make a new .cadence document of it (edited from now on)."""
    from cadence.store import StoreError, create_document

    plan = read_json(path)
    target = target or cadence_path_for(path)
    try:
        doc = create_document(target, plan, lock=True)
    except (StoreError, OSError) as exc:
        raise OpenError("io", target, f"cannot create {target}: {exc}") from None
    return Opened(plan, target, doc, f"imported {Path(path).name}")


def create(path: Path, plan: Plan) -> Opened:
    """A new document at ``path`` (replacing a file there) holding ``plan``."""
    from cadence.store import DocumentLocked, StoreError, open_document, save_plan_document

    path = Path(path)
    if path.exists():  # never replace a document a Cadence window is editing
        try:
            open_document(path, lock=True).close()
        except DocumentLocked:
            raise OpenError(
                "locked",
                path,
                f"{path.name} is open for editing in Cadence (this or another window); "
                "close it there or choose another name. Nothing was written.",
            ) from None
        except (StoreError, OSError):
            pass  # damaged or not a Cadence document: the user chose to replace it
    try:
        save_plan_document(plan, path)  # atomic: a failure leaves any old file intact
        doc = open_document(path, lock=True)
        plan = doc.load()
    except (StoreError, OSError) as exc:
        raise OpenError("io", path, f"cannot write {path}: {exc}") from None
    return Opened(plan, path, doc)


#: Where a built demo document is kept between starts (None: build it each time); set by
#: ``ui.app.keep_caches`` for the app, left None in tests and the command line.
demo_template_folder: Path | None = None


def _demo_template() -> Path | None:
    """The cached demo document of this demo plan and store schema (None: no cache kept)."""
    if demo_template_folder is None:
        return None
    import hashlib

    from cadence.demo import demo_plan_text
    from cadence.store.tables import SCHEMA_VERSION

    key = hashlib.sha256(f"{SCHEMA_VERSION}\n{demo_plan_text()}".encode()).hexdigest()[:16]
    return demo_template_folder / f"demo-{key}.cadence"


def _write_demo(path: Path) -> None:
    """Write the demo document at ``path``: a copy of the cached one when there is one
    (building it costs a fifth of a start), else built, then kept for the next start.
    The copy goes through a temporary file, so ``path`` is never half-written."""
    import shutil

    from cadence.demo import demo_plan
    from cadence.store import save_plan_document

    template = _demo_template()
    if template is not None and template.is_file():
        partial = path.with_name(f".{path.name}.partial")
        try:
            shutil.copyfile(template, partial)
            os.replace(partial, path)
            return
        except OSError:
            partial.unlink(missing_ok=True)
    save_plan_document(demo_plan(), path)
    if template is not None:
        try:  # a cache: when it cannot be kept, the next start builds the demo again
            template.parent.mkdir(parents=True, exist_ok=True)
            partial = template.with_name(f".{template.name}.partial")
            shutil.copyfile(path, partial)
            os.replace(partial, template)
        except OSError:
            pass


def fresh_demo(folder: Path | None = None) -> Path:
    """A fresh copy of the demo plan in the data folder (next free name if in use)."""
    from cadence.store import DocumentLocked, StoreError, open_document

    folder = folder or data_dir()
    path = folder / DEMO_NAME
    n = 2
    while path.exists():
        try:  # replace it unless another Cadence has it open
            open_document(path, lock=True).close()
            break
        except DocumentLocked:
            path = folder / f"Northwind demo {n}.cadence"
            n += 1
        except (StoreError, OSError):  # damaged, or not a Cadence document: replace it
            break
    _write_demo(path)
    return path


def starter_plan(name: str, today: date) -> Plan:
    """A small new plan: two teams, one product, a year from next Monday."""
    from cadence.validate import slugify
    from ui import edits

    start = today + timedelta(days=(7 - today.weekday()) % 7)
    plan = Plan(
        id=slugify(name),
        name=name,
        start=start,
        end=start.replace(year=start.year + 1) - timedelta(days=1),
        teams=(
            Team("mkt", "Marketing", "#2b7bb9"),
            Team("sales", "Sales", "#e67e22", weekly_capacity=40),
        ),
    )
    plan, _ = edits.add_product(plan, "First product")
    return plan


# --- dialogs (patched in tests) ----------------------------------------------------------------


def show_open_error(parent: QWidget | None, error: OpenError) -> None:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(error.title)
    box.setText(f"<b>{error.path.name}</b> cannot be opened.")
    box.setInformativeText(error.message)
    if error.details:
        box.setDetailedText("\n".join(error.details))
    box.exec()


def ask_open_read_only(parent: QWidget | None, error: OpenError) -> bool:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(error.title)
    box.setText(f"<b>{error.path.name}</b> cannot be opened for editing.")
    box.setInformativeText(error.message + "\n\nOpen it read-only?")
    read_only = box.addButton("Open Read-Only", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is read_only


def ask_unsaved(parent: QWidget | None, plan_name: str) -> str:
    """The plan's edits are in no file: "save" (Save As…), "discard" or "cancel"."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Unsaved plan")
    box.setText(f"<b>{plan_name}</b> has edits that are not saved in any file.")
    box.setInformativeText("Save it as a document before closing?")
    save = box.addButton("Save As…", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(save)
    box.exec()
    clicked = box.clickedButton()
    return "save" if clicked is save else "discard" if clicked is discard else "cancel"


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    QMessageBox.warning(parent, title, message)


def confirm(parent: QWidget | None, title: str, message: str, ok: str = "OK") -> bool:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(message)
    yes = box.addButton(ok, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is yes


def ask_open_path(
    parent: QWidget | None, title: str, start: Path, filters: str = PLAN_FILTER
) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, title, str(start), filters)
    return Path(name) if name else None


def ask_save_path(parent: QWidget | None, title: str, start: Path, filters: str) -> Path | None:
    name, chosen = QFileDialog.getSaveFileName(parent, title, str(start), filters)
    if not name:
        return None
    path = Path(name)
    if not path.suffix:
        path = path.with_suffix(
            ".json" if "json" in chosen.lower() and "cadence" not in chosen.lower() else ".cadence"
        )
    return path
