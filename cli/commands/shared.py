"""share, pull, db init, db grant: plans on a PostgreSQL server (docs/shared-plans.md)."""

from __future__ import annotations

import argparse
import re
from collections import Counter
from typing import Any

from cli.commands.common import CommandError, read_plan, write_plan

ROLES = ("planner", "sales", "viewer")
LOGIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,62}$")
TEAM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


def register(sub: Any) -> None:
    p = sub.add_parser("share", help="upload a plan to a PostgreSQL server")
    p.add_argument("plan", help="plan file (.json or .cadence)")
    p.add_argument("url", help="postgresql://user@host:port/db?plan=NAME")
    p.add_argument("--replace", action="store_true", help="overwrite a plan of that name")
    p.set_defaults(func=cmd_share)

    q = sub.add_parser("pull", help="copy a shared plan into a file")
    q.add_argument("url", help="postgresql://user@host:port/db?plan=NAME")
    q.add_argument("-o", "--output", required=True, help="file to write (.cadence or .json)")
    q.set_defaults(func=cmd_pull)

    db = sub.add_parser("db", help="set up a PostgreSQL database for shared plans")
    dbsub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    i = dbsub.add_parser("init", help="create or upgrade the schema, roles and row security")
    i.add_argument("url", help="postgresql://owner@host:port/db")
    i.set_defaults(func=cmd_db_init)
    g = dbsub.add_parser("grant", help="give a login one role: planner, sales or viewer")
    g.add_argument("url", help="postgresql://owner@host:port/db")
    g.add_argument("login", help="the PostgreSQL login (created without password if missing)")
    g.add_argument("--role", required=True, choices=ROLES)
    g.add_argument("--team", help="team id whose requests a sales login may edit")
    g.set_defaults(func=cmd_db_grant)


def object_counts(plan: Any) -> str:
    from cadence.formats.plan_json import plan_to_dict
    from cadence.store.shared.objects import WRITE_ORDER, plan_objects

    counts = Counter(kind for kind, _ in plan_objects(plan_to_dict(plan)))
    return ", ".join(f"{counts[k]} {k}" for k in WRITE_ORDER)


def cmd_share(args: argparse.Namespace) -> int:
    from cadence.store.shared.plans import SharedError, share_plan
    from cadence.store.shared.url import redact

    plan = read_plan(args.plan)
    try:
        share_plan(plan, args.url, replace=args.replace)
    except SharedError as exc:
        raise CommandError(str(exc)) from None
    print(f"Shared {args.plan} as {redact(args.url)} ({object_counts(plan)})")
    return 0


def cmd_pull(args: argparse.Namespace) -> int:
    from cadence.store.shared.url import redact

    plan = read_plan(args.url)
    write_plan(plan, args.output)
    print(f"Pulled {redact(args.url)} into {args.output} ({object_counts(plan)})")
    return 0


def _engine(url: str) -> Any:
    from cadence.store.shared.plans import make_engine
    from cadence.store.shared.url import SharedUrlError, parse_shared_url

    try:
        location = parse_shared_url(url, need_plan=False)
    except SharedUrlError as exc:
        raise CommandError(str(exc)) from None
    return location, make_engine(location)


def cmd_db_init(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from cadence.store.shared.plans import explain
    from cadence.store.shared.schema import SchemaError, upgrade_schema

    location, engine = _engine(args.url)
    try:
        before, after = upgrade_schema(engine)
    except SchemaError as exc:
        raise CommandError(f"{location.label}: {exc}") from None
    except SQLAlchemyError as exc:
        raise CommandError(explain(exc, location)) from None
    finally:
        engine.dispose()
    was = "new" if before is None else f"was {before}"
    print(
        f"{location.label}: Cadence schema at revision {after} ({was}); "
        "roles cadence_planner, cadence_sales, cadence_viewer ready"
    )
    return 0


def cmd_db_grant(args: argparse.Namespace) -> int:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from cadence.store.shared.plans import explain
    from cadence.store.shared.schema import SchemaError, check_schema

    if not LOGIN.match(args.login):
        raise CommandError(f"login: {args.login!r} is not a valid login name")
    if args.role == "sales" and not args.team:
        raise CommandError("--team: a sales login needs the team whose requests it edits")
    if args.team is not None and not TEAM.match(args.team):
        raise CommandError(f"--team: {args.team!r} is not a valid team id")
    location, engine = _engine(args.url)
    quote = engine.dialect.identifier_preparer.quote
    login = quote(args.login)
    created = False
    try:
        with engine.begin() as conn:
            check_schema(conn)
            exists = conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": args.login}
            ).first()
            if not exists:
                conn.exec_driver_sql(f"CREATE ROLE {login} LOGIN")
                created = True
            for role in ROLES:
                if role != args.role:
                    conn.exec_driver_sql(f"REVOKE cadence_{role} FROM {login}")
            conn.exec_driver_sql(f"GRANT cadence_{args.role} TO {login}")
            conn.execute(
                text(
                    "INSERT INTO member (login, role, team) VALUES (:login, :role, :team) "
                    "ON CONFLICT (login) DO UPDATE SET role = :role, team = :team"
                ),
                {"login": args.login, "role": args.role, "team": args.team},
            )
    except SchemaError as exc:
        raise CommandError(f"{location.label}: {exc}") from None
    except SQLAlchemyError as exc:
        raise CommandError(explain(exc, location)) from None
    finally:
        engine.dispose()
    team = f" (team {args.team})" if args.team else ""
    print(f"{args.login}: role {args.role}{team} on {location.label}")
    if created:
        print(
            f"{args.login} was created without a password: set one with psql's "
            f"\\password {args.login}"
        )
    return 0
