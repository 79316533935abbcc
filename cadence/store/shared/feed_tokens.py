"""Feed tokens of a shared plan, in the database's ``feed_token`` table.

The counterpart of the ``<plan file>.feeds.json`` file of a plan file
(:mod:`cadence.feeds`): the same :class:`~cadence.feeds.FeedToken` records, one row
each, only the digest of the secret stored. Who may add or revoke is the database's
decision (planners; see the ``0003_feed_tokens`` migration).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import delete, insert, select

from cadence.feeds import FeedError, FeedToken
from cadence.store.shared.plans import SharedError, SharedPlan, open_shared_plan
from cadence.store.shared.tables import SharedFeedTokenRow

TABLE = SharedFeedTokenRow.__table__  # type: ignore[attr-defined]


@contextmanager
def _opened(url: str) -> Iterator[SharedPlan]:
    """The shared plan at ``url``; its errors become FeedError (message without password)."""
    try:
        with open_shared_plan(url) as shared:
            yield shared
    except SharedError as exc:
        raise FeedError(str(exc)) from None


def _token(row: object) -> FeedToken:
    m = row._mapping  # type: ignore[attr-defined]
    return FeedToken(
        id=m["token_id"],
        feed=m["feed"],
        team=m["team"],
        product=m["product"],
        alarm=m["alarm"],
        digest=m["digest"],
        created=m["created"],
    )


def tokens_of(shared: SharedPlan) -> list[FeedToken]:
    """The plan's tokens, oldest first."""
    with shared._transaction() as conn:
        rows = conn.execute(select(TABLE).where(TABLE.c.plan_key == shared.key)).all()
    tokens = [_token(row) for row in rows]
    return sorted(tokens, key=lambda t: (len(t.id), t.id))


def load_shared_tokens(url: str) -> list[FeedToken]:
    with _opened(url) as shared:
        return tokens_of(shared)


def save_shared_token(url: str, make: object) -> FeedToken:
    """Insert the token ``make(existing tokens)`` returns, in one transaction."""
    with _opened(url) as shared, shared._transaction() as conn:
        rows = conn.execute(select(TABLE).where(TABLE.c.plan_key == shared.key)).all()
        token: FeedToken = make([_token(row) for row in rows])  # type: ignore[operator]
        conn.execute(
            insert(TABLE).values(
                plan_key=shared.key,
                token_id=token.id,
                feed=token.feed,
                team=token.team,
                product=token.product,
                alarm=token.alarm,
                digest=token.digest,
                created=token.created,
            )
        )
        return token


def revoke_shared_token(url: str, token_id: str) -> FeedToken:
    """Delete one token row; FeedError names the known ids when there is none."""
    with _opened(url) as shared, shared._transaction() as conn:
        rows = conn.execute(select(TABLE).where(TABLE.c.plan_key == shared.key)).all()
        tokens = [_token(row) for row in rows]
        gone = next((t for t in tokens if t.id == token_id), None)
        if gone is None:
            known = ", ".join(sorted(t.id for t in tokens)) or "none"
            raise FeedError(f"no feed token {token_id!r} (tokens: {known})")
        conn.execute(
            delete(TABLE).where(TABLE.c.plan_key == shared.key, TABLE.c.token_id == token_id)
        )
        return gone
