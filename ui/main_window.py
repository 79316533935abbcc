"""The main window: products on the left, the tabs in the centre, gaps on the right.

It owns one :class:`~ui.controller.DocumentController` for its lifetime;
File ▸ Open swaps the document inside it (``controller.load``), so every
widget built with ``Widget(controller)`` stays connected. The calendar,
requests, workload, gaps, export and print widgets are imported lazily: a
placeholder stands in for any that is not installed.

A window never holds a plan that is not in a file. Until a document is open
(while it opens after the first paint, or when opening was cancelled) the
window shows a state page ("Opening Northwind demo…", "No plan open") and its
controller is read-only. A read-only document (locked by another window, or a
read-only file) is watched: when the other window saves, this one reloads it.
"""

from __future__ import annotations

import functools
import importlib
import sys
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QFileSystemWatcher, QSettings, QSize, Qt, QTimer, qVersion
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QToolButton,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from ui import documents
from ui.controller import DocumentController, NavTarget
from ui.documents import OpenError
from ui.plan_defaults import new_plan_defaults
from ui.product_editor import ProductEditor
from ui.product_list import SidePanel
from ui.status import StatusBar
from ui.theme import (
    app_icon,
    apply_theme,
    first_window_size,
    icon,
    theme_choice,
    themed_icon,
)

TABS = ("map", "calendar", "requests", "workload", "actuals", "content", "meetings")
TAB_TITLES = (
    "Cycle map",
    "Calendar",
    "Requests",
    "Workload",
    "Plan vs actual",
    "Content",
    "Meetings",
)
# The views of the tabs after the map, built when first shown: module, class, placeholder title.
TAB_VIEWS = {
    "calendar": ("ui.calendar_view", "CalendarView", "Calendar"),
    "requests": ("ui.requests_view", "RequestsView", "Requests"),
    "workload": ("ui.workload", "WorkloadChart", "Workload"),
    "actuals": ("ui.actuals_view", "ActualsView", "Plan vs actual"),
    "content": ("ui.content_view", "ContentView", "Content"),
    "meetings": ("ui.meetings_view", "MeetingsView", "Meetings"),
}
DATED_VIEWS = {"calendar", "requests", "content", "meetings"}  # they open on ``today``
NO_PLAN = "No plan open"
# A save in another window touches the file several times: reload once it settles.
RELOAD_DELAY_MS = 150


def _placeholder(title: str, reason: str) -> QWidget:
    widget = QWidget()
    layout = QVBoxLayout(widget)
    label = QLabel(f"<h3>{title}</h3><p>{reason}</p>")
    label.setProperty("role", "hint")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    layout.addWidget(label)
    widget.setObjectName("placeholder")
    return widget


def _scrollable(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


def optional_widget(
    module: str,
    cls: str,
    controller: DocumentController,
    parent: QWidget | None,
    title: str,
    **options: Any,
) -> QWidget:
    """``module.cls(controller, parent, **options)``, or a placeholder when ``module`` is
    not in this build. A widget that fails to build, or a module that misses another
    module, is a bug: it raises (and fails the tests) instead of hiding behind a placeholder."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return _placeholder(title, "Not installed in this build.")
    return getattr(mod, cls)(controller, parent, **options)


def about_text() -> str:
    """The About box: what Cadence is, and the versions of Cadence, Python and Qt."""
    app = QApplication.instance()
    version = app.applicationVersion() if app is not None else ""
    return (
        "<h3>Cadence</h3><p>Plan the touches your company sends its leads over each "
        "product's sales cycle — and see where a lead falls through the cracks.</p>"
        f"<p>Cadence {version or '(development)'} · Python {sys.version.split()[0]} · "
        f"Qt {qVersion()}</p>"
    )


def _icon_only(bar: QToolBar, action: QAction) -> None:
    """Show ``action``'s tool button with its icon alone (its text stays its tooltip)."""
    button = bar.widgetForAction(action)
    if isinstance(button, QToolButton):
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)


class MainWindow(QMainWindow):
    def __init__(
        self,
        controller: DocumentController,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
        defer_views: bool = False,
    ) -> None:
        """``defer_views``: the calendar, requests, workload and gaps views are built by
        :meth:`build_views` later (the app does it after the first paint)."""
        super().__init__(parent)
        self.controller = controller
        # The calendar and the requests open on today; tests pass a fixed day.
        self.today = today if today is not None else date.today()
        #: the state page's text while no document is open ("Opening …", NO_PLAN)
        self.empty_state: str | None = None
        self.open_cancelled = False
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._on_file_changed)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload_read_only)
        if controller.parent() is None:
            controller.setParent(self)  # lives and dies with the window
        self.settings = settings if settings is not None else documents.settings()
        self.setWindowIcon(app_icon())
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:  # a 1366 × 768 laptop gets a window that fits its screen
            area = screen.availableGeometry()
            self.resize(first_window_size(area.size()))
            self.move(area.topLeft())
        else:
            self.resize(1360, 840)

        self.side = SidePanel(controller)
        self.editor = ProductEditor(controller)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.editor, icon("map"), TAB_TITLES[0])
        # The other tabs' views are built the first time they are shown (or asked for);
        # until then their pages are empty. Scroll areas keep a wide page from widening
        # the whole window (1366 px screens).
        self._views: dict[str, QWidget] = {}
        self._views_built = False
        for name, title in zip(TABS[1:], TAB_TITLES[1:], strict=True):
            self.tabs.addTab(_scrollable(QWidget()), icon(name), title)
        self.tabs.currentChanged.connect(self._on_tab_shown)
        for i, title in enumerate(TAB_TITLES):
            self.tabs.setTabToolTip(i, title)
            self.tabs.tabBar().setAccessibleTabName(i, title)
        # A narrow window (1024 px) shows the tabs as icons rather than scrolling them.
        self.tabs.installEventFilter(self)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("mainSplitter")
        split.addWidget(self.side)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([270, 1100])
        split.setChildrenCollapsible(False)
        self.side.setMinimumWidth(230)
        self.state_label = QLabel()
        self.state_label.setObjectName("windowState")
        self.state_label.setProperty("role", "hint")
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state_label.setWordWrap(True)
        self.pages = QStackedWidget()
        self.pages.addWidget(split)
        self.pages.addWidget(self.state_label)
        self.setCentralWidget(self.pages)

        self.gaps_dock = QDockWidget("Gaps", self)
        self.gaps_dock.setObjectName("gapsDock")
        self.gaps_dock.setWidget(QWidget())
        self.gaps_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.gaps_dock)
        self.history = QUndoView(controller.undo_stack)
        self.history.setEmptyLabel("Opened")
        self.history_dock = QDockWidget("History", self)
        self.history_dock.setObjectName("historyDock")
        self.history_dock.setWidget(self.history)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.history_dock)
        self.history_dock.hide()
        # What-if: the open plan against the version opened or a plan file (Plan ▸ Compare with…).
        self.diff_dock = QDockWidget("What-if", self)
        self.diff_dock.setObjectName("diffDock")
        self.diff_dock.setWidget(QWidget())
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.diff_dock)
        self.diff_dock.hide()
        self.diff_dock.visibilityChanged.connect(self._on_diff_dock_shown)

        self.status = StatusBar(controller)
        self.setStatusBar(self.status)

        self._build_actions()
        self._build_menus()
        self._build_toolbar()

        self.side.sig_product_selected.connect(self.editor.set_product)
        self.side.sig_product_selected.connect(self._update_product_actions)
        self.side.sig_edit_teams.connect(self.edit_teams)
        self.side.sig_edit_broadcasts.connect(self.edit_broadcasts)
        self.side.sig_refused.connect(self.show_refused)
        self.editor.sig_message.connect(self._show_message)
        self.editor.act_cohorts.triggered.connect(self.edit_cohorts)
        controller.sig_navigate.connect(self.navigate)
        controller.sig_document_changed.connect(self._on_document_changed)
        controller.sig_store_error.connect(self._on_store_error)
        controller.undo_stack.cleanChanged.connect(self._update_title)
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(self._on_system_scheme)

        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        self._state_restored = state is not None and self.restoreState(state)
        self._docks_sized = False  # without a saved state, the docks are sized on first show
        if not defer_views:
            self.build_views()
        self._on_document_changed()

    def build_views(self) -> None:
        """Build the views the window shows now: the gaps panel and the current tab's view.

        The other tabs' views (calendar, requests, workload, plan vs actual, content) and the
        what-if panel are built the first time they are shown or asked for
        (``window.calendar``…): a start builds only what is on screen.
        """
        if self._views_built:
            return
        self._views_built = True
        from ui._cal_common import calendar_bus

        calendar_bus(self.controller).sig_show.connect(self._on_calendar_hint)
        self._on_tab_shown(self.tabs.currentIndex())
        self.gaps_panel  # noqa: B018 - builds it

    def tab_view(self, name: str) -> QWidget:
        """The view of tab ``name`` ("calendar", "requests", "workload", "actuals", "content",
        "meetings"),
        built now if it has not been shown yet."""
        view = self._views.get(name)
        if view is not None:
            return view
        module, cls, title = TAB_VIEWS[name]
        options: dict[str, Any] = {"today": self.today} if name in DATED_VIEWS else {}
        view = optional_widget(module, cls, self.controller, None, title, **options)
        self._views[name] = view
        area = self.tabs.widget(TABS.index(name))
        assert isinstance(area, QScrollArea)
        area.setWidget(view)  # deletes the empty page
        view.show()
        return view

    def _on_tab_shown(self, index: int) -> None:
        if 0 < index < len(TABS) and self._views_built:
            self.tab_view(TABS[index])

    def _on_calendar_hint(self, hint: object) -> None:
        """A view asks the calendar to show a filter and a week: build it if it is not yet
        (built during this signal, it would miss the hint)."""
        if "calendar" not in self._views:
            show_hint = getattr(self.tab_view("calendar"), "show_hint", None)
            if callable(show_hint):
                show_hint(hint)

    @property
    def calendar(self) -> QWidget:
        return self.tab_view("calendar")

    @property
    def requests(self) -> QWidget:
        return self.tab_view("requests")

    @property
    def workload(self) -> QWidget:
        return self.tab_view("workload")

    @property
    def actuals(self) -> QWidget:
        return self.tab_view("actuals")

    @property
    def content(self) -> QWidget:
        return self.tab_view("content")

    @property
    def meetings(self) -> QWidget:
        return self.tab_view("meetings")

    @property
    def gaps_panel(self) -> QWidget:
        panel = self._views.get("gaps")
        if panel is None:
            panel = optional_widget("ui.gaps_panel", "GapsPanel", self.controller, None, "Gaps")
            self._views["gaps"] = panel
            old = self.gaps_dock.widget()
            self.gaps_dock.setWidget(panel)
            panel.show()
            if old is not None:
                old.deleteLater()
        return panel

    @property
    def diff_panel(self) -> QWidget:
        """The what-if panel, built when first shown (Plan ▸ Compare with…) or asked for."""
        panel = self._views.get("diff")
        if panel is None:
            panel = optional_widget("ui.diff_panel", "DiffPanel", self.controller, None, "What-if")
            self._views["diff"] = panel
            old = self.diff_dock.widget()
            self.diff_dock.setWidget(panel)
            if old is not None:
                old.deleteLater()
        return panel

    def _on_diff_dock_shown(self, visible: bool) -> None:
        if visible:
            self.diff_panel  # noqa: B018 - builds it

    # -- actions and menus -----------------------------------------------------------

    def _action(
        self,
        text: str,
        slot: Any,
        icon_name: str | None = None,
        shortcut: Any = None,
        tip: str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if icon_name:
            themed_icon(action, icon_name)
        if shortcut is not None:
            if isinstance(shortcut, list):
                action.setShortcuts(shortcut)
            else:
                action.setShortcut(shortcut)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        stack = self.controller.undo_stack
        self.act_new = self._action("&New…", self.new_document, "new", QKeySequence.StandardKey.New)
        self.act_open = self._action(
            "&Open…", self.open_dialog, "open", QKeySequence.StandardKey.Open
        )
        self.act_open_shared = self._action(
            "Open S&hared Plan…",
            self.open_shared_dialog,
            "open",
            QKeySequence("Ctrl+Shift+O"),
            "Open a plan on a PostgreSQL server (postgresql://…?plan=NAME)",
        )
        self.act_save_as = self._action(
            "Save &As…",
            self.save_as,
            "save-as",
            QKeySequence("Ctrl+Shift+S"),
            "Continue in a copy of this plan (.cadence) or write it as JSON",
        )
        self.act_import = self._action(
            "&Import JSON…",
            self.import_dialog,
            "import",
            tip="Open a plan JSON file as a new document",
        )
        self.act_export_json = self._action(
            "Export &JSON…",
            self.export_json,
            "export",
            tip="Write the plan as JSON (diffable, scriptable)",
        )
        self.act_export = self._action(
            "&Export…",
            self.export_dialog,
            "export",
            QKeySequence("Ctrl+E"),
            "Export calendars (iCal), CSV or JSON",
        )
        self.act_print = self._action(
            "&Print / Export PDF…", self.print_dialog, "print", QKeySequence.StandardKey.Print
        )
        self.act_quit = self._action("&Quit", self.close, "quit", QKeySequence.StandardKey.Quit)

        self.act_undo = stack.createUndoAction(self, "&Undo")
        themed_icon(self.act_undo, "undo")
        self.act_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.act_redo = stack.createRedoAction(self, "&Redo")
        themed_icon(self.act_redo, "redo")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        # The stack's actions keep their text and enabled state; triggering goes through
        # the controller, which applies pending typing before it undoes.
        for act, slot in (
            (self.act_undo, self.controller.undo),
            (self.act_redo, self.controller.redo),
        ):
            act.triggered.disconnect()
            act.triggered.connect(slot)
        self.addAction(self.act_undo)
        self.addAction(self.act_redo)

        self.act_settings = self._action(
            "Plan &settings…",
            self.edit_settings,
            "settings",
            QKeySequence("Ctrl+,"),
            "Name, time zone, horizon, working days, holidays, blackouts, rules",
        )
        self.act_teams = self._action(
            "&Teams…",
            self.edit_teams,
            "teams",
            QKeySequence("Ctrl+Shift+T"),
            "Teams, their colours and weekly capacity",
        )
        self.act_broadcasts = self._action(
            "&Broadcasts…",
            self.edit_broadcasts,
            "broadcast",
            QKeySequence("Ctrl+Shift+B"),
            "Newsletters, meetings and other calendar-fixed touches",
        )
        self.act_signoff = self._action(
            "Sign &off…",
            self.sign_off,
            "lock",
            QKeySequence("Ctrl+Shift+K"),
            "Marketing and sales sign off products' touches; what changed since sign-off",
        )
        self.act_cohorts = self._action(
            "&Cohorts of this product…",
            self.edit_cohorts,
            "cohorts",
            tip="When this product's leads enter the cycle, and how many",
        )
        self.act_add_product = self._action(
            "Add &product",
            self.side.add_product,
            "product",
            QKeySequence("Ctrl+Shift+N"),
            "Add a product with a starter cycle",
        )
        self.act_duplicate_product = self._action(
            "D&uplicate product", self.side.duplicate_product, "duplicate"
        )
        self.act_delete_product = self._action("&Delete product…", self.delete_product, "delete")
        self.act_product_up = self._action(
            "Move product up", lambda: self.side.move_product(-1), "up", QKeySequence("Alt+Up")
        )
        self.act_product_down = self._action(
            "Move product down", lambda: self.side.move_product(1), "down", QKeySequence("Alt+Down")
        )
        self.act_add_stage = self.editor.act_add_stage
        self.act_add_stage.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.act_add_touch = self.editor.act_add_touch
        self.act_add_touch.setShortcut(QKeySequence("Ctrl+T"))

        self.act_compare = self._action(
            "&Compare with…",
            self.show_compare,
            "compare",
            QKeySequence("Ctrl+Shift+D"),
            "What-if: the plan against the version opened or another plan file",
        )
        self.tab_actions: list[QAction] = []
        for i, name in enumerate(TABS):
            act = self._action(
                TAB_TITLES[i],
                lambda _=False, n=name: self.show_tab(n),
                name,
                QKeySequence(f"Ctrl+{i + 1}"),
            )
            self.tab_actions.append(act)
        self.act_zoom_in = self._action(
            "Zoom &in", self.editor.map.zoom_in, None, QKeySequence.StandardKey.ZoomIn
        )
        self.act_zoom_out = self._action(
            "Zoom &out", self.editor.map.zoom_out, None, QKeySequence.StandardKey.ZoomOut
        )
        self.act_fit = self._action(
            "&Fit cycle to width", self.editor.map.fit_to_width, None, QKeySequence("Ctrl+0")
        )
        self.act_shortcuts = self._action(
            "&Keyboard shortcuts",
            self.show_shortcuts,
            tip="Every shortcut of the window, read from its menus and tables",
        )
        self.act_about = self._action("&About Cadence", self.about, "info")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        file.addActions([self.act_new, self.act_open, self.act_open_shared])
        self.recent_menu = file.addMenu("Open &Recent")
        themed_icon(self.recent_menu, "recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file.addAction(self.act_save_as)
        file.addSeparator()
        file.addActions([self.act_import, self.act_export_json])
        file.addSeparator()
        file.addActions([self.act_export, self.act_print])
        file.addSeparator()
        file.addAction(self.act_quit)

        edit = bar.addMenu("&Edit")
        edit.addActions([self.act_undo, self.act_redo])
        edit.addSeparator()
        edit.addAction(self.history_dock.toggleViewAction())

        plan = bar.addMenu("&Plan")
        plan.addActions([self.act_settings, self.act_teams, self.act_broadcasts, self.act_cohorts])
        plan.addSeparator()
        plan.addActions(
            [
                self.act_add_product,
                self.act_duplicate_product,
                self.act_delete_product,
                self.act_product_up,
                self.act_product_down,
            ]
        )
        plan.addSeparator()
        plan.addActions([self.act_add_stage, self.act_add_touch])
        plan.addSeparator()
        plan.addAction(self.act_compare)
        plan.addAction(self.act_signoff)

        view = bar.addMenu("&View")
        view.addActions(self.tab_actions)
        view.addSeparator()
        gaps_toggle = self.gaps_dock.toggleViewAction()
        gaps_toggle.setShortcut(QKeySequence("Ctrl+Shift+G"))
        view.addAction(gaps_toggle)
        view.addAction(self.history_dock.toggleViewAction())
        view.addAction(self.diff_dock.toggleViewAction())
        view.addSeparator()
        view.addActions([self.act_zoom_in, self.act_zoom_out, self.act_fit])
        view.addSeparator()
        theme = view.addMenu("&Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for key, label in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            act = theme.addAction(label)
            act.setCheckable(True)
            act.setChecked(theme_choice() == key)
            act.triggered.connect(lambda _=False, k=key: self.set_theme(k))
            group.addAction(act)
            self.theme_actions[key] = act

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.act_shortcuts)
        help_menu.addSeparator()
        help_menu.addAction(self.act_about)

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("mainToolBar")
        bar.setMovable(False)
        bar.setIconSize(QSize(18, 18))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(bar)
        for act in (self.act_undo, self.act_redo):
            bar.addAction(act)
            _icon_only(bar, act)
        bar.addSeparator()
        for act in (self.act_new, self.act_open):
            bar.addAction(act)
            _icon_only(bar, act)
        bar.addSeparator()
        for act in (self.act_add_product, self.act_add_stage, self.act_add_touch):
            bar.addAction(act)
        bar.addSeparator()
        for act in (self.act_settings, self.act_teams, self.act_broadcasts):
            bar.addAction(act)
        spacer = QWidget()
        from PySide6.QtWidgets import QSizePolicy

        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addAction(self.act_export)
        bar.addAction(self.act_print)
        _icon_only(bar, self.act_print)
        self.toolbar = bar
        # Short labels in the toolbar, full ones in the menus.
        for act, short in (
            (self.act_settings, "Plan settings"),
            (self.act_teams, "Teams"),
            (self.act_broadcasts, "Broadcasts"),
            (self.act_add_product, "Add product"),
            (self.act_add_stage, "Add stage"),
            (self.act_add_touch, "Add touch"),
            (self.act_export, "Export"),
        ):
            button = bar.widgetForAction(act)
            if button is not None:
                button.setText(short)  # type: ignore[attr-defined]

    # -- document state ------------------------------------------------------------------

    def show_opening(self, name: str) -> None:
        """The window's state while ``name`` opens: frame, menus and "Opening name…"."""
        self._show_empty(f"Opening {name}…")

    def show_no_plan(self) -> None:
        """Nothing open (opening failed or was cancelled): empty, read-only, nothing to lose."""
        self._show_empty(NO_PLAN)
        self.state_label.setText(
            f"<h3>{NO_PLAN}</h3><p>File ▸ Open, File ▸ New, File ▸ Open Shared Plan… "
            "or File ▸ Open Recent.</p>"
        )

    def _show_empty(self, text: str) -> None:
        self.empty_state = text
        self.controller.read_only = True  # the placeholder plan takes no edits
        self.state_label.setText(f"<h3>{text}</h3>")
        self.pages.setCurrentWidget(self.state_label)
        self.statusBar().hide()
        self._update_actions()
        self._update_title()

    def _on_document_changed(self) -> None:
        c = self.controller
        if c.path is not None or c.document is not None or self.empty_state is None:
            # A plan is shown (open, new, save as; or the controller's own plan).
            self.empty_state = None
            self.pages.setCurrentIndex(0)
            self.statusBar().show()
        self._watch_read_only()
        self._update_title()
        self._update_actions()
        current = self.side.current_product
        if current is None or c.plan.product(current) is None:
            self.side.select_product(c.plan.products[0].id if c.plan.products else None)
        self._update_product_actions()

    def _update_actions(self) -> None:
        c = self.controller
        has_plan = self.empty_state is None
        editable = has_plan and not c.read_only
        # A read-only plan can still be looked at in its dialogs (they open read-only).
        for act in (self.act_settings, self.act_teams, self.act_broadcasts):
            act.setEnabled(has_plan)
        for act in (self.act_save_as, self.act_export_json, self.act_export, self.act_print):
            act.setEnabled(has_plan)
        for act in (
            self.act_add_product,
            self.act_duplicate_product,
            self.act_delete_product,
            self.act_product_up,
            self.act_product_down,
        ):
            act.setEnabled(editable)

    def _show_message(self, message: str) -> None:
        self.status.showMessage(message, 8000)

    def _update_product_actions(self, *_args: Any) -> None:
        has = self.side.current_product is not None and self.empty_state is None
        editable = has and not self.controller.read_only
        self.act_cohorts.setEnabled(has)
        self.act_duplicate_product.setEnabled(editable)
        self.act_delete_product.setEnabled(editable)

    def _update_title(self, *_args: Any) -> None:
        c = self.controller
        if self.empty_state is not None:
            self.setWindowTitle(f"{self.empty_state} — Cadence")
            self.setWindowModified(False)
            return
        suffix = " (read-only)" if c.read_only else ""
        self.setWindowTitle(f"{c.display_name}[*]{suffix} — Cadence")
        # Every edit of a document is saved as it is made: no "*" beside "all changes saved".
        self.setWindowModified(c.document is None and not c.undo_stack.isClean())
        if c.path is not None:
            self.setWindowFilePath(str(c.path))

    def _on_store_error(self, message: str) -> None:
        documents.show_error(self, "Not saved", message)

    def show_refused(self, message: str) -> None:
        self.status.showMessage(f"Not applied: {message}", 10000)

    # -- navigation ---------------------------------------------------------------------------

    def show_tab(self, name: str) -> None:
        if name in TABS:
            self.tabs.setCurrentIndex(TABS.index(name))

    def navigate(self, target: NavTarget) -> None:
        tab = target.tab
        if tab is None:
            tab = "map" if (target.stage or target.touch) else "calendar" if target.day else None
        if target.product is not None and target.product != self.side.current_product:
            self.side.select_product(target.product)
        if target.stage is not None or target.touch is not None:
            self.editor.select(target.stage, target.touch)
        if tab is not None:
            unbuilt = tab in TAB_VIEWS and tab not in self._views
            self.show_tab(tab)
            if unbuilt:
                # Built just now, during this signal: the view missed the target.
                on_navigate = getattr(self.tab_view(tab), "_on_navigate", None)
                if callable(on_navigate):
                    on_navigate(target)
        if target.day is not None:
            go_to = getattr(self.calendar, "go_to", None)
            if callable(go_to):
                go_to(target.day)

    # -- documents --------------------------------------------------------------------------------

    def _start_dir(self) -> Path:
        if self.controller.path is not None:
            return self.controller.path.parent
        return documents.data_dir()

    def open_path(self, path: Path, read_only: bool = False, reason: str = "") -> bool:
        """Open a .cadence (or import a .json) in this window; dialogs explain any failure.

        ``reason`` says why a read-only document is read-only (shown in its dialogs).
        """
        path = Path(path)
        self.open_cancelled = False  # set when the user declines to open it read-only
        if (
            self.controller.path is not None
            and path.resolve() == self.controller.path.resolve()
            and path.suffix.lower() == ".cadence"
        ):
            return True
        self.editor.lead.commit()
        try:
            if path.suffix.lower() == ".json":
                opened = documents.import_json(path)
            else:
                opened = documents.open_cadence(path, read_only=read_only)
        except OpenError as error:
            if error.can_open_read_only and not read_only:
                if documents.ask_open_read_only(self, error):
                    return self.open_path(path, read_only=True, reason=error.read_only_reason)
                self.open_cancelled = True
                return False
            documents.show_open_error(self, error)
            return False
        if opened.read_only:
            opened.note = opened.note or "read-only"
            self.controller.read_only_reason = reason or documents.read_only_reason(path)
        self._show_opened(opened)
        return True

    def _show_opened(self, opened: documents.Opened) -> None:
        if not opened.read_only:
            self.controller.read_only_reason = ""
        self.controller.load(opened.plan, opened.path, opened.document)
        documents.add_recent(self.settings, opened.path)
        note = f" ({opened.note})" if opened.note else ""
        self.status.showMessage(f"Opened {opened.path.name}{note}", 6000)

    def open_shared_dialog(self) -> bool:
        """File ▸ Open shared plan… (ui/shared_open.py)."""
        from ui.shared_open import open_shared_dialog

        return open_shared_dialog(self)

    def open_shared(self, url: str) -> bool:
        """Open the shared plan at ``url`` (a password is asked for only when needed)."""
        from ui.shared_open import open_shared_address

        return open_shared_address(self, url)

    def open_dialog(self) -> None:
        path = documents.ask_open_path(self, "Open a plan", self._start_dir())
        if path is not None:
            self.open_path(path)

    def import_dialog(self) -> None:
        path = documents.ask_open_path(
            self, "Import a plan JSON file", self._start_dir(), "Plan JSON (*.json)"
        )
        if path is not None:
            self.open_path(path)

    def new_document(self) -> bool:
        path = documents.ask_save_path(
            self,
            "New plan",
            documents.free_path(self._start_dir() / "New plan.cadence"),
            "Cadence documents (*.cadence)",
        )
        if path is None:
            return False
        path = path.with_suffix(".cadence")
        plan = new_plan_defaults(documents.starter_plan(path.stem, self.today))
        try:
            opened = documents.create(path, plan)
        except OpenError as error:
            documents.show_open_error(self, error)
            return False
        self._show_opened(opened)
        return True

    def save_as(self) -> bool:
        """Continue in a copy (.cadence), or write the plan as JSON."""
        c = self.controller
        start = self._start_dir() / (c.path.stem + " copy.cadence" if c.path else "plan.cadence")
        path = documents.ask_save_path(
            self, "Save plan as", start, "Cadence documents (*.cadence);;Plan JSON (*.json)"
        )
        if path is None:
            return False
        if path.suffix.lower() == ".json":
            return self.write_json(path)
        if c.path is not None and path.resolve() == c.path.resolve():
            return True
        self.editor.lead.commit()
        try:
            opened = documents.create(path, c.plan)
        except OpenError as error:
            documents.show_open_error(self, error)
            return False
        assert opened.document is not None
        c.attach(opened.document, opened.path)
        documents.add_recent(self.settings, opened.path)
        self.status.showMessage(f"Saved as {opened.path.name}; edits now go there", 6000)
        return True

    def export_json(self) -> bool:
        c = self.controller
        start = self._start_dir() / ((c.path.stem if c.path else "plan") + ".json")
        path = documents.ask_save_path(self, "Export the plan as JSON", start, "Plan JSON (*.json)")
        if path is None:
            return False
        return self.write_json(path.with_suffix(".json"))

    def write_json(self, path: Path) -> bool:
        from cadence.formats.plan_io import PlanFileError, write_plan_file

        self.editor.lead.commit()
        try:
            write_plan_file(self.controller.plan, path)
        except PlanFileError as exc:
            documents.show_error(self, "Export failed", str(exc))
            return False
        self.status.showMessage(f"Wrote {path.name}", 6000)
        return True

    def _fill_recent(self) -> None:
        menu: QMenu = self.recent_menu
        menu.clear()
        files = documents.recent_files(self.settings)
        for path in files:
            if isinstance(path, str):  # a shared plan, by its URL (never with a password)
                shared = menu.addAction(path, functools.partial(self.open_shared, path))
                shared.setToolTip(path)
                continue
            act = menu.addAction(path.name, functools.partial(self.open_path, path))
            act.setToolTip(str(path))
            act.setStatusTip(str(path))
            act.setEnabled(path.exists())
        if not files:
            menu.addAction("No recent files").setEnabled(False)
        menu.addSeparator()
        menu.addAction("Clear the list", lambda: documents.clear_recent(self.settings))

    # -- dialogs ------------------------------------------------------------------------------------

    def _run(self, dialog: Any) -> bool:
        try:
            return bool(dialog.exec())
        finally:
            dialog.deleteLater()  # a child of the window: it would live as long as the window

    def edit_settings(self) -> bool:
        from ui.settings_dialog import PlanSettingsDialog

        return self._run(PlanSettingsDialog(self.controller, self))

    def edit_teams(self) -> bool:
        from ui.teams_dialog import TeamsDialog

        return self._run(TeamsDialog(self.controller, self))

    def sign_off(self) -> bool:
        """Plan ▸ Sign off…: products' sign-off states, the diff since, and signing."""
        from ui.signoff_dialog import SignoffDialog

        dialog = SignoffDialog(self.controller, self, self.side.current_product)
        dialog.exec()
        return True

    def edit_broadcasts(self) -> bool:
        from ui.broadcasts_dialog import BroadcastsDialog

        return self._run(BroadcastsDialog(self.controller, self))

    def edit_cohorts(self) -> bool:
        from ui.cohorts_dialog import CohortsDialog

        pid = self.side.current_product
        if pid is None:
            return False
        return self._run(CohortsDialog(self.controller, pid, self))

    def delete_product(self) -> bool:
        return self.side.confirm_delete_product()

    def export_dialog(self) -> None:
        try:
            from ui.export_dialog import ExportDialog
        except ImportError:
            documents.show_error(
                self, "Export", "The export dialog is not installed in this build."
            )
            return
        dialog = ExportDialog(self.controller, self)
        try:
            dialog.exec()
        finally:
            if isinstance(dialog, QDialog):
                dialog.deleteLater()  # a child of the window: it would live as long as it

    def print_dialog(self) -> None:
        try:
            from ui.printing import print_dialog
        except ImportError:
            documents.show_error(self, "Print", "Printing is not installed in this build.")
            return
        print_dialog(self.controller, self)
        for dialog in self.findChildren(QDialog, options=Qt.FindChildOption.FindDirectChildrenOnly):
            dialog.deleteLater()  # print_dialog leaves its dialog a child of the window

    def show_shortcuts(self) -> bool:
        from ui.shortcuts_dialog import ShortcutsDialog

        for name in TAB_VIEWS:  # their own shortcuts (e.g. Esc clears the calendar's search)
            self.tab_view(name)

        return self._run(ShortcutsDialog(self))

    def about(self) -> None:
        QMessageBox.about(self, "About Cadence", about_text())

    # -- theme ---------------------------------------------------------------------------------------

    def set_theme(self, choice: str) -> None:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        apply_theme(app, choice)
        self.settings.setValue("theme", choice)
        self.refresh_theme()

    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802
        if watched is self.tabs and event.type() == QEvent.Type.Resize:
            self._fit_tab_titles()
        return super().eventFilter(watched, event)

    def _fit_tab_titles(self) -> None:
        """Tab titles when they fit the tab bar, icons only (titles in tooltips) when not."""
        bar = self.tabs.tabBar()
        for i, title in enumerate(TAB_TITLES):
            bar.setTabText(i, title)
        if bar.sizeHint().width() > self.tabs.width():
            for i in range(len(TAB_TITLES)):
                bar.setTabText(i, "")

    def show_compare(self) -> None:
        """Show the what-if panel (comparing with the version opened until a file is chosen)."""
        self.build_views()
        built = "diff" in self._views  # else it is built, and compares, as it is shown
        self.diff_dock.show()
        self.diff_dock.raise_()
        refresh = getattr(self.diff_panel, "refresh", None)
        if built and refresh is not None:
            refresh()

    def _on_system_scheme(self, *_args: Any) -> None:
        if theme_choice() == "system":
            self.set_theme("system")

    def refresh_theme(self) -> None:
        """Repaint what draws its own colours (themed icons follow by themselves)."""
        for i, name in enumerate(TABS):
            self.tabs.setTabIcon(i, icon(name))
        self.side._fill_side_lists()
        self.editor._update_header()
        self.editor.map.rebuild()
        self.update()

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._state_restored and not self._docks_sized:
            self._docks_sized = True
            # The map needs the width more than the gaps list does.
            width = max(250, min(300, self.width() // 5))
            self.resizeDocks([self.gaps_dock], [width], Qt.Orientation.Horizontal)

    # -- a read-only document follows the window that edits it ----------------------------------

    def _watch_read_only(self) -> None:
        """Watch the file of a read-only document; stop watching anything else."""
        c = self.controller
        watched = self._watcher.files()
        if watched:
            self._watcher.removePaths(watched)
        if c.read_only and c.document is not None and c.path is not None:
            self._watcher.addPath(str(c.path))

    def _on_file_changed(self, _path: str) -> None:
        self._reload_timer.start()  # (re)start: one reload once the writes settle

    def reload_read_only(self) -> bool:
        """Show the read-only document as it is on disk now (another window saved it)."""
        c = self.controller
        if not c.read_only or c.path is None or c.document is None:
            return False
        path = c.path
        if not path.exists():  # replaced by a rename: the next change brings it back
            return False
        try:
            opened = documents.open_cadence(path, read_only=True)
        except OpenError:
            self._watch_read_only()
            return False
        if opened.plan == c.plan:
            assert opened.document is not None
            opened.document.close()
            self._watch_read_only()  # a rename drops the watch: take it again
            return False
        tab = self.tabs.currentIndex()
        c.load(opened.plan, path, opened.document)
        self.tabs.setCurrentIndex(tab)
        self.status.showMessage(f"Reloaded {path.name}: it was saved in another window", 8000)
        return True

    # -- closing ---------------------------------------------------------------------------------------

    def has_unsaved_edits(self) -> bool:
        """Edits that are in no file: a plan never opened from a file, then changed."""
        c = self.controller
        return (
            self.empty_state is None
            and c.path is None
            and c.document is None
            and not c.undo_stack.isClean()
        )

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.editor.lead.commit()
        if self.has_unsaved_edits():
            answer = documents.ask_unsaved(self, self.controller.plan.name)
            if answer == "cancel" or (answer == "save" and not self.save_as()):
                event.ignore()
                return
        if self._watcher.files():
            self._watcher.removePaths(self._watcher.files())
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.controller.close()
        super().closeEvent(event)
