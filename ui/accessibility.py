"""Names for assistive technology: every button, input and view gets an accessible name.

A screen reader announces a control by its accessible name. Widgets that were
given one explicitly keep it; every other control or view is named, when it is
first shown (polished), from what a sighted user reads next to it: its text,
its action, the label whose buddy it is (or its form-layout label), its
placeholder, its tooltip. ``install_namer(app)`` does this app-wide.
"""

from __future__ import annotations

import re

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QGraphicsView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QToolButton,
    QWidget,
)

#: custom views (painted, no item model) and their names
VIEW_NAMES: dict[str, str] = {
    "CycleMapView": "Cycle map",
    "MonthGrid": "Month grid",
    "WeekHeader": "Week, all-day entries",
    "WeekBody": "Week, timed entries",
    "WorkloadChart": "Workload chart",
    "StudioLoadStrip": "Studio load",
}
_INPUTS = (QLineEdit, QAbstractSpinBox, QComboBox, QTextEdit, QPlainTextEdit)
_VIEWS = (QAbstractItemView, QGraphicsView)


def needs_name(widget: QWidget) -> bool:
    """Whether ``widget`` is a control or view a screen reader must be able to name."""
    if isinstance(widget, (QAbstractButton, *_INPUTS, *_VIEWS)):
        return True
    return type(widget).__name__ in VIEW_NAMES


def _clean(text: str) -> str:
    text = re.sub(r"<[^>]+>", "", text)  # rich-text tooltips
    text = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
    return " ".join(text.split()).rstrip(":").strip()


def _label_of(widget: QWidget) -> str:
    """The text of the label that names ``widget`` (a buddy or its form-layout label)."""
    parent = widget.parentWidget()
    while parent is not None:
        for label in parent.findChildren(QLabel):
            if label.buddy() is widget and label.text():
                return _clean(label.text())
        layout = parent.layout()
        if isinstance(layout, QFormLayout):
            label_widget = layout.labelForField(widget)
            if isinstance(label_widget, QLabel) and label_widget.text():
                return _clean(label_widget.text())
        if parent.isWindow():
            break
        parent = parent.parentWidget()
    return ""


def _humanised(name: str) -> str:
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).replace("_", " ").strip()
    return words[:1].upper() + words[1:].lower()


def derived_name(widget: QWidget) -> str:
    """The name a sighted user would give ``widget`` from what is shown next to it."""
    class_name = type(widget).__name__
    if class_name in VIEW_NAMES:
        return VIEW_NAMES[class_name]
    candidates: list[str] = []
    if isinstance(widget, QAbstractButton):
        candidates.append(widget.text())
        if isinstance(widget, QToolButton) and widget.defaultAction() is not None:
            action = widget.defaultAction()
            candidates.append(action.text() if action is not None else "")
    candidates.append(_label_of(widget))
    if isinstance(widget, QLineEdit):
        candidates.append(widget.placeholderText())
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        candidates.append(widget.placeholderText())
    candidates.append(widget.toolTip())
    candidates.append(widget.whatsThis())
    for text in candidates:
        cleaned = _clean(text or "")
        # Glyph-only texts ("◀", "▶") say nothing: fall through to the tooltip.
        if cleaned and any(ch.isalnum() for ch in cleaned):
            return cleaned
    if widget.objectName() and not widget.objectName().startswith("qt_"):
        return _humanised(widget.objectName())
    return _humanised(class_name.lstrip("Q"))


def name_widget(widget: QWidget) -> None:
    """Give ``widget`` a derived accessible name when it needs one and has none."""
    if needs_name(widget) and not widget.accessibleName():
        widget.setAccessibleName(derived_name(widget))


def name_all(root: QWidget) -> None:
    """Name ``root`` and every control and view under it (for widgets already shown)."""
    name_widget(root)
    for child in root.findChildren(QWidget):
        name_widget(child)
