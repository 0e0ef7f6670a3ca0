"""HTML routes of recognition of prior learning: the organisation's case list and case page (owner, stages,
evidence, the assessment form, the certify button), and the learner's side — asking from a catalogue page,
their cases, and their case page (identification, evidence upload, state, the claim of the credential)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from microcred.accounts.models import Role
from microcred.design import catalogue
from microcred.design import service as design
from microcred.errors import InvalidInput, MicrocredError, NotFound
from microcred.recognition import rpl
from microcred.recognition.api.rpl import evidence_download, read_upload
from microcred.recognition.models import RplCase, RplResult, RplState
from microcred.web.errors import STATUS
from microcred.web.security import DB, Access, Caller, master_of, settings_of
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)
Staff = Annotated[Caller, Depends(Access.members(Role.ORG_ADMIN, Role.RECOGNITION_OFFICER, Role.EDUCATOR))]
SignedIn = Annotated[Caller, Depends(Access.signed_in())]
Short = Annotated[str, Form(max_length=320)]
Reason = Annotated[str, Form(max_length=rpl.MAX_REASON)]


def _shared_context(db: DB, case: RplCase) -> dict[str, Any]:
    """What both sides' case pages show."""
    row = rpl.row_of(db, case)
    _spec, content = rpl.edition_of(db, case)
    return {
        "case": case,
        "row": row,
        "content": content,
        "found": rpl.identification(db, case, content),
        "stages": rpl.stage_dates(case),
        "evidence": rpl.evidence_of(db, case),
        "methods": rpl.METHODS,
        "allowed": rpl.ALLOWED,
        "max_file": rpl.MAX_FILE_BYTES // (1024 * 1024),
        "next_stage": _next_stage(case),
        "States": RplState,
    }


def _next_stage(case: RplCase) -> RplState | None:
    if case.state not in rpl.STAGES or case.state == RplState.CERTIFICATION:
        return None
    return rpl.STAGES[rpl.STAGES.index(case.state) + 1]


# The organisation's side ----------------------------------------------------------------------------------


def _list_page(
    request: Request, caller: Caller, db: DB, state: RplState | None, *, error: str | None = None, code: int = 200
) -> Response:
    offered = design.offered(db, caller.org)
    return render(
        request,
        "rpl_cases.html",
        caller,
        db=db,
        title="Recognition of prior learning",
        rows=rpl.cases_of_organisation(db, caller.org, state),
        state=state,
        States=RplState,
        offered=offered,
        error=error,
        status_code=code,
    )


@router.get("/orgs/{org}/rpl", response_class=HTMLResponse)
def cases_page(
    request: Request, org: str, caller: Staff, db: DB, state: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    chosen = next((s for s in RplState if s.value == state), None)
    return _list_page(request, caller, db, chosen)


@router.post("/orgs/{org}/rpl", response_class=HTMLResponse)
def open_form(
    request: Request,
    org: str,
    caller: Staff,
    db: DB,
    learner_email: Short = "",
    specification_id: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        try:
            spec_id = uuid.UUID(specification_id)
        except ValueError:
            raise InvalidInput("Choose the micro-credential to validate against.", code="invalid_request") from None
        case = rpl.open_for_learner(db, caller.signed_in, caller.org, spec_id=spec_id, learner_email=learner_email)
    except MicrocredError as error:
        db.rollback()
        return _list_page(request, caller, db, None, error=error.detail, code=STATUS[error.kind])
    db.commit()
    return RedirectResponse(f"/orgs/{caller.org.slug}/rpl/{case.id}", status_code=303)


def _case_page(
    request: Request,
    caller: Caller,
    db: DB,
    case_id: uuid.UUID,
    *,
    error: str | None = None,
    code: int = 200,
) -> Response:
    case = rpl.case_for_staff(db, caller.org, case_id)
    context = _shared_context(db, case)
    me = caller.actor.user.id if caller.actor and caller.actor.user else None
    return render(
        request,
        "rpl_case.html",
        caller,
        db=db,
        title=f"RPL: {context['row'].title} for {context['row'].learner.display_name}",
        is_owner=me is not None and me == case.owner_id,
        is_admin=caller.role == Role.ORG_ADMIN,
        can_own=caller.role in rpl.OWNER_ROLES and me != case.learner_id,
        assessment=_assessment_rows(case, context),
        Passed=RplResult,
        error=error,
        status_code=code,
        **context,
    )


def _assessment_rows(case: RplCase, context: dict[str, Any]) -> list[tuple[int, str, dict[str, Any]]]:
    """Each outcome with what was recorded for it (empty before the first assessment), for the form."""
    content = context["content"]
    recorded = {entry["outcome"]: entry for entry in case.assessment or []}
    return [
        (number, outcome.text, recorded.get(number, {}))
        for number, outcome in enumerate(content.learning_outcomes, start=1)
    ]


@router.get("/orgs/{org}/rpl/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, org: str, case_id: uuid.UUID, caller: Staff, db: DB) -> Response:
    return _case_page(request, caller, db, case_id)


def _staff_action(
    request: Request, caller: Caller, db: DB, case_id: uuid.UUID, action: Callable[[RplCase], object]
) -> Response:
    """Run an action on the locked case; on a refusal, the page again with the reason and nothing written."""
    case = rpl.case_for_staff(db, caller.org, case_id, lock=True)
    try:
        action(case)
    except MicrocredError as error:
        db.rollback()
        return _case_page(request, caller, db, case_id, error=error.detail, code=STATUS[error.kind])
    db.commit()
    return RedirectResponse(f"/orgs/{caller.org.slug}/rpl/{case_id}", status_code=303)


@router.post("/orgs/{org}/rpl/{case_id}/owner", response_class=HTMLResponse)
def owner_form(
    request: Request, org: str, case_id: uuid.UUID, caller: Staff, db: DB, owner_email: Short = ""
) -> Response:
    return _staff_action(
        request,
        caller,
        db,
        case_id,
        lambda case: rpl.assign_owner(db, caller.signed_in, caller.org, case, owner_email or None),
    )


@router.post("/orgs/{org}/rpl/{case_id}/stage", response_class=HTMLResponse)
def stage_form(
    request: Request, org: str, case_id: uuid.UUID, caller: Staff, db: DB, to: Annotated[str, Form(max_length=20)] = ""
) -> Response:
    return _staff_action(request, caller, db, case_id, lambda case: rpl.advance(db, caller.signed_in, case, to))


@router.post("/orgs/{org}/rpl/{case_id}/evidence", response_class=HTMLResponse)
def evidence_form(
    request: Request,
    org: str,
    case_id: uuid.UUID,
    caller: Staff,
    db: DB,
    file: Annotated[UploadFile, File()],
    outcomes: Annotated[list[int] | None, Form()] = None,
    note: Annotated[str, Form(max_length=rpl.MAX_NOTE)] = "",
) -> Response:
    data = read_upload(file)
    return _staff_action(
        request,
        caller,
        db,
        case_id,
        lambda case: rpl.add_evidence(
            db, caller.signed_in, case, filename=file.filename or "", data=data, note=note, outcomes=outcomes or []
        ),
    )


@router.get("/orgs/{org}/rpl/{case_id}/evidence/{evidence_id}")
def evidence_file(org: str, case_id: uuid.UUID, evidence_id: uuid.UUID, caller: Staff, db: DB) -> Response:
    return evidence_download(rpl.evidence_file(db, rpl.case_for_staff(db, caller.org, case_id), evidence_id))


@router.post("/orgs/{org}/rpl/{case_id}/assessment", response_class=HTMLResponse)
def assessment_form(
    request: Request,
    org: str,
    case_id: uuid.UUID,
    caller: Staff,
    db: DB,
    demonstrated: Annotated[list[str] | None, Form(max_length=50)] = None,
    method: Annotated[list[str] | None, Form(max_length=50)] = None,
    outcome_comment: Annotated[list[str] | None, Form(max_length=50)] = None,
    result: Annotated[str, Form(max_length=20)] = "",
    grade: Annotated[str, Form(max_length=100)] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """One row per learning outcome, in order: the three lists line up by position."""
    answers, methods, comments = demonstrated or [], method or [], outcome_comment or []
    record = {
        "outcomes": [
            {
                "demonstrated": answer == "yes",
                "method": methods[i] if i < len(methods) else "",
                "comment": comments[i] if i < len(comments) else "",
            }
            for i, answer in enumerate(answers)
        ],
        "result": result,
        "grade": grade or None,
        "comment": comment,
    }
    return _staff_action(
        request, caller, db, case_id, lambda case: rpl.record_assessment(db, caller.signed_in, case, record)
    )


@router.post("/orgs/{org}/rpl/{case_id}/certify", response_class=HTMLResponse)
def certify_form(request: Request, org: str, case_id: uuid.UUID, caller: Staff, db: DB) -> Response:
    settings = settings_of(request)
    return _staff_action(
        request,
        caller,
        db,
        case_id,
        lambda case: rpl.certify(
            db,
            caller.signed_in,
            caller.org,
            case,
            base_url=settings.base_url,
            master=master_of(request),
            tsa_url=settings.tsa_url,
        ),
    )


@router.post("/orgs/{org}/rpl/{case_id}/close", response_class=HTMLResponse)
def close_form(request: Request, org: str, case_id: uuid.UUID, caller: Staff, db: DB, reason: Reason = "") -> Response:
    return _staff_action(
        request, caller, db, case_id, lambda case: rpl.close_not_passed(db, caller.signed_in, case, reason)
    )


# The learner's side ---------------------------------------------------------------------------------------


def _start_page(
    request: Request, caller: Caller, db: DB, spec_id: uuid.UUID, *, error: str | None = None, code: int = 200
) -> Response:
    found = catalogue.published(db, spec_id)
    return render(
        request,
        "rpl_start.html",
        caller,
        db=db,
        title=f"Recognition of prior learning: {found.content.title}",
        item=found,
        matches=rpl.preview(db, caller.person, found.content),
        error=error,
        status_code=code,
    )


@router.get("/catalogue/{spec_id}/rpl", response_class=HTMLResponse)
def start_page(request: Request, spec_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    return _start_page(request, caller, db, spec_id)


@router.post("/catalogue/{spec_id}/rpl", response_class=HTMLResponse)
def start_form(request: Request, spec_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    try:
        case = rpl.open_by_learner(db, caller.signed_in, spec_id)
    except NotFound:
        raise  # not listed: the 404 page, with nothing written and the caller still loaded to render it
    except MicrocredError as error:
        db.rollback()
        return _start_page(request, caller, db, spec_id, error=error.detail, code=STATUS[error.kind])
    db.commit()
    return RedirectResponse(f"/rpl/{case.id}", status_code=303)


@router.get("/rpl", response_class=HTMLResponse)
def my_cases_page(request: Request, caller: SignedIn, db: DB) -> Response:
    rows = rpl.cases_of_learner(db, caller.person)
    return render(request, "rpl_mine.html", caller, db=db, title="My recognition of prior learning", rows=rows)


def _my_case_page(
    request: Request, caller: Caller, db: DB, case_id: uuid.UUID, *, error: str | None = None, code: int = 200
) -> Response:
    case = rpl.case_for_learner(db, caller.person, case_id)
    context = _shared_context(db, case)
    return render(
        request,
        "rpl_learner_case.html",
        caller,
        db=db,
        title=f"Recognition of prior learning: {context['row'].title}",
        me=caller.person.id,
        claimed=rpl.in_wallet(db, case),
        settled=case.result is not None and case.state != RplState.ASSESSMENT,
        error=error,
        status_code=code,
        **context,
    )


@router.get("/rpl/{case_id}", response_class=HTMLResponse)
def my_case_page(request: Request, case_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    return _my_case_page(request, caller, db, case_id)


def _learner_action(
    request: Request, caller: Caller, db: DB, case_id: uuid.UUID, action: Callable[[RplCase], object]
) -> Response:
    case = rpl.case_for_learner(db, caller.person, case_id, lock=True)
    try:
        action(case)
    except MicrocredError as error:
        db.rollback()
        return _my_case_page(request, caller, db, case_id, error=error.detail, code=STATUS[error.kind])
    db.commit()
    return RedirectResponse(f"/rpl/{case_id}", status_code=303)


@router.post("/rpl/{case_id}/profile", response_class=HTMLResponse)
def my_profile_form(request: Request, case_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    return _learner_action(request, caller, db, case_id, lambda case: rpl.share_profile(db, caller.signed_in, case))


@router.post("/rpl/{case_id}/stage", response_class=HTMLResponse)
def my_stage_form(
    request: Request, case_id: uuid.UUID, caller: SignedIn, db: DB, to: Annotated[str, Form(max_length=20)] = ""
) -> Response:
    return _learner_action(request, caller, db, case_id, lambda case: rpl.advance(db, caller.signed_in, case, to))


@router.post("/rpl/{case_id}/evidence", response_class=HTMLResponse)
def my_evidence_form(
    request: Request,
    case_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    file: Annotated[UploadFile, File()],
    outcomes: Annotated[list[int] | None, Form()] = None,
    note: Annotated[str, Form(max_length=rpl.MAX_NOTE)] = "",
) -> Response:
    data = read_upload(file)
    return _learner_action(
        request,
        caller,
        db,
        case_id,
        lambda case: rpl.add_evidence(
            db, caller.signed_in, case, filename=file.filename or "", data=data, note=note, outcomes=outcomes or []
        ),
    )


@router.get("/rpl/{case_id}/evidence/{evidence_id}")
def my_evidence_file(case_id: uuid.UUID, evidence_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    return evidence_download(rpl.evidence_file(db, rpl.case_for_learner(db, caller.person, case_id), evidence_id))


@router.post("/rpl/{case_id}/evidence/{evidence_id}/remove", response_class=HTMLResponse)
def my_evidence_remove(
    request: Request, case_id: uuid.UUID, evidence_id: uuid.UUID, caller: SignedIn, db: DB
) -> Response:
    return _learner_action(
        request, caller, db, case_id, lambda case: rpl.remove_evidence(db, caller.signed_in, case, evidence_id)
    )


@router.post("/rpl/{case_id}/withdraw", response_class=HTMLResponse)
def my_withdraw_form(request: Request, case_id: uuid.UUID, caller: SignedIn, db: DB, reason: Reason = "") -> Response:
    return _learner_action(request, caller, db, case_id, lambda case: rpl.withdraw(db, caller.signed_in, case, reason))


@router.post("/rpl/{case_id}/claim", response_class=HTMLResponse)
def my_claim(request: Request, case_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    """A fresh claim link, opened at once: it reaches the learner and nobody else."""
    case = rpl.case_for_learner(db, caller.person, case_id, lock=True)
    try:
        url, _expires = rpl.learner_claim_link(db, caller.signed_in, case, base_url=settings_of(request).base_url)
    except MicrocredError as error:
        db.rollback()
        return _my_case_page(request, caller, db, case_id, error=error.detail, code=STATUS[error.kind])
    db.commit()
    return RedirectResponse(urlparse(url).path, status_code=303)
