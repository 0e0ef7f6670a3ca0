"""A page's form refused: roll back what the handler began, and show the form again with what was typed.

    def _members_again(error: MicrocredError, request: Request, caller: Caller, db: Session, **_: Any) -> Response:
        return _members_page(request, caller, db, status_code=STATUS[error.kind], error=error.detail)

    @router.post("/orgs/{org}/members")
    @refusing(_members_again)
    def add_member(request: Request, caller: OrgAdmins, db: DB, email: ... ) -> Response:
        ...  # raise (or let the domain raise) a MicrocredError to refuse

The handler raises; `refusing` catches the MicrocredError, rolls the request's session back (so nothing it
began is written, and the page shown again reads the database as it was), then calls `again` with the error
and the handler's own arguments (the form fields as typed among them). Errors that are not a refusal go on
to the error pages as before.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Request, Response

from microcred.errors import InvalidInput, MicrocredError
from microcred.web.security import rolled_back

Handler = TypeVar("Handler", bound=Callable[..., Any])
Again = Callable[..., Response | Awaitable[Response]]


def _rolled_back(arguments: dict[str, Any]) -> None:
    request = arguments.get("request")
    if not isinstance(request, Request):
        raise TypeError("A handler that uses `refusing` must take the request as `request`.")
    db = getattr(request.state, "db", None)
    if db is not None:
        rolled_back(request, db)


def refusing(again: Again) -> Callable[[Handler], Handler]:
    """Show the form again through `again(error, **arguments)` when the handler raises a MicrocredError."""

    def decorate(handler: Handler) -> Handler:
        if inspect.iscoroutinefunction(handler):

            @functools.wraps(handler)
            async def run_async(**arguments: Any) -> Any:
                try:
                    return await handler(**arguments)
                except MicrocredError as error:
                    _rolled_back(arguments)
                    shown = again(error, **arguments)
                    return await shown if inspect.isawaitable(shown) else shown

            return run_async  # type: ignore[return-value]

        @functools.wraps(handler)
        def run(**arguments: Any) -> Any:
            try:
                return handler(**arguments)
            except MicrocredError as error:
                _rolled_back(arguments)
                shown = again(error, **arguments)
                if inspect.isawaitable(shown):
                    raise TypeError("A synchronous handler's `again` must be synchronous.") from error
                return shown

        return run  # type: ignore[return-value]

    return decorate


def confirmed(confirm: str, sentence: str) -> None:
    """A step that cannot be undone is taken only with its box ticked (`ui.confirm` sends confirm=yes); otherwise
    the form is refused with `sentence`, which says what was not done."""
    if confirm != "yes":
        raise InvalidInput(sentence, code="not_confirmed")
