"""The provider's page of a micro-credential's quality data, with the form that records enrolments."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from microcred.design import service as design
from microcred.design.models import Specification
from microcred.errors import MicrocredError, NotFound
from microcred.inputs import whole_number
from microcred.quality import service as quality
from microcred.web.errors import STATUS
from microcred.web.forms import refusing
from microcred.web.security import DB, Caller, Educators, settings_of
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)


def _own_specification(spec_id: uuid.UUID, caller: Educators, db: DB) -> Specification:
    """The organisation's micro-credential the URL names: someone else's is a 404 before the handler runs,
    whatever the form says."""
    return design.get(db, caller.org, spec_id)


OwnSpecification = Annotated[Specification, Depends(_own_specification)]


def _page(
    request: Request, caller: Caller, db: Session, spec_id: uuid.UUID, *, code: int = 200, **context: Any
) -> Response:
    spec = design.get(db, caller.org, spec_id)
    return render(
        request,
        "quality.html",
        caller,
        db=db,
        title=f"Quality data: {spec.title}",
        organisation=caller.org,
        spec=spec,
        quality=quality.figures(db, spec.id, minimum=settings_of(request).quality_min_responses),
        enrolments=quality.enrolments(db, caller.org, spec.id),
        status_code=code,
        **context,
    )


@router.get("/orgs/{org}/specifications/{spec_id}/quality", response_class=HTMLResponse)
def quality_page(request: Request, spec_id: uuid.UUID, caller: Educators, db: DB) -> Response:
    return _page(request, caller, db, spec_id)


def _enrolment_again(
    error: MicrocredError,
    request: Request,
    caller: Caller,
    db: Session,
    spec_id: uuid.UUID,
    period: str,
    enrolled: str,
    **_: Any,
) -> Response:
    """The number, the period or the edition refused (nothing was written): the page again, with what was
    typed."""
    form = {"period": period, "enrolled": enrolled}
    code = 422 if isinstance(error, NotFound) else STATUS[error.kind]  # a missing edition is a mistyped field
    return _page(request, caller, db, spec_id, code=code, error=error.detail, form=form)


@router.post("/orgs/{org}/specifications/{spec_id}/enrolments", response_class=HTMLResponse)
@refusing(_enrolment_again)
def record_enrolment(
    request: Request,
    org: str,
    spec_id: uuid.UUID,
    caller: Educators,
    db: DB,
    spec: OwnSpecification,
    edition: Annotated[int, Form()] = 0,
    period: Annotated[str, Form(max_length=200)] = "",
    enrolled: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    number = whole_number(enrolled, field="number enrolled", least=0, most=1_000_000, code="invalid_enrolment")
    quality.record_enrolment(db, caller.signed_in, caller.org, spec_id, edition=edition, period=period, enrolled=number)
    return RedirectResponse(f"/orgs/{org}/specifications/{spec_id}/quality", status_code=303)
