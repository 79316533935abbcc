"""Cadence: no arguments (or a plan file, a shared plan URL, --demo) opens the app; a sub-command
runs the CLI."""

from __future__ import annotations

import sys

GUI_FLAGS = {"--demo"}
SHARED_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    gui = (
        not args
        or args[0] in GUI_FLAGS
        or args[0].lower().endswith((".cadence", ".json"))
        or args[0].lower().startswith(SHARED_SCHEMES)  # a shared plan: the app opens it
    )
    if gui:
        from ui.app import main as gui_main

        return gui_main(args)
    from cli.main import main as cli_main

    return cli_main(None if argv is None else args)  # None: the program's own command line


if __name__ == "__main__":
    sys.exit(main())
