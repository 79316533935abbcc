"""publish: sync one team's calendar into a CalDAV collection."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from urllib.parse import urlsplit

from cli.commands.common import CommandError, read_plan


def credentials(
    url: str, user: str | None, netrc_file: str | None = None
) -> tuple[str, str] | None:
    """(user, password) for the server: from the URL, ~/.netrc (or $NETRC), the keyring, or a prompt.

    None when the server is used without authentication. The password is never printed.
    """
    import getpass
    import netrc

    parts = urlsplit(url)
    if parts.username and parts.password:
        return parts.username, parts.password
    host = parts.hostname or ""
    user = user or parts.username
    try:
        entry = netrc.netrc(netrc_file).authenticators(host)
    except FileNotFoundError:
        entry = None
    except (netrc.NetrcParseError, OSError) as exc:
        raise CommandError(f"netrc: cannot read ({exc})") from None
    if entry is not None and (user is None or entry[0] == user):
        return entry[0], entry[2] or ""
    if user is None:
        return None
    try:
        import keyring  # optional: only when installed

        stored = keyring.get_password(f"cadence-caldav:{host}", user)
        if stored:
            return user, stored
    except Exception:  # noqa: BLE001 - no keyring, or a keyring that cannot be read
        pass
    if not sys.stdin.isatty():
        raise CommandError(
            f"publish: no password for {user}@{host} in ~/.netrc and no terminal to ask on"
        )
    return user, getpass.getpass(f"Password for {user}@{host}: ")


def cmd_publish(args: argparse.Namespace) -> int:
    try:
        from caldav.davclient import DAVClient
        from caldav.lib import error as dav_error
    except ModuleNotFoundError:
        raise CommandError("publish needs the caldav package: pip install -e '.[server]'") from None
    from cadence.engine import schedule
    from cadence.formats.export_common import ExportError, ExportFilter
    from cadence.formats.ical import parse_alarm
    from cli.publish import (
        PublishError,
        apply,
        change_set,
        planned_events,
        read_collection,
        safe_url,
    )

    plan = read_plan(args.plan)
    try:
        ExportFilter(team=args.team).check(plan)
        alarm = parse_alarm(args.alarm) if args.alarm else None
    except ExportError as exc:
        raise CommandError(str(exc)) from None
    url = args.caldav if args.caldav.endswith("/") else args.caldav + "/"
    shown = safe_url(url)
    login = credentials(url, args.user, os.environ.get("NETRC"))
    bare = shown  # credentials never travel in the URL (nor reach a message)
    client = DAVClient(
        url=bare,
        username=login[0] if login else None,
        password=login[1] if login else None,
        timeout=60,
    )
    try:
        server = read_collection(client, bare)
        # The clock is read here, at the edge: new and changed events are stamped now.
        now = datetime.now(UTC).replace(microsecond=0)
        only = None
        if args.signed_off_only:
            from cadence.signoff import signed_off_products

            only = signed_off_products(plan)
        planned = planned_events(plan, schedule(plan), args.team, server, now, alarm, only)
        changes = change_set(server, planned)
        summary = (
            f"{len(changes.added)} added, {len(changes.changed)} changed, "
            f"{len(changes.removed)} removed, {changes.unchanged} unchanged"
        )
        if args.dry_run:
            print(f"Would publish team {args.team} to {shown}: {summary} (--dry-run: nothing sent)")
            for line in changes.lines():
                print(line)
            return 0
        apply(client, bare, changes)
    except PublishError as exc:
        raise CommandError(str(exc)) from None
    except dav_error.AuthorizationError:
        raise CommandError(f"{shown}: the server refused the credentials") from None
    except dav_error.DAVError as exc:
        raise CommandError(f"{shown}: {type(exc).__name__} ({exc.reason})") from None
    except OSError as exc:
        raise CommandError(f"{shown}: cannot reach the server ({exc})") from None
    except Exception as exc:  # requests/niquests connection errors have no common base here
        if "connection" in type(exc).__name__.lower():
            raise CommandError(f"{shown}: cannot reach the server") from None
        raise
    print(f"Published team {args.team} to {shown}: {summary}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "publish",
        help="sync a team's calendar into a CalDAV collection (Radicale, Nextcloud, …)",
        description=(
            "Put the team's events into a CalDAV calendar collection: new events are added, "
            "changed ones replaced (SEQUENCE + 1), removed ones deleted; a run with nothing "
            "changed sends no write. Credentials: ~/.netrc (machine HOST login USER password "
            "PASS), the keyring, or a prompt with --user."
        ),
    )
    p.add_argument("plan", help="plan file (.json or .cadence)")
    p.add_argument("--caldav", required=True, metavar="URL", help="the calendar collection's URL")
    p.add_argument("--team", required=True, metavar="ID", help="the team whose events to publish")
    p.add_argument(
        "--signed-off-only",
        action="store_true",
        help="only the touches of products signed off by marketing and sales, unchanged since",
    )
    p.add_argument(
        "--user", metavar="NAME", help="user name (the password comes from netrc or a prompt)"
    )
    p.add_argument("--alarm", metavar="BEFORE", help="reminders before manual touches (30m, 2h)")
    p.add_argument(
        "--dry-run", action="store_true", help="print what would be added, changed, removed"
    )
    p.set_defaults(func=cmd_publish)
