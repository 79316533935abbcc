"""serve, feeds: subscription feeds of a plan over HTTP, and their secret links."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from cli.commands.common import CommandError, plan_label, read_plan

DEFAULT_PORT = 8080


def _base_url(args: argparse.Namespace) -> str:
    if args.public_url:
        return str(args.public_url).rstrip("/")
    host = getattr(args, "host", "127.0.0.1") or "127.0.0.1"
    port = getattr(args, "port", DEFAULT_PORT)
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def cmd_feeds_list(args: argparse.Namespace) -> int:
    from cadence.feeds import FeedError, load_tokens

    try:
        tokens = load_tokens(args.plan)
    except FeedError as exc:
        raise CommandError(str(exc)) from None
    if not tokens:
        shown = plan_label(args.plan)
        print(f"No feed tokens for {shown} (add one: feeds {shown} add --team ID)")
        return 0
    for token in tokens:
        what = (
            f"team {token.team}"
            if token.team
            else (f"product {token.product}" if token.product else "everything")
        )
        alarm = f", alarm {token.alarm}" if token.alarm else ""
        print(f"{token.id}  {token.feed}.ics  ({what}{alarm})  created {token.created}")
    return 0


def cmd_feeds_add(args: argparse.Namespace) -> int:
    from cadence.feeds import FeedError, add_token, feed_links

    plan = read_plan(args.plan)
    try:
        token, secret = add_token(
            args.plan,
            plan,
            team=args.team,
            product=args.product,
            alarm=args.alarm,
            created=datetime.now(UTC),
        )
    except FeedError as exc:
        raise CommandError(str(exc)) from None
    webcal, web = feed_links(_base_url(args), token, secret)
    print(
        f"Added feed token {token.id} for {token.feed}.ics. Links (shown once, keep them secret):"
    )
    print(f"  {webcal}")
    print(f"  {web}")
    return 0


def cmd_feeds_revoke(args: argparse.Namespace) -> int:
    from cadence.feeds import FeedError, revoke_token

    try:
        token = revoke_token(args.plan, args.id)
    except FeedError as exc:
        raise CommandError(str(exc)) from None
    print(f"Revoked {token.id} ({token.feed}.ics): its links now answer 404")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from cli.serve import create_app, server_config
    except ModuleNotFoundError as exc:
        raise CommandError(
            f"serve needs the server packages ({exc.name} is missing): pip install -e '.[server]'"
        ) from None
    from cadence.feeds import FeedError, load_tokens, open_feed_service

    read_plan(args.plan)  # a clear error before the server starts
    try:
        tokens = load_tokens(args.plan)
    except FeedError as exc:
        raise CommandError(str(exc)) from None
    import socket  # on use: the other commands need no network module

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    try:
        # Bound here, before the links are printed: once they show, the port answers.
        sock = socket.create_server((args.host, args.port), family=family, backlog=1024)
    except OSError as exc:
        raise CommandError(
            f"serve: cannot listen on {args.host}:{args.port} ({exc.strerror or exc})"
        ) from None
    try:
        service = open_feed_service(args.plan, clock=lambda: datetime.now(UTC))
    except FeedError as exc:
        sock.close()
        raise CommandError(str(exc)) from None
    args.port = sock.getsockname()[1]
    base = _base_url(args)
    shown = plan_label(args.plan)
    print(f"Serving the feeds of {shown} on http://{args.host}:{args.port} (Ctrl+C stops)")
    if not tokens:
        print(f"No feed tokens yet: add one with  feeds {shown} add --team ID")
    for token in tokens:
        link = f"{base}/feeds/<token {token.id}>/{token.feed}.ics"
        print(f"  {token.id}: webcal://{link.partition('://')[2]}  {link}")
    if tokens:
        print("(the full links were printed by 'feeds add'; lost one? revoke it and add another)")
    sys.stdout.flush()
    config = server_config(
        create_app(service),
        args.host,
        args.port,
        args.max_connections,
        args.forwarded_allow_ips,
    )
    try:
        with sock:
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        service.close()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="serve subscription feeds (.ics per team, product, all) over HTTP",
        description=(
            "Serve the plan's calendars as read-only iCalendar feeds at "
            "/feeds/<token>/<feed>.ics, regenerated when the plan changes (a file, or a "
            "shared plan's postgresql:// URL: followed by LISTEN/NOTIFY). "
            "Binds 127.0.0.1 unless --host says otherwise; put a TLS reverse proxy in front "
            "to reach it from outside (see docs/export.md)."
        ),
    )
    p.add_argument("plan", help="plan file (.json or .cadence) or postgresql://…?plan=KEY")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument(
        "--public-url",
        metavar="URL",
        help="the address subscribers use, e.g. https://calendars.example.com (for printed links)",
    )
    p.add_argument(
        "--max-connections",
        type=int,
        default=256,
        metavar="N",
        help="connections served at once; more get 503 (default 256)",
    )
    p.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        help="trust X-Forwarded-* from these proxy addresses (e.g. 127.0.0.1)",
    )
    p.set_defaults(func=cmd_serve)

    feeds = sub.add_parser("feeds", help="list, add or revoke the secret links of feeds")
    feeds.add_argument("plan", help="plan file (.json or .cadence) or postgresql://…?plan=KEY")
    feeds_sub = feeds.add_subparsers(dest="feeds_command", metavar="SUB")
    p = feeds_sub.add_parser("list", help="the feed tokens (never the secrets)")
    p.set_defaults(func=cmd_feeds_list)
    p = feeds_sub.add_parser("add", help="a new secret link to one feed (printed once)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--team", metavar="ID", help="the team's feed")
    which.add_argument("--product", metavar="ID", help="the product's feed")
    p.add_argument("--alarm", metavar="BEFORE", help="reminders before manual touches (30m, 2h)")
    p.add_argument(
        "--public-url",
        metavar="URL",
        help="the address subscribers use (default http://127.0.0.1:8080)",
    )
    p.set_defaults(func=cmd_feeds_add)
    p = feeds_sub.add_parser("revoke", help="remove a token: its links answer 404")
    p.add_argument("id", help="token id as listed (f1, f2, …)")
    p.set_defaults(func=cmd_feeds_revoke)
    feeds.set_defaults(func=lambda _args: _feeds_usage(feeds))


def _feeds_usage(parser: argparse.ArgumentParser) -> int:
    parser.print_usage(sys.stderr)
    print("feeds: name a sub-command (list, add, revoke)", file=sys.stderr)
    return 2
