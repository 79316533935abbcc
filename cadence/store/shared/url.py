"""Shared-plan URLs: ``postgresql://user@host:port/db?plan=northwind``.

The password comes from the usual PostgreSQL places (``PGPASSWORD``, ``~/.pgpass``:
libpq reads them); a password written into the URL is accepted but never shown:
every message that names a URL goes through :func:`redact`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
PLAN_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
# user:password@ — up to the LAST "@" before the host, so a password with "@" is hidden whole.
_USERINFO_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):[^\s/]*@")


class SharedUrlError(ValueError):
    """The text is not a usable shared-plan URL; the message says why (without password)."""


def is_shared_url(text: object) -> bool:
    """True when ``text`` names a plan on a server rather than a file."""
    return isinstance(text, str) and text.lower().startswith(SCHEMES)


def redact(text: str) -> str:
    """``text`` with every password inside a URL replaced by ``***``."""
    return _USERINFO_PASSWORD.sub(r"\g<scheme>\g<user>:***@", text)


@dataclass(frozen=True)
class SharedLocation:
    """Where a shared plan lives: the database (SQLAlchemy URL) and the plan's key."""

    database: URL
    plan: str | None

    def with_password(self, password: str | None) -> SharedLocation:
        """The same location connecting with ``password`` (unchanged when None)."""
        if password is None:
            return self
        return SharedLocation(self.database.set(password=password), self.plan)

    @property
    def address(self) -> str:
        """The URL to remember (recent files, window title): no password at all."""
        url = self.database
        shown = URL.create(
            "postgresql", url.username, None, url.host, url.port, url.database, url.query
        )
        return SharedLocation(shown, self.plan).label

    @property
    def label(self) -> str:
        """The URL for messages: no password, the plan as ``?plan=``."""
        shown = self.database.set(drivername="postgresql").render_as_string(hide_password=True)
        if not self.plan:
            return shown
        return shown + ("&" if self.database.query else "?") + f"plan={self.plan}"


def parse_shared_url(text: str, *, need_plan: bool = True) -> SharedLocation:
    """Split a ``postgresql://…?plan=KEY`` URL; SharedUrlError names what is wrong."""
    shown = redact(text)
    if not is_shared_url(text):
        raise SharedUrlError(f"{shown}: not a PostgreSQL URL (postgresql://user@host:port/db)")
    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as exc:
        raise SharedUrlError(f"{shown}: not a valid URL ({redact(str(exc))})") from None
    query = dict(url.query)
    plan = query.pop("plan", None)
    if isinstance(plan, tuple):
        raise SharedUrlError(f"{shown}: ?plan= is given more than once")
    if plan is not None and not PLAN_KEY.match(plan):
        raise SharedUrlError(
            f"{shown}: plan {plan!r} is not a valid plan key "
            "(letters, digits, '.', '_', '-'; up to 63 characters)"
        )
    if need_plan and plan is None:
        raise SharedUrlError(f"{shown}: the URL names no plan; add ?plan=NAME")
    if not url.database:
        raise SharedUrlError(f"{shown}: the URL names no database (…/DBNAME?plan=…)")
    database = url.set(drivername="postgresql+psycopg", query=query)
    return SharedLocation(database, plan)
