"""The error every stage raises, so that `web` maps it to a status once and the CLI prints its sentence.

A stage subclasses `MicrocredError` for its own failures; `kind` says what sort of failure it is
(not a status code: the stages know nothing of HTTP) and `code` is the stable machine name.
"""

from __future__ import annotations

from enum import Enum


class ErrorKind(Enum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    THROTTLED = "throttled"
    UNAVAILABLE = "unavailable"


class MicrocredError(Exception):
    kind: ErrorKind = ErrorKind.INVALID
    code: str = "invalid_request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        retry_after: int | None = None,
        problems: list[str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.retry_after = retry_after
        self.problems = list(problems or [])  # each problem as a sentence, when there are several to list


class NotFound(MicrocredError):
    kind = ErrorKind.NOT_FOUND
    code = "not_found"


class Conflict(MicrocredError):
    kind = ErrorKind.CONFLICT
    code = "conflict"


class InvalidInput(MicrocredError):
    kind = ErrorKind.INVALID
    code = "invalid_request"


class Unauthenticated(MicrocredError):
    kind = ErrorKind.UNAUTHENTICATED
    code = "unauthenticated"


class Forbidden(MicrocredError):
    kind = ErrorKind.FORBIDDEN
    code = "forbidden"


class Throttled(MicrocredError):
    kind = ErrorKind.THROTTLED
    code = "too_many_attempts"


class Unavailable(MicrocredError):
    """The server cannot do this as configured (a missing or wrong master key, say): not the caller's fault."""

    kind = ErrorKind.UNAVAILABLE
    code = "unavailable"
