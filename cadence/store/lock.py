"""The lock that says "someone is changing this plan file", shared by the app and the CLI.

A plan file ``plan.cadence`` (or ``plan.json``) is locked by the sidecar file
``.~plan.cadence.lock`` in the same folder, held with an OS file lock
(``fcntl.flock``) for as long as the holder changes the plan: the app for as
long as a window edits the document, a command-line save for one
read-modify-write. The sidecar names its holder (``host:pid``) for messages.

Why an OS lock and not only the sidecar's existence: the kernel releases it
when the holder dies, even by SIGKILL, so a crash never leaves the document
locked. A sidecar left behind by a crash (empty, or naming a dead process of
this host) is simply taken over. A sidecar naming another host is respected:
its holder may be alive on a network share that flock cannot see through.
"""

from __future__ import annotations

import errno
import fcntl
import getpass
import os
import socket
import time
from pathlib import Path

# Seconds a command-line save waits for the lock before giving up; the
# environment variable CADENCE_LOCK_WAIT overrides it (0: do not wait).
DEFAULT_WAIT = 10.0
POLL_SECONDS = 0.05
READ_ONLY_ERRORS = (errno.EACCES, errno.EPERM, errno.EROFS)


class LockBusy(Exception):
    """Another holder has the lock; ``holder`` is its ``host:pid`` (or "")."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(f"{path.name} is locked by {describe_holder(holder)}")
        self.path = path
        self.holder = holder


class LockUnavailable(Exception):
    """The lock file cannot be made (read-only folder, full disk …); the message says why."""


def lock_path_for(path: Path) -> Path:
    """The sidecar lock file of a plan file."""
    path = Path(path)
    return path.with_name(f".~{path.name}.lock")


def default_wait() -> float:
    """How long a command-line save waits for the lock (CADENCE_LOCK_WAIT, else 10 s)."""
    text = os.environ.get("CADENCE_LOCK_WAIT", "")
    try:
        value = float(text)
    except ValueError:
        return DEFAULT_WAIT
    return value if 0 <= value <= 3600 else DEFAULT_WAIT


def me() -> str:
    """This process as a lock holder: ``user@host:pid``."""
    return f"{_user()}@{socket.gethostname()}:{os.getpid()}"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name for this uid (containers)
        return f"uid {os.getuid()}"


def describe_holder(holder: str) -> str:
    """A lock holder as people recognise it: "alice on laptop-7 (process 2962)".

    Reads ``user@host:pid`` and the older ``host:pid``; anything else as "another program".
    """
    who, sep, pid = holder.rpartition(":")
    if not sep or not pid.isdigit() or not who:
        return "another program"
    user, at, host = who.rpartition("@")
    person = f"{user} on {host}" if at else host
    return f"{person} (process {pid})"


class PlanLock:
    """An acquired lock on one plan file; release it with :meth:`release` (or ``with``)."""

    def __init__(self, plan_path: Path, fd: int) -> None:
        self.plan_path = Path(plan_path)
        self.path = lock_path_for(plan_path)
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Remove the sidecar, then let go of the OS lock (in this order, see _try_once)."""
        if self._fd is None:
            return
        try:
            if _same_file(self._fd, self.path):
                self.path.unlink()
        except OSError:
            pass
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> PlanLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire(plan_path: Path, wait: float = 0.0) -> PlanLock:
    """Lock ``plan_path`` for this process, waiting up to ``wait`` seconds.

    Raises LockBusy naming the holder when it stays locked, LockUnavailable when
    the lock file cannot be created at all.
    """
    plan_path = Path(plan_path)
    deadline = time.monotonic() + max(0.0, wait)
    while True:
        fd, holder = _try_once(plan_path)
        if fd is not None:
            return PlanLock(plan_path, fd)
        if time.monotonic() >= deadline:
            raise LockBusy(plan_path, holder)
        time.sleep(POLL_SECONDS)


def _try_once(plan_path: Path) -> tuple[int | None, str]:
    """One attempt: (fd holding the lock, "") or (None, who holds it)."""
    lock = lock_path_for(plan_path)
    for _ in range(50):  # the sidecar may be replaced under us a few times
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            # "read-only" lets the app offer to open the document read-only instead.
            why = " (the folder is read-only)" if exc.errno in READ_ONLY_ERRORS else ""
            raise LockUnavailable(
                f"cannot create the lock file {lock.name} in {str(lock.parent)!r} "
                f"({exc.strerror or exc}){why}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _read_holder(fd)
            os.close(fd)
            return None, holder
        # A holder releasing unlinks the sidecar before closing it: if ours is no
        # longer the file at that path, we locked a dead inode; start again.
        if not _same_file(fd, lock):
            os.close(fd)
            continue
        holder = _read_holder(fd)
        if _held_elsewhere(holder):
            os.close(fd)
            return None, holder
        try:
            os.ftruncate(fd, 0)
            os.write(fd, me().encode())
        except OSError:
            pass  # the name is for messages only; the OS lock is what counts
        return fd, ""
    return None, ""


def _same_file(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _read_holder(fd: int) -> str:
    try:
        data = os.pread(fd, 200, 0)
    except OSError:
        return ""
    return data.decode("utf-8", errors="replace").strip()


def _held_elsewhere(holder: str) -> bool:
    """A sidecar we could lock that still counts as held: one naming another host.

    Same host: the OS lock is free, so its holder ended (crash, kill) and the
    sidecar is stale, whatever it says (empty, or a dead or reused pid).
    """
    who, sep, pid = holder.rpartition(":")
    host = who.rpartition("@")[2]
    return bool(sep) and pid.isdigit() and host != socket.gethostname()


__all__ = [
    "DEFAULT_WAIT",
    "LockBusy",
    "LockUnavailable",
    "PlanLock",
    "acquire",
    "default_wait",
    "lock_path_for",
    "me",
]
