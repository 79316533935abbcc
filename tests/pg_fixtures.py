"""A real PostgreSQL server for the tests (initdb + pg_ctl, loopback only).

Used by tests/shared_pg and by the store tests that run on both backends
(tests/core/test_store.py); tests/conftest.py imports the fixtures, so one
session starts at most one server (with two xdist workers, tests/conftest.py sends
every test on it to the same worker).

Skipped, with the reason, only when the server binaries are not installed. Passwords
reach libpq the usual way: a private ``PGPASSFILE`` (the ``~/.pgpass`` format).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from cadence.store.shared.localserver import (
    ADMIN,
    LocalServer,
    ServerUnavailable,
    find_bindir,
    start_local_server,
)

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[LocalServer]:
    try:
        find_bindir()
    except ServerUnavailable as exc:
        if os.environ.get("CI"):  # .ci/run installs the package: missing there is a failure
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    server = start_local_server()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class PgDatabase:
    """One fresh database on the test server, and the logins made for it."""

    server: LocalServer
    name: str
    passfile: Path

    def url(self, user: str = ADMIN, plan: str | None = "northwind") -> str:
        return self.server.url(user, self.name, plan)

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.server.admin_conninfo(self.name), autocommit=True)

    def login(self, prefix: str, password: str) -> str:
        """Create a login role (no Cadence role yet) with its password in the pass file."""
        name = f"{prefix}_{self.name}"
        with self.admin() as conn:
            conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
        with self.passfile.open("a") as fh:
            fh.write(f"127.0.0.1:{self.server.port}:*:{name}:{password}\n")
        return name

    def connect(self, user: str) -> psycopg.Connection:
        """A raw SQL connection as ``user`` (password from the pass file)."""
        return psycopg.connect(
            host="127.0.0.1", port=self.server.port, dbname=self.name, user=user, autocommit=True
        )


@pytest.fixture
def pg_db(
    pg_server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PgDatabase]:
    name = f"cadence_t{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(pg_server.admin_conninfo(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{pg_server.port}:*:{ADMIN}:{pg_server.password}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    yield PgDatabase(pg_server, name, passfile)
    with psycopg.connect(pg_server.admin_conninfo(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")
