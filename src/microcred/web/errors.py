"""One place that turns errors into responses: `{"error": code, "detail": sentence}` for the API and
for /health, an HTML page for everything else."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote, unquote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from microcred import plain
from microcred.errors import ErrorKind, MicrocredError

log = logging.getLogger("microcred.web")
_SLASH = r"(?:/|%2[Ff])"  # a path inside a query string (?next=…) may be percent-encoded
# The secret part of bearer paths: a learner's claim link, a share link, a cohort's join code, an account's
# set-up link (/join/sign-up is a form, not a code), a VCALM exchange (its id is what lets a wallet take part).
_BEARER_PATHS = re.compile(
    rf"({_SLASH}+(?:workflows{_SLASH}+[^/?&#\s\"']+{_SLASH}+exchanges|claim|share|join|account{_SLASH}+setup){_SLASH}+)"
    r"(?!sign-up(?:[?&#\s\"']|$))(?:[^/?&#\s\"'%]|%(?!2[Ff]))+",
    re.IGNORECASE,
)
_BEARER_QUERY = re.compile(r"([?&](?:token|code|claim|share|setup|key|secret|password)=)[^&#\s\"']+", re.IGNORECASE)


def redacted(text: str) -> str:
    """The text with bearer secrets (claim, share, join and set-up links, token query parameters) masked, for
    logs."""
    decoded = text
    for _ in range(3):  # a path encoded twice (?next=%252Fshare%252F…) or with encoded letters (%73hare)
        decoded, before = unquote(decoded), decoded
        if decoded == before:
            break
    masked = _mask(decoded)
    return masked if masked != decoded else _mask(text)


def _mask(text: str) -> str:
    return _BEARER_QUERY.sub(r"\1[redacted]", _BEARER_PATHS.sub(r"\1[redacted]", text))


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    if isinstance(record.msg, str):
        record.msg = redacted(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(redacted(a) if isinstance(a, str) else a for a in record.args)
    elif isinstance(record.args, dict):
        record.args = {k: redacted(v) if isinstance(v, str) else v for k, v in record.args.items()}
    return record


class RedactBearerPaths(logging.Filter):
    """Masks bearer tokens in log records (uvicorn's access log writes every path with its query)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install_log_redaction() -> None:
    """Every log record made in this process, by any logger (uvicorn's access log, ours, libraries'), is
    redacted as it is made; uvicorn's own loggers also filter, in case another record factory replaces ours."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "redacts", False):

        def redacting(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return redact_record(factory(*args, **kwargs))

        redacting.redacts = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(redacting)
    for name in ("uvicorn.access", "uvicorn.error", "microcred.web"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactBearerPaths) for f in logger.filters):
            logger.addFilter(RedactBearerPaths())


STATUS = {
    ErrorKind.INVALID: 422,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.THROTTLED: 429,
    ErrorKind.UNAVAILABLE: 503,
}

HTTP_CODES = {
    400: ("bad_request", "The request could not be read."),
    401: ("unauthenticated", "Log in first."),
    403: ("forbidden", "You may not do this."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not accept that method."),
    413: ("request_too_large", "The request body is larger than this server accepts."),
    415: ("unsupported_media_type", "The request body has a type this address does not accept."),
    422: ("invalid_request", "The request is not valid."),
    429: ("too_many_attempts", "Too many attempts: wait a little and try again."),
    500: ("internal_error", "Something went wrong on our side. It has been logged; try again later."),
}


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit


VC_API = ("/credentials/", "/presentations/", "/issuers/", "/workflows/")  # W3C VC-API: JSON, 400 for a bad request


def json_path(path: str) -> bool:
    """Whether the route at `path` answers JSON (errors too): the API, the VC-API and /health."""
    return path.startswith(("/api/", *VC_API)) or path in ("/api", "/health", "/verify/scan")


def wants_json(request: Request) -> bool:
    return json_path(request.url.path)


def error_response(
    request: Request,
    status: int,
    code: str,
    detail: str,
    headers: dict[str, str] | None = None,
    problems: list[str] | None = None,
) -> Response:
    """`{"error": code, "detail": sentence}` for the API, with `"problems"` (a sentence each) when there are
    several to list (an issuance run's rows); an error page for everything else."""
    if wants_json(request):
        body: dict[str, Any] = {"error": code, "detail": detail}
        if problems:
            body["problems"] = problems
        return JSONResponse(body, status_code=status, headers=headers)
    from microcred.web.templating import render_error

    return render_error(request, status, detail, headers=headers)


def _labels_of(request: Request) -> dict[str, str]:
    """The labels the route's own models and parameters give their fields (`title=`), if any."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return {}
    labels: dict[str, str] = {}
    for param in (*dependant.query_params, *dependant.body_params, *dependant.path_params):
        if param.field_info.title:
            labels[param.alias] = param.field_info.title
        annotation = param.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            labels.update(plain.titles(annotation))
    return labels


def describe_validation(request: Request, errors: list[Any]) -> str:
    """FastAPI's validation errors as plain sentences naming each field by its label."""
    return plain.describe(errors, _labels_of(request))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MicrocredError)
    async def domain_error(request: Request, error: MicrocredError) -> Response:
        status = STATUS[error.kind]
        if status == 401 and not wants_json(request):
            return RedirectResponse(f"/login?next={quote(request.url.path, safe='/')}", status_code=303)
        if error.code == "password_change_required" and not wants_json(request):
            return RedirectResponse("/account/password", status_code=303)
        headers = {"Retry-After": str(error.retry_after)} if error.retry_after else None
        if status == 401:
            headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
        return error_response(request, status, error.code, error.detail, headers, error.problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        code, sentence = HTTP_CODES.get(error.status_code, ("http_error", "The request could not be served."))
        detail = error.detail if isinstance(error.detail, str) and error.status_code not in (404, 405) else sentence
        return error_response(request, error.status_code, code, detail, getattr(error, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        errors = list(error.errors())
        if any(tuple(found.get("loc", ()))[:1] == ("path",) for found in errors):
            # A mistyped address (an id that cannot be one): there is nothing there, whatever the parameter's name
            # and whatever else was sent with it.
            code, sentence = HTTP_CODES[404]
            return error_response(request, 404, code, sentence)
        status = 400 if request.url.path.startswith(VC_API) else 422
        return error_response(request, status, "invalid_request", describe_validation(request, errors))

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, error: BodyTooLarge) -> Response:
        return error_response(
            request, 413, "request_too_large", f"The request body is larger than the {error.limit:,} bytes allowed."
        )

    @app.exception_handler(DataError)
    async def unstorable(request: Request, error: DataError) -> Response:
        # The database refused a value our checks let through (a NUL byte, a number out of range): nothing
        # was written (the transaction is rolled back with the session), and the caller hears why.
        path = redacted(request.url.path)
        log.warning("value refused by the database on %s %s: %s", request.method, path, error.orig)
        return error_response(
            request,
            400 if request.url.path.startswith(VC_API) else 422,
            "unstorable_value",
            "A value cannot be stored: text with NUL characters, or a number out of range.",
        )

    @app.exception_handler(IntegrityError)
    async def lost_a_race(request: Request, error: IntegrityError) -> Response:
        # The request's commit (or a flush) broke a uniqueness or reference rule our checks had passed: another
        # request changed the same thing at the same moment. Nothing was written; the caller can try again.
        log.warning("integrity refused on %s %s: %s", request.method, redacted(request.url.path), type(error.orig))
        return error_response(
            request, 409, "concurrent_change", "This was changed by someone else at the same moment: try again."
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, redacted(request.url.path))
        code, sentence = HTTP_CODES[500]
        return error_response(request, 500, code, sentence)
