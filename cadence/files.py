"""Small file-system rules shared by the plan files and the .cadence store."""

from __future__ import annotations

import os
from pathlib import Path


def keep_mode(tmp: Path, target: Path) -> None:
    """Give the file that will replace ``target`` the permissions ``target`` has."""
    try:
        os.chmod(tmp, os.stat(target).st_mode & 0o7777)
    except FileNotFoundError:
        pass
