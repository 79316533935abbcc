"""The feeds of a shared plan (``serve postgresql://…?plan=x``), regenerated on NOTIFY.

The same interface as :class:`cadence.feeds.FeedService` (``lookup``, ``current_body``,
``body``), so :func:`cli.serve.create_app` serves either. Instead of watching a
file it LISTENs on the ``cadence`` channel (:mod:`cadence.store.shared.live`): a
committed change of the plan marks the feeds stale (the next request reloads the plan
and regenerates them), a change of the ``feed_token`` table reloads the tokens (a
revoked link answers 404 as soon as the notice arrives). ``poll(timeout)`` handles what
arrived; :meth:`SharedFeedService.start` runs it on a background thread, which also
asks the server for changes whose notice never came after ``IDLE_CHECK_SECONDS``
without one (:meth:`SharedFeedService.check_missed`).

The last body of each feed is kept in memory so SEQUENCE grows with each change while
the server runs. Last-Modified is the plan's ``updated`` stamp (or the time of loading
when it has none) at start, then the time each change was seen, always increasing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg

from cadence.feeds import FeedBody, FeedError, FeedToken, feed_body, find_token, token_key
from cadence.model import Plan
from cadence.store.shared.feed_tokens import tokens_of
from cadence.store.shared.live import IDLE_CHECK_SECONDS, PlanListener
from cadence.store.shared.plans import SharedError, SharedPlan, explain, open_shared_plan

TOKEN_TABLE_KIND = "feed_token"
RECONNECT_SECONDS = 2.0


class SharedFeedService:
    """Tokens and feeds of one shared plan. Thread-safe; ``close()`` when done."""

    def __init__(self, url: str, clock: Callable[[], datetime]) -> None:
        self.url = url
        self._clock = clock
        try:
            # LISTEN before the first read: no change between the two is missed.
            self._listener: PlanListener | None = PlanListener(url)
        except psycopg.Error as exc:
            raise FeedError(f"cannot listen for changes: {explain(exc)}") from None
        try:
            self._shared: SharedPlan = open_shared_plan(url)
        except SharedError as exc:
            self._listener.close()
            raise FeedError(str(exc)) from None
        self._lock = threading.Lock()
        self._plan_stale = True
        self._plan: Plan | None = None
        self._modified = datetime.fromtimestamp(0, UTC)
        self._bodies: dict[tuple[str, str | None, str | None, str | None], FeedBody] = {}
        self._previous: dict[tuple[str, str | None, str | None, str | None], bytes] = {}
        try:
            self._tokens: list[FeedToken] = self._read_tokens()
        except FeedError:
            self._listener.close()
            self._shared.close()
            raise
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    # -- changes ------------------------------------------------------------------

    def poll(self, timeout: float) -> int:
        """Handle the changes that arrive within ``timeout`` seconds; returns how many."""
        if self._listener is None:
            self._listener = PlanListener(self.url)
            self._mark_all_stale()  # what happened while not listening is unknown
        try:
            notices = self._listener.poll(timeout)
        except psycopg.Error:
            self._listener.close()
            self._listener = None
            raise
        if any(n.kind == TOKEN_TABLE_KIND for n in notices):
            self._tokens = self._read_tokens()
        if any(n.kind != TOKEN_TABLE_KIND for n in notices):
            self._plan_stale = True
        return len(notices)

    def check_missed(self) -> bool:
        """Whether the plan changed without its notice reaching us (its sender was
        killed between its commit and its notice): one query of the objects' revisions.
        Marks the feeds stale when it did."""
        with self._lock:
            if self._plan_stale or self._plan is None:
                return False
            try:
                missed = bool(self._shared.stale_objects())
            except SharedError as exc:
                raise FeedError(str(exc)) from None
        if missed:
            self._plan_stale = True
        return missed

    def _mark_all_stale(self) -> None:
        self._tokens = self._read_tokens()
        self._plan_stale = True

    def start(self) -> None:
        """Handle changes on a background thread until :meth:`close`."""
        self._thread = threading.Thread(target=self._watch, name="feeds-notify", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        quiet = 0.0  # seconds without a notice
        while not self._stop.is_set():
            try:
                quiet = 0.0 if self.poll(1.0) else quiet + 1.0
                if quiet >= IDLE_CHECK_SECONDS:
                    quiet = 0.0
                    self.check_missed()
            except (psycopg.Error, FeedError) as exc:
                # The server went away: keep serving the last feeds, retry, reload after.
                self.last_error = str(exc)
                self._stop.wait(RECONNECT_SECONDS)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._listener is not None:
            self._listener.close()
        self._shared.close()

    # -- tokens -------------------------------------------------------------------

    def _read_tokens(self) -> list[FeedToken]:
        try:
            return tokens_of(self._shared)
        except SharedError as exc:
            raise FeedError(str(exc)) from None

    def lookup(self, secret: str, name: str) -> FeedToken | None:
        """The token for this secret when it opens the feed ``name``; else None."""
        token = find_token(self._tokens, secret)
        if token is None or token.feed != name:
            return None
        return token

    # -- feeds --------------------------------------------------------------------

    def current_body(self, token: FeedToken) -> FeedBody | None:
        """The feed when generated since the last change of the plan; else None."""
        if self._plan_stale:
            return None
        return self._bodies.get(token_key(token))

    def body(self, token: FeedToken) -> FeedBody:
        """The feed this token opens, regenerated only after the plan changed."""
        key = token_key(token)
        with self._lock:
            self._reload_if_stale()
            cached = self._bodies.get(key)
            if cached is None:
                cached = self._bodies[key] = self._generate(token)
            return cached

    def _reload_if_stale(self) -> None:
        if not self._plan_stale and self._plan is not None:
            return
        self._plan_stale = False  # a change during the reload marks it stale again
        try:
            plan = self._shared.load()
        except (SharedError, ValueError) as exc:
            self.last_error = str(exc)
            if self._plan is None:
                raise FeedError(str(exc)) from None
            return  # keep serving the last good plan
        self.last_error = None
        self._modified = self._next_modified(plan)
        self._plan = plan
        self._bodies.clear()

    def _next_modified(self, plan: Plan) -> datetime:
        """Last-Modified (and the stamp of changed events) of the plan just loaded.

        At start the plan's ``updated`` (else now). After a change: when it was seen,
        and always later than before — an edit need not touch ``updated``, and a client
        that sends only If-Modified-Since must not get 304 for a changed feed.
        """
        now = self._clock().astimezone(UTC).replace(microsecond=0)
        if self._plan is None:
            return plan.updated or now
        return max(now, self._modified + timedelta(seconds=1))

    def _generate(self, token: FeedToken) -> FeedBody:
        from cadence.engine import schedule
        from cadence.formats.ical import ics_bytes, parse_alarm, read_previous_bytes

        assert self._plan is not None
        key = token_key(token)
        previous = self._previous.get(key)
        data = ics_bytes(
            self._plan,
            schedule(self._plan),
            (),
            team=token.team,
            product=token.product,
            alarm=parse_alarm(token.alarm) if token.alarm else None,
            now=self._modified,
            previous=read_previous_bytes(previous) if previous is not None else None,
        )
        self._previous[key] = data
        return feed_body(data, self._modified)
