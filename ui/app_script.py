"""The app driven through its standard input, for tests of real app processes.

Only with the environment variable ``CADENCE_APP_SCRIPT=stdin`` (set by
``tests/shared_pg/test_shared_app_processes.py``; any other value, or none, and none
of this exists): ``python main.py postgresql://…?plan=NAME`` then reads commands from
its standard input, one per line, and writes what happens to its standard output,
one JSON object per line.

Commands:

* ``edit PATH VALUE`` — set one field of the plan, ``PATH`` as in the plan's error
  messages (``products[0].stages[0].name``), ``VALUE`` in JSON (``"Aware!"``), through
  the window's controller: one undo step, saved to the store as any edit in a view;
* ``state`` — report the plan as the window holds it;
* ``quit`` — close the window; the app leaves with status 0.

Events: ``{"event": "opened", "plan": NAME}`` once the document is open and the
window listens for others' changes; ``{"event": "refreshed", "keys": [[kind, id], …]}``
each time others' changes were re-read and re-planned; ``{"event": "edited",
"error": null | MESSAGE}`` after an ``edit``; ``{"event": "state", "plan": {…},
"undo": N, "read_only": BOOL}`` after ``state``.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer

if TYPE_CHECKING:
    from ui.main_window import MainWindow

VARIABLE, VALUE = "CADENCE_APP_SCRIPT", "stdin"


def wanted() -> bool:
    """Whether this process was started to be driven (see the module doc)."""
    return os.environ.get(VARIABLE) == VALUE


def set_field(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` (``products[0].stages[0].name``) in plan data (JSON shape)."""
    steps: list[str | int] = [
        int(index) if index else name for name, index in re.findall(r"(\w+)|\[(\d+)\]", path)
    ]
    target: Any = data
    for step in steps[:-1]:
        target = target[step]
    target[steps[-1]] = value


class AppScript(QObject):
    """Reads the commands, reports the events (module doc) for one window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._opened = False
        window.controller.sig_document_changed.connect(
            lambda: QTimer.singleShot(0, self._announce_open)
        )
        self._stdin = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read, self)
        self._stdin.activated.connect(self._on_command)

    def _say(self, event: str, **fields: Any) -> None:
        print(json.dumps({"event": event, **fields}), flush=True)

    def _announce_open(self) -> None:
        live = getattr(self.window, "live", None)
        if self._opened or live is None or self.window.empty_state is not None:
            return
        self._opened = True
        live.sig_refreshed.connect(lambda keys: self._say("refreshed", keys=sorted(keys)))
        self._say("opened", plan=self.window.controller.plan.name)

    def _on_command(self) -> None:
        line = sys.stdin.readline()
        if not line:  # the test went away: leave
            self._stdin.setEnabled(False)
            self.window.close()
            return
        command, _, rest = line.strip().partition(" ")
        if command == "edit":
            path, _, value = rest.partition(" ")
            self._say("edited", error=self._edit(path, json.loads(value)))
        elif command == "state":
            self._report_state()
        elif command == "quit":
            self._stdin.setEnabled(False)
            self.window.close()

    def _edit(self, path: str, value: Any) -> str | None:
        from cadence.formats.plan_json import plan_to_dict
        from cadence.validate import build_plan

        data = plan_to_dict(self.window.controller.plan)
        set_field(data, path, value)
        return self.window.controller.apply(build_plan(data), f"Set {path}")

    def _report_state(self) -> None:
        from cadence.formats.plan_json import plan_to_dict

        controller = self.window.controller
        self._say(
            "state",
            plan=plan_to_dict(controller.plan),
            undo=controller.undo_stack.count(),
            read_only=controller.read_only,
        )
