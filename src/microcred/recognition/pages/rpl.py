"""HTML routes of recognition of prior learning: the organisation's case list and case page (owner, stages,
evidence, the assessment form, the certify button), and the learner's side — asking from a catalogue page,
their cases, and their case page (identification, evidence upload, state, the claim of the credential)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from microcred.accounts.models import Role
from microcred.design import catalogue
from microcred.design import service as design
from microcred.errors import InvalidInput, MicrocredError
from microcred.recognition import rpl, rpl_assessment, rpl_certification, rpl_evidence, rpl_identification
from microcred.recognition.models import RplCase, RplEvidence, RplResult, RplState
from microcred.web.downloads import attachment
from microcred.web.errors import STATUS
from microcred.web.flash import done
from microcred.web.forms import confirmed, refusing
from microcred.web.security import DB, Caller, SignedIn, Staff, master_of, settings_of
from microcred.web.templating import render

router = APIRouter(include_in_schema=False)
Short = Annotated[str, Form(max_length=320)]
Reason = Annotated[str, Form(max_length=rpl_certification.MAX_REASON)]
Note = Annotated[str, Form(max_length=rpl_evidence.MAX_NOTE)]
Confirm = Annotated[str, Form(max_length=10)]
Again = Callable[..., Response]

# A refusal about one field says so first ("owner_email: …", "outcomes.2.comment: …"): the page shows the sentence
# without the name and links it to the field. Each form's fields, by that name or the refusal's code; {n} is the
# outcome's number.
_NAMED = re.compile(r"([a-z_]+(?:\.\d+\.[a-z_]+)?): (.+)", re.DOTALL)
OWNER_FIELDS = {"owner_email": "owner-email", "rpl_invalid_owner": "owner-email"}
EVIDENCE_FIELDS = {
    "file": "evidence-file",
    "invalid_evidence": "evidence-file",
    "invalid_evidence_type": "evidence-file",
    "evidence_too_large": "evidence-file",
    "outcomes": "evidence-outcome-1",
    "note": "evidence-note",
    "invalid_text": "evidence-note",
}
ASSESSMENT_FIELDS = {
    "outcomes": "demonstrated-1",
    "outcomes.{n}.comment": "outcome-comment-{n}",
    "result": "assessment-result-field",
    "invalid_text": "assessment-comment",
}
CLOSE_FIELDS = {"invalid_text": "close-reason", "not_confirmed": "close-confirm"}
WITHDRAW_FIELDS = {"invalid_text": "withdraw-reason", "not_confirmed": "withdraw-confirm"}
OPEN_FIELDS = {"learner_email": "rpl-learner", "learner_not_member": "rpl-learner", "invalid_request": "rpl-spec"}


def _refusal(error: MicrocredError, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """The refusal's sentence for a person, the form field it is about (for the error summary's link) and the
    status."""
    fields = fields or {}
    detail, field = error.detail, fields.get(error.code)
    named = _NAMED.fullmatch(detail)
    if named:
        name, rest = named.groups()
        detail = rest[:1].upper() + rest[1:] if rest.split(" ", 1)[0].isalpha() else rest  # not an email
        number = re.search(r"\d+", name)
        template = fields.get(re.sub(r"\d+", "{n}", name)) or field
        field = template.replace("{n}", number.group() if number else "") if template else None
    return {"error": detail, "error_field": field, "code": STATUS[error.kind]}


def _typed(arguments: dict[str, Any]) -> dict[str, Any]:
    """What the person typed into the refused form (text and lists), to show it again."""
    return {key: value for key, value in arguments.items() if isinstance(value, str | list)}


def _shared_context(db: Session, case: RplCase) -> dict[str, Any]:
    """What both sides' case pages show."""
    row = rpl.row_of(db, case)
    _spec, content = rpl.edition_of(db, case)
    return {
        "case": case,
        "row": row,
        "content": content,
        "found": rpl_identification.identification(db, case, content),
        "stages": rpl.stage_dates(case),
        "evidence": rpl.evidence_of(db, case),
        "methods": rpl_assessment.METHODS,
        "allowed": rpl_evidence.ALLOWED,
        "max_file": rpl_evidence.MAX_FILE_BYTES // (1024 * 1024),
        "next_stage": _next_stage(case),
        "States": RplState,
    }


def _next_stage(case: RplCase) -> RplState | None:
    if case.state not in rpl.STAGES or case.state == RplState.CERTIFICATION:
        return None
    return rpl.STAGES[rpl.STAGES.index(case.state) + 1]


def _download(row: RplEvidence) -> Response:
    """The file as a download, never shown inline, with the type its content was found to be."""
    headers = {"Content-Disposition": attachment(row.filename), **rpl_evidence.SERVED_HEADERS}
    return Response(row.content, media_type=rpl_evidence.served_type(row), headers=headers)


def _staff_case(case_id: uuid.UUID, caller: Staff, db: DB) -> RplCase:
    """The organisation's case a form acts on, locked for the change: another organisation's is a 404 before the
    form is read (a refusal then shows the case page again)."""
    return rpl.case_for_staff(db, caller.org, case_id, lock=True)


def _learner_case(case_id: uuid.UUID, caller: SignedIn, db: DB) -> RplCase:
    """The learner's own case a form acts on, locked for the change; anyone else's is a 404."""
    return rpl.case_for_learner(db, caller.person, case_id, lock=True)


StaffCase = Annotated[RplCase, Depends(_staff_case)]
LearnerCase = Annotated[RplCase, Depends(_learner_case)]


# The organisation's side ----------------------------------------------------------------------------------


def _list_page(
    request: Request,
    caller: Caller,
    db: Session,
    state: RplState | None,
    *,
    error: str | None = None,
    error_field: str | None = None,
    code: int = 200,
    kept: dict[str, Any] | None = None,
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
        error_field=error_field,
        kept=kept or {},
        status_code=code,
    )


@router.get("/orgs/{org}/rpl", response_class=HTMLResponse)
def cases_page(
    request: Request, org: str, caller: Staff, db: DB, state: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    chosen = next((s for s in RplState if s.value == state), None)
    return _list_page(request, caller, db, chosen)


def _open_again(error: MicrocredError, request: Request, caller: Caller, db: Session, **typed: Any) -> Response:
    return _list_page(request, caller, db, None, kept=_typed(typed), **_refusal(error, OPEN_FIELDS))


@router.post("/orgs/{org}/rpl", response_class=HTMLResponse)
@refusing(_open_again)
def open_form(
    request: Request,
    org: str,
    caller: Staff,
    db: DB,
    learner_email: Short = "",
    specification_id: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        spec_id = uuid.UUID(specification_id)
    except ValueError:
        raise InvalidInput("Choose the micro-credential to validate against.", code="invalid_request") from None
    case = rpl.open_for_learner(db, caller.signed_in, caller.org, spec_id=spec_id, learner_email=learner_email)
    return done(f"/orgs/{caller.org.slug}/rpl/{case.id}", "rpl-opened")


def _case_page(
    request: Request,
    caller: Caller,
    db: Session,
    case_id: uuid.UUID,
    *,
    error: str | None = None,
    error_field: str | None = None,
    code: int = 200,
    kept: dict[str, Any] | None = None,
) -> Response:
    case = rpl.case_for_staff(db, caller.org, case_id)
    context = _shared_context(db, case)
    kept = kept or {}
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
        assessment=_assessment_rows(case, context, kept),
        Passed=RplResult,
        error=error,
        error_field=error_field,
        kept=kept,
        status_code=code,
        **context,
    )


def _assessment_rows(
    case: RplCase, context: dict[str, Any], kept: dict[str, Any]
) -> list[tuple[int, str, dict[str, Any]]]:
    """Each outcome with what was recorded for it (empty before the first assessment), or what was typed into a
    refused form, for the form."""
    content = context["content"]
    recorded = {entry["outcome"]: entry for entry in case.assessment or []}
    if "demonstrated" in kept:
        answers, methods, comments = (kept.get(k) or [] for k in ("demonstrated", "method", "outcome_comment"))
        recorded = {
            i + 1: {
                "demonstrated": answer == "yes",
                "method": methods[i] if i < len(methods) else "",
                "comment": comments[i] if i < len(comments) else "",
            }
            for i, answer in enumerate(answers)
        }
    return [
        (number, outcome.text, recorded.get(number, {}))
        for number, outcome in enumerate(content.learning_outcomes, start=1)
    ]


@router.get("/orgs/{org}/rpl/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, org: str, case_id: uuid.UUID, caller: Staff, db: DB) -> Response:
    return _case_page(request, caller, db, case_id)


def _staff_again(fields: dict[str, str] | None = None) -> Again:
    """The case page again with the reason and what was typed, nothing of the refused action written."""

    def again(
        error: MicrocredError, request: Request, caller: Caller, db: Session, case_id: uuid.UUID, **typed: Any
    ) -> Response:
        return _case_page(request, caller, db, case_id, kept=_typed(typed), **_refusal(error, fields))

    return again


def _staff_done(caller: Caller, case_id: uuid.UUID, key: str, place: str = "") -> Response:
    """The case page, saying what was done (FLASH[key]), at `place` on it if given."""
    return done(f"/orgs/{caller.org.slug}/rpl/{case_id}{place}", key)


@router.post("/orgs/{org}/rpl/{case_id}/owner", response_class=HTMLResponse)
@refusing(_staff_again(OWNER_FIELDS))
def owner_form(
    request: Request, org: str, case_id: uuid.UUID, caller: Staff, db: DB, case: StaffCase, owner_email: Short = ""
) -> Response:
    rpl.assign_owner(db, caller.signed_in, caller.org, case, owner_email or None)
    me = caller.actor.user.id if caller.actor and caller.actor.user else None
    return _staff_done(caller, case_id, "rpl-taken" if case.owner_id == me else "rpl-assigned")


@router.post("/orgs/{org}/rpl/{case_id}/stage", response_class=HTMLResponse)
@refusing(_staff_again())
def stage_form(
    request: Request,
    org: str,
    case_id: uuid.UUID,
    caller: Staff,
    db: DB,
    case: StaffCase,
    to: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    rpl.advance(db, caller.signed_in, case, to)
    return _staff_done(caller, case_id, f"rpl-{case.state.value}")


@router.post("/orgs/{org}/rpl/{case_id}/evidence", response_class=HTMLResponse)
@refusing(_staff_again(EVIDENCE_FIELDS))
def evidence_form(
    request: Request,
    org: str,
    case_id: uuid.UUID,
    caller: Staff,
    db: DB,
    case: StaffCase,
    file: Annotated[UploadFile, File()],
    outcomes: Annotated[list[int] | None, Form()] = None,
    note: Note = "",
) -> Response:
    data = rpl_evidence.read_upload(file.file)
    rpl_evidence.add_evidence(
        db, caller.signed_in, case, filename=file.filename or "", data=data, note=note, outcomes=outcomes or []
    )
    return _staff_done(caller, case_id, "rpl-evidence-added", "#evidence")


@router.get("/orgs/{org}/rpl/{case_id}/evidence/{evidence_id}")
def evidence_file(org: str, case_id: uuid.UUID, evidence_id: uuid.UUID, caller: Staff, db: DB) -> Response:
    case = rpl.case_for_staff(db, caller.org, case_id)
    return _download(rpl_evidence.evidence_file(db, case, evidence_id))


@router.post("/orgs/{org}/rpl/{case_id}/assessment", response_class=HTMLResponse)
@refusing(_staff_again(ASSESSMENT_FIELDS))
def assessment_form(
    request: Request,
    org: str,
    case_id: uuid.UUID,
    caller: Staff,
    db: DB,
    case: StaffCase,
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
    rpl_assessment.record_assessment(db, caller.signed_in, case, record)
    return _staff_done(caller, case_id, "rpl-assessed")


@router.post("/orgs/{org}/rpl/{case_id}/certify", response_class=HTMLResponse)
@refusing(_staff_again())
def certify_form(request: Request, org: str, case_id: uuid.UUID, caller: Staff, db: DB, case: StaffCase) -> Response:
    settings = settings_of(request)
    rpl_certification.certify(
        db,
        caller.signed_in,
        caller.org,
        case,
        base_url=settings.base_url,
        master=master_of(request),
        tsa_url=settings.tsa_url,
    )
    return _staff_done(caller, case_id, "rpl-certified")


@router.post("/orgs/{org}/rpl/{case_id}/close", response_class=HTMLResponse)
@refusing(_staff_again(CLOSE_FIELDS))
def close_form(
    request: Request,
    org: str,
    case_id: uuid.UUID,
    caller: Staff,
    db: DB,
    case: StaffCase,
    reason: Reason = "",
    confirm: Confirm = "",
) -> Response:
    """Closing as not passed is for good: only with its box ticked."""
    confirmed(confirm, "Tick the box to confirm: a closed case cannot be reopened.")
    rpl_certification.close_not_passed(db, caller.signed_in, case, reason)
    return _staff_done(caller, case_id, "rpl-closed")


# The learner's side ---------------------------------------------------------------------------------------


def _start_page(
    request: Request,
    caller: Caller,
    db: Session,
    spec_id: uuid.UUID,
    *,
    error: str | None = None,
    error_field: str | None = None,
    code: int = 200,
) -> Response:
    found = catalogue.published(db, spec_id)
    return render(
        request,
        "rpl_start.html",
        caller,
        db=db,
        title=f"Recognition of prior learning: {found.content.title}",
        item=found,
        matches=rpl_identification.preview(db, caller.person, found.content),
        error=error,
        error_field=error_field,
        status_code=code,
    )


@router.get("/catalogue/{spec_id}/rpl", response_class=HTMLResponse)
def start_page(request: Request, spec_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    return _start_page(request, caller, db, spec_id)


def _start_again(
    error: MicrocredError, request: Request, caller: Caller, db: Session, spec_id: uuid.UUID, **_: Any
) -> Response:
    """The start page again with the reason, nothing written."""
    return _start_page(request, caller, db, spec_id, **_refusal(error))


def _listed(spec_id: uuid.UUID, caller: SignedIn, db: DB) -> None:
    """Only for a signed-in learner, a micro-credential the catalogue does not list is a 404 before anything is
    tried, its title never shown."""
    catalogue.published(db, spec_id)


@router.post("/catalogue/{spec_id}/rpl", response_class=HTMLResponse, dependencies=[Depends(_listed)])
@refusing(_start_again)
def start_form(request: Request, spec_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    case = rpl.open_by_learner(db, caller.signed_in, spec_id)
    return done(f"/rpl/{case.id}", "rpl-started")


@router.get("/rpl", response_class=HTMLResponse)
def my_cases_page(request: Request, caller: SignedIn, db: DB) -> Response:
    rows = rpl.cases_of_learner(db, caller.person)
    return render(request, "rpl_mine.html", caller, db=db, title="My recognition of prior learning", rows=rows)


def _my_case_page(
    request: Request,
    caller: Caller,
    db: Session,
    case_id: uuid.UUID,
    *,
    error: str | None = None,
    error_field: str | None = None,
    code: int = 200,
    kept: dict[str, Any] | None = None,
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
        claimed=rpl_certification.in_wallet(db, case),
        settled=case.result is not None and case.state != RplState.ASSESSMENT,
        error=error,
        error_field=error_field,
        kept=kept or {},
        status_code=code,
        **context,
    )


@router.get("/rpl/{case_id}", response_class=HTMLResponse)
def my_case_page(request: Request, case_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    return _my_case_page(request, caller, db, case_id)


def _learner_again(fields: dict[str, str] | None = None) -> Again:
    """The learner's case page again with the reason and what was typed, nothing of the refused action written."""

    def again(
        error: MicrocredError, request: Request, caller: Caller, db: Session, case_id: uuid.UUID, **typed: Any
    ) -> Response:
        shown = _refusal(error, fields)
        if shown["error_field"] and "evidence_id" in typed:  # the one file's confirmation box
            shown["error_field"] = shown["error_field"].replace("{evidence_id}", str(typed["evidence_id"]))
        return _my_case_page(request, caller, db, case_id, kept=_typed(typed), **shown)

    return again


def _learner_done(case_id: uuid.UUID, key: str, place: str = "") -> Response:
    """The learner's case page, saying what was done (FLASH[key]), at `place` on it if given."""
    return done(f"/rpl/{case_id}{place}", key)


@router.post("/rpl/{case_id}/profile", response_class=HTMLResponse)
@refusing(_learner_again())
def my_profile_form(request: Request, case_id: uuid.UUID, caller: SignedIn, db: DB, case: LearnerCase) -> Response:
    rpl.share_profile(db, caller.signed_in, case)
    return _learner_done(case_id, "rpl-shared")


@router.post("/rpl/{case_id}/stage", response_class=HTMLResponse)
@refusing(_learner_again())
def my_stage_form(
    request: Request,
    case_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    case: LearnerCase,
    to: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    rpl.advance(db, caller.signed_in, case, to)
    return _learner_done(case_id, f"rpl-{case.state.value}")


@router.post("/rpl/{case_id}/evidence", response_class=HTMLResponse)
@refusing(_learner_again(EVIDENCE_FIELDS))
def my_evidence_form(
    request: Request,
    case_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    case: LearnerCase,
    file: Annotated[UploadFile, File()],
    outcomes: Annotated[list[int] | None, Form()] = None,
    note: Note = "",
) -> Response:
    data = rpl_evidence.read_upload(file.file)
    rpl_evidence.add_evidence(
        db, caller.signed_in, case, filename=file.filename or "", data=data, note=note, outcomes=outcomes or []
    )
    return _learner_done(case_id, "rpl-evidence-added", "#evidence")


@router.get("/rpl/{case_id}/evidence/{evidence_id}")
def my_evidence_file(case_id: uuid.UUID, evidence_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    case = rpl.case_for_learner(db, caller.person, case_id)
    return _download(rpl_evidence.evidence_file(db, case, evidence_id))


@router.post("/rpl/{case_id}/evidence/{evidence_id}/remove", response_class=HTMLResponse)
@refusing(_learner_again({"not_confirmed": "remove-{evidence_id}-confirm"}))
def my_evidence_remove(
    request: Request,
    case_id: uuid.UUID,
    evidence_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    case: LearnerCase,
    confirm: Confirm = "",
) -> Response:
    """A removed file is gone: only with its box ticked (a file the case does not hold is a 404 first)."""
    rpl_evidence.evidence_file(db, case, evidence_id)
    confirmed(confirm, "Tick the box to confirm: a removed evidence file is deleted for good.")
    rpl_evidence.remove_evidence(db, caller.signed_in, case, evidence_id)
    return _learner_done(case_id, "rpl-evidence-removed", "#evidence")


@router.post("/rpl/{case_id}/withdraw", response_class=HTMLResponse)
@refusing(_learner_again(WITHDRAW_FIELDS))
def my_withdraw_form(
    request: Request,
    case_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    case: LearnerCase,
    reason: Reason = "",
    confirm: Confirm = "",
) -> Response:
    """A withdrawn case cannot be reopened: only with its box ticked."""
    confirmed(confirm, "Tick the box to confirm: a withdrawn case cannot be reopened.")
    rpl_certification.withdraw(db, caller.signed_in, case, reason)
    return _learner_done(case_id, "rpl-withdrawn")


@router.post("/rpl/{case_id}/claim", response_class=HTMLResponse)
@refusing(_learner_again())
def my_claim(request: Request, case_id: uuid.UUID, caller: SignedIn, db: DB, case: LearnerCase) -> Response:
    """A fresh claim link, opened at once: it reaches the learner and nobody else."""
    url, _expires = rpl_certification.learner_claim_link(
        db, caller.signed_in, case, base_url=settings_of(request).base_url
    )
    return RedirectResponse(urlparse(url).path, status_code=303)
