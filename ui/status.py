"""The status bar: occurrences, gaps by kind, when the document was last saved."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from cadence.model import GAP_KINDS
from ui.controller import DocumentController
from ui.theme import WARNING_GLYPH
from ui.widgets import ElidedLabel

KIND_WORDS = {
    "unowned": "unowned",
    "silence": "silence",
    "handoff": "hand-off",
    "spacing": "spacing",
    "capacity": "capacity",
    "drift": "drift",
    "content": "content",
    "coverage": "coverage",
}


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def gap_summary(kinds: Counter[str]) -> str:
    total = sum(kinds.values())
    if not total:
        return "no gaps"
    parts = ", ".join(f"{_n(kinds[k])} {KIND_WORDS[k]}" for k in GAP_KINDS if kinds.get(k))
    return f"{WARNING_GLYPH} {_n(total)} gap{'' if total == 1 else 's'} ({parts})"


class StatusBar(QStatusBar):
    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setSizeGripEnabled(False)
        self.read_only = QLabel("Read-only")
        self.read_only.setProperty("role", "badge")
        self.read_only.setToolTip("Edits are off. File ▸ Save As keeps an editable copy.")
        self.occurrences = QLabel()
        self.gaps = ElidedLabel()
        self.saved = ElidedLabel()
        self.addPermanentWidget(self.read_only)
        self.addPermanentWidget(self.occurrences)
        self.addPermanentWidget(self.gaps, 2)
        self.addPermanentWidget(self.saved, 1)
        controller.sig_schedule_changed.connect(self.refresh)
        controller.sig_saved.connect(self._on_saved)
        controller.sig_document_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        c = self.controller
        occurrences = c.occurrence_count()  # counted, not merged (a large plan has 100 k)
        self.occurrences.setText(f"{_n(occurrences)} occurrences")
        self.occurrences.setToolTip(
            f"{_n(occurrences)} calendar entries (touches, broadcasts, requests) in "
            f"{c.plan.start:%d %b %Y} – {c.plan.end:%d %b %Y}\n"
            f"last re-plan {c.replan_ms:.0f} ms, last edit {c.edit_ms:.0f} ms"
        )
        kinds = Counter(c.gap_kind_counts())
        self.gaps.setText(gap_summary(kinds))
        self.gaps.setProperty("role", "warning" if kinds else "")
        self.gaps.style().unpolish(self.gaps)
        self.gaps.style().polish(self.gaps)
        self.read_only.setVisible(c.read_only)
        self._show_saved()

    def _on_saved(self, _when: datetime | None) -> None:
        self._show_saved()

    def _show_saved(self) -> None:
        c = self.controller
        if c.document is None:
            self.saved.setText("not saved to a file")
        elif c.read_only:
            self.saved.setText(c.display_name)
        elif c.last_saved is None:
            self.saved.setText(f"{c.display_name} · all changes saved")
        else:
            local = c.last_saved.astimezone()
            self.saved.setText(f"saved {local:%H:%M:%S}")
        if c.path is not None:
            self.saved.setToolTip(f"{c.path}\nEvery edit is saved to this file as you make it.")
