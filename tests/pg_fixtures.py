"""A real PostgreSQL server for the tests (initdb + pg_ctl, loopback only).

Used by tests/shared_pg and by the store tests that run on both backends
(tests/core/test_store.py); tests/conftest.py imports the fixtures, so one
session starts at most one server (with two xdist workers, tests/conftest.py sends
every test on it to the same worker).

Each test gets a database of its own, dropped after it. ``pg_db`` is empty; the
fixtures that start from "``db init``" or "``db init``, then the demo plan shared"
ask for ``pg_init_db``, ``pg_demo_db`` or ``pg_demo_db_two_plans`` instead: a copy
(``CREATE DATABASE … TEMPLATE``) of a database the session set up once with those
very commands, so each test pays a copy (~0.3 s) instead of ``db init`` + ``share``
(~1.5 s). Logins are made per test (roles belong to the whole server; their names
carry the test's database name). The server runs without fsync (``durable=False``).

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
    server = start_local_server(durable=False)  # throwaway: no fsync (see localserver)
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


def _new_database(
    server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: str | None
) -> PgDatabase:
    """A new database (a copy of ``template`` if given); libpq finds the admin's password."""
    name = f"cadence_t{os.getpid()}_{next(_numbers)}"
    copy = f" TEMPLATE {template}" if template else ""
    with psycopg.connect(server.admin_conninfo(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}{copy}")
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{server.port}:*:{ADMIN}:{server.password}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    return PgDatabase(server, name, passfile)


def _drop(database: PgDatabase) -> None:
    with psycopg.connect(database.server.admin_conninfo(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {database.name} WITH (FORCE)")


@pytest.fixture
def pg_db(
    pg_server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PgDatabase]:
    """A fresh empty database."""
    database = _new_database(pg_server, tmp_path, monkeypatch, None)
    yield database
    _drop(database)


class DemoTemplates:
    """Databases set up once per session, each as ``cadence db init`` then ``share`` of the
    demo plan under some plan names leave it; never used directly, tests get copies."""

    def __init__(self, server: LocalServer, folder: Path) -> None:
        self.server = server
        self.folder = folder
        self.made: dict[tuple[str, ...], PgDatabase] = {}

    def template(self, plans: tuple[str, ...]) -> str:
        if plans not in self.made:
            self.made[plans] = self._make(plans)
        return self.made[plans].name

    def _make(self, plans: tuple[str, ...]) -> PgDatabase:
        from cadence.demo import demo_plan
        from cadence.store.shared.plans import share_plan
        from cli.main import main

        with pytest.MonkeyPatch.context() as monkeypatch:
            folder = self.folder / f"t{len(self.made)}"
            folder.mkdir()
            database = _new_database(self.server, folder, monkeypatch, None)
            assert main(["db", "init", database.url(plan=None)]) == 0
            for plan in plans:
                share_plan(demo_plan(), database.url(plan=plan))
        # A template takes no connections while it is copied.
        with psycopg.connect(self.server.admin_conninfo(), autocommit=True) as conn:
            conn.execute(f"ALTER DATABASE {database.name} ALLOW_CONNECTIONS false")
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (database.name,),
            )
        return database

    def drop_all(self) -> None:
        for database in self.made.values():
            with psycopg.connect(self.server.admin_conninfo(), autocommit=True) as conn:
                conn.execute(f"ALTER DATABASE {database.name} ALLOW_CONNECTIONS true")
            _drop(database)


@pytest.fixture(scope="session")
def pg_demo_templates(
    pg_server: LocalServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoTemplates]:
    templates = DemoTemplates(pg_server, tmp_path_factory.mktemp("pg-templates"))
    yield templates
    templates.drop_all()


def _copy(
    templates: DemoTemplates,
    plans: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[PgDatabase]:
    database = _new_database(templates.server, tmp_path, monkeypatch, templates.template(plans))
    yield database
    _drop(database)


@pytest.fixture
def pg_init_db(pg_demo_templates, tmp_path, monkeypatch) -> Iterator[PgDatabase]:
    """A fresh database as ``cadence db init`` leaves it, no plan shared yet."""
    yield from _copy(pg_demo_templates, (), tmp_path, monkeypatch)


@pytest.fixture
def pg_demo_db(pg_demo_templates, tmp_path, monkeypatch) -> Iterator[PgDatabase]:
    """A fresh database as ``cadence db init`` then ``share`` of the demo plan as
    "northwind" leave it (a copy of a database the session set up so, once)."""
    yield from _copy(pg_demo_templates, ("northwind",), tmp_path, monkeypatch)


@pytest.fixture
def pg_demo_db_two_plans(pg_demo_templates, tmp_path, monkeypatch) -> Iterator[PgDatabase]:
    """As ``pg_demo_db``, the demo plan shared as "northwind" then as "other"."""
    yield from _copy(pg_demo_templates, ("northwind", "other"), tmp_path, monkeypatch)
