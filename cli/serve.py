"""The feed server: read-only iCalendar feeds over HTTP (Starlette on uvicorn).

``GET``/``HEAD /feeds/<token>/<feed>.ics`` and nothing else: every other path,
a wrong token, or a token for another feed is the same plain 404. Responses
carry a strong ``ETag`` per representation (plain or gzip), ``Last-Modified``
(when the plan file changed) and ``Cache-Control: no-cache`` so clients
revalidate; ``If-None-Match`` (or, without it, ``If-Modified-Since``) answers
304. The gzip form is compressed once per plan change, not per request (every
other answer is a few bytes: nothing else to compress). Requests with a body are
refused (413), headers are capped by uvicorn, and the number of connections is
limited.
"""

from __future__ import annotations

import socket
from email.utils import parsedate_to_datetime

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from cadence.feeds import FeedBody, FeedError, FeedSource

CALENDAR_TYPE = "text/calendar; charset=utf-8"
MAX_HEADER_BYTES = 16 * 1024
DEFAULT_MAX_CONNECTIONS = 256


def not_found() -> Response:
    """The one answer for anything that is not a feed this token opens."""
    return PlainTextResponse("Not Found", status_code=404)


def _matches(if_none_match: str, etags: tuple[str, ...]) -> bool:
    """Whether an If-None-Match header names one of the feed's current ETags."""
    if if_none_match.strip() == "*":
        return True
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag.startswith("W/"):
            tag = tag[2:]  # weak comparison (RFC 9110 §13.1.2)
        if tag in etags:
            return True
    return False


def _not_modified_since(header: str, body: FeedBody) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    return since is not None and since.tzinfo is not None and body.last_modified <= since


def feed_response(request: Request, body: FeedBody) -> Response:
    """200 with the feed (gzip when accepted), or 304 when the client's copy is current."""
    gzip_etag = body.etag[:-1] + '-gzip"'
    wants_gzip = "gzip" in request.headers.get("accept-encoding", "").lower()
    etag = gzip_etag if wants_gzip else body.etag
    headers = {
        "ETag": etag,
        "Last-Modified": body.last_modified_http,
        "Cache-Control": "private, no-cache",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Vary": "Accept-Encoding",  # plain and gzip are two representations
    }
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        fresh = _matches(if_none_match, (body.etag, gzip_etag))
    else:
        fresh = _not_modified_since(request.headers.get("if-modified-since", ""), body)
    if fresh:
        return Response(status_code=304, headers=headers)
    if wants_gzip:
        headers["Content-Encoding"] = "gzip"  # compressed once per plan change
    content = body.gzipped if wants_gzip else body.data
    return Response(content, headers=headers, media_type=CALENDAR_TYPE)


def create_app(service: FeedSource) -> Starlette:
    """The ASGI app serving one plan's feeds."""

    async def feed(request: Request) -> Response:
        name = str(request.path_params["name"])
        try:
            token = service.lookup(str(request.path_params["token"]), name)
        except FeedError:  # an unreadable token file opens nothing
            token = None
        if token is None:
            return not_found()
        body = service.current_body(token)
        if body is None:
            # Loading the plan and writing the feed block: a worker thread does it.
            try:
                body = await run_in_threadpool(service.body, token)
            except FeedError:
                return PlainTextResponse("The plan cannot be read", status_code=503)
        return feed_response(request, body)

    async def missing(request: Request, exc: Exception) -> Response:
        return not_found()

    return Starlette(
        routes=[Route("/feeds/{token}/{name}.ics", feed, methods=["GET", "HEAD"])],
        middleware=[Middleware(RefuseBodies)],
        exception_handlers={404: missing},
    )


class RefuseBodies:
    """Feeds are read-only: a request that announces a body gets 413 before it is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            length = headers.get(b"content-length", b"0")
            if (length.strip() not in (b"", b"0")) or b"transfer-encoding" in headers:
                await PlainTextResponse("Request body not allowed", status_code=413)(
                    scope, receive, send
                )
                return
        await self.app(scope, receive, send)


def server_config(
    app: Starlette,
    host: str = "127.0.0.1",
    port: int = 8080,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    forwarded_allow_ips: str | None = None,
):  # -> uvicorn.Config (imported lazily)
    """The uvicorn configuration: bounded headers, connections and keep-alive."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        limit_concurrency=max_connections,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        timeout_keep_alive=5,
        server_header=False,
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )


def serve_on(app: Starlette, sock: socket.socket, max_connections: int = DEFAULT_MAX_CONNECTIONS):
    """A uvicorn server for an already bound socket (tests, benchmarks); call ``.run(sockets=[sock])``."""
    import uvicorn

    host, port = sock.getsockname()[:2]
    return uvicorn.Server(server_config(app, host, port, max_connections))
