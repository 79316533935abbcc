"""A throwaway PostgreSQL server on loopback, for the tests and ``make bench-shared``.

Uses the operating system's PostgreSQL binaries (Debian: ``apt-get install postgresql``,
found under ``/usr/lib/postgresql/*/bin``): ``initdb`` into a temporary folder, then
``pg_ctl start`` on a free 127.0.0.1 port with the unix socket in the same folder.
PostgreSQL refuses to run as root, so under root the server runs as the ``postgres``
OS user (created by the Debian package). Not for production use.

The tests start it with ``durable=False``: no fsync, no full-page writes, commits not
waited for. A crash of the machine may then lose the server's data, which a throwaway
test server never keeps; it makes each CREATE/DROP DATABASE and commit cheap (CREATE
and DROP cost ~1 s each with fsync on a loaded machine). The benchmarks keep the
default (durable), so their figures stay those of a real server.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

ADMIN = "cadence_admin"


class ServerUnavailable(Exception):
    """No PostgreSQL binaries on this machine (or they cannot be run)."""


def find_bindir() -> Path:
    """The newest installed PostgreSQL's bin folder, or ServerUnavailable."""
    env = os.environ.get("CADENCE_PG_BINDIR")
    candidates = [env] if env else []
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for folder in candidates:
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    raise ServerUnavailable(
        "PostgreSQL server binaries not found (install the 'postgresql' package: "
        "initdb and pg_ctl under /usr/lib/postgresql/*/bin)"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LocalServer:
    """A running throwaway server; ``admin_url(db)`` connects as its superuser."""

    folder: Path
    bindir: Path
    port: int
    password: str
    run_as: str | None  # OS user the server runs as (None: this process's user)
    durable: bool = True  # False: fsync, full-page writes and synchronous commit off

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def url(self, user: str, database: str, plan: str | None = None) -> str:
        """A connection URL without password (libpq takes it from PGPASSWORD / ~/.pgpass)."""
        tail = f"?plan={plan}" if plan else ""
        return f"postgresql://{user}@{self.host}:{self.port}/{database}{tail}"

    def admin_conninfo(self, database: str = "postgres") -> str:
        return (
            f"host={self.host} port={self.port} dbname={database} user={ADMIN} "
            f"password={self.password}"
        )

    def stop(self) -> None:
        _run(
            [str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "stop"],
            self.run_as,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)

    def halt(self) -> None:
        """Stop the server but keep its data (``resume()`` starts it again on the same port)."""
        _run(
            [str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "stop"],
            self.run_as,
        )

    def resume(self) -> None:
        self._start()

    def _start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c max_connections=100 -c shared_buffers=32MB"
        )
        if not self.durable:
            options += NOT_DURABLE
        _run(
            [
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.folder / "data"),
                "-l",
                str(self.folder / "server.log"),
                "-w",
                "-o",
                options,
                "start",
            ],
            self.run_as,
        )


#: Settings of a test server that never outlives its tests (see the module's docstring).
NOT_DURABLE = " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"


def _run(cmd: list[str], user: str | None, check: bool = True) -> None:
    result = subprocess.run(cmd, user=user, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise ServerUnavailable(
            f"{Path(cmd[0]).name} failed ({result.returncode}): {result.stderr.strip()}"
        )


def start_local_server(
    password: str = "cadence-test-secret", *, durable: bool = True
) -> LocalServer:
    """initdb + pg_ctl start into a new temporary folder; the caller must ``stop()`` it.

    ``durable=False`` (the tests): fsync off, see the module's docstring."""
    bindir = find_bindir()
    run_as: str | None = None
    folder = Path(tempfile.mkdtemp(prefix="cadence-pg-"))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder, ignore_errors=True)
            raise ServerUnavailable(
                "running as root and there is no 'postgres' OS user to run the server as"
            ) from None
        run_as = "postgres"
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    os.chmod(folder, 0o755)
    pwfile = folder / "pw"
    pwfile.write_text(password + "\n")
    if run_as:
        os.chown(pwfile, pwd.getpwnam(run_as).pw_uid, -1)
    try:
        _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(folder / "data"),
                "-U",
                ADMIN,
                f"--pwfile={pwfile}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            run_as,
        )
        pwfile.unlink()
        server = LocalServer(folder, bindir, free_port(), password, run_as, durable)
        server._start()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return server
