"""ASGI middleware: the request-size limit, the rate limit of anonymous verifications, the time budget of a
request's fetches, and the security headers every response carries."""

from __future__ import annotations

import json
import re

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from microcred.verify.fetch import Fetcher
from microcred.web.errors import BodyTooLarge, error_response, json_path
from microcred.web.security import RateLimit, client_ip

# Swagger UI at /docs runs inline scripts of its own; our pages run only our own files.
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


class BodySizeLimit:
    """Refuse bodies over the limit with 413: by Content-Length at once, or while a stream is read."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, send)
            return
        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def guarded_send(message: Message) -> None:
            # Once the body overflowed, whatever the app answers (FastAPI turns the error into a 400)
            # is replaced by our 413.
            nonlocal started
            if exceeded:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLarge:
            if started:
                raise
        if exceeded and not started:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        path = scope.get("path", "")
        detail = f"The request body is larger than the {self.max_bytes:,} bytes allowed."
        if json_path(path):
            body = json.dumps({"error": "request_too_large", "detail": detail}).encode()
            content_type = b"application/json"
        else:
            body = (
                "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Request too large"
                f"</title></head><body><main><h1>Request too large</h1><p>{detail}</p></main></body></html>"
            ).encode()
            content_type = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


# What anyone may ask to be verified, each costing CPU and fetches: the VC-API, the verifier's forms, the verify
# page of an issued credential, and a share page (which shows the verdict, also as its feedback form answers).
# The QR code scanner has a bucket of its own, SCAN_FACTOR times larger: the verifier page's camera sends it two
# frames a second.
VERIFICATIONS = (
    ("POST", re.compile(r"/(credentials|presentations)/verify/?"), False),
    ("POST", re.compile(r"/credentials/derive/?"), False),  # anyone may derive: its canonicalization costs CPU
    ("POST", re.compile(r"(/api)?/claim/[^/]+/(wallet-app|exchange)/?"), False),  # a claim link holder makes exchanges
    ("POST", re.compile(r"/verify/?"), False),
    ("GET", re.compile(r"/verify/[0-9a-fA-F-]{36}/?"), False),
    ("GET", re.compile(r"/share/[^/]+/?"), False),
    ("POST", re.compile(r"/share/[^/]+/feedback/?"), False),  # a refused answer shows the share page again
    ("POST", re.compile(r"/verify/scan/?"), True),
)
SCAN_FACTOR = 4


class VerifyRateLimit:
    """At most `per_minute` verifications per client address (the address the audit log records: the proxy's
    client when the server trusts its forwarded headers; an IPv6 client by its /64), then 429 with Retry-After."""

    def __init__(self, app: ASGIApp, per_minute: int) -> None:
        self.app = app
        self.verifications = RateLimit(per_minute)
        self.scans = RateLimit(per_minute * SCAN_FACTOR)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        matched = [
            scan for method, pattern, scan in VERIFICATIONS if scope["method"] == method and pattern.fullmatch(path)
        ]
        if not matched:
            await self.app(scope, receive, send)
            return
        limit = self.scans if matched[0] else self.verifications
        request = Request(scope, receive)
        wait = limit.wait(client_ip(request) or "unknown")
        if not wait:
            await self.app(scope, receive, send)
            return
        what = "pictures scanned" if matched[0] else "verifications"
        detail = f"Too many {what} from your address: at most {limit.per_minute} a minute. Try again in {wait} s."
        headers = {"Retry-After": str(wait)}
        response = (
            JSONResponse({"error": "too_many_verifications", "detail": detail}, 429, headers)
            if matched[0]  # the scanner's answers are JSON
            else error_response(request, 429, "too_many_verifications", detail, headers)
        )
        await response(scope, receive, send)


class FetchBudget:
    """Each request's fetches from other sites (status lists, did:web documents, links) and their name lookups
    share one time budget, so a document pointing at many slow sites cannot hold a worker."""

    def __init__(self, app: ASGIApp, fetcher: Fetcher) -> None:
        self.app = app
        self.fetcher = fetcher

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self.fetcher.budget():  # the route runs in a worker thread with a copy of this context
            await self.app(scope, receive, send)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_docs = scope.get("path", "").startswith(("/docs", "/redoc"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
                if not is_docs:
                    headers.append((b"content-security-policy", PAGE_CSP.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
