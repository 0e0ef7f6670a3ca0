"""Recognition of prior learning, as JSON: the organisation's cases (officers, educators and admins) and the
learner's own (`/api/me/rpl`), through the four stages to an issued credential."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from microcred.recognition import rpl, rpl_assessment, rpl_certification, rpl_evidence, rpl_identification
from microcred.recognition.models import RplCase, RplEvidence, RplState
from microcred.recognition.schemas import (
    AssessmentIn,
    ClaimLinkOut,
    MyRplCaseListedOut,
    OpenIn,
    OpenMineIn,
    OwnerIn,
    ReasonIn,
    RplAssessedOut,
    RplAssessmentOut,
    RplCaseListedOut,
    RplCaseOut,
    RplClosureOut,
    RplEvidenceOut,
    RplExperienceOut,
    RplIdentificationOut,
    RplOutcomeOut,
    RplPersonOut,
    RplStageOut,
    StageIn,
)
from microcred.web.downloads import attachment
from microcred.web.security import DB, Caller, SignedIn, Staff, master_of, settings_of

router = APIRouter(prefix="/api", tags=["recognition of prior learning"])


def evidence_out(row: RplEvidence) -> RplEvidenceOut:
    return RplEvidenceOut(
        id=row.id,
        filename=row.filename,
        media_type=row.media_type,
        size=row.size,
        sha256=row.sha256,
        note=row.note,
        outcomes=row.outcomes,
        uploaded_by=row.uploaded_by,
        created_at=row.created_at,
    )


def case_out(db: Session, case: RplCase) -> RplCaseOut:
    row = rpl.row_of(db, case)
    found = rpl_identification.identification(db, case)
    return RplCaseOut(
        id=case.id,
        organisation=row.organisation.slug,
        specification_id=case.specification_id,
        edition=case.edition_number,
        title=row.title,
        learner=RplPersonOut(name=row.learner.display_name, email=row.learner.email),
        owner=RplPersonOut(name=row.owner.display_name, email=row.owner.email) if row.owner else None,
        state=case.state,
        opened_at=case.opened_at,
        stages=[
            RplStageOut(stage=stage, started_at=started, ended_at=ended)
            for stage, started, ended in rpl.stage_dates(case)
        ],
        identification=RplIdentificationOut(
            shared=found.shared,
            taken_at=found.taken_at,
            covered=found.covered,
            outcomes=[
                RplOutcomeOut(
                    number=o.number,
                    text=o.text,
                    skills=[uri for uri, _label in o.skills],
                    matched=[m["uri"] for m in o.matched],
                    status=o.status,
                )
                for o in found.outcomes
            ],
            experiences=[RplExperienceOut.model_validate(e) for e in found.experiences],
        ),
        evidence=[evidence_out(e) for e in rpl.evidence_of(db, case)],
        assessment=None
        if case.result is None
        else RplAssessmentOut(
            outcomes=None if case.assessment is None else [RplAssessedOut.model_validate(a) for a in case.assessment],
            result=case.result,
            grade=case.grade,
            comment=case.assessment_comment,
            assessed_at=case.assessed_at,
        ),
        credential_id=f"urn:uuid:{case.credential_id}" if case.credential_id else None,
        closure=None
        if case.closure is None
        else RplClosureOut(kind=case.closure, reason=case.closed_reason, closed_at=case.closed_at),
    )


def learner_view(db: Session, case: RplCase) -> RplCaseOut:
    """What the learner sees: the assessment once it is settled (the owner may revise it while assessing)."""
    shown = case_out(db, case)
    if case.state == RplState.ASSESSMENT:
        return shown.model_copy(update={"assessment": None})
    return shown


def evidence_download(row: RplEvidence) -> Response:
    """The file as a download, never shown inline, with the type its content was found to be."""
    headers = {"Content-Disposition": attachment(row.filename), **rpl_evidence.SERVED_HEADERS}
    return Response(row.content, media_type=rpl_evidence.served_type(row), headers=headers)


# Optional in the signature so that the case is looked up (and a foreign one not found) before the file is asked for.
EvidenceFile = Annotated[UploadFile | None, File(description="PDF, PNG, JPEG or plain text, at most 5 MiB")]
Outcomes = Annotated[list[int] | None, Form(description="Numbers (from 1) of the learning outcomes the file supports")]
Note = Annotated[str, Form(max_length=rpl_evidence.MAX_NOTE)]


# The organisation's side ----------------------------------------------------------------------------------


@router.get("/orgs/{org}/rpl", summary="The organisation's RPL cases, newest first")
def list_cases(
    org: str,
    caller: Staff,
    db: DB,
    state: Annotated[RplState | None, Query(description="Only cases in this state")] = None,
) -> list[RplCaseListedOut]:
    return [
        RplCaseListedOut(
            id=row.case.id,
            title=row.title,
            learner=row.learner.email,
            owner=row.owner.email if row.owner else None,
            state=row.case.state,
            opened_at=row.case.opened_at,
        )
        for row in rpl.cases_of_organisation(db, caller.org, state)
    ]


@router.post("/orgs/{org}/rpl", status_code=201, summary="Open an RPL case for a member of the organisation")
def open_case(org: str, body: OpenIn, caller: Staff, db: DB) -> RplCaseOut:
    case = rpl.open_for_learner(
        db, caller.signed_in, caller.org, spec_id=body.specification_id, learner_email=body.learner_email
    )
    return case_out(db, case)


@router.get("/orgs/{org}/rpl/{case_id}", summary="An RPL case: stages, identification, evidence, assessment")
def get_case(org: str, case_id: uuid.UUID, caller: Staff, db: DB) -> RplCaseOut:
    return case_out(db, rpl.case_for_staff(db, caller.org, case_id))


@router.post("/orgs/{org}/rpl/{case_id}/owner", summary="Take the case, or hand it to an officer or educator")
def assign_owner(org: str, case_id: uuid.UUID, body: OwnerIn, caller: Staff, db: DB) -> RplCaseOut:
    case = rpl.case_for_staff(db, caller.org, case_id, lock=True)
    rpl.assign_owner(db, caller.signed_in, caller.org, case, body.owner_email)
    return case_out(db, case)


@router.post("/orgs/{org}/rpl/{case_id}/stage", summary="Move the case to its next stage (the owner)")
def move_case(org: str, case_id: uuid.UUID, body: StageIn, caller: Staff, db: DB) -> RplCaseOut:
    case = rpl.case_for_staff(db, caller.org, case_id, lock=True)
    rpl.advance(db, caller.signed_in, case, body.to)
    return case_out(db, case)


def _evidence_added(
    db: Session, caller: Caller, case: RplCase, file: UploadFile | None, outcomes: list[int] | None, note: str
) -> RplEvidenceOut:
    """An uploaded evidence file added to the case, by its owner or by the learner."""
    data = rpl_evidence.read_upload(file.file if file is not None else None)
    name = file.filename if file is not None and file.filename else ""
    row = rpl_evidence.add_evidence(
        db, caller.signed_in, case, filename=name, data=data, note=note, outcomes=outcomes or []
    )
    return evidence_out(row)


@router.post("/orgs/{org}/rpl/{case_id}/evidence", status_code=201, summary="Add an evidence file (the owner)")
def add_evidence(
    org: str,
    case_id: uuid.UUID,
    caller: Staff,
    db: DB,
    file: EvidenceFile = None,
    outcomes: Outcomes = None,
    note: Note = "",
) -> RplEvidenceOut:
    case = rpl.case_for_staff(db, caller.org, case_id, lock=True)
    return _evidence_added(db, caller, case, file, outcomes, note)


@router.get(
    "/orgs/{org}/rpl/{case_id}/evidence/{evidence_id}", summary="Download an evidence file", response_class=Response
)
def get_evidence(org: str, case_id: uuid.UUID, evidence_id: uuid.UUID, caller: Staff, db: DB) -> Response:
    case = rpl.case_for_staff(db, caller.org, case_id)
    return evidence_download(rpl_evidence.evidence_file(db, case, evidence_id))


@router.put("/orgs/{org}/rpl/{case_id}/assessment", summary="Record the assessment (the owner, never the learner)")
def record_assessment(org: str, case_id: uuid.UUID, body: AssessmentIn, caller: Staff, db: DB) -> RplCaseOut:
    case = rpl.case_for_staff(db, caller.org, case_id, lock=True)
    rpl_assessment.record_assessment(db, caller.signed_in, case, body.model_dump())
    return case_out(db, case)


@router.post(
    "/orgs/{org}/rpl/{case_id}/certify",
    summary="Issue the credential after a passed assessment (once); the learner makes the claim link",
)
def certify(request: Request, org: str, case_id: uuid.UUID, caller: Staff, db: DB) -> RplCaseOut:
    case = rpl.case_for_staff(db, caller.org, case_id, lock=True)
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
    return case_out(db, case)


@router.post("/orgs/{org}/rpl/{case_id}/close", summary="Close the case as not passed, with the reason (the owner)")
def close_case(org: str, case_id: uuid.UUID, body: ReasonIn, caller: Staff, db: DB) -> RplCaseOut:
    case = rpl.case_for_staff(db, caller.org, case_id, lock=True)
    rpl_certification.close_not_passed(db, caller.signed_in, case, body.reason)
    return case_out(db, case)


# The learner's side ---------------------------------------------------------------------------------------


@router.get("/me/rpl", summary="My RPL cases")
def my_cases(caller: SignedIn, db: DB) -> list[MyRplCaseListedOut]:
    return [
        MyRplCaseListedOut(
            id=row.case.id,
            title=row.title,
            organisation=row.organisation.slug,
            state=row.case.state,
            opened_at=row.case.opened_at,
        )
        for row in rpl.cases_of_learner(db, caller.person)
    ]


@router.post("/me/rpl", status_code=201, summary="Ask for my prior learning to be validated against a micro-credential")
def open_mine(body: OpenMineIn, caller: SignedIn, db: DB) -> RplCaseOut:
    case = rpl.open_by_learner(db, caller.signed_in, body.specification_id)
    return learner_view(db, case)


@router.get("/me/rpl/{case_id}", summary="My RPL case")
def my_case(case_id: uuid.UUID, caller: SignedIn, db: DB) -> RplCaseOut:
    return learner_view(db, rpl.case_for_learner(db, caller.person, case_id))


@router.post("/me/rpl/{case_id}/profile", summary="Share my skills profile with the case (identification)")
def share_profile(case_id: uuid.UUID, caller: SignedIn, db: DB) -> RplCaseOut:
    case = rpl.case_for_learner(db, caller.person, case_id, lock=True)
    rpl.share_profile(db, caller.signed_in, case)
    return learner_view(db, case)


@router.post("/me/rpl/{case_id}/stage", summary="Move my case on: to documentation, then to assessment")
def move_mine(case_id: uuid.UUID, body: StageIn, caller: SignedIn, db: DB) -> RplCaseOut:
    case = rpl.case_for_learner(db, caller.person, case_id, lock=True)
    rpl.advance(db, caller.signed_in, case, body.to)
    return learner_view(db, case)


@router.post("/me/rpl/{case_id}/evidence", status_code=201, summary="Add an evidence file to my case")
def add_my_evidence(
    case_id: uuid.UUID,
    caller: SignedIn,
    db: DB,
    file: EvidenceFile = None,
    outcomes: Outcomes = None,
    note: Note = "",
) -> RplEvidenceOut:
    case = rpl.case_for_learner(db, caller.person, case_id, lock=True)
    return _evidence_added(db, caller, case, file, outcomes, note)


@router.get(
    "/me/rpl/{case_id}/evidence/{evidence_id}", summary="Download an evidence file of my case", response_class=Response
)
def get_my_evidence(case_id: uuid.UUID, evidence_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    case = rpl.case_for_learner(db, caller.person, case_id)
    return evidence_download(rpl_evidence.evidence_file(db, case, evidence_id))


@router.delete("/me/rpl/{case_id}/evidence/{evidence_id}", status_code=204, summary="Take back a file I uploaded")
def remove_my_evidence(case_id: uuid.UUID, evidence_id: uuid.UUID, caller: SignedIn, db: DB) -> Response:
    case = rpl.case_for_learner(db, caller.person, case_id, lock=True)
    rpl_evidence.remove_evidence(db, caller.signed_in, case, evidence_id)
    return Response(status_code=204)


@router.post("/me/rpl/{case_id}/withdraw", summary="Withdraw my case, with the reason")
def withdraw_mine(case_id: uuid.UUID, body: ReasonIn, caller: SignedIn, db: DB) -> RplCaseOut:
    case = rpl.case_for_learner(db, caller.person, case_id, lock=True)
    rpl_certification.withdraw(db, caller.signed_in, case, body.reason)
    return learner_view(db, case)


@router.post("/me/rpl/{case_id}/claim-link", summary="A claim link for the credential of my certified case")
def my_claim_link(request: Request, case_id: uuid.UUID, caller: SignedIn, db: DB) -> ClaimLinkOut:
    case = rpl.case_for_learner(db, caller.person, case_id, lock=True)
    url, expires = rpl_certification.learner_claim_link(
        db, caller.signed_in, case, base_url=settings_of(request).base_url
    )
    return ClaimLinkOut(claim_url=url, expires_at=expires)
