"""HTML routes of the issuing stage: issue an edition to a learner, the issued credentials, their status."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from microcred.accounts.models import Role
from microcred.design import service as design
from microcred.errors import Forbidden, InvalidInput, MicrocredError, NotFound
from microcred.issuing import batch, claims, credentials, documents, keys, pdf, seals, status
from microcred.issuing.api import start_run
from microcred.issuing.models import IssuedCredential
from microcred.web.errors import STATUS
from microcred.web.security import DB, Access, Caller, master_of, settings_of
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)
Issuers = Annotated[Caller, Depends(Access.members(Role.ORG_ADMIN, Role.EDUCATOR))]
Admins = Annotated[Caller, Depends(Access.members(Role.ORG_ADMIN))]
Anyone = Annotated[Caller, Depends(Access.public())]
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
            tsa_url=settings_of(request).tsa_url,
        )
    except MicrocredError as error:
        db.rollback()
        return _refused(request, caller, db, "Not issued", error)
    db.commit()
    return RedirectResponse(f"/orgs/{caller.org.slug}/credentials/{row.id}", status_code=303)


def _refused(request: Request, caller: Caller, db: DB, title: str, error: MicrocredError) -> Response:
    status = STATUS[error.kind]
    return render(
        request, "error.html", caller, db=db, title=title, detail=error.detail, status=status, status_code=status
    )


@router.get("/orgs/{org}/credentials", response_class=HTMLResponse)
def issued_page(request: Request, org: str, caller: Issuers, db: DB) -> Response:
    rows = credentials.issued(db, caller.org)
    return render(request, "issued.html", caller, db=db, title="Issued micro-credentials", rows=rows)


def _credential_page(
    request: Request,
    caller: Caller,
    db: DB,
    credential_id: uuid.UUID,
    *,
    error: str | None = None,
    code: int = 200,
    claim: tuple[str, datetime] | None = None,
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
        claim=claim,
        learner_claims=claims.rpl_learner(db, row) is not None,
        status_code=code,
    )


@router.get("/orgs/{org}/credentials/{credential_id}", response_class=HTMLResponse)
def credential_page(request: Request, org: str, credential_id: uuid.UUID, caller: Issuers, db: DB) -> Response:
    return _credential_page(request, caller, db, credential_id)


@router.get("/orgs/{org}/credentials/{credential_id}/credential.json")
def credential_json(request: Request, org: str, credential_id: uuid.UUID, caller: Issuers, db: DB) -> Response:
    return _json_download(credentials.find_issued(db, caller.org, credential_id))


@router.get("/orgs/{org}/credentials/{credential_id}/credential.pdf")
def credential_pdf(request: Request, org: str, credential_id: uuid.UUID, caller: Issuers, db: DB) -> Response:
    return _pdf_download(request, credentials.find_issued(db, caller.org, credential_id))


def _json_download(row: IssuedCredential) -> Response:
    return Response(
        json.dumps(row.document, indent=2, ensure_ascii=False),
        media_type="application/vc+ld+json",
        headers={"Content-Disposition": f'attachment; filename="credential-{row.id}.json"'},
    )


def _pdf_download(request: Request, row: IssuedCredential) -> Response:
    certificate = pdf.render(row, verify_url=documents.verify_url(settings_of(request).base_url, row.id))
    return Response(
        certificate,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="credential-{row.id}.pdf"'},
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


@router.get("/orgs/{org}/credentials/{credential_id}/credential-elm.json")
def credential_elm_json(request: Request, org: str, credential_id: uuid.UUID, caller: Issuers, db: DB) -> Response:
    row = credentials.find_issued(db, caller.org, credential_id)
    return _elm_download(row)


def _elm_download(row: IssuedCredential) -> Response:
    if row.elm_document is None:
        raise NotFound("This credential was issued without a seal certificate: it has no ELM form.", code="no_elm")
    return Response(
        json.dumps(row.elm_document, ensure_ascii=False),
        media_type="application/jose+json",
        headers={"Content-Disposition": f'attachment; filename="credential-{row.id}-edc.json"'},
    )


@router.post("/orgs/{org}/credentials/{credential_id}/claim-link", response_class=HTMLResponse)
def claim_link(
    request: Request,
    org: str,
    credential_id: uuid.UUID,
    caller: Issuers,
    db: DB,
    days: Annotated[int, Form(ge=1, le=claims.MAX_DAYS)] = claims.DEFAULT_DAYS,
) -> Response:
    try:
        made = claims.new_link(
            db, caller.signed_in, caller.org, credential_id, base_url=settings_of(request).base_url, days=days
        )
    except Forbidden as error:  # an RPL case's credential: the learner links it
        db.rollback()
        return _credential_page(request, caller, db, credential_id, error=error.detail, code=STATUS[error.kind])
    db.commit()
    return _credential_page(request, caller, db, credential_id, claim=made)


# The learner's side of a claim link ----------------------------------------------------------------------


@router.get("/claim/{token}", response_class=HTMLResponse)
def claim_page(request: Request, token: str, caller: Anyone, db: DB) -> Response:
    row = claims.open_link(db, token)
    db.commit()
    state, _entries = status.entries_of(db, row.id, settings_of(request).base_url)
    return render(
        request,
        "claim.html",
        caller,
        db=db,
        title=f"Your micro-credential: {row.document.get('name', '')}",
        row=row,
        token=token,
        state=state,
        verify_url=documents.verify_url(settings_of(request).base_url, row.id),
    )


@router.get("/claim/{token}/credential.json")
def claim_json(token: str, caller: Anyone, db: DB) -> Response:
    row = claims.open_link(db, token)
    db.commit()
    return _json_download(row)


@router.get("/claim/{token}/credential-elm.json")
def claim_elm(token: str, caller: Anyone, db: DB) -> Response:
    row = claims.open_link(db, token)
    db.commit()
    return _elm_download(row)


@router.get("/claim/{token}/credential.pdf")
def claim_pdf(request: Request, token: str, caller: Anyone, db: DB) -> Response:
    row = claims.open_link(db, token)
    db.commit()
    return _pdf_download(request, row)


# Issuing many: a CSV file from the page, issued in the background with its progress shown -----------------


@router.post("/orgs/{org}/specifications/{spec_id}/issue-batch", response_class=HTMLResponse)
def issue_batch_form(
    request: Request,
    org: str,
    spec_id: uuid.UUID,
    background: BackgroundTasks,
    caller: Issuers,
    db: DB,
    file: Annotated[UploadFile, File()],
) -> Response:
    spec = design.get(db, caller.org, spec_id)  # another organisation's: 404 before anything else
    raw = file.file.read(batch.MAX_BYTES + 1)  # a plain def: checking runs off the event loop
    try:
        if not spec.editions:
            raise InvalidInput("Publish the micro-credential before issuing it.", code="not_published")
        number = spec.editions[-1].number
        rows = batch.parse(raw, spec_id=spec.id, edition=number)
        job = batch.start(db, caller.signed_in, caller.org, spec.id, number, rows)
    except MicrocredError as error:
        db.rollback()
        return _refused(request, caller, db, "Nothing issued", error)
    start_run(request, background, db, job)
    return RedirectResponse(f"/orgs/{caller.org.slug}/runs/{job.id}", status_code=303)


@router.get("/orgs/{org}/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, org: str, run_id: uuid.UUID, caller: Issuers, db: DB) -> Response:
    job = batch.find_run(db, caller.org, run_id)
    spec = design.get(db, caller.org, job.specification_id)
    outcomes = batch.outcomes_of(job)
    counts = {name: sum(1 for o in outcomes if o.status == name) for name in ("issued", "already issued", "failed")}
    return render(
        request, "run.html", caller, db=db, title="Issuing", job=job, spec=spec, outcomes=outcomes, counts=counts
    )


# Keys and the seal certificate ---------------------------------------------------------------------------


def _signing_page(request: Request, caller: Caller, db: DB, *, error: str | None = None, code: int = 200) -> Response:
    settings = settings_of(request)
    return render(
        request,
        "signing.html",
        caller,
        db=db,
        title="Signing keys and seal",
        keys=keys.keys(db, caller.org),
        did=keys.did_web(caller.org, settings.base_url),
        certificates=seals.certificates(db, caller.org),
        tsa_host=urlparse(settings.tsa_url).hostname if settings.tsa_url else None,
        error=error,
        status_code=code,
    )


@router.get("/orgs/{org}/signing", response_class=HTMLResponse)
def signing_page(request: Request, org: str, caller: Admins, db: DB) -> Response:
    return _signing_page(request, caller, db)


@router.post("/orgs/{org}/signing/rotate", response_class=HTMLResponse)
def rotate_form(
    request: Request, org: str, caller: Admins, db: DB, algorithm: Annotated[str, Form(max_length=10)] = ""
) -> Response:
    try:
        keys.rotate(db, caller.signed_in, caller.org, algorithm, master_of(request))
    except MicrocredError as error:
        db.rollback()
        return _signing_page(request, caller, db, error=error.detail, code=STATUS[error.kind])
    db.commit()
    return RedirectResponse(f"/orgs/{caller.org.slug}/signing", status_code=303)


@router.post("/orgs/{org}/signing/seal-certificate", response_class=HTMLResponse)
def seal_certificate_form(
    request: Request,
    org: str,
    caller: Admins,
    db: DB,
    file: Annotated[UploadFile, File()],
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    data = file.file.read(seals.MAX_PKCS12_BYTES + 1)  # a plain def: parsing runs off the event loop
    try:
        seals.import_pkcs12(db, caller.signed_in, caller.org, data, password or None, master_of(request))
    except MicrocredError as error:
        db.rollback()
        return _signing_page(request, caller, db, error=error.detail, code=STATUS[error.kind])
    db.commit()
    return RedirectResponse(f"/orgs/{caller.org.slug}/signing", status_code=303)
