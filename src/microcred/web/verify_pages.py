"""The public verifier: drop a file or paste JSON and see the verdict beside what the credential says; and
`/verify/{id}`, where the QR code of each issued credential's PDF leads. No account needed."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from microcred.errors import NotFound
from microcred.issuing.models import IssuedCredential
from microcred.trust import TrustError
from microcred.verify import checks
from microcred.verify.service import verify_here
from microcred.web.issuing_api import master_of
from microcred.web.security import DB, Access, Caller, fetcher_of, settings_of
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)
Anyone = Annotated[Caller, Depends(Access.public())]


def _page(
    request: Request,
    caller: Caller,
    db: DB,
    reports: list[tuple[str, checks.Report]],
    *,
    error: str | None = None,
    code: int = 200,
) -> Response:
    return render(
        request,
        "verify.html",
        caller,
        db=db,
        title="Verify a credential",
        reports=[(label, report, checks.summary(report)) for label, report in reports],
        error=error,
        status_code=code,
    )


@router.get("/verify", response_class=HTMLResponse)
def verify_form(request: Request, caller: Anyone, db: DB) -> Response:
    return _page(request, caller, db, [])


@router.post("/verify", response_class=HTMLResponse)
def verify_upload(
    request: Request,
    caller: Anyone,
    db: DB,
    file: Annotated[UploadFile | None, File()] = None,
    document: Annotated[str, Form(max_length=checks.MAX_BYTES)] = "",
) -> Response:
    raw = file.file.read(checks.MAX_BYTES + 1) if file is not None and file.filename else document.encode()
    try:
        if not raw.strip():
            raise TrustError("Choose a file or paste the credential's JSON.")
        parsed = checks.parse(raw)
    except TrustError as error:
        return _page(request, caller, db, [], error=str(error), code=422)
    settings = settings_of(request)
    report = verify_here(db, parsed, base_url=settings.base_url, master=master_of(request), fetcher=fetcher_of(request))
    return _page(request, caller, db, [("The credential", report)])


@router.get("/verify/{credential_id}", response_class=HTMLResponse)
def verify_issued(request: Request, credential_id: uuid.UUID, caller: Anyone, db: DB) -> Response:
    row = db.scalar(select(IssuedCredential).where(IssuedCredential.id == credential_id))
    if row is None:
        raise NotFound("No credential with this address was issued here.", code="credential_not_found")
    settings = settings_of(request)
    master = master_of(request)
    reports = [
        (
            "Open Badge",
            verify_here(db, row.document, base_url=settings.base_url, master=master, fetcher=fetcher_of(request)),
        )
    ]
    if row.elm_document:
        elm = verify_here(db, row.elm_document, base_url=settings.base_url, master=master, fetcher=fetcher_of(request))
        reports.append(("European Digital Credential", elm))
    return _page(request, caller, db, reports)
