"""Holiday facts kept on disk between runs, so a start need not import the `holidays` package.

Reading one country's holidays imports ``holidays.countries``, whose package
imports all ~250 country modules (~0.1 s of CPU, every start). The answers never
change for one release of the package, so the app keeps them in one small JSON
file (``use_folder``, in its cache folder) keyed by that release:

* the country codes the package knows, and a country's subdivisions;
* the language holiday names take by default in a country;
* the holiday names of a country/subdivision over a span of years, in a language.

The command line keeps them in the user's cache folder too (``cli.main``, when run as
a program). Without a folder (the core called from Python, the tests) nothing is read
or written and every answer comes from the package. A file that cannot be read — damaged, from another
release, unwritable folder — is ignored: it is a cache, never a source of truth.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

FILE_NAME = "holidays.json"
#: most holiday tables kept (a plan needs one; the oldest go first)
MAX_TABLES = 64

_folder: Path | None = None
_facts: dict[str, Any] | None = None
_lock = threading.RLock()  # the export runs on a worker thread


def use_folder(folder: Path | None) -> None:
    """Keep the facts in ``folder`` (None: keep nothing on disk)."""
    global _folder, _facts
    with _lock:
        _folder = folder
        _facts = None


def package_release() -> str:
    """The installed `holidays` release (read from its metadata, without importing it).

    The name of the one ``holidays-<release>.dist-info`` folder beside the package
    when there is one (a look at a folder), else :mod:`importlib.metadata` (whose
    import alone costs ~10–20 ms of every start).
    """
    from importlib.util import find_spec

    spec = find_spec("holidays")
    if spec is not None and spec.origin:
        try:
            with os.scandir(Path(spec.origin).parent.parent) as entries:
                found = [e.name for e in entries if _is_holidays_metadata(e.name)]
        except OSError:
            found = []
        if len(found) == 1:
            return found[0].removeprefix("holidays-").removesuffix(".dist-info")
    from importlib import metadata

    try:
        return metadata.version("holidays")
    except metadata.PackageNotFoundError:
        return "unknown"


def _is_holidays_metadata(name: str) -> bool:
    return name.startswith("holidays-") and name.endswith(".dist-info")


def _load() -> dict[str, Any] | None:
    global _facts
    if _folder is None:
        return None
    if _facts is None:
        release = package_release()
        try:
            data = json.loads((_folder / FILE_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if not isinstance(data, dict) or data.get("release") != release:
            data = {"release": release}
        _facts = data
    return _facts


def _save(facts: dict[str, Any]) -> None:
    """Write the file atomically; a failure only means the next start asks the package."""
    assert _folder is not None
    try:
        _folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".holidays-", dir=_folder)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(facts, out, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, _folder / FILE_NAME)
    except OSError:
        pass


def remembered(section: str, key: str, compute: Callable[[], Any]) -> Any:
    """``facts[section][key]``, computed (and written to the file) the first time.

    ``compute`` must return JSON data (lists, strings, dicts with string keys).
    """
    with _lock:
        facts = _load()
        if facts is None:
            return compute()
        table = facts.setdefault(section, {})
        if key in table:
            return table[key]
        value = compute()
        table[key] = value
        while len(table) > MAX_TABLES:
            del table[next(iter(table))]
        _save(facts)
        return value


def holiday_table(key: str, compute: Callable[[], dict[date, str]]) -> dict[date, str]:
    """A {date: name} table kept under ``key`` (dates as ISO text in the file)."""
    stored = remembered("names", key, lambda: {d.isoformat(): n for d, n in compute().items()})
    return {date.fromisoformat(d): name for d, name in stored.items()}
