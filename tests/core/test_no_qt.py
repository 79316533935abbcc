"""The layers' import rules, checked in a fresh interpreter: the core imports neither
Qt, the ui package nor the command line; the command line loads no Qt until `print`
runs, and its sub-commands never import the entry point back."""

import pkgutil
import subprocess
import sys

import cadence
import cli


def _loaded_after_importing(names: list[str]) -> list[str]:
    """The top-level packages in sys.modules after importing ``names`` afresh."""
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def _modules(package) -> list[str]:
    return [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]


def test_importing_every_core_module_loads_no_qt_ui_or_command_line():
    names = _modules(cadence)
    assert "cadence.validate" in names and "cadence.store.document" in names
    loaded = _loaded_after_importing(names)
    bad = [m for m in loaded if m.split(".")[0] in ("PySide6", "shiboken6", "ui", "cli")]
    assert bad == []


def test_the_command_line_loads_no_qt_and_its_commands_do_not_import_the_entry_point():
    names = [n for n in _modules(cli) if n != "cli.main"]
    assert "cli.commands.plan" in names and "cli.serve" in names
    loaded = _loaded_after_importing(names)
    assert [m for m in loaded if m.split(".")[0] in ("PySide6", "shiboken6", "ui")] == []
    assert "cli.main" not in loaded


def test_validation_reads_rrules_without_the_engine():
    loaded = _loaded_after_importing(["cadence.validate"])
    assert "cadence.recurrence" in loaded
    assert "cadence.engine" not in loaded
