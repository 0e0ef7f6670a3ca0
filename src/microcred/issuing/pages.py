"""HTML routes of the issuing stage: issue an edition to a learner (or many, from a file), the issued credentials,
their status and claim links, the learner's side of a claim link, `/verify/{id}` where the QR code of each issued
credential's PDF leads, and the organisation's keys and seal certificate."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlparse

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from microcred.accounts import login, signup
from microcred.accounts.passwords import MIN_PASSWORD_LENGTH
from microcred.design import service as design
from microcred.design.models import Specification
from microcred.errors import InvalidInput, MicrocredError, NotFound
from microcred.issuing import baking, batch, claims, credentials, disclosure, documents, keys, pdf, seals, status
from microcred.issuing.models import IssuedCredential
from microcred.verify import checks
from microcred.web.errors import STATUS
from microcred.web.flash import FLASH, done
from microcred.web.flows import announce_verification, verifier_of
from microcred.web.forms import refusing
from microcred.web.security import (
    DB,
    Anyone,
    Caller,
    Educators,
    OrgAdmins,
    client_ip,
    master_of,
    settings_of,
    start_browser_session,
)
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=320)]


def _specification(spec_id: uuid.UUID, caller: Educators, db: DB) -> Specification:
    """The organisation's specification the form issues, found before the form is handled: another
    organisation's is not found (404), never a refused form."""
    return design.get(db, caller.org, spec_id)


def _issued_credential(credential_id: uuid.UUID, caller: Educators, db: DB) -> IssuedCredential:
    """The organisation's credential a form acts on, found before the form is handled (404 for any other)."""
    return credentials.find_issued(db, caller.org, credential_id)


OurSpecification = Annotated[Specification, Depends(_specification)]
OurCredential = Annotated[IssuedCredential, Depends(_issued_credential)]


def _issue_page(
    request: Request,
    caller: Caller,
    db: Session,
    spec: Specification,
    *,
    values: dict[str, str] | None = None,
    errors: list[tuple[str | None, str]] | None = None,
    csv_errors: list[str] | None = None,
    code: int = 200,
) -> Response:
    """The forms that issue a specification's latest edition: to one learner, or to many from a CSV file. A refused
    form comes back here with its errors at the top and what was typed kept."""
    return render(
        request,
        "issue.html",
        caller,
        db=db,
        title=f"Issue {spec.title or 'a micro-credential'}",
        spec=spec,
        spec_status=design.status(spec),
        today=date.today(),
        values=values or {},
        errors=errors or [],
        csv_errors=csv_errors or [],
        status_code=code,
    )


@router.get("/orgs/{org}/specifications/{spec_id}/issue", response_class=HTMLResponse)
def issue_page(
    request: Request, org: str, spec_id: uuid.UUID, spec: OurSpecification, caller: Educators, db: DB
) -> Response:
    return _issue_page(request, caller, db, spec)


# The issue form's boxes by a word their refusals use, the first that fits (else the name's).
_LEARNER_WORDS = (("learner_email", "email"), ("learner_identifier", "number"), ("learner_identifier", "identifier"))


def _learner_field(error: MicrocredError) -> str | None:
    """Which box of the issue form a refusal is about, when its sentence says (the form's ids)."""
    said = error.detail.lower()
    if error.code == "invalid_result":
        return "grade" if "grade" in said else "awarded"
    if error.code != "invalid_learner":
        return None
    if "email" in said and ("number" in said or "identifier" in said):
        return "learner_email"  # neither given: the first of the two
    return next((field for field, word in _LEARNER_WORDS if word in said), "learner_name" if "name" in said else None)


def _not_issued(
    error: MicrocredError, request: Request, caller: Caller, db: Session, spec: Specification, **form: Any
) -> Response:
    values = {key: str(form.get(key) or "") for key in ("name", "email", "identifier", "awarded", "grade")}
    errors = [(_learner_field(error), error.detail)]
    return _issue_page(request, caller, db, spec, values=values, errors=errors, code=STATUS[error.kind])


@router.post("/orgs/{org}/specifications/{spec_id}/issue", response_class=HTMLResponse)
@refusing(_not_issued)
def issue_form(
    request: Request,
    org: str,
    spec_id: uuid.UUID,
    spec: OurSpecification,
    caller: Educators,
    db: DB,
    name: Text = "",
    email: Text = "",
    identifier: Text = "",
    awarded: Text = "",
    grade: Annotated[str, Form(max_length=100)] = "",
) -> Response:
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
    return done(f"/orgs/{caller.org.slug}/credentials/{row.id}", "issued")


@router.get("/orgs/{org}/credentials", response_class=HTMLResponse)
def issued_page(request: Request, org: str, caller: Educators, db: DB) -> Response:
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
    claim_error: str | None = None,
    flash: str | None = None,
    status_form: dict[str, str] | None = None,
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
        claim_error=claim_error,
        link=claims.state_of(db, row),
        link_made=claims.made_at(db, row),
        long_date=claims.long_date,
        learner_claims=claims.rpl_learner(db, row) is not None,
        flash=flash,
        status_form=status_form or {},
        status_code=code,
    )


@router.get("/orgs/{org}/credentials/{credential_id}", response_class=HTMLResponse)
def credential_page(request: Request, org: str, credential_id: uuid.UUID, caller: Educators, db: DB) -> Response:
    return _credential_page(request, caller, db, credential_id)


@router.get("/orgs/{org}/credentials/{credential_id}/credential.json")
def credential_json(request: Request, org: str, credential_id: uuid.UUID, caller: Educators, db: DB) -> Response:
    return _json_download(credentials.find_issued(db, caller.org, credential_id))


@router.get("/orgs/{org}/credentials/{credential_id}/badge.{form}")
def credential_badge(org: str, credential_id: uuid.UUID, form: str, caller: Educators, db: DB) -> Response:
    """The Open Badge baked into its image (PNG or SVG), the credential inside it."""
    image = baking.baked_badge(credentials.find_issued(db, caller.org, credential_id).document, form)
    media = baking.MEDIA_TYPES[form]  # baked_badge refused any other form
    disposition = f'attachment; filename="badge-{credential_id}.{form}"'
    return Response(image, media_type=media, headers={"Content-Disposition": disposition})


@router.get("/orgs/{org}/credentials/{credential_id}/credential.pdf")
def credential_pdf(request: Request, org: str, credential_id: uuid.UUID, caller: Educators, db: DB) -> Response:
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


def _credential_again(
    error: MicrocredError,
    request: Request,
    caller: Caller,
    db: Session,
    credential_id: uuid.UUID,
    action: str = "",
    reason: str = "",
    **_: Any,
) -> Response:
    """The page again with the refusal at the top, linked to the box it is about, and the reason as typed."""
    field: str | None
    if action == "revoke":
        field = "revoke-confirm" if error.code == "revocation_unconfirmed" else "revoke-reason"
    else:
        field = "reason" if action in ("suspend", "reinstate") else None
    form = {"action": action, "reason": reason, "field": field or ""}
    return _credential_page(
        request, caller, db, credential_id, error=error.detail, code=STATUS[error.kind], status_form=form
    )


@router.post("/orgs/{org}/credentials/{credential_id}/status", response_class=HTMLResponse)
@refusing(_credential_again)
def credential_status(
    request: Request,
    org: str,
    credential_id: uuid.UUID,
    row: OurCredential,
    caller: Educators,
    db: DB,
    action: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    confirm: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    changes = {"revoke": ("revocation", True), "suspend": ("suspension", True), "reinstate": ("suspension", False)}
    if action not in changes:
        raise InvalidInput("Choose revoke, suspend or reinstate.", code="invalid_status")
    if action == "revoke" and confirm != "revoke":
        raise InvalidInput(
            "Tick the box to confirm: a revocation is for good, it cannot be undone.", code="revocation_unconfirmed"
        )
    purpose, value = changes[action]
    status.change(db, caller.signed_in, caller.org, f"urn:uuid:{row.id}", purpose=purpose, value=value, reason=reason)
    return done(f"/orgs/{caller.org.slug}/credentials/{credential_id}", action)


@router.get("/orgs/{org}/credentials/{credential_id}/credential-elm.json")
def credential_elm_json(request: Request, org: str, credential_id: uuid.UUID, caller: Educators, db: DB) -> Response:
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


def _claim_link_again(
    error: MicrocredError, request: Request, caller: Caller, db: Session, credential_id: uuid.UUID, **_: Any
) -> Response:
    return _credential_page(request, caller, db, credential_id, claim_error=error.detail, code=STATUS[error.kind])


@router.post("/orgs/{org}/credentials/{credential_id}/claim-link", response_class=HTMLResponse)
@refusing(_claim_link_again)  # an RPL case's credential is refused (Forbidden): its learner links it
def claim_link(
    request: Request,
    org: str,
    credential_id: uuid.UUID,
    row: OurCredential,
    caller: Educators,
    db: DB,
    days: Annotated[int, Form(ge=1, le=claims.MAX_DAYS)] = claims.DEFAULT_DAYS,
    current: Annotated[str, Form(max_length=64)] = "",
    confirm: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """A new link, shown in place (only once: no redirect). The form names the link it saw (`current`): sent again
    by a reload, it finds the link changed and makes nothing; a live link is replaced only when confirmed."""
    made = claims.new_link(
        db,
        caller.signed_in,
        caller.org,
        row.id,
        base_url=settings_of(request).base_url,
        days=days,
        replacing=current,
        confirmed=confirm == "yes",
    )
    return _credential_page(request, caller, db, credential_id, claim=made, flash=FLASH["claim_link"])


# The learner's side of a claim link ----------------------------------------------------------------------


def _claim_page(
    request: Request,
    caller: Caller,
    db: Session,
    token: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **signing_up: Any,
) -> Response:
    """A live link's credential and what its holder can do; a used or expired one says which (claimed: "your
    wallet" to the account that claimed it, only the date to anyone else); a wrong token is a plain 404."""
    row, link = claims.look_up(db, token)
    if not link.live:
        claimed, user = link.claimed, caller.actor.user if caller.actor is not None else None
        return render(
            request,
            "claim.html",
            caller,
            db=db,
            title="Claim link",
            gone=claims.refusal(row, link),
            claimed_on=claims.long_date(claimed.on) if claimed else None,
            wallet_id=claimed.wallet_id if claimed and user is not None and user.id == claimed.user_id else None,
            status_code=410,
        )
    claims.opened(db, row)
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
        min_password=MIN_PASSWORD_LENGTH,
        status_code=status_code,
        headers=headers,
        **signing_up,
    )


@router.get("/claim/{token}", response_class=HTMLResponse)
def claim_page(request: Request, token: str, caller: Anyone, db: DB) -> Response:
    return _claim_page(request, caller, db, token)


# Which field of the sign-up form an error is about, by its code (none: about the whole form).
_SIGN_UP_FIELDS = {"invalid_email": "signup-email", "invalid_name": "signup-name", "weak_password": "signup-password"}


def _sign_up_again(
    error: MicrocredError, request: Request, caller: Caller, db: Session, token: str, name: str, email: str, **_: Any
) -> Response:
    """The claim page again, the error by its field, what was typed (not the password); or the link's refusal."""
    return _claim_page(
        request,
        caller,
        db,
        token,
        status_code=STATUS[error.kind],
        headers={"Retry-After": str(error.retry_after)} if error.retry_after else None,
        signup_error=error.detail,
        signup_field=_SIGN_UP_FIELDS.get(error.code),
        name=name,
        email=email,
    )


@router.post("/claim/{token}/sign-up", response_class=HTMLResponse)
@refusing(_sign_up_again)
def claim_sign_up(
    request: Request,
    token: str,
    caller: Anyone,
    db: DB,
    name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """A learner makes an account on a live claim link (not an open sign-up page) and comes back signed in; an email
    that has an account gets the same answer, unchanged and not signed in (accounts.signup says why)."""
    claims.open_link(db, token)
    if caller.actor is not None:
        return RedirectResponse(f"/claim/{token}", status_code=303)
    settings = settings_of(request)  # the login's slow-down per address, as the deployment sets it
    wait, free = settings.login_max_delay_seconds, settings.login_address_free_failures
    policy = login.ThrottlePolicy(max_delay_seconds=wait, address_free_failures=free)
    user = signup.sign_up(db, email=email, display_name=name, password=password, ip=client_ip(request), policy=policy)
    answer = done(f"/claim/{token}", "claim_signup")
    return answer if user is None else start_browser_session(request, db, user, answer)


@router.get("/claim/{token}/credential.json")
def claim_json(token: str, caller: Anyone, db: DB) -> Response:
    return _json_download(claims.open_link(db, token))


@router.get("/claim/{token}/credential-elm.json")
def claim_elm(token: str, caller: Anyone, db: DB) -> Response:
    return _elm_download(claims.open_link(db, token))


@router.get("/claim/{token}/credential.pdf")
def claim_pdf(request: Request, token: str, caller: Anyone, db: DB) -> Response:
    return _pdf_download(request, claims.open_link(db, token))


# Where the QR code of each issued credential's PDF leads: both its forms verified --------------------------


@router.get("/verify/{credential_id}", response_class=HTMLResponse)
def verify_issued(
    request: Request,
    credential_id: uuid.UUID,
    caller: Anyone,
    db: DB,
    lang: Annotated[str | None, Query(pattern="^[a-z]{2,3}$")] = None,
) -> Response:
    row = credentials.find_public(db, credential_id)
    verify = verifier_of(request, db)
    reports = [("Open Badge", verify(disclosure.full_disclosure(row.document)))]  # an ecdsa-sd-2023 base proof: derived
    announce_verification(request, db, row.document, reports[0][1], "page")
    if row.elm_document:
        reports.append(("European Digital Credential", verify(row.elm_document)))
    return render(  # the verifier's page (verify.html), showing this credential's verdicts
        request,
        "verify.html",
        caller,
        db=db,
        title="Verify a credential",
        reports=[(label, report, checks.summary(report, lang)) for label, report in reports],
        language=lang,
        language_links=True,
        error=None,
        status_code=200,
    )


# Issuing many: a CSV file from the page, issued in the background with its progress shown -----------------


_PROBLEMS_SHOWN = 20  # a file's problems listed at the top of the page at most, the first ones


def _nothing_issued(
    error: MicrocredError, request: Request, caller: Caller, db: Session, spec: Specification, **_: Any
) -> Response:
    """The issue page again with the file's problems at the top, one a line, each leading to the file box (the
    file checker lists them in the refusal's `problems`; any other refusal is its one sentence)."""
    problems = [str(problem) for problem in getattr(error, "problems", None) or []]
    shown = problems[:_PROBLEMS_SHOWN] or [error.detail]
    if len(problems) > _PROBLEMS_SHOWN:
        shown.append(f"And {len(problems) - _PROBLEMS_SHOWN} more problems after these.")
    errors: list[tuple[str | None, str]] = [("batch-file", sentence) for sentence in shown]
    return _issue_page(request, caller, db, spec, errors=errors, csv_errors=problems, code=STATUS[error.kind])


@router.post("/orgs/{org}/specifications/{spec_id}/issue-batch", response_class=HTMLResponse)
@refusing(_nothing_issued)
def issue_batch_form(
    request: Request,
    org: str,
    spec_id: uuid.UUID,
    spec: OurSpecification,
    background: BackgroundTasks,
    caller: Educators,
    db: DB,
    file: Annotated[UploadFile, File()],
) -> Response:
    raw = file.file.read(batch.MAX_BYTES + 1)  # a plain def: checking runs off the event loop
    if not spec.editions:
        raise InvalidInput("Publish the micro-credential before issuing it.", code="not_published")
    number = spec.editions[-1].number
    rows = batch.parse(raw, spec_id=spec.id, edition=number)
    job = batch.start(db, caller.signed_in, caller.org, spec.id, number, rows)
    settings = settings_of(request)
    batch.schedule(
        background.add_task,
        request.app.state.database,
        job,
        base_url=settings.base_url,
        master=master_of(request),
        tsa_url=settings.tsa_url,
    )
    return done(f"/orgs/{caller.org.slug}/runs/{job.id}", "run-started")


@router.get("/orgs/{org}/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, org: str, run_id: uuid.UUID, caller: Educators, db: DB) -> Response:
    job = batch.find_run(db, caller.org, run_id)
    spec = design.get(db, caller.org, job.specification_id)
    outcomes = batch.outcomes_of(job)
    counts = {name: sum(1 for o in outcomes if o.status == name) for name in ("issued", "already issued", "failed")}
    return render(
        request, "run.html", caller, db=db, title="Issuing", job=job, spec=spec, outcomes=outcomes, counts=counts
    )


# Keys and the seal certificate ---------------------------------------------------------------------------


def _signing_page(
    request: Request,
    caller: Caller,
    db: DB,
    *,
    error: str | None = None,
    error_field: str | None = None,
    code: int = 200,
) -> Response:
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
        error_field=error_field,
        status_code=code,
    )


@router.get("/orgs/{org}/signing", response_class=HTMLResponse)
def signing_page(request: Request, org: str, caller: OrgAdmins, db: DB) -> Response:
    return _signing_page(request, caller, db)


def _signing_again(error: MicrocredError, request: Request, caller: Caller, db: Session, **form: Any) -> Response:
    """The page again with the refusal at the top, linked to the box it is about: the seal form's password when the
    file opened but the password did not fit, else its file; the algorithm for a rotation."""
    field = "algorithm"
    if "file" in form:
        field = "p12_password" if "password" in error.detail.lower() else "p12"
    return _signing_page(request, caller, db, error=error.detail, error_field=field, code=STATUS[error.kind])


@router.post("/orgs/{org}/signing/rotate", response_class=HTMLResponse)
@refusing(_signing_again)
def rotate_form(
    request: Request, org: str, caller: OrgAdmins, db: DB, algorithm: Annotated[str, Form(max_length=10)] = ""
) -> Response:
    keys.rotate(db, caller.signed_in, caller.org, algorithm, master_of(request))
    return done(f"/orgs/{caller.org.slug}/signing", "key-rotated")


@router.post("/orgs/{org}/signing/seal-certificate", response_class=HTMLResponse)
@refusing(_signing_again)
def seal_certificate_form(
    request: Request,
    org: str,
    caller: OrgAdmins,
    db: DB,
    file: Annotated[UploadFile, File()],
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    data = file.file.read(seals.MAX_PKCS12_BYTES + 1)  # a plain def: parsing runs off the event loop
    seals.import_pkcs12(db, caller.signed_in, caller.org, data, password or None, master_of(request))
    return done(f"/orgs/{caller.org.slug}/signing", "seal-imported")
