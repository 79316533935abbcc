"""Help ▸ Keyboard shortcuts: the window's shortcuts, read from its actions.

The list is built from the live ``QAction`` objects (menu by menu, then the
actions of lists and tables such as Delete), so it cannot drift from what the
keys really do. Preview: ``python -m ui.shortcuts_dialog``.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMainWindow,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

#: the group of shortcuts that belong to no menu (Delete in tables and lists, Esc in search)
ELSEWHERE = "In lists, tables and fields"


def _clean(text: str) -> str:
    """ "&Delete product…" → "Delete product" (mnemonics and ellipsis off)."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def keys_text(action: QAction) -> str:
    return ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())


def _menu_actions(menu: QMenu) -> list[QAction]:
    found: list[QAction] = []
    for action in menu.actions():
        submenu = action.menu()
        if isinstance(submenu, QMenu):
            found.extend(_menu_actions(submenu))
        elif not action.isSeparator():
            found.append(action)
    return found


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str, str]]:
    """(group, action, keys) for every action of ``window`` that has a shortcut.

    Menu actions come under their menu's title, in menu order; the others (the
    Delete keys of the tables and the product list) under :data:`ELSEWHERE`.
    """
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()
    for top in window.menuBar().actions():
        menu = top.menu()
        if not isinstance(menu, QMenu):
            continue
        for action in _menu_actions(menu):
            if action.shortcuts() and id(action) not in seen:
                seen.add(id(action))
                rows.append((_clean(menu.title()), _clean(action.text()), keys_text(action)))
    others = [
        (ELSEWHERE, _clean(action.text()), keys_text(action))
        for action in window.findChildren(QAction)
        if action.shortcuts() and id(action) not in seen and action.text()
    ]
    return rows + sorted(set(others))


class ShortcutsDialog(QDialog):
    """A read-only list of the window's shortcuts, grouped by menu."""

    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else window)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(480, 560)
        self.tree = QTreeWidget()
        self.tree.setObjectName("shortcutList")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Action", "Shortcut"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        groups: dict[str, QTreeWidgetItem] = {}
        for group, text, keys in shortcut_rows(window):
            parent_item = groups.get(group)
            if parent_item is None:
                parent_item = QTreeWidgetItem(self.tree, [group])
                font = parent_item.font(0)
                font.setBold(True)
                parent_item.setFont(0, font)
                parent_item.setFirstColumnSpanned(True)
                groups[group] = parent_item
            QTreeWidgetItem(parent_item, [text, keys])
        self.tree.expandAll()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str, str]]:
        """What the dialog lists: (group, action, keys)."""
        found = []
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            assert group is not None  # i < topLevelItemCount()
            for j in range(group.childCount()):
                item = group.child(j)
                assert item is not None  # j < childCount()
                found.append((group.text(0), item.text(0), item.text(1)))
        return found


def _preview(controller: object) -> QWidget:
    from ui.main_window import MainWindow

    window = MainWindow(controller)  # type: ignore[arg-type]
    return ShortcutsDialog(window)


if __name__ == "__main__":
    import sys

    from ui.preview import run_preview

    sys.exit(
        run_preview("ui.shortcuts_dialog", _preview, title="Keyboard shortcuts", size=(480, 560))
    )
