"""The provider's page of a micro-credential's quality data, with the form that records enrolments."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from microcred.accounts.models import Role
from microcred.design import service as design
from microcred.errors import InvalidInput, NotFound
from microcred.inputs import whole_number
from microcred.quality import service as quality
from microcred.quality.api import minimum_of
from microcred.web.security import DB, Access, Caller
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)
Providers = Annotated[Caller, Depends(Access.members(Role.ORG_ADMIN, Role.EDUCATOR))]


def _page(request: Request, caller: Caller, db: DB, spec_id: uuid.UUID, *, code: int = 200, **context: Any) -> Response:
    spec = design.get(db, caller.org, spec_id)
    return render(
        request,
        "quality.html",
        caller,
        db=db,
        title=f"Quality data: {spec.title}",
        organisation=caller.org,
        spec=spec,
        quality=quality.figures(db, spec.id, minimum=minimum_of(request)),
        enrolments=quality.enrolments(db, caller.org, spec.id),
        status_code=code,
        **context,
    )


@router.get("/orgs/{org}/specifications/{spec_id}/quality", response_class=HTMLResponse)
def quality_page(request: Request, spec_id: uuid.UUID, caller: Providers, db: DB) -> Response:
    return _page(request, caller, db, spec_id)


@router.post("/orgs/{org}/specifications/{spec_id}/enrolments", response_class=HTMLResponse)
def record_enrolment(
    request: Request,
    org: str,
    spec_id: uuid.UUID,
    caller: Providers,
    db: DB,
    edition: Annotated[int, Form()] = 0,
    period: Annotated[str, Form(max_length=200)] = "",
    enrolled: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    design.get(db, caller.org, spec_id)  # someone else's micro-credential is not found, whatever the form says
    try:
        number = whole_number(enrolled, field="number enrolled", least=0, most=1_000_000, code="invalid_enrolment")
        quality.record_enrolment(
            db, caller.signed_in, caller.org, spec_id, edition=edition, period=period, enrolled=number
        )
    except (InvalidInput, NotFound) as error:  # refused before anything was written
        form = {"period": period, "enrolled": enrolled}
        return _page(request, caller, db, spec_id, code=422, error=error.detail, form=form)
    db.commit()
    return RedirectResponse(f"/orgs/{org}/specifications/{spec_id}/quality", status_code=303)
