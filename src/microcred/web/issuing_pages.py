"""HTML routes of the issuing stage: issue an edition to a learner, the issued credentials, their status."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from microcred.accounts.models import Role
from microcred.design import service as design
from microcred.errors import InvalidInput, MicrocredError
from microcred.issuing import credentials, documents, status
from microcred.web.errors import STATUS
from microcred.web.issuing_api import master_of
from microcred.web.security import DB, Access, Caller, settings_of
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)
Issuers = Annotated[Caller, Depends(Access.members(Role.ORG_ADMIN, Role.EDUCATOR))]
Text = Annotated[str, Form(max_length=320)]


@router.post("/orgs/{org}/specifications/{spec_id}/issue", response_class=HTMLResponse)
def issue_form(
    request: Request,
    org: str,
    spec_id: uuid.UUID,
    caller: Issuers,
    db: DB,
    name: Text = "",
    email: Text = "",
    identifier: Text = "",
    awarded: Text = "",
    grade: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    spec = design.get(db, caller.org, spec_id)  # another organisation's: 404 before anything else
    try:
        if not spec.editions:
            raise InvalidInput("Publish the micro-credential before issuing it.", code="not_published")
        try:
            when = date.fromisoformat(awarded) if awarded else date.today()
        except ValueError:
            raise InvalidInput("The award date is not a date.", code="invalid_result") from None
        row = credentials.issue_edition(
            db,
            caller.signed_in,
            caller.org,
            spec_id,
            spec.editions[-1].number,
            documents.Learner(name=name, email=email or None, identifier=identifier or None),
            documents.Result(awarded=when, grade=grade or None),
            base_url=settings_of(request).base_url,
            master=master_of(request),
        )
    except MicrocredError as error:
        db.rollback()
        return render(
            request,
            "error.html",
            caller,
            db=db,
            title="Not issued",
            detail=error.detail,
            status=STATUS[error.kind],
            status_code=STATUS[error.kind],
        )
    db.commit()
    return RedirectResponse(f"/orgs/{caller.org.slug}/credentials/{row.id}", status_code=303)


@router.get("/orgs/{org}/credentials", response_class=HTMLResponse)
def issued_page(request: Request, org: str, caller: Issuers, db: DB) -> Response:
    rows = credentials.issued(db, caller.org)
    return render(request, "issued.html", caller, db=db, title="Issued micro-credentials", rows=rows)


def _credential_page(
    request: Request, caller: Caller, db: DB, credential_id: uuid.UUID, *, error: str | None = None, code: int = 200
) -> Response:
    row = credentials.find_issued(db, caller.org, credential_id)
    return render(
        request,
        "issued_credential.html",
        caller,
        db=db,
        title=f"{row.document.get('name', 'Credential')} for {row.learner_name}",
        row=row,
        state=status.status(db, caller.org, f"urn:uuid:{row.id}"),
        error=error,
        status_code=code,
    )


@router.get("/orgs/{org}/credentials/{credential_id}", response_class=HTMLResponse)
def credential_page(request: Request, org: str, credential_id: uuid.UUID, caller: Issuers, db: DB) -> Response:
    return _credential_page(request, caller, db, credential_id)


@router.get("/orgs/{org}/credentials/{credential_id}/credential.json")
def credential_json(request: Request, org: str, credential_id: uuid.UUID, caller: Issuers, db: DB) -> Response:
    row = credentials.find_issued(db, caller.org, credential_id)
    return Response(
        json.dumps(row.document, indent=2, ensure_ascii=False),
        media_type="application/vc+ld+json",
        headers={"Content-Disposition": f'attachment; filename="credential-{row.id}.json"'},
    )


@router.post("/orgs/{org}/credentials/{credential_id}/status", response_class=HTMLResponse)
def credential_status(
    request: Request,
    org: str,
    credential_id: uuid.UUID,
    caller: Issuers,
    db: DB,
    action: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    row = credentials.find_issued(db, caller.org, credential_id)
    changes = {"revoke": ("revocation", True), "suspend": ("suspension", True), "reinstate": ("suspension", False)}
    try:
        if action not in changes:
            raise InvalidInput("Choose revoke, suspend or reinstate.", code="invalid_status")
        purpose, value = changes[action]
        status.change(
            db, caller.signed_in, caller.org, f"urn:uuid:{row.id}", purpose=purpose, value=value, reason=reason
        )
    except MicrocredError as error:
        db.rollback()
        return _credential_page(request, caller, db, credential_id, error=error.detail, code=STATUS[error.kind])
    db.commit()
    return RedirectResponse(f"/orgs/{caller.org.slug}/credentials/{credential_id}", status_code=303)
