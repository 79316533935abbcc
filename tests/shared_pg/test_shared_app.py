"""The app on a shared plan, against a real PostgreSQL server: open, live, conflict, disconnect, roles.

Windows are built as the app builds them (``build_window([URL], settings)``, i.e.
``python main.py postgresql://…``); other people are other windows in this process,
raw SQL, or a ``python main.py request … --save`` subprocess from a sales login.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent, QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit  # noqa: E402

from cadence.demo import demo_plan  # noqa: E402
from cadence.store.shared.live import ChangeNotice  # noqa: E402
from cadence.store.shared.plans import open_shared_plan  # noqa: E402
from cli.main import main  # noqa: E402
from ui import app as app_module  # noqa: E402
from ui import documents, shared_open  # noqa: E402
from ui.shared_open import OpenSharedDialog  # noqa: E402

TODAY = date(2027, 3, 9)
ROOT = Path(__file__).resolve().parents[2]
SECRET = "pw-only-typed-9431"


@pytest.fixture(autouse=True)
def no_window_outlives_its_test(qapp):
    yield
    for widget in QApplication.topLevelWidgets():
        if widget.parent() is None:
            widget.close()
            widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


@pytest.fixture
def errors(monkeypatch) -> list[tuple[str, str]]:
    """What the windows showed in error boxes (title, message)."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(documents, "show_error", lambda _p, title, msg: shown.append((title, msg)))
    return shown


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def pg_db(pg_demo_db):
    """This module's database: ``db init`` done, the demo plan shared as "northwind"
    (a copy of a database the session set up so once: tests/pg_fixtures.py)."""
    return pg_demo_db


@pytest.fixture
def team(pg_db, capsys) -> dict[str, str]:
    """The demo plan shared as 'northwind'; logins: two planners, a sales of 'ae', a viewer."""
    logins = {
        "maria": pg_db.login("maria", "maria-pw"),
        "jon": pg_db.login("jon", "jon-pw"),
        "tom": pg_db.login("tom", "tom-pw"),
        "board": pg_db.login("board", "board-pw"),
    }
    for who, role in (("maria", "planner"), ("jon", "planner"), ("board", "viewer")):
        assert main(["db", "grant", pg_db.url(plan=None), logins[who], "--role", role]) == 0
    grant = ["db", "grant", pg_db.url(plan=None), logins["tom"], "--role", "sales", "--team", "ae"]
    assert main(grant) == 0
    capsys.readouterr()
    return logins


def open_window(qtbot, settings, url: str):
    win = app_module.build_window([url], settings, today=TODAY)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def rename_stage(win, name: str) -> str | None:
    plan = win.controller.plan
    product = plan.products[0]
    stages = (replace(product.stages[0], name=name), *product.stages[1:])
    products = (replace(product, stages=stages), *plan.products[1:])
    return win.controller.apply(replace(plan, products=products), f"Rename stage to {name}")


def first_stage(win) -> str:
    return win.controller.plan.products[0].stages[0].name


# -- opening -----------------------------------------------------------------------------


def test_the_dialog_takes_a_url_and_hides_the_password(qtbot) -> None:
    dialog = OpenSharedDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.password_edit.echoMode() == QLineEdit.EchoMode.Password
    qtbot.keyClicks(dialog.url_edit, "postgresql://tom@db.example.com/cadence")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Open).click()
    assert dialog.isVisible()
    assert dialog.error_label.text() == (
        "postgresql://tom@db.example.com/cadence: the URL names no plan; add ?plan=NAME"
    )
    qtbot.keyClicks(dialog.url_edit, "?plan=northwind")
    qtbot.keyClicks(dialog.password_edit, "typed")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Open).click()
    assert (dialog.result(), dialog.url, dialog.password) == (
        1,
        "postgresql://tom@db.example.com/cadence?plan=northwind",
        "typed",
    )


def test_open_shared_plan_asks_for_a_password_and_never_stores_it(
    qtbot, pg_db, team, settings, tmp_path, monkeypatch, errors
) -> None:
    with pg_db.admin() as conn:  # a login whose password is in no pass file
        conn.execute(f"CREATE ROLE ann_{pg_db.name} LOGIN PASSWORD '{SECRET}'")
    ann = f"ann_{pg_db.name}"
    assert main(["db", "grant", pg_db.url(plan=None), ann, "--role", "planner"]) == 0
    path = tmp_path / "mine.cadence"
    from cadence.store import save_plan_document

    save_plan_document(demo_plan(), path)
    win = open_window(qtbot, settings, str(path))
    url = pg_db.url(user=ann)
    asked: list[str] = []

    def ask(_parent, given_url, error):
        asked.append(error)
        return (url, None) if len(asked) == 1 else (url, SECRET)

    monkeypatch.setattr(shared_open, "ask_shared_plan", ask)
    win.act_open_shared.trigger()
    assert len(asked) == 2
    assert asked[0] == ""
    assert "no password supplied" in asked[1] and SECRET not in asked[1]
    assert win.controller.document.membership.role == "planner"
    assert win.windowTitle() == f"Northwind nurture plan 2027 ({url})[*] — Cadence"
    assert documents.recent_files(settings)[:2] == [url, path.resolve()]
    win.close()
    settings.sync()
    stored = Path(settings.fileName()).read_text()
    assert url in stored and SECRET not in stored
    assert errors == []


def test_main_py_opens_a_shared_plan_and_the_recent_menu_lists_it(
    qtbot, pg_db, team, settings
) -> None:
    url = pg_db.url(user=team["maria"])
    win = open_window(qtbot, settings, url)
    assert win.empty_state is None
    assert win.controller.plan.name == "Northwind nurture plan 2027"
    assert win.controller.read_only is False
    win._fill_recent()
    assert [a.text() for a in win.recent_menu.actions()][:1] == [url]


def test_open_recent_reopens_a_shared_plan_by_its_url(
    qtbot, pg_db, team, settings, tmp_path
) -> None:
    from cadence.store import save_plan_document

    url = pg_db.url(user=team["maria"])
    documents.add_recent(settings, url)
    path = tmp_path / "mine.cadence"
    save_plan_document(replace(demo_plan(), name="Mine"), path)
    win = open_window(qtbot, settings, str(path))
    assert win.controller.plan.name == "Mine"
    win._fill_recent()
    entries = {a.text(): a for a in win.recent_menu.actions()}
    entries[url].trigger()
    assert win.controller.plan.name == "Northwind nurture plan 2027"
    assert win.live.document.label == url
    assert documents.recent_files(settings)[:2] == [url, path.resolve()]


# -- live ----------------------------------------------------------------------------------


def test_a_commit_in_one_window_reaches_the_other_and_a_sales_request_both(
    qtbot, pg_db, team, settings
) -> None:
    one = open_window(qtbot, settings, pg_db.url(user=team["maria"]))
    two = open_window(qtbot, settings, pg_db.url(user=team["jon"]))
    with qtbot.waitSignal(two.live.sig_refreshed, timeout=10000) as refreshed:
        assert rename_stage(one, "Aware!") is None
    assert refreshed.args == [{("stage", "analytics/aware")}]
    assert first_stage(two) == "Aware!"
    assert two.controller._replanner.rescheduled == ("analytics",)
    assert one.controller.undo_stack.count() == 1


def test_a_burst_of_others_saves_is_applied_at_once_then_together(
    qtbot, pg_db, team, settings
) -> None:
    win = open_window(qtbot, settings, pg_db.url(user=team["maria"]))
    assert win.live.throttle.every == 0.25  # at most four refreshes a second
    win.live.throttle.every = 3600.0  # here: what comes after the first save is held
    with open_shared_plan(pg_db.url(user=team["jon"])) as other:
        plan = other.load()
        names = ("Marketing A", "Marketing B", "Marketing C")
        saves = [
            replace(plan, teams=(replace(plan.teams[0], name=n), *plan.teams[1:])) for n in names
        ]
        with qtbot.waitSignal(win.live.sig_refreshed, timeout=10000) as refreshed:
            other.save(saves[0])  # after a quiet spell: applied at once
        assert refreshed.args == [{("team", "mkt")}]
        assert win.controller.plan.teams[0].name == "Marketing A"
        other.save(saves[1])
        other.save(saves[2])
    qtbot.waitUntil(lambda: len(win.live.held) == 2, timeout=10000)
    assert win.live.refresh_due.isActive()
    assert win.controller.plan.teams[0].name == "Marketing A"  # held, not applied yet
    with qtbot.waitSignal(win.live.sig_refreshed, timeout=10000) as refreshed:
        win.live.refresh_due.start(0)  # due now
    assert refreshed.args == [{("team", "mkt")}]  # both notices, one re-read
    assert win.controller.plan.teams[0].name == "Marketing C"
    assert win.live.held == ()


def test_a_missed_notice_is_caught_by_the_windows_idle_check(qtbot, pg_db, team, settings) -> None:
    win = open_window(qtbot, settings, pg_db.url(user=team["maria"]))
    assert win.live.idle_check.isActive()
    assert win.live.idle_check.interval() == 5000
    win.live.idle_check.stop()
    with open_shared_plan(pg_db.url(user=team["jon"])) as other:
        plan = other.load()
        teams = (replace(plan.teams[0], name="Marketing EMEA"), *plan.teams[1:])
        # Committed, never announced: as a client killed between its commit and notice.
        other.save(replace(plan, teams=teams), announce=False)
    assert win.controller.plan.teams[0].name == "Marketing"
    win.live.idle_check.setInterval(50)
    with qtbot.waitSignal(win.live.sig_refreshed, timeout=10000) as refreshed:
        win.live.idle_check.start()
    assert refreshed.args == [{("team", "mkt")}]
    assert win.controller.plan.teams[0].name == "Marketing EMEA"
    assert win.live.idle_check.isActive()  # the next check is due after the next quiet spell


def test_a_reload_notice_rereads_what_differs(qtbot, pg_db, team, settings) -> None:
    win = open_window(qtbot, settings, pg_db.url(user=team["maria"]))
    with open_shared_plan(pg_db.url(user=team["jon"])) as other:
        plan = other.load()
        edit = replace(plan, name="Northwind 2027", broadcasts=plan.broadcasts[1:])
        other.save(edit, announce=False)  # only the "reload" notice below says so
    with qtbot.waitSignal(win.live.sig_refreshed, timeout=10000) as refreshed:
        win.live.apply_notices([ChangeNotice("northwind", "*", "", "reload")])
    assert refreshed.args == [  # the others moved up one position
        {
            ("settings", ""),
            ("broadcast", "roundtable"),
            ("broadcast", "newsletter"),
            ("broadcast", "alignment"),
        }
    ]
    assert win.controller.plan.name == "Northwind 2027"


def test_two_windows_and_a_sales_request_from_the_command_line_at_once(
    qtbot, pg_db, team, settings
) -> None:
    one = open_window(qtbot, settings, pg_db.url(user=team["maria"]))
    two = open_window(qtbot, settings, pg_db.url(user=team["jon"]))
    # A sales lead on another machine submits a request while both windows edit.
    env = dict(os.environ, PGPASSFILE=str(pg_db.passfile))
    command = [sys.executable, "main.py", "request", pg_db.url(user=team["tom"])]
    command += ["--product", "billing", "--stage", "close", "--title", "Press kit"]
    command += ["--requested-by", "ae", "--needed-by", "2027-05-28", "--days", "1"]
    command += ["--on", "2027-05-03", "--save"]
    sales = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert rename_stage(one, "Aware!") is None
    plan = two.controller.plan
    teams = (replace(plan.teams[0], name="Marketing EMEA"), *plan.teams[1:])
    assert two.controller.apply(replace(plan, teams=teams), "Rename team") is None
    out, _ = sales.communicate(timeout=120)
    assert sales.returncode == 0, out
    for win in (one, two):
        qtbot.waitUntil(
            lambda w=win: (
                (
                    first_stage(w),
                    w.controller.plan.teams[0].name,
                    "Press kit" in [r.title for r in w.controller.plan.requests],
                )
                == ("Aware!", "Marketing EMEA", True)
            ),
            timeout=10000,
        )
    assert one.controller.plan == two.controller.plan
    with pg_db.admin() as conn:
        assert conn.execute(
            "SELECT title, requested_by, changed_by FROM request ORDER BY position DESC LIMIT 1"
        ).fetchone() == ("Press kit", "ae", team["tom"])


def test_a_conflict_is_shown_not_kept_and_the_object_reloaded(
    qtbot, pg_db, team, settings, errors
) -> None:
    one = open_window(qtbot, settings, pg_db.url(user=team["maria"]))
    two = open_window(qtbot, settings, pg_db.url(user=team["jon"]))
    # No event loop between the two edits: window two has not heard of one's yet.
    assert rename_stage(one, "By Maria") is None
    error = rename_stage(two, "By Jon")
    assert error is not None and error.startswith(
        f"Could not save Northwind nurture plan 2027 ({pg_db.url(user=team['jon'])}): conflict: stage "
        f"'analytics/aware' was changed by {team['maria']} at "
    )
    assert error.endswith(
        "(revision 2; your edit was based on revision 1); nothing was saved — reload and edit again"
    )
    assert errors == [("Not saved", error)]
    assert two.controller.undo_stack.count() == 0
    qtbot.waitUntil(lambda: first_stage(two) == "By Maria")
    assert two.controller.document.revision("stage", "analytics/aware") == 2
    assert rename_stage(two, "By Jon") is None  # based on the reloaded object now
    qtbot.waitUntil(lambda: first_stage(one) == "By Jon")


# -- disconnect -------------------------------------------------------------------------


def test_a_lost_server_shows_a_banner_refuses_edits_then_reconnects_and_reloads(
    qtbot, pg_db, team, settings, errors
) -> None:
    win = open_window(qtbot, settings, pg_db.url(user=team["maria"]))
    pg_db.server.halt()
    try:
        qtbot.waitUntil(lambda: win.live.state == "disconnected", timeout=10000)
        assert win.live.banner.isVisible()
        assert win.live.banner_label.text() == (
            "⚠ Disconnected from the server — edits are off, nothing is queued. Retrying in 0.5 s."
        )
        assert win.live.banner_label.toolTip().startswith("the connection to the server was lost (")
        assert win.controller.read_only
        assert not win.act_add_product.isEnabled()
        assert not win.act_add_stage.isEnabled()
        assert win.act_settings.isEnabled()  # its dialog opens read-only
        assert rename_stage(win, "While down") == (
            "the document is open read-only; use File ▸ Save As to edit a copy"
        )
        assert win.controller.undo_stack.count() == 0
        assert win.live.reconnect() is False  # still down: the next try waits twice as long
        assert win.live.banner_label.text() == (
            "⚠ Disconnected from the server — edits are off, nothing is queued. Retrying in 1 s."
        )
    finally:
        pg_db.server.resume()
    with pg_db.admin() as conn:  # someone changed the plan while this window was away
        conn.execute("UPDATE stage SET name = 'Changed meanwhile' WHERE stage_id = 'aware'")
    qtbot.waitUntil(lambda: win.live.state == "live", timeout=20000)
    assert not win.live.banner.isVisible()
    assert first_stage(win) == "Changed meanwhile"
    assert not win.controller.read_only
    assert win.act_add_product.isEnabled()
    assert win.act_add_stage.isEnabled()
    assert rename_stage(win, "Back") is None
    assert errors == []


def test_a_terminated_listener_is_noticed_and_the_link_comes_back(
    qtbot, pg_db, team, settings
) -> None:
    win = open_window(qtbot, settings, pg_db.url(user=team["maria"]))
    with pg_db.admin() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE usename = %s AND query LIKE 'LISTEN%%'",
            (team["maria"],),
        )
    qtbot.waitUntil(lambda: win.live.state == "disconnected", timeout=10000)
    with pg_db.admin() as conn:
        conn.execute("UPDATE team SET name = 'Sales Dev' WHERE team_id = 'sdr'")
    qtbot.waitUntil(lambda: win.live.state == "live", timeout=20000)
    assert [t.name for t in win.controller.plan.teams] == [
        "Marketing",
        "Sales Dev",
        "Account executives",
        "Customer success",
    ]


# -- roles ------------------------------------------------------------------------------


def test_a_viewer_gets_the_plan_read_only(qtbot, pg_db, team, settings) -> None:
    win = open_window(qtbot, settings, pg_db.url(user=team["board"]))
    assert win.controller.read_only
    assert win.controller.read_only_reason == (
        f"{team['board']} is a viewer of this shared plan: it can read and export it."
    )
    assert win.windowTitle().endswith("(read-only) — Cadence")
    assert not win.act_add_product.isEnabled()
    assert win.act_export.isEnabled()


def test_a_sales_login_works_in_requests_on_its_own_team_only(
    qtbot, pg_db, team, settings, errors
) -> None:
    win = open_window(qtbot, settings, pg_db.url(user=team["tom"]))
    reason = (
        f"{team['tom']} is a sales login (team ae): it can submit and edit the requests "
        "of team ae only."
    )
    assert win.tabs.currentIndex() == 2  # Requests
    assert not win.controller.read_only
    win.side.select_product("billing")  # selecting re-evaluates the editor's actions
    win.show_tab("map")
    actions = (win.act_add_product, win.act_settings, win.act_add_stage, win.editor.act_add_touch)
    for action in (*actions, win.side.act_delete_key, win.act_delete_product):
        assert not action.isEnabled()
        assert action.toolTip() == reason
    assert rename_stage(win, "Sales rename") == (
        "sales logins change requests only (team ae); this edit changes the plan"
    )
    plan = win.controller.plan
    mine = [replace(r, note="call back") if r.requested_by == "ae" else r for r in plan.requests]
    assert win.controller.apply(replace(plan, requests=tuple(mine)), "Notes") is None, errors
    theirs = [replace(r, note="mine now") if r.requested_by != "ae" else r for r in plan.requests]
    assert win.controller.apply(replace(plan, requests=tuple(theirs)), "Notes") == (
        "request 'fleet-one-pager': sales logins change the requests of their own team (ae) only"
    )
    # The Requests tab: the team is preselected; Submit sends the request to the server.
    view = win.requests
    assert view.requester_combo.currentData() == "ae"
    qtbot.keyClicks(view.title_edit, "Battle card")
    qtbot.mouseClick(view.submit_button, Qt.MouseButton.LeftButton)
    assert [r.title for r in win.controller.plan.requests][-1] == "Battle card"
    with pg_db.admin() as conn:
        assert conn.execute(
            "SELECT title, requested_by, changed_by FROM request ORDER BY position DESC LIMIT 1"
        ).fetchone() == ("Battle card", "ae", team["tom"])
    with pg_db.admin() as conn:
        notes = conn.execute(
            "SELECT request_id, note, changed_by FROM request WHERE requested_by = 'ae' "
            "ORDER BY position"
        ).fetchall()
    assert notes == [
        ("acme-case-study", "call back", team["tom"]),
        ("roi-sheet-globex", "call back", team["tom"]),
        ("battle-card", "", team["tom"]),
    ]


def test_opening_a_file_lets_go_of_the_server(qtbot, pg_db, team, settings, tmp_path) -> None:
    from cadence.store import save_plan_document

    win = open_window(qtbot, settings, pg_db.url(user=team["tom"]))
    link = win.live
    assert win.controller.edit_policy is not None
    path = tmp_path / "mine.cadence"
    save_plan_document(demo_plan(), path)
    assert win.open_path(path)
    assert win.live is None
    assert link._listener is None
    assert win.controller.edit_policy is None
    assert win.act_add_product.isEnabled()
    assert win.act_add_product.toolTip() == "Add a product with a starter cycle"
    assert rename_stage(win, "Mine again") is None
