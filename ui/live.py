"""A window's live link to a shared plan: changes by others, conflicts, lost connections, roles.

:class:`LiveLink` lives beside the window while it shows a shared plan
(:class:`cadence.store.shared.document.SharedDocument`):

- **Live.** It LISTENs for the plan's change notices (PostgreSQL NOTIFY, sent on
  every commit) on its own connection and watches that connection's socket with a
  ``QSocketNotifier``: nothing polls. When someone else commits, the window re-reads
  only the objects named and the controller re-plans only the products that differ.
  Notices of our own saves (the revision we already hold) are skipped. A notice can
  be missed (its sender killed between its commit and its notice): after
  ``IDLE_CHECK_SECONDS`` without one the link asks the server which objects differ
  from those held (one query) and re-reads them; a "reload" notice (a save too big
  to name its objects) is answered the same way.
- **Conflict.** A save based on a stale object is refused by the store; the window
  shows the message (who changed what and when), no undo step is kept, and the link
  re-reads that object.
- **Disconnected.** When the listening connection (or a save) fails, a banner says
  so and the plan turns read-only (actions disabled: nothing is queued). A timer
  retries with backoff (0.5 s, 1 s, 2 s … 15 s); once back, the whole plan is
  re-read (notices sent meanwhile were missed) and edits are on again.
- **Roles.** A viewer gets the plan read-only; a sales login opens on the Requests
  tab, every other edit action off with the reason in its tooltip, and the controller
  refuses any edit but its team's requests (the database enforces the same).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSocketNotifier, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QToolBar

from cadence.store.shared.document import SharedDocument, SharedStoreError, sales_refusal
from cadence.store.shared.live import (
    IDLE_CHECK_SECONDS,
    ChangeNotice,
    PlanListener,
    RefreshThrottle,
)

if TYPE_CHECKING:
    from ui.main_window import MainWindow

FIRST_RETRY_MS = 500
LAST_RETRY_MS = 15000
# The plan's edit actions (window, map editor, product list): off for a sales login
# (it works in the Requests tab) and while disconnected, whoever else turns them on.
PLAN_ACTIONS = {
    "window": (
        "act_settings",
        "act_teams",
        "act_broadcasts",
        "act_cohorts",
        "act_add_product",
        "act_duplicate_product",
        "act_delete_product",
        "act_product_up",
        "act_product_down",
    ),
    "editor": (
        "act_add_stage",
        "act_add_touch",
        "act_delete_stage",
        "act_delete_touch",
        "act_duplicate_touch",
        "act_stage_up",
        "act_stage_down",
        "act_delete_stage_key",
        "act_delete_touch_key",
        "act_delete_map_key",
    ),
    "side": ("act_delete_key",),
}
# Dialogs a read-only plan still opens (read-only): only a sales login loses them.
VIEWABLE = {"act_settings", "act_teams", "act_broadcasts", "act_cohorts"}


def stale_keys(document: SharedDocument, notices: Iterable[ChangeNotice]) -> set[tuple[str, str]]:
    """The objects the notices name that this window does not hold yet (our own saves'
    notices carry the revision we already have)."""
    keys = set()
    for notice in notices:
        held = document.revision(*notice.key)
        if notice.op == "delete" and held is None:
            continue  # we removed it ourselves
        if notice.op != "delete" and held == notice.revision:
            continue  # our own save, or already re-read
        keys.add(notice.key)
    return keys


def describe(keys: Iterable[tuple[str, str]]) -> str:
    """'stage analytics/aware, team mkt' (at most three named)."""
    names = sorted(f"{kind} {oid}".strip() for kind, oid in keys)
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return ", ".join(names[:3]) + more


class LiveLink(QObject):
    """See the module doc. One per window; :meth:`attach` makes or replaces it."""

    #: "live" | "disconnected"
    sig_state = Signal(str)
    #: after re-reading others' changes: the object keys re-read
    sig_refreshed = Signal(object)

    def __init__(self, window: MainWindow, document: SharedDocument) -> None:
        super().__init__(window)
        self.window = window
        self.controller = window.controller
        self.document = document
        self.state = "live"
        self._stopped = False
        #: milliseconds from a notice's arrival to the re-planned plan (last one)
        self.refresh_ms = 0.0
        self.retry_ms = FIRST_RETRY_MS
        self._listener: PlanListener | None = None
        self._notifier: QSocketNotifier | None = None
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.reconnect)
        #: fires after IDLE_CHECK_SECONDS without a notice: ask for missed changes
        self.idle_check = QTimer(self)
        self.idle_check.setSingleShot(True)
        self.idle_check.setInterval(int(IDLE_CHECK_SECONDS * 1000))
        self.idle_check.timeout.connect(self.check_missed)
        # Others' notices are applied at once after a quiet spell, and during a burst of
        # their saves once per REFRESH_EVERY_SECONDS with all those held meanwhile.
        self.throttle = RefreshThrottle()
        self._held: list[ChangeNotice] = []
        self._held_since = 0.0  # perf_counter of the first notice held
        #: fires when the notices held are due (see RefreshThrottle)
        self.refresh_due = QTimer(self)
        self.refresh_due.setSingleShot(True)
        self.refresh_due.timeout.connect(self._apply_held)
        self.banner = self._make_banner()
        self.role_label = QLabel()
        self.role_label.setObjectName("sharedRole")
        self.role_label.setProperty("role", "badge")
        window.status.addPermanentWidget(self.role_label)
        self.controller.sig_store_error.connect(self._on_store_error)
        self.controller.sig_document_changed.connect(self._on_document_changed)
        window.installEventFilter(self)
        self._guarded = self._plan_actions()
        self._tips = {id(a): (a.toolTip(), a.statusTip()) for _, a in self._guarded}
        for name, action in self._guarded:
            action.changed.connect(lambda n=name, a=action: self._keep_off(n, a))

    # -- life ---------------------------------------------------------------------------

    @classmethod
    def attach(cls, window: MainWindow, document: SharedDocument) -> LiveLink:
        """Link ``window`` (whose controller just loaded ``document``) to the server."""
        old = getattr(window, "live", None)
        if isinstance(old, LiveLink):
            old.stop()
        link = cls(window, document)
        window.live = link  # type: ignore[attr-defined]
        link.apply_role()
        try:
            link._listen()
        except Exception as exc:  # noqa: BLE001 - any connection failure: retry
            link.disconnected(f"cannot listen for changes ({_reason(exc)})")
        return link

    def stop(self) -> None:
        """Another document replaced the shared plan in this window: let go of the server."""
        if self._stopped:
            return
        self._stopped = True
        for _, action in self._guarded:  # the tooltips a sales login's reason replaced
            tip, status_tip = self._tips[id(action)]
            action.setToolTip(tip)
            action.setStatusTip(status_tip)
        self._retry.stop()
        self.idle_check.stop()
        self._drop_listener()
        self.window.removeEventFilter(self)
        self.banner.hide()
        self.window.removeToolBar(self.banner)
        self.banner.deleteLater()
        self.window.status.removeWidget(self.role_label)
        self.role_label.deleteLater()
        for signal, slot in (
            (self.controller.sig_store_error, self._on_store_error),
            (self.controller.sig_document_changed, self._on_document_changed),
        ):
            signal.disconnect(slot)
        if getattr(self.window, "live", None) is self:
            self.window.live = None
        self.deleteLater()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.window and event.type() == QEvent.Type.Close:
            self._retry.stop()  # the window closes its document; the listener goes too
            self.idle_check.stop()
            self._drop_listener()
        return False

    def _listen(self) -> None:
        location = self.document.shared.location
        self._listener = PlanListener(location.address, password=location.database.password)
        self._notifier = QSocketNotifier(self._listener.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_readable)
        self.idle_check.start()

    def _drop_listener(self) -> None:
        self.idle_check.stop()
        self.refresh_due.stop()
        self._held = []  # a new listener re-reads the whole plan: nothing held matters
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self._listener is not None:
            try:
                self._listener.close()
            except Exception:  # noqa: BLE001 - a dead connection closes with an error
                pass
            self._listener = None

    # -- others' changes ---------------------------------------------------------------

    def _on_readable(self) -> None:
        if self._listener is None:
            return
        started = time.perf_counter()
        try:
            notices = self._listener.poll(0)
        except Exception as exc:  # noqa: BLE001 - psycopg: the connection is gone
            self.disconnected(f"the connection to the server was lost ({_reason(exc)})")
            return
        self.idle_check.start()  # restarted: the server spoke, nothing is due yet
        if not notices:
            return
        if not self._held:
            self._held_since = started
        self._held += notices
        wait = self.throttle.wait(time.monotonic())
        if wait <= 0:
            self._apply_held()
        elif not self.refresh_due.isActive():
            self.refresh_due.start(max(1, round(wait * 1000)))

    @property
    def held(self) -> tuple[ChangeNotice, ...]:
        """Others' notices received and not applied yet (a burst, until the refresh is due)."""
        return tuple(self._held)

    def _apply_held(self) -> None:
        """Apply the notices held (see RefreshThrottle)."""
        self.refresh_due.stop()
        notices, self._held = self._held, []
        if notices and self.state == "live":
            self.apply_notices(notices, self._held_since)
            self.throttle.applied(time.monotonic())

    def apply_notices(self, notices: Iterable[ChangeNotice], started: float | None = None) -> None:
        """Re-read the objects others changed and show the plan (re-planning only them)."""
        started = started if started is not None else time.perf_counter()
        notices = list(notices)
        if any(n.reload_all for n in notices):  # too many to name: ask what differs
            self.check_missed()
            return
        keys = stale_keys(self.document, notices)
        if keys:
            self.reload(keys, f"Changed by others: {describe(keys)}")
            self.refresh_ms = (time.perf_counter() - started) * 1000

    def check_missed(self) -> None:
        """Ask the server which objects differ from those held (one query) and re-read
        them: the safety net for a notice that never came, run when no notice came for
        ``IDLE_CHECK_SECONDS``."""
        if self.state != "live" or self._listener is None:
            return
        try:
            keys = self.document.stale_objects()
        except SharedStoreError as exc:
            self.disconnected(str(exc))
            return
        if keys:
            self.reload(keys, f"Changed by others: {describe(keys)}")
        if self.state == "live":
            self.idle_check.start()

    def reload(self, keys: set[tuple[str, str]], message: str) -> bool:
        from cadence.validate import PlanInvalid

        try:
            plan = self.document.refresh(keys)
        except SharedStoreError as exc:
            self.disconnected(str(exc))
            return False
        except PlanInvalid:  # another edit made the combination invalid: read it all
            try:
                plan = self.document.load()
            except (SharedStoreError, PlanInvalid) as exc:
                self.window.status.showMessage(f"Could not reload: {exc}", 10000)
                return False
        self.controller.show_remote(plan)
        self.window.status.showMessage(message, 8000)
        self.sig_refreshed.emit(keys)
        return True

    def _on_store_error(self, _message: str) -> None:
        failure = self.document.last_error
        if failure is None:
            return
        if failure.conflict is not None:
            key = (failure.conflict.kind, failure.conflict.object_id)
            # After the refused command is dropped: not from inside the undo stack's push.
            QTimer.singleShot(0, lambda: self.reload({key}, f"Reloaded {describe([key])}"))
        elif failure.lost:
            QTimer.singleShot(0, lambda: self.disconnected(str(failure)))

    # -- lost and found ------------------------------------------------------------------

    def disconnected(self, reason: str) -> None:
        """Say so, turn edits off (nothing is queued), and retry with backoff."""
        if self.state == "disconnected":
            return
        self.state = "disconnected"
        self._drop_listener()
        self.retry_ms = FIRST_RETRY_MS
        self._set_read_only(
            True,
            f"Disconnected from {self.document.label}: edits are off until Cadence reconnects.",
        )
        self._show_banner(reason)
        self._retry.start(self.retry_ms)
        self.sig_state.emit(self.state)

    def reconnect(self) -> bool:
        """Listen again, then re-read the whole plan (notices sent meanwhile were missed)."""
        try:
            self._listen()
            plan = self.document.load()
        except Exception as exc:  # noqa: BLE001 - still down: try again later
            self._drop_listener()
            self.retry_ms = min(self.retry_ms * 2, LAST_RETRY_MS)
            self._show_banner(f"still unreachable ({_reason(exc)})")
            self._retry.start(self.retry_ms)
            return False
        self.state = "live"
        self.banner.hide()
        self.controller.show_remote(plan)
        self.apply_role()
        self.window.status.showMessage(
            f"Reconnected to {self.document.label}; reloaded the plan", 8000
        )
        self.sig_state.emit(self.state)
        return True

    def _make_banner(self) -> QToolBar:
        bar = QToolBar("Connection", self.window)
        bar.setObjectName("sharedBanner")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.toggleViewAction().setVisible(False)
        self.banner_label = QLabel()
        self.banner_label.setObjectName("sharedBannerText")
        self.banner_label.setProperty("role", "error")  # themed: both palettes
        self.banner_label.setTextFormat(Qt.TextFormat.PlainText)
        self.banner_label.setAccessibleName("Connection state")
        bar.addWidget(self.banner_label)
        self.act_reconnect = QAction("Reconnect now", bar)
        self.act_reconnect.setToolTip("Try to reach the server now")
        self.act_reconnect.triggered.connect(self._reconnect_now)
        bar.addAction(self.act_reconnect)
        self.window.addToolBarBreak()
        self.window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        bar.hide()
        return bar

    def _reconnect_now(self) -> None:
        self._retry.stop()
        self.reconnect()

    def _show_banner(self, reason: str) -> None:
        seconds = self.retry_ms / 1000
        self.banner_label.setText(
            "⚠ Disconnected from the server — edits are off, nothing is queued. "
            f"Retrying in {seconds:g} s."
        )
        self.banner_label.setToolTip(reason)  # the whole reason; the line fits 1024 px
        self.banner.show()

    # -- roles ------------------------------------------------------------------------------

    def apply_role(self) -> None:
        """Viewer: read-only. Sales: the Requests tab, its team's requests only."""
        member = self.document.membership
        c = self.controller
        self.role_label.setText(
            {"planner": "Shared", "sales": "Sales", "viewer": "Viewer"}[member.role]
        )
        self.role_label.setToolTip(member.reason or f"{member.login}: planner (edits the plan)")
        if member.role == "viewer":
            self._set_read_only(True, member.reason)
            return
        if member.role == "sales":
            team = member.team
            c.edit_policy = lambda old, new: sales_refusal(old, new, team)
            c.structure_locked = member.reason
            for _, action in self._guarded:
                action.setToolTip(member.reason)
                action.setStatusTip(member.reason)
        self._set_read_only(False)
        if member.role == "sales":
            self.window.show_tab("requests")
            self.window.status.showMessage(member.reason, 10000)
            combo = getattr(self.window.requests, "requester_combo", None)
            if combo is not None and combo.findData(team) >= 0:
                combo.setCurrentIndex(combo.findData(team))

    def _on_document_changed(self) -> None:
        if self.controller.document is not self.document:
            self.stop()
            return
        for name, action in self._guarded:
            self._keep_off(name, action)

    def _plan_actions(self) -> list[tuple[str, QAction]]:
        owners = {"window": self.window, "editor": self.window.editor, "side": self.window.side}
        found: list[tuple[str, QAction]] = []
        for owner, names in PLAN_ACTIONS.items():
            for name in names:
                action = getattr(owners[owner], name, None)
                if isinstance(action, QAction) and all(a is not action for _, a in found):
                    found.append((name, action))
        return found

    def _keep_off(self, name: str, action: QAction) -> None:
        """Whoever turns a plan edit action on: off again for sales, and while disconnected."""
        if self._stopped or not action.isEnabled() or self.controller.document is not self.document:
            return  # another document is taking over the window
        sales = self.document.membership.role == "sales"
        if sales or (self.state == "disconnected" and name not in VIEWABLE):
            action.setEnabled(False)

    def _set_read_only(self, read_only: bool, reason: str = "") -> None:
        """The controller's read-only state, and the map editor's actions re-evaluated."""
        self.controller.set_read_only(read_only, reason)
        editor = self.window.editor
        editor.set_product(editor.product_id)


def _reason(exc: BaseException) -> str:
    from cadence.store.shared.url import redact

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return redact(text)
