"""The core never imports Qt (nor the ui package): checked in a fresh interpreter."""

import pkgutil
import subprocess
import sys

import cadence


def test_importing_every_core_module_loads_no_qt():
    names = [m.name for m in pkgutil.walk_packages(cadence.__path__, "cadence.")]
    assert "cadence.validate" in names and "cadence.store.document" in names
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'ui')))\n"
        "print(bad)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
